"""The one writer path: validate records, batch them by kind, MERGE them idempotently.

Every ingest (demo seed, connectors, API mutations) writes through :class:`GraphWriter`.
Nodes of a batch are written before its edges, so an edge always finds its ends.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hub.chunks import chunked
from hub.errors import InputError
from hub.graph.cypher.writes import MERGE_EDGES, MERGE_NODES
from hub.graph.store import GraphStore
from hub.model import (
    ANY,
    NODE_KIND_BY_LABEL,
    NODE_KINDS,
    REL_KIND_BY_TYPE,
    REL_KINDS,
    EdgeRecord,
    NodeKind,
    NodeRecord,
    Record,
    RelKind,
)

MAX_BATCH = 10_000
"""FalkorDB runs writes one at a time; bigger batches stall readers (CYPHER.md)."""

_SCALARS = (str, int, float, bool)


@dataclass(slots=True)
class WriteReport:
    """What a write did. ``written`` counts records created or changed; ``foreign`` counts rows
    left alone because another agency owns that node or edge (only the owner edits)."""

    nodes: int = 0
    edges: int = 0
    unchanged: int = 0
    foreign: int = 0
    dangling_edges: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def written(self) -> int:
        return self.nodes + self.edges - self.unchanged - self.foreign

    def add(self, other: WriteReport) -> None:
        self.nodes += other.nodes
        self.edges += other.edges
        self.unchanged += other.unchanged
        self.foreign += other.foreign
        self.dangling_edges += other.dangling_edges
        for kind, count in other.by_kind.items():
            self.by_kind[kind] += count


def _where(record: Record) -> str:
    """How messages name a record (built only for a message: checks run on every record)."""
    if isinstance(record, NodeRecord):
        return f"{record.label} {record.id}"
    return f"{record.type} {record.source_id}->{record.target_id}"


def _check_value(record: Record, name: str, value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError(f"{_where(record)}: field {name!r} contains a NUL character")
        return
    if value is None or isinstance(value, _SCALARS):
        return
    if isinstance(value, list | tuple) and all(isinstance(v, _SCALARS) for v in value):
        for item in value:
            _check_value(record, name, item)
        return
    raise InputError(
        f"{_where(record)}: field {name!r} holds a {type(value).__name__}; "
        "only strings, numbers, booleans and lists of them can be stored"
    )


def _rev(props: dict[str, Any]) -> str:
    blob = json.dumps(props, sort_keys=True, ensure_ascii=False, default=list)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# Each kind's fields as a set, built once rather than for every record checked.
_FIELD_SETS: dict[str, frozenset[str]] = {
    **{kind.label: frozenset(kind.fields) for kind in NODE_KINDS},
    **{kind.type: frozenset(kind.fields) for kind in REL_KINDS},
}


def _check_unknown(record: Record, kind_name: str, fields: tuple[str, ...]) -> None:
    if not _FIELD_SETS[kind_name].issuperset(record.props):
        unknown = sorted(record.props.keys() - set(fields))
        raise InputError(f"{_where(record)}: unknown fields {unknown}; {kind_name} has {fields}")


def _node_kind(record: NodeRecord) -> NodeKind:
    kind = NODE_KIND_BY_LABEL.get(record.label)
    if kind is None:
        raise InputError(f"{_where(record)}: unknown node kind {record.label!r}")
    if not record.id.startswith(kind.prefix + ":"):
        raise InputError(
            f"{_where(record)}: id must start with {kind.prefix!r}: (use model.stable_id)"
        )
    return kind


def _edge_kind(record: EdgeRecord) -> RelKind:
    kind = REL_KIND_BY_TYPE.get(record.type)
    if kind is None:
        raise InputError(f"{_where(record)}: unknown relationship type {record.type!r}")
    for end, allowed in ((record.source_id, kind.sources), (record.target_id, kind.targets)):
        if allowed != ANY and not any(
            end.startswith(NODE_KIND_BY_LABEL[label].prefix + ":") for label in allowed
        ):
            raise InputError(f"{_where(record)}: {end} is not a {' or '.join(allowed)}")
    return kind


def check(record: Record) -> None:
    """Raise InputError if the writer would refuse ``record``: the checks of :func:`node_row`
    and :func:`edge_row` without building the row, for callers that check records one by one
    and write only some of them (the ingest pipeline)."""
    kind = _node_kind(record) if isinstance(record, NodeRecord) else _edge_kind(record)
    name = kind.label if isinstance(kind, NodeKind) else kind.type
    _check_unknown(record, name, kind.fields)
    for field_name, value in record.props.items():
        _check_value(record, field_name, value)


def _stored_props(kind_name: str, fields: tuple[str, ...], record: Record) -> dict[str, Any]:
    """The properties a record stores: its checked fields, sharing, provenance, kind and rev."""
    _check_unknown(record, kind_name, fields)
    props: dict[str, Any] = {}
    for name, value in record.props.items():
        _check_value(record, name, value)
        if value is not None:
            props[name] = list(value) if isinstance(value, tuple) else value
    props.update(record.sharing.as_props())
    props.update(kind=kind_name, source=record.provenance.source,
                 source_ref=record.provenance.source_ref)
    props["rev"] = _rev(props)
    return props


def node_row(record: NodeRecord) -> dict[str, Any]:
    """Validate a node record and turn it into a writer row. Raises InputError."""
    kind = _node_kind(record)
    props = _stored_props(kind.label, kind.fields, record)
    return {"id": record.id, "rev": props["rev"], "ingested_at": record.provenance.ingested_at,
            "props": props}


def edge_row(record: EdgeRecord) -> dict[str, Any]:
    """Validate an edge record and turn it into a writer row. Raises InputError."""
    kind = _edge_kind(record)
    props = _stored_props(kind.type, kind.fields, record)
    return {"id": record.id, "source": record.source_id, "target": record.target_id,
            "rev": props["rev"], "ingested_at": record.provenance.ingested_at, "props": props}


class GraphWriter:
    """Writes validated records in batches of at most :data:`MAX_BATCH` rows per statement."""

    def __init__(self, store: GraphStore, batch_size: int = 5_000) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise InputError(f"batch size must be between 1 and {MAX_BATCH}, not {batch_size}")
        self._store = store
        self._batch_size = batch_size

    async def write(
        self, records: Iterable[Record], progress: Callable[[int], None] | None = None
    ) -> WriteReport:
        """Validate every record first, then write nodes, then edges.

        A record that fails validation raises InputError before anything is written, so a bad
        batch never lands half-way. ``progress`` is told how many records each statement wrote.
        """
        nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        edges: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            if isinstance(record, NodeRecord):
                nodes[record.label].append(node_row(record))
            else:
                edges[record.type].append(edge_row(record))
        report = WriteReport()
        for label, rows in nodes.items():
            for chunk in chunked(_dedupe(rows), self._batch_size):
                result = await self._store.run(MERGE_NODES[label], {"rows": chunk})
                report.nodes += len(chunk)
                report.foreign += len(chunk) - int(result[0]["mine"])
                report.unchanged += int(result[0]["unchanged"])
                report.by_kind[label] += len(chunk)
                if progress:
                    progress(len(chunk))
        for rel_type, rows in edges.items():
            for chunk in chunked(_dedupe(rows), self._batch_size):
                result = await self._store.run(MERGE_EDGES[rel_type], {"rows": chunk})
                total = int(result[0]["total"])
                report.edges += total
                report.dangling_edges += len(chunk) - total
                report.foreign += total - int(result[0]["mine"])
                report.unchanged += int(result[0]["unchanged"])
                report.by_kind[rel_type] += total
                if progress:
                    progress(len(chunk))
        return report


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the last row per id: one MERGE per id within a statement keeps counts exact."""
    return list({row["id"]: row for row in rows}.values())
