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

from hub.analysis.resolution.records import MatchConfig, MatchProposal, Prepared, same_place

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


Penalties = dict[tuple[str, str], list[tuple[float, str]]]


def _link(x: str, y: str) -> tuple[str, str]:
    return (min(x, y), max(x, y))


class _Facts:
    """The strong-link groups and, per group, the cities and well-formed ids of its records."""

    def __init__(
        self, proposals: Sequence[MatchProposal], prepared: Mapping[str, Prepared],
        config: MatchConfig,
    ) -> None:
        self.groups = _Groups()
        for p in proposals:
            if p.score >= config.strong_score and "tax_id" in p.method.split("+"):
                self.groups.union(p.left_id, p.right_id)
        self.cities: dict[str, set[str]] = defaultdict(set)
        self.ids: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(
            lambda: defaultdict(set))
        for op_id in {x for p in proposals for x in p.pair}:
            root = self.groups.find(op_id)
            record = prepared[op_id]
            if record.city:
                self.cities[root].add(record.city)
            for scheme, values in _checked_ids(record).items():
                self.ids[root][scheme] |= values


def _through_links(
    proposals: Sequence[MatchProposal], prepared: Mapping[str, Prepared], facts: _Facts,
    w: Mapping[str, float], penalties: Penalties,
) -> None:
    """Cities and ids that disagree only once linked records lend theirs."""
    for p in proposals:
        a, b = prepared[p.left_id], prepared[p.right_id]
        ra, rb = facts.groups.find(p.left_id), facts.groups.find(p.right_id)
        if ra == rb:
            continue
        ca, cb = facts.cities[ra], facts.cities[rb]
        if (a.city is None or b.city is None) and ca and cb and not any(
            same_place(x, y) for x in ca for y in cb
        ):
            penalties[p.pair].append((w["different_city"], (
                f"different cities through linked records: {', '.join(sorted(ca))} "
                f"vs {', '.join(sorted(cb))}")))
        through = _id_conflict(facts.ids[ra], facts.ids[rb])
        if through and not _id_conflict(_checked_ids(a), _checked_ids(b)):
            penalties[p.pair].append((w["conflicting_tax_id"],
                                      f"different {through} through linked records"))


def _rivals(
    proposals: Sequence[MatchProposal], prepared: Mapping[str, Prepared], facts: _Facts,
    w: Mapping[str, float], penalties: Penalties,
) -> None:
    """An operator resembling operators with different ids: only a clear best keeps its score.

    Candidates that are one operator (a strong link joins them) compete as one, by their best
    score; each group is weighed against the best group only, so the work stays linear in the
    candidates however many same-named companies a register holds.
    """
    score = {p.pair: _logit(p.score) for p in proposals}
    partners: dict[str, list[str]] = defaultdict(list)
    for p in proposals:
        partners[p.left_id].append(p.right_id)
        partners[p.right_id].append(p.left_id)
    for x, others in partners.items():
        by_group: dict[str, list[str]] = defaultdict(list)
        for y in others:
            by_group[facts.groups.find(y)].append(y)
        if len(by_group) < 2:
            continue
        best_of = {g: max(score[_link(x, y)] for y in ys) for g, ys in by_group.items()}
        ranked = sorted(by_group, key=lambda g: (-best_of[g], g))
        best = ranked[0]
        for rival in ranked[1:]:
            conflict = _id_conflict(facts.ids[best], facts.ids[rival])
            if conflict is None:
                continue
            losers = [(rival, best)]
            if best_of[best] - best_of[rival] < CLEAR_MARGIN:
                losers.append((best, rival))  # a tie: neither is the clear choice
            for loser, winner in losers:
                line = (f"ambiguous: '{prepared[by_group[winner][0]].view.name}' resembles it "
                        f"as well or better and has a different {conflict}")
                for y in by_group[loser]:
                    pair = _link(x, y)
                    if not any(text.startswith("ambiguous") for _, text in penalties[pair]):
                        penalties[pair].append((w["ambiguous"], line))  # once per link


def reconcile(
    proposals: Sequence[MatchProposal], prepared: Mapping[str, Prepared], config: MatchConfig
) -> list[MatchProposal]:
    """Apply the cross-link penalties and drop what falls under the threshold."""
    facts = _Facts(proposals, prepared, config)
    penalties: Penalties = defaultdict(list)
    _through_links(proposals, prepared, facts, config.weights, penalties)
    _rivals(proposals, prepared, facts, config.weights, penalties)
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
