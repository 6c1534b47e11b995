"""A second look at the proposals as a whole: evidence that only shows across several links.

Pairwise scores miss two things an analyst would see at once:

* **Linked records carry their facts.** When A and B share a valid tax id (a strong link), B's
  city and ids are A's too. A weaker proposal A~C where A has no city but B is in Subotica and C
  in Niš is penalised as "different cities (through B)"; likewise for ids.
* **Ambiguity.** When X resembles both Y and Z, but Y and Z have different tax ids of one
  scheme, X cannot be both: the weaker proposal (both, when neither leads clearly) is lowered
  and says so.

Penalties only lower scores (the same log-odds weights as the pairwise scoring); a proposal
that falls under the threshold is dropped.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import combinations

from hub.analysis.resolution.records import MatchConfig, MatchProposal, Prepared, same_place

MAX_PARTNERS = 20
"""Operators resembling more than this many others are left alone (ambiguity is obvious)."""

CLEAR_MARGIN = 1.0
"""Log-odds by which one of two rival candidates must lead to be the clear choice."""


class _Groups:
    """Union-find over strong links; each group's cities and checked identifiers."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self._parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)


def _checked_ids(p: Prepared) -> dict[tuple[str, str], set[str]]:
    """Well-formed identifiers by scheme: two of them that differ name two taxpayers."""
    ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for tax_id in p.ids:
        if tax_id.well_formed:
            key = tax_id.match_key
            ids[key[:2]].add(key[2])
    return ids


def _id_conflict(
    a: Mapping[tuple[str, str], set[str]], b: Mapping[tuple[str, str], set[str]]
) -> str | None:
    """The scheme in which two sets of checked ids disagree entirely, if any."""
    for scheme, values in a.items():
        other = b.get(scheme)
        if other and not values & other:
            return scheme[1]
    return None


def _logit(score: float) -> float:
    p = min(max(score, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def reconcile(
    proposals: Sequence[MatchProposal], prepared: Mapping[str, Prepared], config: MatchConfig
) -> list[MatchProposal]:
    """Apply the cross-link penalties and drop what falls under the threshold."""
    w = config.weights
    groups = _Groups()
    for p in proposals:
        if p.score >= config.strong_score and "tax_id" in p.method.split("+"):
            groups.union(p.left_id, p.right_id)
    cities: dict[str, set[str]] = defaultdict(set)
    ids: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))
    for op_id in {x for p in proposals for x in p.pair}:
        root = groups.find(op_id)
        record = prepared[op_id]
        if record.city:
            cities[root].add(record.city)
        for scheme, values in _checked_ids(record).items():
            ids[root][scheme] |= values

    penalties: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    partners: dict[str, list[str]] = defaultdict(list)
    for p in proposals:
        a, b = prepared[p.left_id], prepared[p.right_id]
        partners[p.left_id].append(p.right_id)
        partners[p.right_id].append(p.left_id)
        ra, rb = groups.find(p.left_id), groups.find(p.right_id)
        if ra == rb:
            continue
        if (a.city is None or b.city is None) and cities[ra] and cities[rb] and not any(
            same_place(x, y) for x in cities[ra] for y in cities[rb]
        ):
            penalties[p.pair].append((w["different_city"], (
                f"different cities through linked records: {', '.join(sorted(cities[ra]))} "
                f"vs {', '.join(sorted(cities[rb]))}")))
        direct = _id_conflict(_checked_ids(a), _checked_ids(b))
        through = _id_conflict(ids[ra], ids[rb])
        if through and not direct:
            penalties[p.pair].append((w["conflicting_tax_id"],
                                      f"different {through} through linked records"))

    score = {p.pair: p.score for p in proposals}
    for x, others in partners.items():
        if len(others) > MAX_PARTNERS:
            continue
        for y, z in combinations(sorted(others), 2):
            conflict = _id_conflict(ids[groups.find(y)], ids[groups.find(z)])
            if conflict is None or groups.find(y) == groups.find(z):
                continue
            xy, xz = (min(x, y), max(x, y)), (min(x, z), max(x, z))
            margin = _logit(score[xy]) - _logit(score[xz])
            # The clearly better candidate keeps its score; a tie lowers both.
            losers = [(xz, y)] if margin >= CLEAR_MARGIN else (
                [(xy, z)] if margin <= -CLEAR_MARGIN else [(xy, z), (xz, y)])
            for link, rival in losers:
                if any(text.startswith("ambiguous") for _, text in penalties[link]):
                    continue  # one ambiguity penalty per link, however many rivals
                penalties[link].append((w["ambiguous"], (
                    f"ambiguous: '{prepared[rival].view.name}' resembles it as well or "
                    f"better and has a different {conflict}")))

    kept: list[MatchProposal] = []
    for proposal in proposals:
        extra = penalties.get(proposal.pair)
        if extra:
            logit = _logit(proposal.score) + sum(weight for weight, _ in extra)
            proposal = replace(  # noqa: PLW2901  (the reconciled proposal replaces it)
                proposal, score=round(1.0 / (1.0 + math.exp(-logit)), 3),
                explanation=proposal.explanation + tuple(text for _, text in extra))
        if proposal.score >= config.threshold:
            kept.append(proposal)
    return kept
