/**
 * A worker module used by E7: CPU-bound work that blocks whatever thread runs it.
 * (Not an example itself; E7 loads it in worker threads by URL.)
 */
import { isJobCancelled } from 'asyncio-ts/executor';

/** Counts the primes below `limit` by trial division (about 0.4 s for 1,000,000). */
export function countPrimes(limit: number): number {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    if ((n & 0xfff) === 0 && isJobCancelled()) return -1;
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}
