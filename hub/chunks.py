"""Cutting ids or rows into the batches one statement takes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items of ``items``, in order (none when empty)."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])
