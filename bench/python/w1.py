"""W1: spawn N tasks that each yield once (asyncio.sleep(0)) and return i, gather, sum."""

import asyncio

from child import main, run


async def w1(n):
    async def job(i):
        await asyncio.sleep(0)
        return i

    tasks = [asyncio.create_task(job(i)) for i in range(n)]
    return sum(await asyncio.gather(*tasks))


CONTENDERS = {
    "asyncio": lambda n, m: m.measure(lambda: run(w1, n)),
    "asyncio+uvloop": lambda n, m: m.measure(lambda: run(w1, n, uvloop=True)),
}

if __name__ == "__main__":
    main(CONTENDERS)
