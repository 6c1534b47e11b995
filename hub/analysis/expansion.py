"""Expanding the neighbourhood of entities level by level, capped per level, counting the rest.

One scan per level reads the links of the whole frontier (``UNWIND $frontier`` in one
statement, see hub.analysis.links). New nodes are taken round-robin over the frontier, so every
frontier node gets its share of a level's cap. Links to nodes already in the result are always
kept (they add no node). For every expanded node, ``more`` counts its visible links that the
result does not show: the visible total minus the shown edges that touch it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hub.analysis.links import (
    HUB_KINDS,
    MAX_DEPTH,
    MAX_LEVEL_CAP,
    Adjacency,
    Link,
    LinkGraph,
    ScanFilter,
    Scanner,
    Window,
    check_kinds,
    check_range,
    check_types,
    fan_out,
)
from hub.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class LevelSummary:
    """Level ``level``: how many nodes it holds, and how many visible links of the nodes one
    level up were not followed (``more``, a lower bound unless ``more_exact``)."""

    level: int
    nodes: int
    more: int
    more_exact: bool


@dataclass(frozen=True, slots=True)
class Expansion:
    seeds: tuple[str, ...]
    graph: LinkGraph
    levels: tuple[LevelSummary, ...]


@dataclass(slots=True)
class _Growth:
    level: dict[str, int] = field(default_factory=dict)
    kind: dict[str, str] = field(default_factory=dict)
    edges: dict[str, tuple[Link, str, str]] = field(default_factory=dict)
    adjacency: dict[str, Adjacency] = field(default_factory=dict)
    expanded_at: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


async def grow(scanner: Scanner, seeds: Sequence[str], depth: int, where: ScanFilter, *,
               level_cap: int, node_cap: int) -> _Growth:
    """Breadth-first growth from visible ``seeds``; raises NotFoundError for a seed not visible."""
    seeds = list(dict.fromkeys(seeds))
    state = _Growth()
    where = replace(where, admit=tuple(seeds))
    room = max(1, min(level_cap, node_cap - len(seeds)))
    if depth > 0:
        k = fan_out(room, len(seeds))
        first = scanner.scan(seeds, replace(where, known=tuple(seeds)), k, settle_at=k)
        seed_rows, adjacency = await asyncio.gather(scanner.nodes(seeds), first)
    else:
        seed_rows, adjacency = await scanner.nodes(seeds), {}
    for seed in seeds:
        if seed not in seed_rows:
            raise NotFoundError(f"no record with id {seed!r} is visible to you")
        state.level[seed] = 0
        state.kind[seed] = seed_rows[seed]["kind"]
    frontier = seeds
    for level in range(1, depth + 1):
        expandable = [n for n in frontier if state.level[n] == 0 or state.kind[n] not in HUB_KINDS]
        skipped = len(frontier) - len(expandable)
        if skipped:
            state.notes.append(f"level {level}: {skipped} reference node(s) (border crossings, "
                               "parties, agencies, profiles) not expanded; expand them directly")
        room = min(level_cap, node_cap - len(state.level))
        if not expandable or room <= 0:
            if room <= 0:
                state.notes.append(f"level {level}: the node cap ({node_cap}) is reached")
            break
        if level > 1:
            k = fan_out(room, len(expandable))
            adjacency = await scanner.scan(
                expandable, replace(where, known=tuple(state.level)), k, settle_at=k)
        frontier = _take(state, expandable, adjacency, level, room)
    return state


def _take(state: _Growth, expandable: list[str], adjacency: dict[str, Adjacency], level: int,
          room: int) -> list[str]:
    """Add links round-robin over the frontier; new nodes until ``room`` is used up."""
    new: list[str] = []
    lists = []
    for node in expandable:
        found = adjacency.get(node, Adjacency(node, 0, True, ()))
        state.adjacency[node] = found
        state.expanded_at[node] = level - 1
        lists.append((node, found.links))
    longest = max((len(links) for _, links in lists), default=0)
    for index in range(longest):
        for node, links in lists:
            if index >= len(links):
                continue
            link = links[index]
            if link.edge in state.edges:
                continue
            if link.neighbour not in state.level:
                if len(new) >= room:
                    continue
                state.level[link.neighbour] = level
                state.kind[link.neighbour] = link.neighbour_kind
                new.append(link.neighbour)
            state.edges[link.edge] = (link, *link.ends(node))
    return new


def summarise(state: _Growth, depth: int) -> tuple[dict[str, dict[str, Any]], list[LevelSummary]]:
    """Per-node extras (level, expanded, more) and per-level summaries."""
    incident: Counter[str] = Counter()
    for _, source, target in state.edges.values():
        incident[source] += 1
        incident[target] += 1
    extras: dict[str, dict[str, Any]] = {}
    for node, level in state.level.items():
        found = state.adjacency.get(node)
        extras[node] = {"level": level, "expanded": found is not None,
                        "more": max(0, found.total - incident[node]) if found else None,
                        "more_exact": found.exact if found else True}
    summaries = []
    for level in range(1, depth + 1):
        parents = [n for n, at in state.expanded_at.items() if at == level - 1]
        if not parents:
            break
        summaries.append(LevelSummary(
            level=level, nodes=sum(1 for at in state.level.values() if at == level),
            more=sum(extras[n]["more"] or 0 for n in parents),
            more_exact=all(extras[n]["more_exact"] for n in parents)))
    return extras, summaries


async def expand(scanner: Scanner, seed: str, depth: int = 1, *,
                 rel_types: Sequence[str] | None = None, node_kinds: Sequence[str] | None = None,
                 window: Window | None = None, per_level_cap: int = 25) -> Expansion:
    """The neighbourhood of ``seed`` up to ``depth`` (1-3) levels, at most ``per_level_cap``
    (1-100) new nodes per level. Raises LimitError, InputError, NotFoundError (hidden = absent).
    """
    check_range("depth", depth, 1, MAX_DEPTH)
    check_range("perLevelCap", per_level_cap, 1, MAX_LEVEL_CAP)
    where = ScanFilter(types=check_types(rel_types), kinds=check_kinds(node_kinds),
                       window=window or Window())
    state = await grow(scanner, [seed], depth, where, level_cap=per_level_cap,
                       node_cap=1 + depth * per_level_cap)
    extras, summaries = summarise(state, depth)
    graph = await scanner.graph(extras, state.edges, state.notes)
    return Expansion(seeds=(seed,), graph=graph, levels=tuple(summaries))


__all__ = ["HUB_KINDS", "Expansion", "LevelSummary", "expand", "grow", "summarise"]
