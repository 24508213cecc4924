"""W3b: 50 worker coroutines pulling N jobs (each yields once) from a shared iterator."""

import asyncio

from child import main, run


async def w3b(n):
    async def job(i):
        await asyncio.sleep(0)
        return i

    items = iter(range(n))
    total = 0

    async def worker():
        nonlocal total
        for i in items:
            r = await job(i)  # not `total += await ...`: that reads total first
            total += r

    await asyncio.gather(*(worker() for _ in range(50)))
    return total


CONTENDERS = {
    "asyncio": lambda n, m: m.measure(lambda: run(w3b, n)),
    "asyncio+uvloop": lambda n, m: m.measure(lambda: run(w3b, n, uvloop=True)),
}

if __name__ == "__main__":
    main(CONTENDERS)
