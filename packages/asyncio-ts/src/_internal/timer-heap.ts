// A binary min-heap of timer entries ordered by (when, seq), with lazy deletion:
// a cancelled entry stays in the heap until it reaches the top or until cancelled
// entries outnumber live ones, when the heap is rebuilt. Insertion of increasing
// deadlines (the common case: many timers of the same delay) costs O(1).

/** @internal Something the loop runs at a point in time. */
export interface TimerEntry {
  when: number;
  seq: number;
  /** 0 scheduled, 1 cancelled, 2 fired */
  state: number;
  _fire(): void;
}

export const SCHEDULED = 0;
export const CANCELLED = 1;
export const FIRED = 2;

function less(a: TimerEntry, b: TimerEntry): boolean {
  return a.when < b.when || (a.when === b.when && a.seq < b.seq);
}

/** @internal */
export class TimerHeap {
  items: TimerEntry[] = [];
  /** scheduled (not cancelled) entries in the heap */
  live = 0;

  peek(): TimerEntry | undefined {
    return this.items[0];
  }

  push(e: TimerEntry): void {
    const a = this.items;
    let i = a.length;
    a.push(e);
    this.live++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (!less(e, parent)) break;
      a[i] = parent;
      i = p;
    }
    a[i] = e;
  }

  pop(): TimerEntry | undefined {
    const a = this.items;
    const top = a[0];
    if (top === undefined) return undefined;
    const last = a.pop()!;
    if (a.length > 0) this.#siftDown(last, 0);
    return top;
  }

  /** Marks one entry cancelled; returns true when nothing live is left. */
  cancelled(): boolean {
    this.live--;
    if (this.live === 0) {
      this.items.length = 0;
      return true;
    }
    const dead = this.items.length - this.live;
    if (dead > 256 && dead > this.live) this.#rebuild();
    return false;
  }

  /** Cancels every entry (the loop is closing). */
  clear(): void {
    for (const e of this.items) if (e.state === SCHEDULED) e.state = CANCELLED;
    this.items = [];
    this.live = 0;
  }

  #siftDown(e: TimerEntry, i: number): void {
    const a = this.items;
    const n = a.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && less(a[r]!, a[c]!)) c = r;
      if (!less(a[c]!, e)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = e;
  }

  #rebuild(): void {
    const a = this.items.filter((e) => e.state === SCHEDULED);
    this.items = a;
    for (let i = (a.length >> 1) - 1; i >= 0; i--) this.#siftDown(a[i]!, i);
  }
}
