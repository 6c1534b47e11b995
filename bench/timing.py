"""Load generation for the benchmarks: a fixed number of calls over concurrent workers."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_load(call: Callable[[int], Awaitable[Any]], concurrency: int,
                   requests: int) -> tuple[float, list[float]]:
    """Make ``requests`` calls (each given its index) over ``concurrency`` workers.

    Returns the elapsed seconds and each call's latency in milliseconds.
    """
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for index in counter:
            start = time.perf_counter()
            await call(index)
            latencies.append((time.perf_counter() - start) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


async def measure(call: Callable[[], Awaitable[Any]], concurrency: int,
                  requests: int) -> tuple[float, float, float]:
    """Throughput (calls/s), p50 and p99 latency (ms) of ``call`` under ``concurrency``."""
    elapsed, latencies = await run_load(lambda _: call(), concurrency, requests)
    return requests / elapsed, statistics.median(latencies), percentile(latencies, 0.99)
