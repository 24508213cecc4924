/**
 * A minimal client of the Chrome DevTools Protocol, the protocol of Node's inspector:
 * list the targets of an inspector (`GET /json/list`), connect to one over a
 * WebSocket, and evaluate expressions in it (`Runtime.evaluate`). Nothing else is
 * enabled: no debugger domain, no breakpoints, no async stack tracking.
 *
 * @module
 */
import { cancellable, isCancelled, timeout } from 'asyncio-ts';
import { WebSocket, request } from 'undici';
import { hostPort, type Endpoint } from './proc.js';

/** Something went wrong between `aio ps` and the inspected process. */
export class InspectError extends Error {
  static {
    this.prototype.name = 'InspectError';
  }
}

/** One entry of an inspector's `/json/list`. */
export interface InspectorTarget {
  id: string;
  type: string;
  title: string;
  url: string;
}

/**
 * The targets of the inspector listening at `at`, or `null` when nothing there
 * answers as a Node.js inspector within `waitMs`.
 */
export async function listTargets(at: Endpoint, waitMs = 1000): Promise<InspectorTarget[] | null> {
  // Its own signal: the task's stays aborted after a Ctrl-C, when aio ps still
  // looks for an inspector it may have opened, to close it.
  const ac = new AbortController();
  try {
    return await timeout(waitMs, async () => {
      const res = await cancellable(
        request(`http://${hostPort(at)}/json/list`, {
          reset: true, // one request, no keep-alive connection left behind
          signal: ac.signal,
        }),
      );
      if (res.statusCode !== 200) {
        await cancellable(res.body.dump());
        return null;
      }
      const list = await cancellable<unknown>(res.body.json());
      if (!Array.isArray(list)) return null;
      const targets = list.filter(
        (t): t is InspectorTarget =>
          typeof t === 'object' && t !== null && typeof (t as InspectorTarget).id === 'string',
      );
      return targets.length > 0 ? targets : null;
    });
  } catch (e) {
    if (isCancelled(e)) throw e;
    return null; // refused, timed out, not HTTP, not JSON: not an inspector
  } finally {
    ac.abort(); // a request left behind by a timeout or a cancellation
  }
}

interface Reply {
  result?: Record<string, unknown>;
  error?: { message?: string };
}

/**
 * A session with one inspector target.
 *
 * @example
 * ```ts
 * const session = await InspectorSession.connect(endpoint, target.id);
 * const pid = await session.evaluate('process.pid');
 * session.close();
 * ```
 */
export class InspectorSession {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, (reply: Reply) => void>();
  readonly #closed: Promise<void>;
  #nextId = 0;
  #isClosed = false;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.#closed = new Promise<void>((resolve) => {
      ws.addEventListener('close', () => {
        this.#isClosed = true;
        for (const settle of this.#pending.values()) settle({ error: { message: 'closed' } });
        this.#pending.clear();
        resolve();
      });
    });
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg: { id?: unknown } & Reply;
      try {
        msg = JSON.parse(ev.data) as typeof msg;
      } catch {
        return;
      }
      if (typeof msg.id !== 'number') return; // an event: none is enabled
      const settle = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      settle?.(msg);
    });
  }

  /** Connects to target `id` of the inspector at `at`. */
  static async connect(at: Endpoint, id: string, waitMs = 2000): Promise<InspectorSession> {
    const ws = new WebSocket(`ws://${hostPort(at)}/${id}`);
    const opened = new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () =>
        reject(new InspectError(`the inspector at ${hostPort(at)} refused the connection`)),
      );
    });
    try {
      await timeout(waitMs, () => cancellable(opened));
    } catch (e) {
      ws.close();
      throw e;
    }
    return new InspectorSession(ws);
  }

  /** Sends a command and waits for its reply. */
  async call(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#isClosed) throw new InspectError('the inspector closed the connection');
    const id = ++this.#nextId;
    const reply = new Promise<Reply>((resolve) => this.#pending.set(id, resolve));
    this.#ws.send(JSON.stringify({ id, method, params }));
    let r: Reply;
    try {
      r = await cancellable(reply);
    } finally {
      this.#pending.delete(id);
    }
    if (r.error !== undefined) {
      throw new InspectError(`${method} failed in the inspected process: ${r.error.message}`);
    }
    return r.result ?? {};
  }

  /** Sends a command without waiting for a reply (one that ends the session). */
  send(method: string, params: Record<string, unknown>): void {
    if (!this.#isClosed) this.#ws.send(JSON.stringify({ id: ++this.#nextId, method, params }));
  }

  /**
   * Evaluates `expression` in the global scope of the inspected process and returns
   * its value (which must be JSON-serialisable: it is returned by value).
   */
  async evaluate(expression: string): Promise<unknown> {
    const r = await this.#runtime('Runtime.evaluate', { expression, returnByValue: true });
    return r.value;
  }

  /**
   * Evaluates `expression` and leaves its value in the inspected process: returns a
   * handle for {@link callOn} (release it with {@link release}), or `null` when the
   * value is not an object.
   */
  async evaluateToObject(expression: string): Promise<string | null> {
    const r = await this.#runtime('Runtime.evaluate', { expression });
    return r.objectId ?? null;
  }

  /** Calls `fn` (a function's source) with `this` = the object behind `objectId`; returns its value. */
  async callOn(objectId: string, fn: string, ...args: unknown[]): Promise<unknown> {
    const r = await this.#runtime('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: fn,
      arguments: args.map((value) => ({ value })),
      returnByValue: true,
    });
    return r.value;
  }

  /** Lets the inspected process forget an object handed out by {@link evaluateToObject}. */
  async release(objectId: string): Promise<void> {
    if (!this.#isClosed) await this.call('Runtime.releaseObject', { objectId });
  }

  async #runtime(
    method: string,
    params: Record<string, unknown>,
  ): Promise<{ value?: unknown; objectId?: string }> {
    const r = await this.call(method, { ...params, silent: true });
    const exception = r['exceptionDetails'] as
      { text?: string; exception?: { description?: string } } | undefined;
    if (exception !== undefined) {
      const what = exception.exception?.description?.split('\n')[0] ?? exception.text ?? '?';
      throw new InspectError(`evaluation failed in the inspected process: ${what}`);
    }
    return r['result'] ?? {};
  }

  /** Resolves once the connection is closed (by either side). */
  closed(): Promise<void> {
    return this.#closed;
  }

  /** True once the connection is closed. */
  isClosed(): boolean {
    return this.#isClosed;
  }

  /** Closes the connection (the inspector itself stays as it is). */
  close(): void {
    if (!this.#isClosed) this.#ws.close();
  }
}
