// The FIFO of waiting tasks behind every coordination primitive: an intrusive
// doubly linked list of waiters, so that push, shift and the removal of a
// cancelled waiter from the middle are all O(1) and allocate nothing beyond the
// waiter itself.
import { Waiter } from './waiter.js';

/** @internal The links a waiter carries to sit in a {@link WaitList}. */
export interface Linked {
  prev: Linked | null;
  next: Linked | null;
  list: WaitList<Linked> | null;
}

/**
 * @internal A library await that waits in a {@link WaitList}: cancelling its task
 * takes it out of the list (its place in the FIFO is lost, nothing was granted).
 */
export class ListWaiter<T> extends Waiter<T> implements Linked {
  prev: Linked | null = null;
  next: Linked | null = null;
  list: WaitList<Linked> | null = null;
  override detach(): void {
    const l = this.list;
    if (l !== null) l.remove(this);
  }
  override describe(): string {
    return this.list?.label ?? 'waiting';
  }
}

/** @internal A FIFO of waiters. */
export class WaitList<W extends Linked> {
  head: W | null = null;
  tail: W | null = null;
  size = 0;
  /** What its waiters are blocked in, for the task tree (`Queue.get`). */
  readonly label: string;
  constructor(label: string) {
    this.label = label;
  }

  push(w: W): void {
    w.list = this;
    w.next = null;
    const t = this.tail;
    w.prev = t;
    if (t === null) this.head = w;
    else t.next = w;
    this.tail = w;
    this.size++;
  }

  /** Removes and returns the first waiter. */
  shift(): W | null {
    const w = this.head;
    if (w === null) return null;
    const n = w.next as W | null;
    this.head = n;
    if (n === null) this.tail = null;
    else n.prev = null;
    w.next = null;
    w.list = null;
    this.size--;
    return w;
  }

  /** Removes `w` wherever it is; no effect when it is not in this list. */
  remove(w: W): void {
    if (w.list !== (this as unknown as WaitList<Linked>)) return;
    const p = w.prev as W | null;
    const n = w.next as W | null;
    if (p === null) this.head = n;
    else p.next = n;
    if (n === null) this.tail = p;
    else n.prev = p;
    w.prev = null;
    w.next = null;
    w.list = null;
    this.size--;
  }
}

/** @internal A settled promise shared by every fast path that grants `true`. */
export const RESOLVED_TRUE: Promise<true> = Promise.resolve(true);
/** @internal A settled promise shared by every fast path that grants nothing. */
export const RESOLVED_VOID: Promise<void> = Promise.resolve();
