// The job functions of the executor benchmarks, loaded by every contender's
// workers (and called inline for the main-thread baseline).
import { createHash } from 'node:crypto';

/** Tiny job: the sum 1..n. */
export function sum(n) {
  let s = 0;
  for (let i = 1; i <= n; i++) s += i;
  return s;
}

/** Medium job: `rounds` chained SHA-256 digests of 1 KiB (about 5 ms at HASH_ROUNDS). */
export function hash(rounds) {
  let h = Buffer.alloc(1024, 7);
  for (let i = 0; i < rounds; i++) {
    const d = createHash('sha256').update(h).digest();
    d.copy(h);
  }
  return h[0];
}

/** Piscina and tinypool call the default export with the task object. */
export default function dispatch(task) {
  return task.fn === 'sum' ? sum(task.arg) : hash(task.arg);
}
