"""Progress of an ingest by bytes read: a counting stream and the sinks that show it."""

from __future__ import annotations

import io
from typing import BinaryIO, Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class ProgressSink(Protocol):
    """Told by the pipeline how many more bytes of input it has read."""

    def advance(self, count: int) -> None:
        """Called from the pipeline's parsing thread after each read; must be cheap."""
        ...


class CountingReader(io.RawIOBase):
    """A raw stream over ``inner`` that reports every byte read to ``sink``."""

    def __init__(self, inner: BinaryIO, sink: ProgressSink | None = None) -> None:
        super().__init__()
        self._inner = inner
        self._sink = sink
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.count += size
        if self._sink is not None and size:
            self._sink.advance(size)
        return size


class RichProgress:
    """A rich progress bar over the total input size (unknown for stdin)."""

    def __init__(self, total: int | None, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("ingesting"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            TimeRemainingColumn(), console=console, transient=True,
        )
        self._task = self._progress.add_task("ingest", total=total)

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def advance(self, count: int) -> None:
        self._progress.advance(self._task, count)
