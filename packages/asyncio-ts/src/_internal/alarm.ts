// Alarm: a one-shot timer entry for the limiters (rate limiter, token bucket,
// keyed limiter), which wake their first waiter when time frees a slot. A timer
// entry is never reused once armed (the heap deletes lazily: a cancelled entry may
// still sit in it), so each arming allocates a new, small Alarm.
import { SCHEDULED, type TimerEntry } from './timer-heap.js';
import { RealClock } from '../clock.js';
import type { EventLoop } from '../loop.js';

/** @internal What an alarm calls back. */
export interface AlarmOwner {
  _onAlarm(a: Alarm): void;
}

/** @internal */
export class Alarm implements TimerEntry {
  when: number;
  seq = 0;
  state = SCHEDULED;
  readonly loop: EventLoop;
  readonly owner: AlarmOwner;
  constructor(loop: EventLoop, owner: AlarmOwner, when: number) {
    this.loop = loop;
    this.owner = owner;
    this.when = when;
  }
  _fire(): void {
    this.owner._onAlarm(this);
  }
  /** True while it can still fire. */
  armed(): boolean {
    return this.state === SCHEDULED && !this.loop.isClosed();
  }
  cancel(): void {
    if (this.state === SCHEDULED) this.loop._cancelTimer(this);
  }
}

/**
 * @internal Arms an alarm at the first loop time at which `free` (a loop time) has
 * been reached. The real clock fires timers up to 1 ms early (to absorb setTimeout
 * rounding), so the alarm is set 1 ms later there: a limiter never grants before
 * its slot is really free, and an alarm never fires again and again in one turn.
 */
export function armAlarm(loop: EventLoop, owner: AlarmOwner, free: number): Alarm {
  const a = new Alarm(loop, owner, loop.clock instanceof RealClock ? free + 1 : free);
  loop._addTimer(a);
  return a;
}
