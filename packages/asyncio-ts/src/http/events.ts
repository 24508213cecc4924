/**
 * Events a session emits for observers (progress bars, statistics, logs): each
 * attempt's start, each final response, each retry, each failure, with timings.
 * They cost nothing when nobody listens: the session checks a flag before it
 * builds an event.
 *
 * @module
 */
import { getRunningLoop } from '../running.js';
import type { Timing } from './response.js';

/** A request goes on the wire: every attempt, redirect hop and hold-off retry, once it has its place. */
export interface RequestEvent {
  /** The request's number in the session (the same for all its attempts). */
  readonly id: number;
  readonly method: string;
  readonly url: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Loop time (ms) of the event. */
  readonly time: number;
}

/** The final response of a request arrived (headers, and the body unless streamed). */
export interface ResponseEvent {
  readonly id: number;
  readonly method: string;
  /** The final URL, after redirects. */
  readonly url: string;
  readonly status: number;
  readonly attempt: number;
  /** How many redirects were followed. */
  readonly redirects: number;
  /** Body bytes received (after decompression); 0 for a streamed body. */
  readonly bytes: number;
  readonly timing: Timing;
}

/** An attempt failed and the request will be tried again (or waits out a hold-off). */
export interface RetryEvent {
  readonly id: number;
  readonly method: string;
  readonly url: string;
  /** The attempt that failed. */
  readonly attempt: number;
  /** How long the request waits before the next try, in ms. */
  readonly delay: number;
  /** The status that caused it, or null for an error. */
  readonly status: number | null;
  /** The error that caused it (an `HttpStatusError` for a status; null for a hold-off). */
  readonly error: unknown;
  /**
   * True for a 429/503 with Retry-After that held its host: such a wait does not
   * use up one of the request's attempts.
   */
  readonly holdOff: boolean;
}

/** A request failed for good (after its retries); cancellations are not reported. */
export interface ErrorEvent {
  readonly id: number;
  readonly method: string;
  readonly url: string;
  readonly attempt: number;
  readonly error: unknown;
  /** Ms since the request started. */
  readonly elapsed: number;
}

/** The events of a session and what their listeners receive. */
export interface SessionEventMap {
  request: RequestEvent;
  response: ResponseEvent;
  retry: RetryEvent;
  error: ErrorEvent;
}

/** The name of a session event. */
export type SessionEventName = keyof SessionEventMap;

/** A listener of event `E`. */
export type SessionListener<E extends SessionEventName> = (event: SessionEventMap[E]) => void;

type AnyListener = (event: never) => void;

/**
 * The listeners of one session. Listener lists are copied on change, so emitting
 * never allocates, and a listener added during an emit sees the next event only.
 *
 * @example
 * ```ts
 * const off = session.events.on('response', (e) => console.log(e.status, e.timing.total));
 * off();
 * ```
 *
 * Cancellation: listeners are called synchronously, outside any wait; they cannot be cancelled.
 */
export class SessionEvents {
  /** @internal */ _request: readonly AnyListener[] = [];
  /** @internal */ _response: readonly AnyListener[] = [];
  /** @internal */ _retry: readonly AnyListener[] = [];
  /** @internal */ _error: readonly AnyListener[] = [];

  /**
   * Adds a listener; returns the function that removes it. A listener that throws
   * is reported through the loop's exception handler; the request goes on.
   */
  on<E extends SessionEventName>(name: E, listener: SessionListener<E>): () => void {
    if (typeof listener !== 'function') throw new TypeError('a listener must be a function');
    const key = slot(name);
    this[key] = [...this[key], listener];
    return () => this.off(name, listener);
  }

  /** Removes a listener added with `on` (no effect if it is not there). */
  off<E extends SessionEventName>(name: E, listener: SessionListener<E>): void {
    const key = slot(name);
    const i = this[key].indexOf(listener);
    if (i >= 0) this[key] = this[key].filter((_, j) => j !== i);
  }

  /** How many listeners `name` has. */
  listenerCount(name: SessionEventName): number {
    return this[slot(name)].length;
  }

  /** @internal Calls the listeners of `name` (callers check the list is not empty). */
  _emit<E extends SessionEventName>(
    list: readonly AnyListener[],
    name: E,
    event: SessionEventMap[E],
  ): void {
    for (let i = 0; i < list.length; i++) {
      try {
        (list[i] as SessionListener<E>)(event);
      } catch (error) {
        getRunningLoop().callExceptionHandler({
          message: `a listener of the HTTP session's '${name}' event threw`,
          error,
        });
      }
    }
  }
}

function slot(name: SessionEventName): '_request' | '_response' | '_retry' | '_error' {
  switch (name) {
    case 'request':
      return '_request';
    case 'response':
      return '_response';
    case 'retry':
      return '_retry';
    case 'error':
      return '_error';
    default:
      throw new TypeError(
        `unknown session event '${String(name)}' (expected request, response, retry or error)`,
      );
  }
}
