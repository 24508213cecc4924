"""The Python side of one measurement, the twin of bench/lib/child.mjs.

`python3 python/<w>.py <contender> <N> [--heap]` runs one contender once and prints one
JSON line: {"ms", "check", "peakRssMB", "cpuMs", "heapPerTaskBytes"?}, or {"skipped": why}.
A contender is `fn(n, meter) -> check`; it wraps exactly the measured work in
`meter.measure(callable)` or calls `meter.start()` / `meter.stop()` itself.
"""

import asyncio
import gc
import json
import os
import resource
import sys
import time


class Skip(Exception):
    """The contender cannot run here (e.g. uvloop is not installed)."""


def loop_factory(uvloop):
    """The event loop factory for asyncio.Runner: uvloop's, or None for asyncio's own."""
    if not uvloop:
        return None
    try:
        import uvloop as uv
    except ImportError as err:
        raise Skip(f"skipped: uvloop not importable ({err}); run bench/setup-peers.sh") from err
    return uv.new_event_loop


def run(main, *args, uvloop=False):
    """asyncio.run(main(*args)) on asyncio's loop or on uvloop's."""
    with asyncio.Runner(loop_factory=loop_factory(uvloop)) as runner:
        return runner.run(main(*args))


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Meter:
    def __init__(self, n, heap_probe):
        self.n = n
        self.heap_probe = heap_probe
        self.ms = None
        self.cpu_ms = None
        self.heap_per_task = None

    def start(self):
        self._cpu0 = time.process_time()
        self._t0 = time.perf_counter()

    def stop(self):
        t1 = time.perf_counter()
        self.ms = (t1 - self._t0) * 1000
        self.cpu_ms = (time.process_time() - self._cpu0) * 1000

    def measure(self, fn):
        self.start()
        result = fn()
        self.stop()
        return result

    # Python has no heapUsed: a --heap run reports the growth of the resident set instead.
    def heap_before(self):
        if self.heap_probe:
            gc.collect()
            self._rss0 = _rss_bytes()

    def heap_after(self):
        if self.heap_probe:
            gc.collect()
            self.heap_per_task = (_rss_bytes() - self._rss0) / self.n


def _emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(contenders):
    args = sys.argv[1:]
    fn = contenders.get(args[0]) if args else None
    try:
        n = int(args[1])
    except (IndexError, ValueError):
        n = 0
    if fn is None or n <= 0:
        sys.stderr.write(f"usage: {sys.argv[0]} <{'|'.join(contenders)}> <N> [--heap]\n")
        sys.exit(2)
    meter = Meter(n, "--heap" in args[2:])
    try:
        check = fn(n, meter)
    except Skip as err:
        _emit({"skipped": str(err)})
        return
    if meter.ms is None:
        raise RuntimeError(f"contender {args[0]} never called measure()")
    out = {
        "ms": meter.ms,
        "check": check,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cpuMs": meter.cpu_ms,
    }
    if meter.heap_per_task is not None:
        out["heapPerTaskBytes"] = meter.heap_per_task
    _emit(out)
