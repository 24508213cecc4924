/**
 * `sleep`: wait for a duration on the loop's clock.
 *
 * @module
 */
import { toMilliseconds, type Duration } from './durations.js';
import { taskStorage } from './_internal/current.js';
import { Waiter } from './_internal/waiter.js';
import { SCHEDULED, type TimerEntry } from './_internal/timer-heap.js';
import { _ambientLoop, type EventLoop, type Runnable } from './loop.js';

class SleepWaiter<T> extends Waiter<T> implements TimerEntry, Runnable {
  when = 0;
  seq = 0;
  state = SCHEDULED;
  loop: EventLoop;
  value: T;
  ms: number;
  constructor(loop: EventLoop, ms: number, value: T) {
    super();
    this.loop = loop;
    this.ms = ms;
    this.value = value;
  }
  // from the timer heap
  _fire(): void {
    this.wake(this.value);
  }
  // from the ready queue (sleep(0))
  _run(): void {
    if (this.state === SCHEDULED) {
      this.state = 2;
      this.wake(this.value);
    }
  }
  override detach(): void {
    if (this.state !== SCHEDULED) return;
    if (this.ms > 0) this.loop._cancelTimer(this);
    else this.state = 1;
  }
  override describe(): string {
    return `sleep ${this.ms} ms`;
  }
}

/**
 * Waits for `delay` (ms or `'1.5s'`, `'2m'`...) on the loop's clock, then resolves
 * with `value`. `sleep(0)` yields to the loop once, letting other tasks and I/O run.
 *
 * @example
 * ```ts
 * await sleep('250ms');
 * const v = await sleep(100, 'done'); // 'done'
 * ```
 *
 * Cancellation: a cancellation point; a cancelled sleep removes its timer at once.
 * Under a `VirtualClock` no real time passes.
 */
export function sleep<T = void>(delay: Duration, value?: T): Promise<T> {
  let ms: number | null;
  try {
    ms = toMilliseconds(delay, 'sleep delay');
  } catch (e) {
    return Promise.reject(e);
  }
  if (ms === null)
    return Promise.reject(new TypeError('sleep() needs a finite delay; got no limit'));
  const task = taskStorage.getStore();
  if (task !== undefined && task._mustCancel) return Promise.reject(task._takeCancel());
  const loop = task !== undefined ? task._loop : _ambientLoop();
  const w = new SleepWaiter<T>(loop, ms, value as T);
  const p = w.suspend(task);
  if (ms > 0) {
    w.when = loop.time() + ms;
    loop._addTimer(w);
  } else {
    loop._schedule(w);
  }
  return p;
}
