"""GraphReader: the API's reads, always under one caller's :class:`Visibility`.

A reader is built per request from the caller's visibility; every method sends a statement that
filters every node and edge inside the query. There is no unfiltered method here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.errors import InputError, LimitError
from hub.graph.cypher import reads
from hub.graph.store import GraphStore, Row
from hub.model import NODE_KIND_BY_LABEL, REL_KIND_BY_TYPE
from hub.visibility import Visibility

MAX_PAGE = 100
MAX_IDS = 100


@dataclass(frozen=True, slots=True)
class Page:
    """One keyset page: rows in id order, and whether more follow."""

    rows: list[Row]
    has_next: bool


def _check_first(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise LimitError(f"first must be between 1 and {MAX_PAGE}, not {first}")


class GraphReader:
    """Reads for one caller. ``after`` is the last id of the previous page ('' for the first)."""

    def __init__(self, store: GraphStore, visibility: Visibility) -> None:
        self._store = store
        self._vis = visibility.as_params()

    @property
    def store(self) -> GraphStore:
        return self._store

    @property
    def params(self) -> dict[str, Any]:
        """The ``$vis`` parameter, for analysis statements that take the same filter."""
        return self._vis

    async def node(self, node_id: str) -> Row | None:
        """The node with that id if the caller may see it, else None (hidden = absent)."""
        rows = await self._store.run(reads.NODE_BY_ID, {"id": node_id, "vis": self._vis})
        return rows[0]["n"] if rows else None

    async def nodes(self, ids: Sequence[str]) -> dict[str, Row]:
        """The visible nodes among ``ids``, by id."""
        if len(ids) > MAX_IDS:
            raise LimitError(f"at most {MAX_IDS} ids per request, not {len(ids)}")
        if not ids:
            return {}
        rows = await self._store.run(reads.NODES_BY_IDS, {"ids": list(ids), "vis": self._vis})
        return {row["n"]["id"]: row["n"] for row in rows}

    def _where(self, label: str, where: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
        kind = NODE_KIND_BY_LABEL.get(label)
        if kind is None:
            raise InputError(f"unknown kind {label!r}")
        unknown = set(where) - set(kind.lookups)
        if unknown:
            raise InputError(f"{label} cannot be filtered by {sorted(unknown)}; use {kind.lookups}")
        values = {field: where.get(field) for field in kind.lookups}
        primary = next((f for f in kind.lookups if values[f] is not None), None)
        return primary, values

    async def list(self, label: str, where: Mapping[str, Any], first: int, after: str) -> Page:
        """A page of visible ``label`` nodes matching ``where`` (equality on lookup fields)."""
        _check_first(first)
        primary, values = self._where(label, where)
        rows = await self._store.run(reads.LIST[(label, primary)], {
            "where": values, "after": after, "limit": first + 1, "vis": self._vis,
        })
        nodes = [row["n"] for row in rows]
        return Page(rows=nodes[:first], has_next=len(nodes) > first)

    async def count(self, label: str, where: Mapping[str, Any]) -> int:
        """How many visible ``label`` nodes match ``where``."""
        primary, values = self._where(label, where)
        rows = await self._store.run(reads.COUNT[(label, primary)],
                                     {"where": values, "vis": self._vis})
        return int(rows[0]["total"]) if rows else 0

    async def links(
        self, node_id: str, rel_type: str, outgoing: bool, first: int, after: str
    ) -> Page:
        """A page of (edge, neighbour) pairs of a visible node, both visible, in edge-id order."""
        _check_first(first)
        table = reads.LINKS_OUT if outgoing else reads.LINKS_IN
        if rel_type not in REL_KIND_BY_TYPE:
            raise InputError(f"unknown relationship type {rel_type!r}")
        rows = await self._store.run(table[rel_type], {
            "id": node_id, "after": after, "limit": first + 1, "vis": self._vis,
        })
        return Page(rows=rows[:first], has_next=len(rows) > first)

    async def count_links(self, node_id: str, rel_type: str, outgoing: bool) -> int:
        table = reads.LINKS_OUT_COUNT if outgoing else reads.LINKS_IN_COUNT
        rows = await self._store.run(table[rel_type], {"id": node_id, "vis": self._vis})
        return int(rows[0]["total"]) if rows else 0


async def case_tokens(store: GraphStore, agency: str) -> tuple[str, ...]:
    """The ``case:<id>`` share-list tokens of the cases ``agency`` is a member of."""
    rows = await store.run(reads.CASE_TOKENS, {"agency": agency})
    return tuple("case:" + row["id"] for row in rows)
