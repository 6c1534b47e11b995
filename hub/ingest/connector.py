"""The connector seam: a parser that turns one external format into draft graph records.

A connector reads a byte stream and yields, for each source record (a declaration, a
certificate, a message, a CSV row), either a :class:`Parsed` bundle of draft nodes and edges or a
:class:`Rejected` note. Drafts carry no sharing metadata and no provenance: the pipeline stamps
both, so a connector never decides who owns or sees what it parsed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from hub.model import EdgeRecord, NodeRecord, Provenance, Record, Sharing, edge_id


@dataclass(frozen=True, slots=True)
class DraftNode:
    """A node as a connector sees it: label, stable id and domain properties only."""

    label: str
    id: str
    props: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DraftEdge:
    """An edge between two stable node ids, without sharing metadata."""

    type: str
    source_id: str
    target_id: str
    props: Mapping[str, Any] = field(default_factory=dict)
    discriminator: tuple[object, ...] = ()

    @property
    def id(self) -> str:
        return edge_id(self.type, self.source_id, self.target_id, *self.discriminator)


@dataclass(frozen=True, slots=True)
class Parsed:
    """Everything one source record says, to be written together or not at all.

    ``source_ref`` names the record in its own terms (a declaration's reference, a certificate
    number, a message id, ``line 12``); ``position`` says where it sits in the input (line or
    element index); ``fragment`` is the record's raw text, kept only to put it aside if the
    pipeline rejects it.
    """

    source_ref: str
    position: str
    nodes: tuple[DraftNode, ...]
    edges: tuple[DraftEdge, ...]
    fragment: str | None = None

    def stamp(self, sharing: Sharing, provenance: Provenance) -> list[Record]:
        """The draft as writer records, every node and edge carrying ``sharing``."""
        records: list[Record] = [
            NodeRecord(n.label, n.id, n.props, sharing, provenance) for n in self.nodes
        ]
        records.extend(
            EdgeRecord(e.type, e.source_id, e.target_id, sharing, provenance, e.props,
                       e.discriminator)
            for e in self.edges
        )
        return records


@dataclass(frozen=True, slots=True)
class Rejected:
    """A source record (or the rest of a file) that could not be turned into records.

    ``reason`` names the problem and the offending field or element; ``position`` says where in
    ``origin`` it was. ``fragment`` is the raw record, put aside for inspection when available.
    """

    origin: str
    position: str
    reason: str
    fragment: str | None = None
    source_ref: str | None = None


class Connector(Protocol):
    """Parses one external format. Implementations live in the top-level ``connectors`` package.

    ``name`` is the connector's command-line name and the ``source`` of every record it yields;
    ``suffixes`` are the file name endings taken from a directory; ``fragment_suffix`` is the
    file ending used when a rejected fragment is put aside.
    """

    @property
    def name(self) -> str: ...

    @property
    def suffixes(self) -> tuple[str, ...]: ...

    @property
    def fragment_suffix(self) -> str: ...

    def parse(self, stream: BinaryIO, origin: str) -> Iterator[Parsed | Rejected]:
        """Yield one Parsed or Rejected per source record of ``stream``, in input order.

        Called by the ingest pipeline, once per file (``origin`` is the file name, or ``-``).
        Must stream: memory stays bounded by one source record, whatever the file size. Never
        raises for bad input: a record that cannot be read becomes a Rejected, and a stream that
        breaks mid-way (a syntax error, say) ends with one Rejected naming the position, after
        the records completed before it.
        """
        ...
