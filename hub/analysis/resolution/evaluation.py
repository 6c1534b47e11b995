"""Measuring the matcher against labelled pairs: precision, recall and F1."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hub.analysis.resolution.records import MatchProposal

LabelledPair = tuple[str, str] | tuple[str, str, bool]


def _clusters(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find over the labelled same-operator pairs: id -> its cluster's root."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in list(parent)}


def evaluate(
    proposals: Iterable[MatchProposal], labelled_pairs: Iterable[LabelledPair],
    threshold: float = 0.0,
) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``proposals`` (those scoring at least ``threshold``).

    ``labelled_pairs`` are pairs of operator ids that are the same operator, as ``(a, b)`` or
    ``(a, b, True)``; ``(a, b, False)`` rows (known different) are ignored, since every pair not
    labelled the same counts as different. Labels are closed transitively: if A=B and B=C are
    labelled, a proposed A~C is correct, and recall counts every pair within a cluster. Empty
    sets give 1.0 for precision with no proposals and recall with no positives.
    """
    positives = [(p[0], p[1]) for p in labelled_pairs if len(p) == 2 or p[2]]
    cluster = _clusters(positives)
    members: dict[str, list[str]] = {}
    for node, root in cluster.items():
        members.setdefault(root, []).append(node)
    total_positive = sum(len(m) * (len(m) - 1) // 2 for m in members.values())

    proposed: set[tuple[str, str]] = {
        (min(p.left_id, p.right_id), max(p.left_id, p.right_id))
        for p in proposals if p.score >= threshold and p.left_id != p.right_id
    }
    correct = sum(1 for a, b in proposed if a in cluster and cluster.get(b) == cluster[a])
    precision = correct / len(proposed) if proposed else 1.0
    recall = correct / total_positive if total_positive else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def errors(
    proposals: Sequence[MatchProposal], labelled_pairs: Iterable[LabelledPair]
) -> tuple[list[MatchProposal], list[tuple[str, str]]]:
    """The false positives (proposals) and false negatives (id pairs), for tuning."""
    positives = [(p[0], p[1]) for p in labelled_pairs if len(p) == 2 or p[2]]
    cluster = _clusters(positives)
    proposed = {(min(p.left_id, p.right_id), max(p.left_id, p.right_id)) for p in proposals}
    wrong = [p for p in proposals
             if cluster.get(p.left_id) is None or cluster.get(p.left_id) != cluster.get(p.right_id)]
    members: dict[str, list[str]] = {}
    for node, root in cluster.items():
        members.setdefault(root, []).append(node)
    missed = [(a, b) for m in members.values() for a in sorted(m) for b in sorted(m)
              if a < b and (a, b) not in proposed]
    return wrong, missed
