"""W4: asyncio.Queue(maxsize=100), 1 producer, 5 consumers, N items, join, cancel consumers."""

import asyncio

from child import main, run


async def w4(n):
    q = asyncio.Queue(maxsize=100)
    total = 0

    async def consume():
        nonlocal total
        while True:
            item = await q.get()
            total += item
            q.task_done()

    consumers = [asyncio.create_task(consume()) for _ in range(5)]
    for i in range(n):
        await q.put(i)
    await q.join()
    for c in consumers:
        c.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    return total


CONTENDERS = {
    "asyncio": lambda n, m: m.measure(lambda: run(w4, n)),
    "asyncio+uvloop": lambda n, m: m.measure(lambda: run(w4, n, uvloop=True)),
}

if __name__ == "__main__":
    main(CONTENDERS)
