"""Link analysis in the API: expand, paths, sharedIdentifiers, timeline, network and export.

Every field reads through hub.analysis with the caller's visibility: the filter is inside
every statement, so results, counts and exports hold only what the caller may see. Person
labels are masked unless the caller may see the name; when it may, the read is recorded for
the audit trail like any other personal read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader

from hub.analysis import exports as export_formats
from hub.analysis.expansion import expand as expand_graph
from hub.analysis.links import GraphEdge, GraphNode, LinkGraph, Scanner, Window, iso_text
from hub.analysis.network import Measures, Network
from hub.analysis.network import network as build_network
from hub.analysis.paths import shortest_paths
from hub.analysis.shared import shared_identifiers
from hub.analysis.timeline import CLASSES, Position, Ref, timeline
from hub.api.context import RequestContext
from hub.api.types import EpochMillis, Node, PageInfo, decode_cursor, encode_cursor, to_node
from hub.errors import InputError


@strawberry.enum(description="GraphML, i2 Analyst's Notebook entity/link CSV, Cytoscape JSON.")
class ExportFormat(StrEnum):
    GRAPHML = "GRAPHML"
    I2_CSV = "I2_CSV"
    CYTOSCAPE_JSON = "CYTOSCAPE_JSON"


def _scanner(ctx: RequestContext) -> Scanner:
    return Scanner(ctx.reader.store, ctx.visibility)


def _window(since: int | None, until: int | None) -> Window:
    return Window(since=since, until=until)


def _note_personal(ctx: RequestContext, nodes: Iterable[GraphNode]) -> None:
    for node in nodes:
        if node.personal:
            ctx.personal_reads[node.id] = node.row.get("owner_agency") or ""


async def _records(ctx: RequestContext, keys: list[str]) -> list[Node | None]:
    found = await ctx.reader.nodes(keys)
    return [to_node(found[key], ctx) if key in found else None for key in keys]


# ---- result types --------------------------------------------------------------------------------

@strawberry.type(description="A node of a link-analysis result.")
class LinkNode:
    id: strawberry.ID
    kind: str
    label: str = strawberry.field(description="For display; a person's name only if you may "
                                              "see it, else 'Person (masked)'.")
    level: int | None = strawberry.field(description="Hops from the seed (expand, network).")
    visible_because: str = strawberry.field(description="Why you see it: 'owner RS-CUS', "
                                                        "'PARTY RS', 'level CEFTA_CUSTOMS', "
                                                        "'shared with party:MK'.")
    expanded: bool = strawberry.field(description="Whether its links were read.")
    more: int | None = strawberry.field(description="Visible links of an expanded node that the "
                                                    "result does not show ('and N more').")
    more_exact: bool = strawberry.field(description="False when `more` is a lower bound (a "
                                                    "super-node read up to the budget).")
    time: str | None = strawberry.field(description="Its date (declared, controlled, issued...).")

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="The full record (one batched read for all nodes asked).")
    async def record(self, info: strawberry.Info[RequestContext, None]) -> Node | None:
        ctx = info.context
        loader = ctx.services.get("links.records")
        if loader is None:
            async def load(keys: list[str]) -> list[Node | None]:
                return await _records(ctx, keys)

            loader = ctx.services["links.records"] = DataLoader(load_fn=load, max_batch_size=100)
        result: Node | None = await loader.load(str(self.id))
        return result


@strawberry.type(description="An edge of a link-analysis result, directed as stored.")
class LinkRelation:
    id: strawberry.ID
    type: str
    source: strawberry.ID
    target: strawberry.ID
    visible_because: str
    time: str | None = strawberry.field(description="Its time (a crossing), ISO 8601.")


def _node(node: GraphNode) -> LinkNode:
    return LinkNode(id=strawberry.ID(node.id), kind=node.kind, label=node.label,
                    level=node.level, visible_because=node.visible_because,
                    expanded=node.expanded, more=node.more, more_exact=node.more_exact,
                    time=iso_text(node.time))


def _edge(edge: GraphEdge) -> LinkRelation:
    return LinkRelation(id=strawberry.ID(edge.id), type=edge.type,
                        source=strawberry.ID(edge.source), target=strawberry.ID(edge.target),
                        visible_because=edge.visible_because, time=iso_text(edge.time))


@strawberry.type(description="One level of an expansion.")
class LevelCount:
    level: int
    nodes: int
    more: int = strawberry.field(description="Visible links of the level above not followed.")
    more_exact: bool


@strawberry.type(description="The neighbourhood of an entity, level by level.")
class Expansion:
    seed: strawberry.ID
    nodes: list[LinkNode]
    edges: list[LinkRelation]
    levels: list[LevelCount]
    notes: list[str]


@strawberry.type(description="One path: nodes from `from` to `to`, and the edges between them.")
class LinkPath:
    length: int
    nodes: list[LinkNode]
    edges: list[LinkRelation]


@strawberry.type(description="Shortest paths through visible records only.")
class PathSearch:
    length: int | None = strawberry.field(description="Hops of the shortest path; null: none "
                                                      "within maxHops.")
    exhaustive: bool = strawberry.field(description="False when a bound cut the search: a "
                                                    "shorter path may exist.")
    paths: list[LinkPath]
    notes: list[str]


@strawberry.type(description="An identifier two operators share, and what it weighs.")
class SharedItem:
    id: strawberry.ID
    kind: str
    label: str
    item_class: str = strawberry.field(name="class", description="phone, email, address, "
                                       "document, vehicle, driver, declarant, carrier, city")
    weight: float
    degree: int | None = strawberry.field(description="Visible operators using it.")
    degree_exact: bool
    reason: str
    visible_because: str


@strawberry.type(description="Two operators, their score and what they share.")
class SharedPair:
    a: strawberry.ID
    b: strawberry.ID
    a_label: str
    b_label: str
    score: float
    items: list[SharedItem]


@strawberry.type
class SharedIdentifiers:
    pairs: list[SharedPair]
    notes: list[str]


@strawberry.type(description="A record a timeline event is about.")
class EventRecord:
    id: strawberry.ID
    kind: str
    label: str


@strawberry.type(description="One dated event.")
class TimelineEvent:
    id: strawberry.ID
    type: str = strawberry.field(description="declared, crossed, controlled, alert, lpco_issued "
                                             "or lpco_expires")
    at: EpochMillis | None
    time: str = strawberry.field(description="The stored value (ISO 8601 text or epoch ms).")
    record: EventRecord
    related: EventRecord | None
    visible_because: str


@strawberry.type
class TimelineEdge:
    cursor: str
    node: TimelineEvent


@strawberry.type(description="A keyset page of an entity's events in time order.")
class Timeline:
    edges: list[TimelineEdge]
    page_info: PageInfo
    notes: list[str]


@strawberry.type(description="A node of a network and its measures.")
class NetworkNode:
    node: LinkNode
    degree: int
    component: int
    community: int
    betweenness: float
    pagerank: float


@strawberry.type(description="A bounded visible subgraph with network measures.")
class NetworkResult:
    nodes: list[NetworkNode]
    edges: list[LinkRelation]
    components: int
    communities: int
    modularity: float
    notes: list[str]


# ---- export inputs -------------------------------------------------------------------------------

@strawberry.input(description="What to expand (see Query.expand).")
class ExpandInput:
    id: strawberry.ID
    depth: int = 1
    rel_types: list[str] | None = None
    node_kinds: list[str] | None = None
    since: EpochMillis | None = None
    until: EpochMillis | None = None
    per_level_cap: int = 25


@strawberry.input(description="Which paths (see Query.paths).")
class PathsInput:
    from_: strawberry.ID = strawberry.field(name="from")
    to: strawberry.ID
    max_hops: int = 6
    rel_types: list[str] | None = None
    since: EpochMillis | None = None
    until: EpochMillis | None = None
    limit: int = 3


@strawberry.input(description="Which network (see Query.network).")
class NetworkInput:
    ids: list[strawberry.ID]
    depth: int = 1
    node_cap: int = 200
    rel_types: list[str] | None = None
    node_kinds: list[str] | None = None
    since: EpochMillis | None = None
    until: EpochMillis | None = None


# ---- resolvers -----------------------------------------------------------------------------------

async def _expand_graph(ctx: RequestContext, args: ExpandInput) -> tuple[LinkGraph, Any]:
    result = await expand_graph(
        _scanner(ctx), str(args.id), args.depth, rel_types=args.rel_types,
        node_kinds=args.node_kinds, window=_window(args.since, args.until),
        per_level_cap=args.per_level_cap)
    _note_personal(ctx, result.graph.nodes)
    return result.graph, result


async def _expand(info: strawberry.Info[RequestContext, None], *, id: strawberry.ID,
                  depth: int = 1, rel_types: list[str] | None = None,
                  node_kinds: list[str] | None = None, since: EpochMillis | None = None,
                  until: EpochMillis | None = None, per_level_cap: int = 25) -> Expansion:
    graph, result = await _expand_graph(info.context, ExpandInput(
        id=id, depth=depth, rel_types=rel_types, node_kinds=node_kinds, since=since,
        until=until, per_level_cap=per_level_cap))
    return Expansion(seed=id, nodes=[_node(n) for n in graph.nodes],
                     edges=[_edge(e) for e in graph.edges],
                     levels=[LevelCount(level=s.level, nodes=s.nodes, more=s.more,
                                        more_exact=s.more_exact) for s in result.levels],
                     notes=list(graph.notes))


async def _paths_graph(ctx: RequestContext, args: PathsInput) -> tuple[LinkGraph, Any]:
    result = await shortest_paths(
        _scanner(ctx), str(args.from_), str(args.to), args.max_hops, rel_types=args.rel_types,
        window=_window(args.since, args.until), limit=args.limit)
    _note_personal(ctx, result.graph.nodes)
    return result.graph, result


async def _paths(info: strawberry.Info[RequestContext, None], *,
                 from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
                 to: strawberry.ID, max_hops: int = 6, rel_types: list[str] | None = None,
                 since: EpochMillis | None = None, until: EpochMillis | None = None,
                 limit: int = 3) -> PathSearch:
    graph, result = await _paths_graph(info.context, PathsInput(
        from_=from_, to=to, max_hops=max_hops, rel_types=rel_types, since=since, until=until,
        limit=limit))
    nodes = {n.id: _node(n) for n in graph.nodes}
    edges = {e.id: _edge(e) for e in graph.edges}
    return PathSearch(length=result.length, exhaustive=result.exhaustive, notes=list(graph.notes),
                      paths=[LinkPath(length=len(p.edges), nodes=[nodes[n] for n in p.nodes],
                                      edges=[edges[e] for e in p.edges]) for p in result.paths])


async def _shared(info: strawberry.Info[RequestContext, None],
                  operator_ids: list[strawberry.ID], limit: int = 20,
                  max_degree: int = 100) -> SharedIdentifiers:
    ctx = info.context
    result = await shared_identifiers(
        _scanner(ctx), [str(i) for i in operator_ids],
        against_all=len(operator_ids) == 1, limit=limit, max_degree=max_degree)
    for item in (i for p in result.pairs for i in p.items if i.personal):
        ctx.personal_reads[item.id] = item.owner_agency or ""
    return SharedIdentifiers(notes=list(result.notes), pairs=[SharedPair(
        a=strawberry.ID(p.a), b=strawberry.ID(p.b), a_label=p.a_label, b_label=p.b_label,
        score=p.score, items=[SharedItem(
            id=strawberry.ID(i.id), kind=i.kind, label=i.label, item_class=i.item_class,
            weight=i.weight, degree=i.degree, degree_exact=i.degree_exact, reason=i.reason,
            visible_because=i.visible_because) for i in p.items]) for p in result.pairs])


def _cursor(positions: dict[str, Position]) -> str:
    return encode_cursor(json.dumps({k: list(v) for k, v in sorted(positions.items())},
                                    separators=(",", ":")))


def _positions(after: str | None) -> dict[str, Position]:
    key = decode_cursor(after)
    if not key:
        return {}
    try:
        raw = json.loads(key)
        positions = {str(k): (v[0], str(v[1])) for k, v in raw.items()}
    except (ValueError, TypeError, AttributeError, IndexError, KeyError):
        raise InputError("after: not a cursor issued by this API; pass an endCursor back") from None
    if not set(positions) <= set(CLASSES) or not all(
            isinstance(t, str | int | float) and not isinstance(t, bool)
            for t, _ in positions.values()):
        raise InputError("after: not a cursor issued by this API; pass an endCursor back")
    return positions


def _ref(ctx: RequestContext, ref: Ref, owner: str | None) -> EventRecord:
    if ref.personal:
        ctx.personal_reads[ref.id] = owner or ""
    return EventRecord(id=strawberry.ID(ref.id), kind=ref.kind, label=ref.label)


async def _timeline(info: strawberry.Info[RequestContext, None], *, id: strawberry.ID,
                    since: EpochMillis | None = None, until: EpochMillis | None = None,
                    first: int = 50, after: str | None = None) -> Timeline:
    ctx = info.context
    positions = _positions(after)
    page = await timeline(_scanner(ctx), str(id), window=_window(since, until), first=first,
                          after=positions)
    edges = []
    for event in page.events:
        positions[event.type] = (event.time, event.key)
        edges.append(TimelineEdge(cursor=_cursor(positions), node=TimelineEvent(
            id=strawberry.ID(event.id), type=event.type,
            at=EpochMillis(event.at) if event.at is not None else None, time=str(event.time),
            record=_ref(ctx, event.record, event.record_owner),
            related=_ref(ctx, event.related, event.related_owner) if event.related else None,
            visible_because=event.visible_because)))
    return Timeline(edges=edges, notes=list(page.notes), page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def _network_result(ctx: RequestContext, args: NetworkInput) -> Network:
    result = await build_network(
        _scanner(ctx), [str(i) for i in args.ids], args.depth, node_cap=args.node_cap,
        rel_types=args.rel_types, node_kinds=args.node_kinds,
        window=_window(args.since, args.until))
    _note_personal(ctx, result.graph.nodes)
    return result


async def _network(info: strawberry.Info[RequestContext, None], *, ids: list[strawberry.ID],
                   depth: int = 1, node_cap: int = 200, rel_types: list[str] | None = None,
                   node_kinds: list[str] | None = None, since: EpochMillis | None = None,
                   until: EpochMillis | None = None) -> NetworkResult:
    result = await _network_result(info.context, NetworkInput(
        ids=ids, depth=depth, node_cap=node_cap, rel_types=rel_types, node_kinds=node_kinds,
        since=since, until=until))
    return NetworkResult(
        nodes=[_measured(n, result.measures[n.id]) for n in result.graph.nodes],
        edges=[_edge(e) for e in result.graph.edges], components=result.components,
        communities=result.communities, modularity=result.modularity,
        notes=list(result.graph.notes))


def _measured(node: GraphNode, m: Measures) -> NetworkNode:
    return NetworkNode(node=_node(node), degree=m.degree, component=m.component,
                       community=m.community, betweenness=m.betweenness, pagerank=m.pagerank)


async def _export(info: strawberry.Info[RequestContext, None],
                  format: ExportFormat,
                  expand: ExpandInput | None = None, paths: PathsInput | None = None,
                  network: NetworkInput | None = None) -> str:
    ctx = info.context
    chosen = [a for a in (expand, paths, network) if a is not None]
    if len(chosen) != 1:
        raise InputError("export: give exactly one of expand, paths or network")
    fmt = export_formats.ExportFormat(format.value)
    if expand is not None:
        graph, _ = await _expand_graph(ctx, expand)
        return export_formats.export(graph, fmt)
    if paths is not None:
        graph, _ = await _paths_graph(ctx, paths)
        return export_formats.export(graph, fmt)
    assert network is not None
    result = await _network_result(ctx, network)
    return export_formats.export(result.graph, fmt, result.measures)


def query_fields() -> dict[str, Any]:
    return {
        "expand": strawberry.field(
            resolver=_expand, name="expand",
            description="The visible neighbourhood of a record, level by level: depth 1-3, "
                        "perLevelCap 1-100 new nodes per level, with 'and N more' counts. "
                        "since/until (epoch ms) filter edge times and node dates."),
        "paths": strawberry.field(
            resolver=_paths, name="paths",
            description="Shortest paths (limit 1-10, maxHops 1-6) between two records "
                        "through visible records only, in either direction."),
        "sharedIdentifiers": strawberry.field(
            resolver=_shared, name="sharedIdentifiers",
            description="Identifiers operators share (phones, e-mails, addresses, vehicles, "
                        "drivers, declarants, carriers, documents, cities), weighted and scored "
                        "per pair: 2-20 operatorIds for the pairs among them, or one for that "
                        "operator against all (limit 1-100 pairs). Items with more than "
                        "maxDegree (2-1000) visible links are skipped as super-nodes."),
        "timeline": strawberry.field(
            resolver=_timeline, name="timeline",
            description="Events of a record and its consignments in time order (first 1-100, "
                        "keyset pages)."),
        "network": strawberry.field(
            resolver=_network, name="network",
            description="A visible subgraph around 1-100 ids (depth 0-2, nodeCap up to 500) "
                        "with degree, components, communities, betweenness and PageRank."),
        "export": strawberry.field(
            resolver=_export, name="export",
            description="An expand, paths or network result as GraphML, i2 Analyst's Notebook "
                        "CSV or Cytoscape JSON (give exactly one of expand, paths, network)."),
    }
