"""The audit trail: an append-only, hash-chained record of every write and personal-data read.

Each entry says who (subject, issuer, agency), what (record ids and their owner agencies),
when (epoch ms), which operation, and the purpose the client gave. Its hash is the sha256 of
the canonical JSON of its content including the previous entry's hash, so altering, removing or
reordering an entry breaks the chain at that point. Only ids are stored: never personal-data
values, never tokens.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hub.errors import GraphError, InputError, LimitError
from hub.graph.cypher import audit as cypher
from hub.graph.store import GraphStore
from hub.principal import Principal

GENESIS = "0" * 64
"""The ``prev`` hash of the first entry."""

MAX_RECORDS = 10_000
"""Records per entry: one writer batch (GraphWriter.MAX_BATCH) fits in one entry."""

MAX_PURPOSE = 200
MAX_PAGE = 100
_OPERATION = re.compile(r"^[a-z][a-z0-9_.:-]{0,63}$")
_APPEND_ATTEMPTS = 5


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def canonical_hash(content: Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of ``content``: sorted keys, no spaces, UTF-8."""
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One link of the chain, as stored."""

    seq: int
    at: int
    subject: str
    issuer: str
    agency: str
    operation: str
    purpose: str | None
    records: tuple[tuple[str, str], ...]
    prev: str
    hash: str

    def content(self) -> dict[str, Any]:
        """What the hash covers: everything but the hash itself."""
        return {
            "seq": self.seq, "at": self.at, "subject": self.subject, "issuer": self.issuer,
            "agency": self.agency, "operation": self.operation, "purpose": self.purpose,
            "records": [list(pair) for pair in self.records], "prev": self.prev,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AuditEntry:
        ids = row.get("record_ids") or []
        owners = row.get("record_owners") or []
        return cls(
            seq=row["seq"], at=row["at"], subject=row["subject"], issuer=row["issuer"],
            agency=row["agency"], operation=row["operation"], purpose=row.get("purpose"),
            records=tuple(zip(ids, owners, strict=False)), prev=row["prev"], hash=row["hash"],
        )


@dataclass(frozen=True, slots=True)
class Access:
    """One entry as the owner agency sees it: only the ids of its own records."""

    seq: int
    at: int
    subject: str
    issuer: str
    agency: str
    operation: str
    purpose: str | None
    record_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccessPage:
    """A keyset page of accesses; pass ``last_seq`` as ``after_seq`` for the next page."""

    entries: tuple[Access, ...]
    has_next: bool

    @property
    def last_seq(self) -> int:
        return self.entries[-1].seq if self.entries else 0


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The result of walking the chain: ``problem`` names the first broken entry, if any."""

    entries: int
    head_hash: str
    problem_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _clean_purpose(purpose: str | None) -> str | None:
    if purpose is None:
        return None
    text = "".join(" " if unicodedata.category(c).startswith("C") else c for c in purpose)
    text = " ".join(text.split())[:MAX_PURPOSE]
    return text or None


class AuditTrail:
    """Appends to and reads the chain in one graph.

    Appends are serialised in-process by an asyncio lock; the head node makes a concurrent
    append from another process fail its check, in which case the head is re-read and the
    append retried. The last hash is read from the graph on first use.
    """

    def __init__(self, store: GraphStore, clock: Callable[[], int] = _now_ms) -> None:
        self._store = store
        self._clock = clock
        self._lock = asyncio.Lock()
        self._head: tuple[int, str] | None = None

    async def _read_head(self) -> tuple[int, str]:
        rows = await self._store.run(cypher.HEAD)
        if not rows:
            return 0, GENESIS
        return int(rows[0]["seq"]), str(rows[0]["hash"])

    async def record(
        self,
        principal: Principal,
        operation: str,
        records: Sequence[tuple[str, str]],
        purpose: str | None = None,
    ) -> AuditEntry | None:
        """Append one entry for ``principal`` doing ``operation`` on ``records``.

        ``records`` are (record id, owner agency) pairs; duplicates are dropped. Records
        nothing and returns None when ``records`` is empty. ``purpose`` is the client's free
        text, kept to :data:`MAX_PURPOSE` characters. Raises InputError for a malformed
        operation name, LimitError beyond :data:`MAX_RECORDS`, GraphError when the graph fails.
        """
        if not _OPERATION.match(operation):
            raise InputError(f"audit operation {operation!r} must be a short lower-case name "
                             "such as write or read_personal")
        pairs = tuple(dict.fromkeys((str(i), str(o)) for i, o in records))
        if not pairs:
            return None
        if len(pairs) > MAX_RECORDS:
            raise LimitError(f"at most {MAX_RECORDS} records per audit entry, not {len(pairs)}")
        async with self._lock:
            for _ in range(_APPEND_ATTEMPTS):
                if self._head is None:
                    self._head = await self._read_head()
                seq, prev = self._head
                entry = AuditEntry(
                    seq=seq + 1, at=self._clock(), subject=principal.subject,
                    issuer=principal.issuer, agency=principal.agency, operation=operation,
                    purpose=_clean_purpose(purpose), records=pairs, prev=prev, hash="",
                )
                digest = canonical_hash(entry.content())
                rows = await self._store.run(cypher.APPEND, {
                    "genesis": GENESIS, "prev_seq": seq, "prev": prev, "seq": entry.seq,
                    "at": entry.at, "subject": entry.subject, "issuer": entry.issuer,
                    "agency": entry.agency, "operation": entry.operation,
                    "purpose": entry.purpose, "record_ids": [i for i, _ in pairs],
                    "record_owners": [o for _, o in pairs], "hash": digest,
                })
                if rows:
                    self._head = (entry.seq, digest)
                    return replace(entry, hash=digest)
                self._head = None  # another process appended: re-read the head and retry
        raise GraphError("the audit chain head kept moving; the entry was not recorded")

    async def accessed_records_of(self, agency: str, after_seq: int = 0,
                                  first: int = 50) -> AccessPage:
        """Entries that touched records owned by ``agency``, in sequence order.

        Each entry carries only the ids of ``agency``'s own records. The caller checks that the
        principal acts for ``agency`` and that the policy lets it audit (``may_audit``).
        """
        if not 1 <= first <= MAX_PAGE:
            raise LimitError(f"first must be between 1 and {MAX_PAGE}, not {first}")
        rows = await self._store.run(cypher.ACCESSED_RECORDS_OF,
                                     {"agency": agency, "after": after_seq, "limit": first + 1})
        entries = tuple(
            Access(seq=e["seq"], at=e["at"], subject=e["subject"], issuer=e["issuer"],
                   agency=e["agency"], operation=e["operation"], purpose=e.get("purpose"),
                   record_ids=tuple(e["record_ids"]))
            for e in (row["e"] for row in rows[:first])
        )
        return AccessPage(entries=entries, has_next=len(rows) > first)

    async def verify(self, page_size: int = 1_000) -> VerifyReport:
        """Walk the whole chain in sequence order and report the first broken entry."""
        expected, prev, walked = 1, GENESIS, 0
        after = 0
        while True:
            rows = await self._store.run(cypher.CHAIN_PAGE, {"after": after, "limit": page_size})
            for row in rows:
                entry = AuditEntry.from_row(row["e"])
                problem = _check(entry, expected, prev)
                if problem is not None:
                    return VerifyReport(entries=walked, head_hash=prev, problem_seq=expected,
                                        problem=problem)
                walked, expected, prev, after = walked + 1, expected + 1, entry.hash, entry.seq
            if len(rows) < page_size:
                break
        counted = await self._store.run(cypher.COUNT)
        total = int(counted[0]["total"]) if counted else 0  # no rows: the graph does not exist
        if total != walked:
            return VerifyReport(entries=walked, head_hash=prev, problem_seq=None,
                                problem=f"{total - walked} entries share a sequence number "
                                        "with another entry (inserted or copied)")
        head = await self._store.run(cypher.HEAD)
        if walked and not head:
            return VerifyReport(entries=walked, head_hash=prev, problem_seq=None,
                                problem="the chain head is missing")
        if head and (int(head[0]["seq"]), str(head[0]["hash"])) != (walked, prev):
            return VerifyReport(
                entries=walked, head_hash=prev, problem_seq=walked + 1,
                problem=f"the chain ends at entry {walked} but its head says "
                        f"{head[0]['seq']}: entries at the end were removed or altered",
            )
        return VerifyReport(entries=walked, head_hash=prev)


def _check(entry: AuditEntry, expected: int, prev: str) -> str | None:
    if entry.seq > expected:
        return f"entry {expected} is missing (removed)"
    if entry.seq < expected:
        return f"entry {entry.seq} appears twice (inserted or copied)"
    if canonical_hash(entry.content()) != entry.hash:
        return f"entry {expected} was altered or moved: its hash does not match its content"
    if entry.prev != prev:
        return (f"entry {expected} does not follow entry {expected - 1}: an entry was "
                "removed, inserted or reordered")
    return None
