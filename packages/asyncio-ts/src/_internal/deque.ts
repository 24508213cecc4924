// A FIFO on a ring buffer: O(1) push and shift, no
// Array.prototype.shift (which copies the whole array on large arrays). It grows
// by doubling and shrinks when it is mostly empty, so a burst does not pin memory.

const MIN_CAPACITY = 16;

/** @internal */
export class Deque<T> {
  #buf: (T | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;

  constructor() {
    this.#buf = new Array<T | undefined>(MIN_CAPACITY);
    this.#mask = MIN_CAPACITY - 1;
  }

  get size(): number {
    return this.#size;
  }

  push(x: T): void {
    if (this.#size === this.#buf.length) this.#resize(this.#buf.length * 2);
    this.#buf[(this.#head + this.#size) & this.#mask] = x;
    this.#size++;
  }

  /** Removes and returns the first item (undefined when empty). */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const h = this.#head;
    const x = this.#buf[h];
    this.#buf[h] = undefined;
    this.#head = (h + 1) & this.#mask;
    this.#size--;
    if (this.#buf.length > 1024 && this.#size * 4 < this.#buf.length) {
      this.#resize(this.#buf.length >> 1);
    }
    return x;
  }

  /** The first item, left in place. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head];
  }

  clear(): void {
    this.#buf = new Array<T | undefined>(MIN_CAPACITY);
    this.#mask = MIN_CAPACITY - 1;
    this.#head = 0;
    this.#size = 0;
  }

  #resize(capacity: number): void {
    const old = this.#buf;
    const buf = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#size; i++) buf[i] = old[(this.#head + i) & this.#mask];
    this.#buf = buf;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}
