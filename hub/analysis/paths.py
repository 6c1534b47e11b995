"""Shortest paths between two entities through visible nodes and edges only, in either direction.

FalkorDB 4.16 applies a WHERE on ``shortestPath``/``allShortestPaths`` after the search: when
the shortest path crosses a hidden record it answers nothing instead of the longer visible
path. So the search is a bidirectional breadth-first search here, one filtered scan per hop
(hub.analysis.links: every node and edge read passes ``@visible`` inside the query), growing
the side cheaper to read (estimated from the links per kind the search has seen so far). It
stops at the first hop where the two sides meet, and the paths are enumerated from the
parents recorded on each side. The scans list neighbours only (:meth:`Scanner.reach`); the
edges of the paths kept are read at the end (:meth:`Scanner.between`), through the same
filter.

A hop that is not the last stops reading once it has :data:`MAX_FRONTIER` new nodes (or
enough meetings). The last hop reads only the links from its frontier to nodes the other side
reached (:meth:`Scanner.meet`), then confirms the frontier nodes they leave from are no
super-nodes: on the 1M-consignment demo that made a search about four times cheaper than
reading the last frontier in full, for as many paths found.

Bounds: each scan statement reads at most :data:`BUDGET` rows, a search at most
:data:`MAX_ROWS` rows in :data:`MAX_STATEMENTS` statements before its last hop (which adds
its members read and at most :data:`LAST_HOP_WAVES` rounds of confirming reads); a side's
frontier is cut at :data:`MAX_FRONTIER` nodes; reference nodes (border crossings, parties,
agencies, profiles) are never walked through, only reached as an end; super-nodes
(:data:`SUPER_DEGREE` visible neighbours or more) are reached, so a path may meet there, but
not walked through. When a bound cut the search, ``exhaustive`` is false: the paths found
are real and visible, but a shorter one may exist.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from hub.analysis.links import (
    HUB_KINDS,
    Link,
    LinkGraph,
    Reach,
    ScanFilter,
    Scanner,
    Window,
    check_range,
    check_types,
)
from hub.errors import InputError, NotFoundError
from hub.model import NODE_KINDS

MAX_HOPS = 6
MAX_PATHS = 10
MAX_FRONTIER = 300
"""New nodes one hop of a side keeps (nodes where the sides meet are kept beyond it). On the
1M-consignment demo a cap of 300 found as many paths as 1,000 for a third of the reading."""
BUDGET = 2_000
"""Rows one scan statement of a search may read. Reads are sized to it from the learnt
degrees; a read that overflows is read again in halves. On the 1M-consignment demo reads of
2,000 rows answered random pairs faster than reads of 3,000 (mean 119 vs 138 ms) or 1,500."""
MAX_ROWS = 30_000
"""Rows one search may read. On 100 random operator pairs of the 1M-consignment demo, a path
was found for 95 % (20,000 rows: 90 %; the former bound of 8 reads of 5,000 rows: 74 %)."""
MAX_STATEMENTS = 24
"""Scan statements one search may send (reads are per kind of frontier node)."""
DEFAULT_DEGREE = 10.0
"""Neighbours assumed for a node of a kind the search has not read yet."""
WAVE = 1
"""Scan statements a hop sends at a time. One at a time, a hop that can stop early reads
least past its stopping point: on the 1M-consignment demo with 4 clients, searches answered at
p95 92-98 ms (62 a second) against 111-113 ms (52) two at a time; a lone client was 12 %
faster two at a time, by using both cores for one search."""
LAST_HOP_READS = 16
"""Frontier nodes the last hop reads in full at a time, to confirm that a link it found to
the other side does not leave from a super-node."""
LAST_HOP_WAVES = 2
"""Rounds of those reads before the last hop gives up confirming (the answer is then not
exhaustive): a frontier whose first 32 links to the other side all leave from super-nodes."""
GROW_BUDGET = 250
"""Rows a read of a hop that is not the last is sized to. Such a hop stops once it has
:data:`MAX_FRONTIER` new nodes, so small reads stop close to that point: on 100 random
operator pairs of the 1M-consignment demo, reads of 250 rows answered in a mean of 55 ms,
reads of 500 in 70 and of 1,000 in 95, finding a path for as many pairs (150 rows: as 250)."""
SUPER_DEGREE = 200
"""A node with this many visible neighbours (a customs broker, a big forwarder) is a
super-node: a path may meet there, but the search does not walk through it."""


@dataclass(frozen=True, slots=True)
class Path:
    """One path: node ids in order from the source, and the edge ids between them."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PathResult:
    """The shortest paths found (all of the same length), their nodes and edges in ``graph``."""

    source: str
    target: str
    paths: tuple[Path, ...]
    graph: LinkGraph
    exhaustive: bool

    @property
    def length(self) -> int | None:
        return len(self.paths[0].edges) if self.paths else None


@dataclass(slots=True)
class _Side:
    depth: int = 0
    dist: dict[str, int] = field(default_factory=dict)
    parents: dict[str, list[str]] = field(default_factory=dict)
    frontier: list[str] = field(default_factory=list)
    supers: set[str] = field(default_factory=set)
    kind: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Degrees:
    """Visible neighbours per node, learnt by kind from the nodes a search has read: what
    reading a frontier will cost. A consignment has a handful; a vehicle, a driver or an
    address may have hundreds, so the side with fewer nodes is not always the cheaper one."""

    read: dict[str, list[int]] = field(default_factory=dict)

    def learn(self, kind: str, total: int) -> None:
        seen = self.read.setdefault(kind, [0, 0])
        seen[0] += total
        seen[1] += 1

    def estimates(self, side: _Side) -> list[float]:
        """The neighbours each node of ``side``'s frontier is expected to have."""
        mean = {kind: total / count for kind, (total, count) in self.read.items()}
        return [mean.get(side.kind.get(node, ""), DEFAULT_DEGREE) for node in side.frontier]

    def cost(self, side: _Side) -> float:
        return sum(self.estimates(side))

    def chunks(self, side: _Side, budget: int) -> list[tuple[str, list[str]]]:
        """The frontier cut into chunks of one kind each (a read of one kind names the few
        relationship types it can have), expected to fit ``budget`` rows each: a read that
        overflows its budget is read again in halves, so right-sized reads waste less than
        one read of everything. Kinds expected to read less than a quarter of ``budget``
        are read together by the untyped pattern (kind ""): a statement costs about a
        millisecond before its first row, more than naming the types saves on a few rows."""
        estimates = list(zip(side.frontier, self.estimates(side), strict=True))
        load: dict[str, float] = {}
        for node, estimate in estimates:
            kind = side.kind.get(node, "")
            load[kind] = load.get(kind, 0.0) + estimate
        small = {kind for kind, total in load.items() if total < budget / 4}
        by_kind: dict[str, list[tuple[str, float]]] = {}
        for node, estimate in estimates:
            kind = side.kind.get(node, "")
            by_kind.setdefault("" if len(small) > 1 and kind in small else kind, []).append(
                (node, estimate))
        chunks: list[tuple[str, list[str]]] = []
        for kind, nodes in by_kind.items():
            chunks.append((kind, []))
            filled = 0.0
            for node, estimate in nodes:
                if chunks[-1][1] and filled + estimate > budget:
                    chunks.append((kind, []))
                    filled = 0.0
                chunks[-1][1].append(node)
                filled += estimate
        return chunks


@dataclass(frozen=True, slots=True)
class _Task:
    """One search: its ends (ids and kinds), what it may walk and how far."""

    source: str
    target: str
    kinds: tuple[str, str]
    where: ScanFilter
    max_hops: int
    super_degree: int


@dataclass(frozen=True, slots=True)
class _Search:
    """What one bidirectional search found: node sequences from source to target (all of the
    shortest length it reached), whether its bounds cut it, and the super-nodes it met."""

    chains: tuple[tuple[str, ...], ...]
    exhaustive: bool
    supers: int


async def shortest_paths(scanner: Scanner, source: str, target: str, max_hops: int = 6, *,
                         rel_types: Sequence[str] | None = None, window: Window | None = None,
                         limit: int = 3, super_degree: int = SUPER_DEGREE) -> PathResult:
    """Up to ``limit`` (1-10) shortest paths of at most ``max_hops`` (1-6) between two visible
    records, not walking through nodes with ``super_degree`` visible neighbours or more.
    Raises LimitError, InputError, NotFoundError (hidden = absent).
    """
    check_range("maxHops", max_hops, 1, MAX_HOPS)
    check_range("limit", limit, 1, MAX_PATHS)
    if source == target:
        raise InputError("from and to are the same record; give two different ids")
    walkable = tuple(k.label for k in NODE_KINDS if k.label not in HUB_KINDS)
    where = ScanFilter(types=check_types(rel_types), kinds=walkable, window=window or Window(),
                       admit=(source, target), detail=False)
    ends = await scanner.nodes([source, target])
    for end in (source, target):
        if end not in ends:
            raise NotFoundError(f"no record with id {end!r} is visible to you")
    task = _Task(source, target, (ends[source]["kind"], ends[target]["kind"]), where,
                 max_hops, super_degree)
    search = await _search(scanner, task, candidates=limit)
    found = await _with_edges(scanner, where, search.chains, limit)
    return await _result(scanner, source, target, found, exhaustive=search.exhaustive,
                         supers=(search.supers, super_degree))


async def _search(scanner: Scanner, task: _Task, *, candidates: int) -> _Search:
    """The bidirectional search; at most ``candidates`` node sequences come back."""
    scanner.sent = scanner.read = 0
    source, target = task.source, task.target
    forward = _Side(dist={source: 0}, frontier=[source], kind={source: task.kinds[0]})
    backward = _Side(dist={target: 0}, frontier=[target], kind={target: task.kinds[1]})
    degrees = _Degrees()
    exhaustive = True
    meeting: list[str] = []
    while (forward.depth + backward.depth < task.max_hops and forward.frontier
           and backward.frontier):
        # Grow the side that is cheaper to read: both must be read anyway until they meet.
        side = forward if degrees.cost(forward) <= degrees.cost(backward) else backward
        other = backward if side is forward else forward
        if forward.depth + backward.depth + 1 < task.max_hops:
            exhaustive &= await _grow(scanner, task, side, other, degrees, wanted=candidates)
        else:
            exhaustive &= await _last_hop(scanner, task, side, other, degrees,
                                          wanted=candidates)
        meeting = _meeting(side, other)
        if meeting:
            break
    chains = tuple(itertools.islice(_enumerate(forward, backward, meeting), candidates))
    return _Search(chains, exhaustive, len(forward.supers | backward.supers))


def _meeting(side: _Side, other: _Side) -> list[str]:
    """The nodes ``side`` just reached that the other side has reached too, those on the
    shortest paths. When no bound cut the search they all lie at the other side's depth;
    when one did, a node the other side reached earlier may give a shorter path."""
    both = [node for node in side.frontier if node in other.dist]
    if not both:
        return []
    shortest = min(other.dist[node] for node in both)
    return sorted(node for node in both if other.dist[node] == shortest)


async def _grow(scanner: Scanner, task: _Task, side: _Side, other: _Side, degrees: _Degrees,
                *, wanted: int) -> bool:
    """Grow ``side`` by one hop that is not the last; False when a bound cut what was read.

    The frontier is read :data:`WAVE` statements at a time, each sized to
    :data:`GROW_BUDGET` rows. Reading stops once ``wanted`` nodes where the sides meet are
    found (when no bound cut the search they all lie on shortest paths, so the rest could
    only add alternatives), or once :data:`MAX_FRONTIER` new nodes are found: frontier nodes
    left unread stay reached, and the other side may still meet them. A node the other side
    has reached joins the new frontier even past the cap: the sides meet there."""
    depth = side.depth + 1
    new: list[str] = []
    met = 0
    exact = True
    chunks = degrees.chunks(side, GROW_BUDGET)
    while chunks:
        statements, rows = MAX_STATEMENTS - scanner.sent, MAX_ROWS - scanner.read
        if statements <= 0 or rows <= 0:
            return _cut(side, depth, new)
        wave, chunks = chunks[:min(WAVE, statements)], chunks[min(WAVE, statements):]
        # A read that fills its budget settles its super-nodes (not walked through anyway)
        # and reads the rest again without them. The scan's kind filter keeps reference
        # nodes out, except the two ends. The reads of a wave share what is left.
        share = {"settle_at": task.super_degree,
                 "max_statements": max(1, statements // len(wave)),
                 "budget": max(1, min(BUDGET, rows // len(wave)))}
        reads = await asyncio.gather(*(
            scanner.reach(chunk, task.where, kind=kind, **share) for kind, chunk in wave))
        found = {node: reach for reached in reads for node, reach in reached.items()}
        for node in (node for _, chunk in wave for node in chunk):
            reach = found.get(node)
            if reach is None:
                continue  # hidden meanwhile, or no visible link
            if not _walkable(task, side, node, reach, degrees):
                exact = False
                continue
            # A node whose read the budget cut is walked through what was read: those
            # neighbours are real and visible, only the answer can no longer claim to be
            # the shortest.
            exact &= reach.exact
            for kind, neighbours in reach.groups:
                for neighbour in neighbours:
                    meets = neighbour in other.dist
                    if len(new) >= MAX_FRONTIER and not meets and neighbour not in side.dist:
                        exact = False
                        continue
                    if _reach(side, node, neighbour, kind, depth):
                        new.append(neighbour)
                        met += meets
        if met >= wanted:
            break
        if chunks and len(new) >= MAX_FRONTIER:
            return _cut(side, depth, new)
    side.depth, side.frontier = depth, new
    return exact


async def _last_hop(scanner: Scanner, task: _Task, side: _Side, other: _Side,
                    degrees: _Degrees, *, wanted: int) -> bool:
    """Grow ``side`` by the last hop the search may take; False when a bound cut it.

    Only a link to a node the other side reached can make a path now, so only those links
    are read (:meth:`Scanner.meet`). The frontier nodes they leave from are then read in
    full, :data:`LAST_HOP_READS` at a time and nearest the other side's end first, so that
    a super-node is not walked through on this hop either; reading stops once ``wanted``
    meetings are confirmed."""
    depth = side.depth + 1
    links, exact = await scanner.meet(side.frontier, list(other.dist), task.where)
    order = {node: i for i, node in enumerate(side.frontier)}
    starts = sorted(links, key=lambda node: (min(other.dist[m] for m in links[node]),
                                              order[node]))
    new: list[str] = []
    for first in range(0, min(len(starts), LAST_HOP_READS * LAST_HOP_WAVES), LAST_HOP_READS):
        batch = starts[first:first + LAST_HOP_READS]
        by_kind: dict[str, list[str]] = {}
        for node in batch:
            by_kind.setdefault(side.kind[node], []).append(node)
        reads = await asyncio.gather(*(
            scanner.reach(nodes, task.where, kind=kind, settle_at=task.super_degree,
                          max_statements=2) for kind, nodes in by_kind.items()))
        found = {node: reach for reached in reads for node, reach in reached.items()}
        for node in batch:
            reach = found.get(node)
            if reach is None:
                continue  # hidden meanwhile
            if not _walkable(task, side, node, reach, degrees):
                exact = False
                continue
            exact &= reach.exact
            new += [m for m in links[node] if _reach(side, node, m, other.kind[m], depth)]
        if len(new) >= wanted:
            break
    else:
        exact &= len(starts) <= LAST_HOP_READS * LAST_HOP_WAVES
    side.depth, side.frontier = depth, new
    return exact


def _walkable(task: _Task, side: _Side, node: str, reach: Reach, degrees: _Degrees) -> bool:
    """Whether the search may walk on from ``node``, read as ``reach``: not a super-node,
    unless it is one of the ends. Learns the node's degree when the read was complete."""
    if reach.exact:
        degrees.learn(side.kind.get(node, ""), reach.total)
    if node in (task.source, task.target) or reach.total < task.super_degree:
        return True
    side.supers.add(node)  # reached, and a path may meet there, but not walked through
    return False


def _reach(side: _Side, parent: str, node: str, kind: str, depth: int) -> bool:
    """Record that ``side`` reaches ``node`` from ``parent`` at ``depth``; True when it is
    new to the side (a node reached earlier, at a lower depth, is not a new way there)."""
    seen = side.dist.get(node)
    if seen is not None and seen != depth:
        return False
    side.parents.setdefault(node, []).append(parent)
    if seen is None:
        side.dist[node] = depth
        side.kind[node] = kind
        return True
    return False


def _cut(side: _Side, depth: int, new: list[str]) -> bool:
    """End a hop that a bound stopped: what was reached stays; the answer is not exhaustive."""
    side.depth, side.frontier = depth, new
    return False


def _chains(side: _Side, node: str) -> Iterator[list[str]]:
    """Every shortest chain of parents from ``node`` back to the side's end (excluded)."""
    if side.dist[node] == 0:
        yield []
        return
    for parent in sorted(side.parents[node]):
        for rest in _chains(side, parent):
            yield [parent, *rest]


def _enumerate(forward: _Side, backward: _Side,
               meeting: list[str]) -> Iterator[tuple[str, ...]]:
    """Node sequences from the source to the target through each meeting node, in order."""
    for middle in meeting:
        for head in _chains(forward, middle):
            for tail in _chains(backward, middle):
                yield (*reversed(head), middle, *tail)


_Edge = tuple[Link, str, str]


async def _with_edges(scanner: Scanner, where: ScanFilter, chains: Sequence[tuple[str, ...]],
                      limit: int) -> list[tuple[tuple[str, ...], list[_Edge]]]:
    """Paths over ``chains`` with their visible edges, one path per choice of parallel edges,
    at most ``limit``: (node ids, (link, source, target) per hop). A chain with a hop whose
    edge stopped being visible since the search read it is left out."""
    hops = {pair for chain in chains for pair in itertools.pairwise(chain)}
    links = await scanner.between(sorted(hops), where)
    found: list[tuple[tuple[str, ...], list[_Edge]]] = []
    for chain in chains:
        choices = [[(link, *link.ends(a)) for link in links.get((a, b), ())]
                   for a, b in itertools.pairwise(chain)]
        for edges in itertools.product(*choices):
            found.append((chain, list(edges)))
            if len(found) >= limit:
                return found
    return found


async def _result(scanner: Scanner, source: str, target: str,
                  found: list[tuple[tuple[str, ...], list[_Edge]]], *,
                  exhaustive: bool, supers: tuple[int, int]) -> PathResult:
    nodes: dict[str, dict[str, object]] = {}
    edges: dict[str, _Edge] = {}
    for path_nodes, path_edges in found:
        for node in path_nodes:
            nodes.setdefault(node, {})
        for link, a, b in path_edges:
            edges.setdefault(link.edge, (link, a, b))
    notes: tuple[str, ...] = ()
    if supers[0]:
        notes += (f"{supers[0]} super-node(s) with {supers[1]} or more visible neighbours were "
                  "reached but not walked through",)
    if not exhaustive:
        notes += ("the search was bounded (super-nodes, a very wide frontier): a shorter path "
                  "may exist; narrow relTypes or the time window",)
    graph = await scanner.graph(nodes, edges, notes)
    present = {n.id for n in graph.nodes} | {e.id for e in graph.edges}
    paths = tuple(
        Path(nodes=tuple(path_nodes), edges=tuple(link.edge for link, _, _ in path_edges))
        for path_nodes, path_edges in found
        if all(n in present for n in path_nodes)
        and all(link.edge in present for link, _, _ in path_edges))
    return PathResult(source=source, target=target, paths=paths, graph=graph,
                      exhaustive=exhaustive)
