"""W2: N tasks each sleeping 50 ms, gathered; a --heap run reports RSS growth per task."""

import asyncio

from child import main, run


async def w2(n, m):
    async def job(i):
        await asyncio.sleep(0.05)
        return i

    m.heap_before()
    tasks = [asyncio.create_task(job(i)) for i in range(n)]
    if m.heap_probe:
        await asyncio.sleep(0)  # let every task start and reach its sleep
    m.heap_after()
    return sum(await asyncio.gather(*tasks))


CONTENDERS = {
    "asyncio": lambda n, m: m.measure(lambda: run(w2, n, m)),
    "asyncio+uvloop": lambda n, m: m.measure(lambda: run(w2, n, m, uvloop=True)),
}

if __name__ == "__main__":
    main(CONTENDERS)
