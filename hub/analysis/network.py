"""Network measures on a bounded, visibility-filtered subgraph: degree, components, communities,
betweenness and PageRank (networkx, in a worker thread).

The subgraph is read with the access filter inside every statement (hub.analysis.links): the
fetch itself is filtered, so the measures are computed on exactly what the caller may see and
never on hidden nodes or edges (this is not fetch-then-filter). Its nodes are the seeds and their
neighbourhood up to ``depth`` (at most ``node_cap`` nodes); its edges are every visible edge
between those nodes, not only the ones the expansion walked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from hub.analysis.expansion import grow, summarise
from hub.analysis.links import (
    HUB_KINDS,
    Link,
    LinkGraph,
    ScanFilter,
    Scanner,
    Window,
    check_kinds,
    check_range,
    check_types,
)

MAX_SEEDS = 100
MAX_NETWORK_DEPTH = 2
MAX_NODES = 500
EXACT_BETWEENNESS = 200
"""Up to this many nodes betweenness is exact; above, it is estimated from this many sources."""


@dataclass(frozen=True, slots=True)
class Measures:
    """One node's measures: ``degree`` counts its edges in the subgraph; ``component`` and
    ``community`` are indexes, 0 for the largest."""

    degree: int
    component: int
    community: int
    betweenness: float
    pagerank: float


@dataclass(frozen=True, slots=True)
class Network:
    graph: LinkGraph
    measures: Mapping[str, Measures]
    components: int
    communities: int
    modularity: float


async def network(scanner: Scanner, seeds: Sequence[str], depth: int = 1, *,
                  node_cap: int = 200, rel_types: Sequence[str] | None = None,
                  node_kinds: Sequence[str] | None = None,
                  window: Window | None = None) -> Network:
    """The visible network around ``seeds`` (1-100 ids) to ``depth`` (0-2), at most
    ``node_cap`` (1-500) nodes, with measures. Raises LimitError, InputError, NotFoundError."""
    seeds = list(dict.fromkeys(seeds))
    check_range("number of ids", len(seeds), 1, MAX_SEEDS)
    check_range("depth", depth, 0, MAX_NETWORK_DEPTH)
    check_range("nodeCap", node_cap, len(seeds), MAX_NODES)
    types = check_types(rel_types)
    where = ScanFilter(types=types, kinds=check_kinds(node_kinds), window=window or Window())
    state = await grow(scanner, seeds, depth, where, level_cap=node_cap, node_cap=node_cap)
    members = tuple(state.level)
    # Every visible edge among the members. A node whose links the growth read completely
    # already lists them; the others are scanned for links to members only. Reference nodes
    # are not scanned: their edges to members are found from the members' side.
    complete = {n: a for n, a in state.adjacency.items() if a.exact and a.total <= len(a.links)}
    scanned = [m for m in members if m not in complete and state.kind[m] not in HUB_KINDS]
    induced = await scanner.scan(scanned, ScanFilter(types=types, members=members, admit=members,
                                                     window=where.window), scanner.budget)
    edges: dict[str, tuple[Link, str, str]] = dict(state.edges)
    member_set = set(members)
    for node, adjacency in (*complete.items(), *induced.items()):
        for link in adjacency.links:
            if link.neighbour in member_set:
                edges.setdefault(link.edge, (link, *link.ends(node)))
    notes = list(state.notes)
    if not all(a.exact for a in induced.values()):
        notes.append("some nodes have more edges than one read may return: not all edges "
                     "between the network's nodes are included")
    extras, _ = summarise(state, depth)
    graph = await scanner.graph(extras, edges, notes)
    return await asyncio.to_thread(measure, graph)


def measure(graph: LinkGraph) -> Network:
    """Measures on ``graph`` (undirected; parallel edges count once except in degree)."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(node.id for node in graph.nodes))
    degree: dict[str, int] = dict.fromkeys(simple.nodes, 0)
    for edge in graph.edges:
        simple.add_edge(edge.source, edge.target)
        degree[edge.source] += 1
        degree[edge.target] += 1
    components = _ordered(nx.connected_components(simple))
    if simple.number_of_edges():
        communities = _ordered(nx.community.greedy_modularity_communities(simple))
        modularity = float(nx.community.modularity(simple, communities))
        pagerank = nx.pagerank(simple)
    else:
        communities = [{n} for n in sorted(simple.nodes)]
        modularity = 0.0
        pagerank = {n: 1.0 / max(1, len(simple)) for n in simple.nodes}
    sample = None if len(simple) <= EXACT_BETWEENNESS else EXACT_BETWEENNESS
    betweenness = nx.betweenness_centrality(simple, k=sample, normalized=True, seed=0)
    component_of = {n: i for i, group in enumerate(components) for n in group}
    community_of = {n: i for i, group in enumerate(communities) for n in group}
    measures = {n: Measures(degree=degree[n], component=component_of[n],
                            community=community_of[n], betweenness=round(betweenness[n], 6),
                            pagerank=round(pagerank[n], 6)) for n in simple.nodes}
    notes = graph.notes + (() if sample is None else (
        f"betweenness estimated from {sample} sample nodes",))
    return Network(graph=LinkGraph(graph.nodes, graph.edges, notes), measures=measures,
                   components=len(components), communities=len(communities),
                   modularity=round(modularity, 6))


def _ordered(groups: Iterable[Iterable[str]]) -> list[set[str]]:
    """Groups largest first, ties by their smallest id: stable indexes for the same graph."""
    return sorted((set(g) for g in groups), key=lambda g: (-len(g), min(g)))
