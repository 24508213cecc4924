"""W3a: N jobs that each yield once (asyncio.sleep(0)) behind an asyncio.Semaphore(50)."""

import asyncio

from child import main, run


async def w3a(n):
    sem = asyncio.Semaphore(50)

    async def job(i):
        async with sem:
            await asyncio.sleep(0)
            return i

    return sum(await asyncio.gather(*(job(i) for i in range(n))))


CONTENDERS = {
    "asyncio": lambda n, m: m.measure(lambda: run(w3a, n)),
    "asyncio+uvloop": lambda n, m: m.measure(lambda: run(w3a, n, uvloop=True)),
}

if __name__ == "__main__":
    main(CONTENDERS)
