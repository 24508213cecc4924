// One job of a pool: it is the awaiting task's Waiter (so cancelling the task
// reaches the pool at once), a node of the pool's FIFO while queued, and the
// occupant of a worker while running.
import { Waiter } from '../_internal/waiter.js';
import { SCHEDULED, type TimerEntry } from '../_internal/timer-heap.js';
import type { TransferListItem } from 'node:worker_threads';
import type { JobMessage } from './protocol.js';
import type { WorkerSlot } from './worker-slot.js';

/** @internal in the pool's queue */
export const QUEUED = 0;
/** @internal in a worker, someone awaits it */
export const RUNNING = 1;
/** @internal in a worker, its awaiter was cancelled: the flag is raised, grace running */
export const ABANDONED = 2;
/** @internal settled, or dropped from the queue */
export const DONE = 3;

/** @internal What a job asks of its pool when its awaiter is cancelled. */
export interface JobOwner {
  _cancel(job: Job): void;
}

/** @internal */
export class Job extends Waiter<unknown> {
  readonly owner: JobOwner;
  readonly msg: JobMessage;
  readonly transfer: TransferListItem[] | undefined;
  readonly label: string;
  state = QUEUED;
  prev: Job | null = null;
  next: Job | null = null;
  slot: WorkerSlot | null = null;
  grace: GraceTimer | null = null;

  constructor(
    owner: JobOwner,
    msg: JobMessage,
    transfer: TransferListItem[] | undefined,
    label: string,
  ) {
    super();
    this.owner = owner;
    this.msg = msg;
    this.transfer = transfer;
    this.label = label;
  }

  override detach(): void {
    this.owner._cancel(this);
  }

  override describe(): string {
    return this.label;
  }
}

/** @internal Ends the grace period of an abandoned job: its worker is terminated. */
export class GraceTimer implements TimerEntry {
  when: number;
  seq = 0;
  state = SCHEDULED;
  readonly job: Job;
  readonly onExpire: (job: Job) => void;
  constructor(when: number, job: Job, onExpire: (job: Job) => void) {
    this.when = when;
    this.job = job;
    this.onExpire = onExpire;
  }
  _fire(): void {
    this.onExpire(this.job);
  }
}

/** @internal The pool's FIFO of queued jobs: O(1) push, shift and removal. */
export class JobQueue {
  head: Job | null = null;
  tail: Job | null = null;
  size = 0;

  push(j: Job): void {
    j.prev = this.tail;
    j.next = null;
    if (this.tail !== null) this.tail.next = j;
    else this.head = j;
    this.tail = j;
    this.size++;
  }

  shift(): Job | null {
    const j = this.head;
    if (j !== null) this.remove(j);
    return j;
  }

  remove(j: Job): void {
    if (j.prev !== null) j.prev.next = j.next;
    else this.head = j.next;
    if (j.next !== null) j.next.prev = j.prev;
    else this.tail = j.prev;
    j.prev = j.next = null;
    this.size--;
  }
}
