"""W6: N tasks sleeping 60 s, all cancelled at once; timed from the first cancel to all done."""

import asyncio

from child import main, run


async def w6(n, m):
    tasks = [asyncio.create_task(asyncio.sleep(60)) for _ in range(n)]
    await asyncio.sleep(0)  # every task has started and is sleeping
    m.start()
    for t in tasks:
        t.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    m.stop()
    return sum(isinstance(r, asyncio.CancelledError) for r in results)


CONTENDERS = {
    "asyncio": lambda n, m: run(w6, n, m),
    "asyncio+uvloop": lambda n, m: run(w6, n, m, uvloop=True),
}

if __name__ == "__main__":
    main(CONTENDERS)
