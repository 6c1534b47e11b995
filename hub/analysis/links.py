"""Link analysis: bounded, visibility-filtered neighbourhood scans and level-by-level expansion.

Every read goes through statements that filter every node and edge inside the query
(hub.graph.cypher.links), so nothing here ever sees a record the caller may not see: the
counts, the "and N more" figures and the networks built on them count visible data only.

A scan reads the links of a frontier of nodes in one statement that stops after a row budget.
When the budget is reached the frontier is split in halves and each half re-read, until a
single node is left: that node is a super-node (a border crossing, a big forwarder) and its
count becomes a lower bound. The number of statements per scan is bounded too.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from hub.chunks import chunked
from hub.errors import InputError, LimitError
from hub.graph.cypher.links import (
    BETWEEN,
    EDGE_FIELDS,
    MEET,
    NEIGHBOURS,
    NODES,
    REACH,
    REACH_BY_KIND,
)
from hub.graph.statements import Statement
from hub.graph.store import GraphStore, Row
from hub.model import NODE_KIND_BY_LABEL, NODE_KINDS, REL_KIND_BY_TYPE
from hub.times import epoch_ms
from hub.visibility import Visibility

ROW_BUDGET = 2_000
"""Rows one scan statement may read before it stops (bounds the cost of a super-node)."""

MAX_SCAN_STATEMENTS = 16
"""Statements one scan may send while splitting a frontier that reached the budget."""

MAX_DEPTH = 3
MAX_LEVEL_CAP = 100
HUB_KINDS = ("Party", "Agency", "BorderCrossingPoint", "RiskProfile")
"""Reference nodes that link to a large share of the graph: shown, but not expanded or walked
through (except from themselves), because everything is two hops apart through them."""

_DETAIL_CHUNK = 100
_MEET_CHUNK = 200
_PERSONAL = {kind.label: kind.personal for kind in NODE_KINDS}


# ---- values --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Window:
    """A time window in epoch milliseconds (either end open) on edge times and node dates."""

    since: int | None = None
    until: int | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InputError(f"since ({self.since}) is after until ({self.until}); swap them")

    def params(self) -> dict[str, Any]:
        """The ``$q``/``$w`` entries the ``within`` predicate reads (hub.graph.cypher.links)."""
        since = self.since if self.since is not None else -(2**62)
        until = self.until if self.until is not None else 2**62
        return {
            "timed": self.since is not None or self.until is not None,
            "since_ms": since, "until_ms": until,
            "since_iso": _iso(self.since) if self.since is not None else "",
            "since_day": _iso(self.since)[:10] if self.since is not None else "",
            "until_iso": _iso(self.until) if self.until is not None else "~",
        }


def _iso(ms: int) -> str:
    try:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        raise InputError(f"{ms} is not a usable epoch-millisecond time") from None


def iso_text(value: Any) -> str | None:
    """A stored time as ISO 8601 text (for exports): text stays, epoch ms become UTC text."""
    if isinstance(value, str):
        return value
    ms = epoch_ms(value)
    return _iso(ms) if ms is not None else None


@dataclass(frozen=True, slots=True)
class Link:
    """One visible link of a scanned node: the edge (with its sharing fields and time) and the
    node at its other end."""

    edge: str
    type: str
    outgoing: bool
    neighbour: str
    neighbour_kind: str
    sharing: Mapping[str, Any] = field(default_factory=dict, compare=False)
    time: Any = field(default=None, compare=False)

    @classmethod
    def from_row(cls, values: Sequence[Any]) -> Link:
        edge, kind, outgoing, neighbour, neighbour_kind, *detail = values
        return cls(str(edge), str(kind), bool(outgoing), str(neighbour), str(neighbour_kind),
                   *_detail(str(edge), detail))

    def ends(self, node: str) -> tuple[str, str]:
        """(source, target) of the edge, seen from ``node``, the scanned end."""
        return (node, self.neighbour) if self.outgoing else (self.neighbour, node)


def _detail(edge: str, detail: Sequence[Any]) -> tuple[dict[str, Any], Any]:
    """An edge's sharing map and time from a scan's detail values."""
    sharing = dict(zip(EDGE_FIELDS[1:], detail, strict=False))
    sharing["id"] = edge
    return sharing, detail[-1] if detail else None


@dataclass(frozen=True, slots=True)
class Adjacency:
    """What a scan found at one node: ``total`` visible links (a lower bound unless ``exact``)
    and the first of them, links to already known nodes first, then by edge id."""

    node: str
    total: int
    exact: bool
    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class Reach:
    """What a neighbours-only scan found at one node: ``total`` visible neighbours through
    visible edges (a lower bound unless ``exact``), grouped by kind."""

    node: str
    total: int
    exact: bool
    groups: tuple[tuple[str, Sequence[str]], ...]
    """(kind, neighbour ids) pairs; each neighbour appears once."""


_Found = TypeVar("_Found", Adjacency, Reach)


@dataclass(frozen=True, slots=True)
class ScanFilter:
    """What a scan follows. None means any; ``admit`` ids pass the kind filter anyway."""

    types: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None
    members: tuple[str, ...] | None = None
    admit: tuple[str, ...] = ()
    known: tuple[str, ...] = ()
    window: Window = Window()
    detail: bool = True
    """Return each listed edge's sharing fields and time (a search that lists many links and
    keeps few turns it off and asks :meth:`Scanner.between` for the ones it keeps)."""

    def params(self) -> dict[str, Any]:
        return {"detail": self.detail,
            "types": list(self.types) if self.types is not None else None,
            "kinds": list(self.kinds) if self.kinds is not None else None,
            "members": list(self.members) if self.members is not None else None,
            "admit": list(self.admit), "known": list(self.known), **self.window.params(),
        }


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A node of a link-analysis result, with a display label and why the caller sees it.

    ``row`` is the summary projection (id, kind, sharing fields, label, time). ``more`` is how
    many visible links of an expanded node are not shown (a lower bound unless ``more_exact``);
    None for nodes that were not expanded. ``personal`` is true when the label is an unmasked
    name (the API records such reads in the audit trail).
    """

    id: str
    kind: str
    label: str
    visible_because: str
    row: Mapping[str, Any]
    level: int | None = None
    expanded: bool = False
    more: int | None = None
    more_exact: bool = True

    @property
    def personal(self) -> bool:
        return bool(_PERSONAL.get(self.kind)) and self.row.get("label") is not None

    @property
    def time(self) -> Any:
        return self.row.get("time")


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """A visible edge, directed as stored, with its own sharing explanation."""

    id: str
    type: str
    source: str
    target: str
    visible_because: str
    time: Any = None


@dataclass(frozen=True, slots=True)
class LinkGraph:
    """Nodes and edges of an expansion, a set of paths or a network; ``notes`` say what was
    left out and why (caps, super-nodes, reference nodes)."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    notes: tuple[str, ...] = ()


# ---- sharing explanations and labels -------------------------------------------------------------

def visible_because(row: Mapping[str, Any], visibility: Visibility) -> str:
    """Why ``visibility`` lets its caller see a record with these sharing fields.

    The same rules as the ``@visible`` filter, in the same order of preference; the filter has
    already decided, this only explains. Raises LookupError when no rule explains the row,
    which means this function and the filter disagree (a bug, never a caller's error).
    """
    aud = visibility.records
    owner, party = row.get("owner_agency"), row.get("owner_party")
    distribution = row.get("distribution")
    if owner is not None and owner == aud.agency:
        return f"owner {owner}"
    if distribution == "PARTY" and party in aud.parties:
        return f"PARTY {party}"
    if distribution in aud.levels:
        return f"level {distribution}"
    for token in row.get("share_with") or ():
        if token in aud.tokens:
            return f"shared with {token}"
    raise LookupError(f"no sharing rule explains why record {row.get('id')} is visible")


def display_label(row: Mapping[str, Any]) -> str:
    """The label of a summary row (computed in the query); masked names stay masked."""
    label = row.get("label")
    if label not in (None, ""):
        return str(label)
    kind = str(row.get("kind") or "")
    return f"{kind} (masked)" if _PERSONAL.get(kind) else kind or str(row.get("id"))


# ---- checks --------------------------------------------------------------------------------------

def _known(argument: str, what: str, values: Iterable[str] | None,
           vocabulary: Mapping[str, object]) -> tuple[str, ...] | None:
    """``values`` without repeats, each one of ``vocabulary``; None stays None (any)."""
    if values is None:
        return None
    chosen = tuple(dict.fromkeys(values))
    unknown = [v for v in chosen if v not in vocabulary]
    if unknown:
        raise InputError(f"{argument}: unknown {what} {unknown}; use " + ", ".join(vocabulary))
    return chosen


def check_types(types: Iterable[str] | None) -> tuple[str, ...] | None:
    return _known("relTypes", "relationship types", types, REL_KIND_BY_TYPE)


def check_kinds(kinds: Iterable[str] | None) -> tuple[str, ...] | None:
    return _known("nodeKinds", "kinds", kinds, NODE_KIND_BY_LABEL)


def check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise LimitError(f"{name} must be between {low} and {high}, not {value}")


# ---- the scanner ---------------------------------------------------------------------------------

class Scanner:
    """Bounded, visibility-filtered reads for one caller (``store`` + the caller's visibility)."""

    def __init__(self, store: GraphStore, visibility: Visibility, *,
                 budget: int = ROW_BUDGET, max_statements: int = MAX_SCAN_STATEMENTS) -> None:
        self.store = store
        self.visibility = visibility
        self.vis = visibility.as_params()
        self.budget = budget
        self.max_statements = max_statements
        self.sent = 0
        """Scan statements sent so far (a search bounds its total work with it)."""
        self.read = 0
        """Rows those statements read."""

    async def bounded(self, statement: Statement, keys: Sequence[str], key_param: str,
                      params: Mapping[str, Any],
                      rows_read: Callable[[list[Row]], int]) -> list[tuple[list[Row], bool]]:
        """Run ``statement`` over ``keys`` (a list parameter) within the row budget.

        A statement that read ``budget`` rows (``rows_read``) may have stopped early: its keys
        are split in halves and read again, down to single keys, within ``max_statements``.
        Returns (rows, complete) per statement that was kept; not complete means a lower bound.
        """
        results: list[tuple[list[Row], bool]] = []
        sent = 0

        async def read(chunk: list[str]) -> None:
            nonlocal sent
            sent += 1
            rows = await self.store.run(statement, {
                **params, key_param: chunk, "budget": self.budget, "vis": self.vis})
            saturated = rows_read(rows) >= self.budget
            if saturated and len(chunk) > 1 and sent + 2 <= self.max_statements:
                half = len(chunk) // 2
                await asyncio.gather(read(chunk[:half]), read(chunk[half:]))
                return
            results.append((rows, not saturated))

        if keys:
            await read(list(dict.fromkeys(keys)))
        return results

    async def scan(self, frontier: Sequence[str], where: ScanFilter, k: int, *,
                   settle_at: int | None = None, max_statements: int | None = None,
                   budget: int | None = None) -> dict[str, Adjacency]:
        """The visible links of each frontier node (first ``k`` of each, and their count).

        When a read reaches the budget, nodes that already show ``settle_at`` links keep what
        was read as a lower bound (their count is then inexact) and the others are read again,
        or the frontier is split in halves when no node settled, within ``max_statements``
        and ``budget`` rows per statement (default: the scanner's). Nodes the caller cannot see
        are absent from the answer; so is a visible node without links, unless the statements
        ran out before it was read (then it is present, inexact, with no links).
        """
        def adjacency(row: Row, exact: bool) -> Adjacency:
            return Adjacency(node=row["id"], total=int(row["total"]), exact=exact,
                             links=tuple(Link.from_row(values) for values in row["links"]))

        return await self._bounded(NEIGHBOURS, {"q": where.params(), "k": k}, frontier,
                                   adjacency, Adjacency, settle_at=settle_at,
                                   max_statements=max_statements, budget=budget)

    async def reach(self, frontier: Sequence[str], where: ScanFilter, *,
                    kind: str | None = None, settle_at: int | None = None,
                    max_statements: int | None = None,
                    budget: int | None = None) -> dict[str, Reach]:
        """The visible neighbours of each frontier node through visible edges, without the
        edges (REACH): cheaper than :meth:`scan`, for searches that read the edges of what
        they keep with :meth:`between`. Filters, bounds and answer as :meth:`scan`, counting
        neighbours instead of links. ``kind``: every frontier node is of that kind, and the
        read names the relationship types it can have when they are few (REACH_BY_KIND)."""
        def reached(row: Row, exact: bool) -> Reach:
            return Reach(node=row["id"], total=int(row["total"]), exact=exact,
                         groups=tuple((kind, ids) for kind, ids in row["groups"]))

        statement = REACH_BY_KIND.get(kind or "", REACH)
        return await self._bounded(statement, {"q": where.params()}, frontier, reached, Reach,
                                   settle_at=settle_at, max_statements=max_statements,
                                   budget=budget, merge=_merge_reach)

    async def meet(self, frontier: Sequence[str], members: Collection[str],
                   where: ScanFilter) -> tuple[dict[str, list[str]], bool]:
        """The visible neighbours among ``members`` of each visible frontier node, through
        visible links passing ``where`` (MEET), by frontier node; and False when a
        statement reached the budget (a lower bound). Reads the frontier in chunks of
        :data:`_MEET_CHUNK` nodes, together."""
        wanted = list(dict.fromkeys(frontier))
        chunks = list(chunked(wanted, _MEET_CHUNK))
        params = {"q": where.params(), "vis": self.vis, "members": list(members),
                  "budget": self.budget}
        self.sent += len(chunks)
        results = await asyncio.gather(*(
            self.store.run(MEET, {**params, "frontier": chunk}) for chunk in chunks))
        found: dict[str, list[str]] = {}
        complete = True
        for rows in results:
            read = sum(int(row["total"]) for row in rows)
            self.read += read
            complete &= read < self.budget
            for row in rows:
                found[row["id"]] = list(row["ids"])
        return found, complete

    async def _bounded(self, statement: Statement, params: Mapping[str, Any],
                       frontier: Sequence[str], build: Callable[[Row, bool], _Found],
                       empty: Callable[..., _Found], *, settle_at: int | None,
                       max_statements: int | None, budget: int | None,
                       merge: Callable[[list[Row]], list[Row]] | None = None,
                       ) -> dict[str, _Found]:
        """Run a per-frontier-node ``statement`` (rows with ``id`` and ``total``; ``merge``
        makes one row per node of a statement that may answer several) within the row
        budget, settling and splitting as :meth:`scan` describes."""
        found: dict[str, _Found] = {}
        budget = budget or self.budget
        allowed = max_statements or self.max_statements
        params = {**params, "vis": self.vis, "budget": budget}
        sent = 0

        async def read(chunk: list[str]) -> None:
            nonlocal sent
            sent += 1
            self.sent += 1
            rows = await self.store.run(statement, {**params, "frontier": chunk})
            read_rows = sum(int(row["total"]) for row in rows)
            if merge is not None:
                rows = merge(rows)
            self.read += read_rows
            saturated = read_rows >= budget
            settled = {row["id"] for row in rows if settle_at is not None
                       and int(row["total"]) >= settle_at} if saturated else set()
            rest = [node for node in chunk if node not in settled]
            if not saturated or not rest or sent >= allowed or (
                    len(rest) == 1 and not settled):
                keep = rows
                exact = not saturated
            else:
                keep = [row for row in rows if row["id"] in settled]
                exact = False
                if settled:
                    await read(rest)
                else:
                    half = len(rest) // 2
                    await asyncio.gather(read(rest[:half]), read(rest[half:]))
            for row in keep:
                found[row["id"]] = build(row, exact)
            if keep is rows and saturated:
                # Out of statements: a node absent here may have links that were never read.
                # It is marked inexact (it may also be hidden: then it is never shown anyway).
                for node in chunk:
                    found.setdefault(node, empty(node, 0, False, ()))

        frontier = list(dict.fromkeys(frontier))
        if frontier:
            await read(frontier)
        return found

    async def between(self, pairs: Iterable[tuple[str, str]],
                      where: ScanFilter) -> dict[tuple[str, str], list[Link]]:
        """The visible edges (``where.types``, the window's edge times) between each pair of
        visible nodes, as links seen from the pair's first node, ordered by edge id."""
        wanted = list(dict.fromkeys(pairs))
        chunks = list(chunked(wanted, _DETAIL_CHUNK))
        params = {"q": where.params(), "vis": self.vis}
        results = await asyncio.gather(*(
            self.store.run(BETWEEN, {**params, "pairs": [list(p) for p in chunk]})
            for chunk in chunks))
        found: dict[tuple[str, str], list[Link]] = {}
        for rows in results:
            for row in rows:
                link = Link.from_row(row["link"])
                found.setdefault((row["id"], link.neighbour), []).append(link)
        for links in found.values():
            links.sort(key=lambda link: link.edge)
        return found

    async def nodes(self, ids: Iterable[str]) -> dict[str, Row]:
        """Summary rows (id, kind, sharing, label, time) of the visible ``ids``, by id."""
        wanted = list(dict.fromkeys(ids))
        chunks = list(chunked(wanted, _DETAIL_CHUNK))
        results = await asyncio.gather(*(
            self.store.run(NODES, {"ids": chunk, "vis": self.vis}) for chunk in chunks))
        return {row["n"]["id"]: row["n"] for rows in results for row in rows}

    async def graph(self, nodes: Mapping[str, dict[str, Any]],
                    edges: Mapping[str, tuple[Link, str, str]],
                    notes: Iterable[str] = ()) -> LinkGraph:
        """Fetch node summaries and build the result: ``nodes`` id -> GraphNode extras (level,
        more...), ``edges`` id -> (link, source, target) as scanned. A node that stopped being
        visible meanwhile is left out, with the edges that touch it."""
        rows = await self.nodes(nodes)
        out_nodes = tuple(
            GraphNode(id=node_id, kind=rows[node_id]["kind"], label=display_label(rows[node_id]),
                      visible_because=visible_because(rows[node_id], self.visibility),
                      row=rows[node_id], **extra)
            for node_id, extra in nodes.items() if node_id in rows)
        out_edges = tuple(
            GraphEdge(id=edge_id, type=link.type, source=source, target=target,
                      visible_because=visible_because(link.sharing, self.visibility),
                      time=link.time)
            for edge_id, (link, source, target) in edges.items()
            if source in rows and target in rows)
        return LinkGraph(out_nodes, out_edges, tuple(notes))


def _merge_reach(rows: list[Row]) -> list[Row]:
    """One REACH row per frontier node from a statement that reads each direction of a
    node's links on its own (REACH_BY_KIND of a link-heavy kind): neighbours joined by kind,
    each once, and counted once."""
    by_node: dict[str, Row] = {}
    for row in rows:
        seen = by_node.get(row["id"])
        if seen is None:
            by_node[row["id"]] = row
            continue
        groups = {kind: list(ids) for kind, ids in seen["groups"]}
        counted = sum(len(ids) for ids in groups.values())
        for kind, ids in row["groups"]:
            known = groups.setdefault(kind, [])
            have = set(known)
            known += [i for i in ids if i not in have]
        twice = counted + sum(len(ids) for _, ids in row["groups"]) - sum(
            len(ids) for ids in groups.values())
        by_node[row["id"]] = {"id": row["id"], "total": seen["total"] + row["total"] - twice,
                              "groups": [[kind, ids] for kind, ids in groups.items()]}
    return list(by_node.values())


def fan_out(cap: int, frontier_size: int) -> int:
    """Links to read per frontier node: enough to fill a level shared fairly among the frontier."""
    return min(cap, max(10, math.ceil(2 * cap / max(1, frontier_size))))
