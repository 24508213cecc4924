/**
 * Getting into another Node.js process and out again: find its inspector, or ask it
 * to open one with SIGUSR1; check that it really is the process asked for; and, when
 * `aio ps` opened the inspector, close it again and check that its port is closed.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { constants } from 'node:os';
import { basename } from 'node:path';
import { TimeoutError, cancellable, isCancelled, sleep, timeout } from 'asyncio-ts';
import { UsageError } from '../command.js';
import { InspectError, InspectorSession, listTargets } from './cdp.js';
import {
  catchesSignal,
  executableName,
  hostPort,
  inspectFlags,
  listeningSockets,
  type Endpoint,
} from './proc.js';

/** A session with the inspector of the process asked for. */
export interface Attached {
  session: InspectorSession;
  /** Where its inspector listens. */
  endpoint: Endpoint;
  /** True when `aio ps` opened the inspector (and must close it again). */
  opened: boolean;
}

/** Options of {@link attach}. */
export interface AttachOptions {
  /** The inspector port, when it cannot be found (no `/proc`). */
  port?: number;
  /** How long to wait for the inspector to open after SIGUSR1, in ms. */
  waitMs: number;
}

/**
 * Checks that `pid` names a process this user may signal.
 *
 * @throws {UsageError} when there is no such process
 * @throws {InspectError} when it belongs to another user
 */
export function checkProcess(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ESRCH') throw new UsageError(`ps: no process with pid ${pid}`);
    if (code === 'EPERM') {
      throw new InspectError(`not allowed to inspect process ${pid} (it belongs to another user)`);
    }
    throw e;
  }
}

/**
 * Connects to the inspector of process `pid`: the one it has open already, or one it
 * opens on SIGUSR1 (Node's signal to start the inspector).
 */
export async function attach(pid: number, opts: AttachOptions): Promise<Attached> {
  // Where /proc tells, the inspector is the socket that SIGUSR1 makes appear, and
  // --port is only a hint; elsewhere it is --port, or 9229.
  const flags = inspectFlags(pid);
  const before = listeningSockets(pid);
  const probed = new Set<string>();

  // 1. An inspector already open (started with --inspect, or inspector.open()): it
  //    is left open afterwards. Only the likely ports are tried now, so that the
  //    process's own servers are not sent inspector requests for nothing.
  const fallback: Endpoint = { host: '127.0.0.1', port: opts.port ?? 9229 };
  const likely =
    before === null
      ? [fallback]
      : before.filter(
          (s) =>
            flags === null || flags.anyPort || flags.ports.includes(s.port) || s.port === opts.port,
        );
  let found = await findInspector(pid, likely, probed);
  if (found !== null) return { ...found, opened: false };

  // 2. Ask it to open one. SIGUSR1 terminates a process that does not catch it.
  checkSigusr1(pid);
  process.kill(pid, 'SIGUSR1');
  const start = performance.now();
  let triedAll = false;
  const poll = async (until: number): Promise<Attached | null> => {
    while (performance.now() < until) {
      await sleep(50);
      checkProcess(pid);
      const now = before === null ? [fallback] : (listeningSockets(pid) ?? []);
      const fresh = now.filter((s) => before === null || !before.some((b) => b.port === s.port));
      found = await findInspector(pid, fresh, before === null ? new Set() : probed);
      if (found !== null) return { ...found, opened: true };
      // Nothing new after a second: an inspector opened some other way, on a port no
      // flag named, is the last chance.
      if (!triedAll && before !== null && performance.now() - start > 1000) {
        triedAll = true;
        found = await findInspector(pid, before, probed);
        if (found !== null) return { ...found, opened: false };
      }
    }
    return null;
  };
  try {
    const attached = await poll(start + opts.waitMs);
    if (attached !== null) return attached;
  } catch (e) {
    // Interrupted after the signal: the inspector may be opening; close it if it does.
    if (isCancelled(e)) {
      probed.clear();
      const late = await poll(performance.now() + 1000).catch(() => null);
      if (late !== null) await detach(late).catch(() => undefined);
    }
    throw e;
  }
  throw new InspectError(
    `process ${pid} did not open its inspector within ${(opts.waitMs / 1000).toFixed(1)} s of SIGUSR1` +
      (before === null
        ? ` on port ${fallback.port} (is that port taken by another process? see --port)`
        : ` (was it started with an --inspect-port that is taken, or does it handle SIGUSR1 itself?)`),
  );
}

/**
 * Refuses to send SIGUSR1 to a process that would die of it: the signal's default
 * action is to terminate, and a shell that catches it (to clean up) still dies. Only
 * a Node.js executable that catches it opens its inspector instead.
 */
function checkSigusr1(pid: number): void {
  const exe = executableName(pid);
  const catches = catchesSignal(pid, constants.signals.SIGUSR1);
  if (exe !== null && catches !== null) {
    if (!/node/i.test(exe)) {
      throw new InspectError(
        `process ${pid} (${exe}) is not Node.js: SIGUSR1 would terminate it, so none was sent`,
      );
    }
    if (!catches) {
      throw new InspectError(
        `process ${pid} does not handle SIGUSR1 (started with --disable-sigusr1?), so it ` +
          `cannot be asked to open its inspector; none was sent (start it with --inspect)`,
      );
    }
    return;
  }
  // No /proc: at least check the command's name.
  let name = '';
  try {
    name = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    name = '?';
  }
  if (!/node/i.test(basename(name))) {
    throw new InspectError(
      `process ${pid} (${name}) does not look like Node.js: SIGUSR1 could terminate it, so none was sent`,
    );
  }
}

/** The first of `candidates` that is the inspector of process `pid`, connected. */
async function findInspector(
  pid: number,
  candidates: Endpoint[],
  probed: Set<string>,
): Promise<{ session: InspectorSession; endpoint: Endpoint } | null> {
  for (const endpoint of candidates) {
    const key = hostPort(endpoint);
    if (probed.has(key)) continue;
    const targets = await listTargets(endpoint);
    if (targets === null) {
      probed.add(key);
      continue;
    }
    const target = targets.find((t) => t.type === 'node') ?? targets[0]!;
    const session = await InspectorSession.connect(endpoint, target.id).catch(unanswered);
    let theirs: unknown;
    try {
      theirs = await timeout(5000, () => session.evaluate('process.pid')).catch(unanswered);
    } catch (e) {
      session.close();
      throw e;
    }
    if (theirs === pid) return { session, endpoint };
    // Another process's inspector (on a port guessed without /proc): not ours to touch.
    session.close();
    probed.add(key);
  }
  return null;
}

/** A timeout of the inspector becomes an {@link InspectError} that says what it may mean. */
export function unanswered(e: unknown): never {
  if (e instanceof TimeoutError) {
    throw new InspectError(
      'the inspector of the process does not answer (is the process paused in a debugger?)',
    );
  }
  throw e;
}

/**
 * What became of the inspector: `left-open` (it was open before `aio ps`), `closed`
 * (`aio ps` opened it and closed it again), or `closing` (the process's event loop is
 * blocked: the inspector closes as soon as it runs again).
 */
export type InspectorAfter = 'left-open' | 'closed' | 'closing';

/**
 * Leaves the process as it was found: an inspector `aio ps` opened is closed again
 * (and its port checked), one that was already open is only disconnected from.
 */
export async function detach(a: Attached): Promise<InspectorAfter> {
  if (!a.opened) {
    a.session.close();
    return 'left-open';
  }
  // SIGUSR1 asked the process to start its inspector twice, through a V8 interrupt
  // and through its event loop; the second request is a no-op while the inspector
  // is open, but would open it again after a close. So inspector.close() runs after
  // two turns of the loop, once the second request has surely been handled (at once
  // in an idle process; in a blocked one, as soon as it is free again). Closing stops
  // the inspector's thread, which ends this connection too.
  a.session.send('Runtime.evaluate', {
    expression: `setImmediate(() => setImmediate(() => {
      (process.getBuiltinModule?.('node:inspector')?.close ?? process._debugEnd).call(process);
    }))`,
    silent: true,
  });
  try {
    await timeout(5000, () => cancellable(a.session.closed()));
  } catch (e) {
    a.session.close();
    if (isCancelled(e)) throw e;
    return 'closing';
  }
  for (let i = 0; i < 40; i++) {
    if (!(await isListening(a.endpoint))) return 'closed';
    await sleep(50);
  }
  throw new InspectError(
    `the inspector is still open on ${hostPort(a.endpoint)} after inspector.close(); ` +
      `it closes when the process exits`,
  );
}

/** True when something accepts TCP connections at `at`. */
async function isListening(at: Endpoint): Promise<boolean> {
  const socket = connect({ host: at.host, port: at.port });
  try {
    return await timeout(1000, () =>
      cancellable(
        new Promise<boolean>((resolve) => {
          socket.once('connect', () => resolve(true));
          socket.once('error', () => resolve(false));
        }),
      ),
    );
  } catch {
    return true; // no answer either way: assume it is still there
  } finally {
    socket.destroy();
  }
}
