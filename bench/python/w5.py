"""W5: N quick ops one after another, each inside a 10 s timeout that never fires."""

import asyncio

from child import main, run


async def op(i):
    return i


async def with_timeout_cm(n):
    total = 0
    for i in range(n):
        async with asyncio.timeout(10):
            total += await op(i)
    return total


async def with_wait_for(n):
    total = 0
    for i in range(n):
        total += await asyncio.wait_for(op(i), 10)
    return total


CONTENDERS = {
    "asyncio-timeout": lambda n, m: m.measure(lambda: run(with_timeout_cm, n)),
    "asyncio-wait_for": lambda n, m: m.measure(lambda: run(with_wait_for, n)),
    "uvloop-timeout": lambda n, m: m.measure(lambda: run(with_timeout_cm, n, uvloop=True)),
}

if __name__ == "__main__":
    main(CONTENDERS)
