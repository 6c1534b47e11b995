"""The ingest pipeline: connector output -> validate -> stamp sharing -> batch -> graph writer.

Guarantees:
- A source record is written whole or not at all: its nodes and edges are validated together
  (with the writer's own checks) and always go into the same write; a record that fails
  validation becomes a rejection instead of stopping the run.
- A file whose parser fails mid-way (an XML syntax error, a broken JSON array) keeps every
  source record completed before the failure; the one in progress is dropped, and the failure
  is reported as a rejection with the file and position. A file is a sequence of independent
  records, so throwing away the good ones before a late syntax error would lose real data.
- Idempotent: ids come from natural keys and the writer MERGEs, so the same input twice gives
  the same graph, and the second run counts every record unchanged. Within a run, the first
  record that describes a node wins; later mentions only add fields it lacked (see
  ``IngestRun._add_fresh``). A node that gains fields from a later batch is counted written
  again on a re-run (its content is the same).
- Rejected records are put aside in ``<data_dir>/rejected/<run-id>/``, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import secrets
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from hub.errors import InputError
from hub.graph.store import GraphStore
from hub.graph.writer import MAX_BATCH, GraphWriter, WriteReport, check
from hub.ingest.connector import Connector, Parsed, Rejected
from hub.ingest.progress import CountingReader, ProgressSink
from hub.ingest.rejects import RejectFolder
from hub.ingest.report import IngestReport, Rejection
from hub.model import Distribution, Provenance, Record, Sharing
from hub.reference import AGENCY_BY_CODE, PARTY_BY_CODE

BATCH_RECORDS = 2_000
"""Graph records per write: big enough to amortise a round trip, small enough not to stall
readers (FalkorDB runs writes one at a time)."""
EAGER_SHARE = 2
"""A batch of at least 1/EAGER_SHARE of the batch size goes to the writer early when the writer
is idle, so that parsing and writing overlap from the start of a run to its end."""
READ_CHUNK = 256 * 1024


def sharing_for(agency: str, distribution: Distribution | str = Distribution.PARTY,
                share_with: Sequence[str] = ()) -> Sharing:
    """The sharing stamped on everything ``agency`` submits.

    ``share_with`` entries are party codes, agency codes or ``case:<id>``. Raises InputError
    for an unknown agency, level or audience, and for LISTED without a share list.
    """
    info = AGENCY_BY_CODE.get(agency)
    if info is None:
        raise InputError(f"unknown agency {agency!r}; use a code such as RS-CUS or MK-PHY")
    try:
        level = Distribution(str(distribution).upper())
    except ValueError:
        raise InputError(
            f"unknown distribution {distribution!r}; use one of "
            + ", ".join(d.value for d in Distribution)
        ) from None
    audiences: list[str] = []
    for entry in share_with:
        token = _share_token(entry)
        if token not in audiences:
            audiences.append(token)
    if level is Distribution.LISTED and not audiences:
        raise InputError("distribution LISTED needs at least one --share-with audience")
    return Sharing(agency, info.party, level, tuple(audiences))


def _share_token(entry: str) -> str:
    """The share-list token for ``RS``, ``MK-PHY``, ``case:<id>`` (or an already-written
    ``party:RS`` / ``agency:MK-PHY``): the form the access filter matches."""
    code = entry.strip()
    kind, _, value = code.partition(":")
    if kind in {"party", "agency"} and value:
        code = value
    if code in PARTY_BY_CODE:
        return "party:" + code
    if code in AGENCY_BY_CODE:
        return "agency:" + code
    if kind == "case" and value:
        return code
    raise InputError(
        f"share-with entry {entry!r} is not a party code (RS), an agency code (MK-PHY) "
        "or a case (case:<id>)"
    )


class IngestRun:
    """One run: one sharing, one report, one rejected folder, for one or many inputs.

    Batches fill across inputs: a folder of one-declaration files is written in a few big
    statements, not a dozen small ones per file. A batch is written while the next one is
    parsed (parsing is CPU work in a worker thread, writing mostly waits on the store), one
    write at a time and in order: it goes to the writer when full, or earlier when the writer
    is idle and it holds a fair share of a full batch (see :data:`EAGER_SHARE`). Call
    :meth:`finish` after the last :meth:`feed`; until then, the records of the last inputs may
    not have been written.
    """

    def __init__(self, store: GraphStore, connector: Connector, sharing: Sharing,
                 data_dir: Path, *, batch_records: int = BATCH_RECORDS,
                 progress: ProgressSink | None = None) -> None:
        if not 1 <= batch_records <= MAX_BATCH:
            raise InputError(f"batch size must be between 1 and {MAX_BATCH}, not {batch_records}")
        now = datetime.now(UTC)
        run_id = f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
        self.report = IngestReport(run_id=run_id, connector=connector.name)
        self._writer = GraphWriter(store, batch_size=min(batch_records, MAX_BATCH))
        self._connector = connector
        self._sharing = sharing
        self._ingested_at = int(time.time() * 1000)
        self._rejects = RejectFolder(data_dir, run_id)
        self._batch_records = batch_records
        self._eager_records = max(1, batch_records // EAGER_SHARE)
        self._progress = progress
        self._seen: dict[str, frozenset[str]] = {}
        self._field_sets: dict[frozenset[str], frozenset[str]] = {}
        self._batch: list[Record] = []
        self._pending: dict[str, int] = {}  # id -> index in the batch of its unwritten record
        self._writing: asyncio.Task[WriteReport] | None = None

    async def feed(self, stream: BinaryIO, origin: str) -> None:
        """Parse one input, handing batches to the writer as they fill. Raises GraphError if
        the store fails (nothing else)."""
        await self._feed(self._items(stream, origin))

    async def feed_files(self, files: Sequence[Path]) -> None:
        """Parse ``files`` in order, as :meth:`feed` does one input. The worker thread goes
        from one file to the next by itself: on a busy machine, waking a thread costs about as
        much as parsing a small file. Raises GraphError if the store fails, OSError if a file
        cannot be read."""
        await self._feed(self._files_items(files))

    async def _feed(self, items: Iterator[tuple[str, Parsed | Rejected]]) -> None:
        try:
            while await asyncio.to_thread(self._fill, items):
                await self._hand_over()
        except BaseException:
            # Let the write in flight end, so that no batch is left half-written behind us.
            with contextlib.suppress(Exception):
                await self._settle()
            raise
        finally:
            if self._rejects.used:
                self.report.rejected_dir = self._rejects.path

    def _items(self, stream: BinaryIO, origin: str) -> Iterator[tuple[str, Parsed | Rejected]]:
        """What the connector makes of ``stream``, with its origin; counts the file and its
        bytes. Runs in the worker thread."""
        counter = CountingReader(stream, self._progress)
        self.report.files += 1
        try:
            for item in self._connector.parse(io.BufferedReader(counter, READ_CHUNK), origin):
                yield origin, item
        finally:
            self.report.bytes_read += counter.count

    def _files_items(self, files: Sequence[Path]) -> Iterator[tuple[str, Parsed | Rejected]]:
        for file in files:
            with file.open("rb") as stream:
                yield from self._items(stream, file.name)

    async def finish(self) -> IngestReport:
        """Write what the inputs left in the last batch; the report is complete after this."""
        await self._hand_over()
        await self._settle()
        return self.report

    async def _hand_over(self) -> None:
        """Start writing the batch once the previous write has ended."""
        records, self._batch, self._pending = self._batch, [], {}
        await self._settle()
        if records:
            self._writing = asyncio.create_task(self._writer.write(records))

    async def _settle(self) -> None:
        """Wait for the write in flight and count what it did. Called only while no batch is
        being filled, so the worker thread and the writer never update the report at once."""
        writing, self._writing = self._writing, None
        if writing is None:
            return
        written = await writing
        self.report.nodes += written.nodes
        self.report.edges += written.edges
        self.report.unchanged += written.unchanged
        self.report.written += written.written
        self.report.dangling_edges += written.dangling_edges
        self.report.foreign += written.foreign

    def _ready(self) -> bool:
        """Whether the batch should go to the writer now. Read by the worker thread while the
        event loop may finish the write in flight: a stale answer only delays a hand-over."""
        size = len(self._batch)
        if size >= self._batch_records:
            return True
        idle = self._writing is None or self._writing.done()
        return idle and size >= self._eager_records

    def _fill(self, items: Iterator[tuple[str, Parsed | Rejected]]) -> bool:
        """Pull source records into the batch until it is ready for the writer (True) or the
        input ends (False). Runs in a worker thread."""
        for origin, item in items:
            self.report.read += 1
            if isinstance(item, Rejected):
                self._reject(item)
                continue
            stamped = self._validate(item, origin)
            if stamped is not None:
                self._add_fresh(stamped)
            if self._ready():
                return True
        return False

    def _validate(self, parsed: Parsed, origin: str) -> list[Record] | None:
        """Stamp and validate one source record; None (and a rejection) if any part is bad."""
        provenance = Provenance(self._connector.name, parsed.source_ref, self._ingested_at)
        records = parsed.stamp(self._sharing, provenance)
        try:
            for record in records:
                check(record)
        except InputError as exc:
            self._reject(Rejected(origin, parsed.position, exc.message, parsed.fragment,
                                  parsed.source_ref))
            return None
        self.report.accepted += 1
        return records

    def _add_fresh(self, records: list[Record]) -> None:
        """Add what ``records`` say that this run has not written yet.

        The first record of the run that describes a node or edge wins: a repeat (the same
        operator in the next declaration, perhaps spelt differently) only contributes fields
        nobody gave before. Rewriting repeats would make the last spelling win and flip
        ``source_ref`` with every mention, so a second run would never count them unchanged.
        """
        batch, pending = self._batch, self._pending
        for record in records:
            record_id = record.id  # an edge's id is a hash, computed on each access
            known = self._seen.get(record_id)
            if known is None:
                self._seen[record_id] = self._fields(frozenset(record.props))
                pending[record_id] = len(batch)
                batch.append(record)
                continue
            if known.issuperset(record.props):
                self.report.unchanged += 1
                continue
            extra = record.props.keys() - known
            self._seen[record_id] = self._fields(known | extra)
            added = {k: record.props[k] for k in extra}
            index = pending.get(record_id)
            if index is not None:  # not written yet: complete the first record
                first = batch[index]
                batch[index] = replace(first, props={**added, **first.props})
            else:  # written in an earlier batch: write the new fields alone
                pending[record_id] = len(batch)
                batch.append(replace(record, props=added))

    def _fields(self, fields: frozenset[str]) -> frozenset[str]:
        """One shared frozenset per distinct field set, so the run's memory stays small."""
        return self._field_sets.setdefault(fields, fields)

    def _reject(self, rejected: Rejected) -> None:
        self._rejects.put(rejected, self._connector.fragment_suffix)
        self.report.note(Rejection(rejected.origin, rejected.position, rejected.reason,
                                   rejected.source_ref))


async def ingest_stream(store: GraphStore, connector: Connector, stream: BinaryIO, origin: str,
                        sharing: Sharing, *, data_dir: Path,
                        batch_records: int = BATCH_RECORDS,
                        progress: ProgressSink | None = None) -> IngestReport:
    """Ingest one byte stream (the HTTP endpoint's entry point). See the module docstring."""
    run = IngestRun(store, connector, sharing, data_dir, batch_records=batch_records,
                    progress=progress)
    await run.feed(stream, origin)
    return await run.finish()


def input_files(connector: Connector, path: Path) -> tuple[list[Path], list[Path]]:
    """The files to read for ``path`` (a file, or a directory's files with the connector's
    suffixes, sorted by name) and the directory entries skipped. Raises InputError when the
    path does not exist."""
    if path.is_file():
        return [path], []
    if not path.is_dir():
        raise InputError(f"{path} is neither a file nor a directory")
    files, skipped = [], []
    for entry in sorted(path.iterdir()):
        if not entry.is_file() or entry.name.startswith("."):
            continue
        if entry.name.lower().endswith(connector.suffixes):
            files.append(entry)
        else:
            skipped.append(entry)
    return files, skipped


async def ingest_path(store: GraphStore, connector: Connector, path: str, sharing: Sharing, *,
                      data_dir: Path, batch_records: int = BATCH_RECORDS,
                      progress: ProgressSink | None = None,
                      stdin: BinaryIO | None = None) -> IngestReport:
    """Ingest a file, every matching file of a directory (sorted), or ``-`` for stdin."""
    run = IngestRun(store, connector, sharing, data_dir, batch_records=batch_records,
                    progress=progress)
    if path == "-":
        await run.feed(stdin if stdin is not None else sys.stdin.buffer, "-")
        return await run.finish()
    files, skipped = input_files(connector, Path(path))
    run.report.skipped_files = [p.name for p in skipped]
    await run.feed_files(files)
    return await run.finish()


def total_size(connector: Connector, path: str) -> int | None:
    """The bytes ``ingest_path`` will read (for a progress bar); None for stdin."""
    if path == "-":
        return None
    files, _ = input_files(connector, Path(path))
    return sum(f.stat().st_size for f in files)
