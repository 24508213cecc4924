// Shared by the executor tests: the fixture module and real-time polling helpers
// (threads run in real time: generous limits, never narrow windows).
import { sleep } from '../../src/index.js';
import { workerModule } from '../../src/executor/index.js';

export const jobs = workerModule<typeof import('./fixtures/jobs.js')>(
  new URL('./fixtures/jobs.js', import.meta.url),
);

/** A shared Int32 cell that job code writes its progress to. */
export function marker(): { sab: SharedArrayBuffer; get: () => number } {
  const sab = new SharedArrayBuffer(4);
  const view = new Int32Array(sab);
  return { sab, get: () => Atomics.load(view, 0) };
}

/** Polls `cond` every 5 ms (inside a task) until it holds; fails after `limitMs`. */
export async function until(cond: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const end = performance.now() + limitMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
