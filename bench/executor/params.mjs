// Shared parameters of the executor benchmarks.
/** Worker threads of every pool (the machine has 2 cores). */
export const WORKERS = 2;
/** Tiny job: sum 1..1000. */
export const SUM_N = 1000;
/** Medium job: chained SHA-256 rounds, about 5 ms on this machine. */
export const HASH_ROUNDS = 1400;
