"""A chunk of demo records under construction, and the sharing and provenance they carry.

Every generated node and edge goes through :class:`Chunk`, so none lacks sharing metadata or
provenance, and edges take the sharing of the record that asserts them unless told otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Record, Sharing
from hub.reference import AGENCY_BY_CODE

SOURCE = "demo"
"""Provenance ``source`` of every demo record; ``source_ref`` is the record's natural key."""


@lru_cache(maxsize=8192)
def sharing(agency: str, distribution: Distribution, share_with: tuple[str, ...] = ()) -> Sharing:
    """The sharing of a record owned by ``agency`` (its party is the agency's party)."""
    return Sharing(agency, AGENCY_BY_CODE[agency].party, distribution, share_with)


def agency_of(party: str, suffix: str) -> str:
    """``party``'s agency of that type, falling back to its customs (EU parties have only
    customs in the reference data, Croatia excepted)."""
    code = f"{party}-{suffix}"
    return code if code in AGENCY_BY_CODE else f"{party}-CUS"


class Chunk:
    """Records to write together; nodes are written before edges, so order within is free."""

    __slots__ = ("records",)

    def __init__(self) -> None:
        self.records: list[Record] = []

    def __len__(self) -> int:
        return len(self.records)

    def node(self, label: str, node_id: str, props: Mapping[str, Any],  # noqa: PLR0917
             share: Sharing, ref: str, at_ms: int) -> str:
        """Add a node; ``ref`` and ``at_ms`` are its provenance (natural reference, epoch ms)."""
        self.records.append(NodeRecord(label, node_id, props, share,
                                       Provenance(SOURCE, ref, at_ms)))
        return node_id

    def edge(self, rel_type: str, source_id: str, target_id: str,  # noqa: PLR0917
             share: Sharing, ref: str, at_ms: int, props: Mapping[str, Any] | None = None,
             discriminator: tuple[object, ...] = ()) -> None:
        """Add an edge with the sharing of the record that asserts it (positional like the
        EdgeRecord it builds: every call site reads the same)."""
        self.records.append(EdgeRecord(rel_type, source_id, target_id, share,
                                       Provenance(SOURCE, ref, at_ms), dict(props or {}),
                                       discriminator))

    def take(self) -> list[Record]:
        """The records so far; the chunk starts empty again."""
        records, self.records = self.records, []
        return records
