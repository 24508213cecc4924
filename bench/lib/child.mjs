// The child side of one measurement: `node --expose-gc workloads/<w>.mjs <contender> <N> [--heap]`
// runs one contender once and prints one JSON line:
//   {"ms":..,"check":..,"peakRssMB":..,"cpuMs":..,"heapPerTaskBytes":..}
// or {"skipped":"<why>"} when the contender cannot run here (e.g. ours lacks an export).
// The orchestrator (run.mjs) verifies `check`; this file only measures.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Thrown by a contender that cannot run on this machine; reported as skipped, not failed. */
export class Skip extends Error {
  name = 'Skip';
}

/**
 * Imports asyncio-ts and returns it, or throws Skip when it is not built yet or lacks one
 * of `names` (the harness then prints "ours: not available yet").
 */
export async function ours(...names) {
  let mod;
  try {
    mod = await import('asyncio-ts');
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new Skip('not available yet (asyncio-ts is not built)');
    }
    throw err;
  }
  const missing = names.filter((n) => mod[n] === undefined);
  if (missing.length > 0) {
    throw new Skip(`not available yet (asyncio-ts has no ${missing.join(', ')})`);
  }
  return mod;
}

/**
 * The stopwatch handed to each contender. A contender does its imports and set-up, then
 * wraps exactly the measured work in `measure(fn)` (or calls `start()`/`stop()` itself,
 * as W6 does to time only the cancellation). In a `--heap` run, `heapBefore()` and
 * `heapAfter()` read heapUsed after a full GC; in timing runs they do nothing.
 */
export class Meter {
  constructor(n, heapProbe) {
    this.n = n;
    this.heapProbe = heapProbe;
    this.ms = undefined;
    this.cpuMs = undefined;
    this.heapPerTaskBytes = undefined;
  }
  start() {
    this.cpu0 = process.cpuUsage();
    this.t0 = performance.now();
  }
  stop() {
    const t1 = performance.now();
    const cpu = process.cpuUsage(this.cpu0);
    this.ms = t1 - this.t0;
    this.cpuMs = (cpu.user + cpu.system) / 1000;
  }
  async measure(fn) {
    this.start();
    const result = await fn();
    this.stop();
    return result;
  }
  heapBefore() {
    if (this.heapProbe) this.heap0 = usedHeapAfterGc();
  }
  heapAfter() {
    if (this.heapProbe) this.heapPerTaskBytes = (usedHeapAfterGc() - this.heap0) / this.n;
  }
}

function usedHeapAfterGc() {
  if (typeof globalThis.gc !== 'function') throw new Error('run the child with --expose-gc');
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/**
 * Runs the contender named on the command line. `contenders` maps a name to
 * `async (n, meter) => check`, where check is the value the orchestrator verifies.
 */
export async function runChild(contenders, argv = process.argv.slice(2)) {
  const [name, nArg, ...flags] = argv;
  const fn = contenders[name];
  const n = Number(nArg);
  if (fn === undefined || !Number.isInteger(n) || n <= 0) {
    const names = Object.keys(contenders).join('|');
    console.error(`usage: node --expose-gc <workload>.mjs <${names}> <N> [--heap]`);
    process.exit(2);
  }
  const meter = new Meter(n, flags.includes('--heap'));
  let check;
  try {
    check = await fn(n, meter);
  } catch (err) {
    if (err instanceof Skip) {
      emit({ skipped: err.message });
      process.exit(0);
    }
    throw err;
  }
  if (meter.ms === undefined) throw new Error(`contender ${name} never called measure()`);
  emit({
    ms: meter.ms,
    check,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    cpuMs: meter.cpuMs,
    ...(meter.heapPerTaskBytes === undefined ? {} : { heapPerTaskBytes: meter.heapPerTaskBytes }),
  });
  // Leftover timers or fibers (a peer's background machinery) must not hold the child open.
  process.exit(0);
}

/** True when this module is the script node was started with (not imported by run.mjs). */
export function isMain(importMetaUrl) {
  const script = process.argv[1];
  return (
    script !== undefined && realpathSync(script) === realpathSync(fileURLToPath(importMetaUrl))
  );
}
