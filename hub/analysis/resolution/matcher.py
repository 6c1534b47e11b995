"""The matcher: prepare operators, block, score candidate pairs, reconcile, apply the threshold."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.analysis.resolution.blocking import BlockStats, candidate_pairs
from hub.analysis.resolution.consistency import reconcile
from hub.analysis.resolution.records import MatchConfig, MatchProposal, OperatorView, prepare
from hub.analysis.resolution.scoring import score_pair


@dataclass(slots=True)
class MatchRun:
    """The proposals of one matcher run, with what it took to find them."""

    proposals: list[MatchProposal]
    operators: int
    blocking: BlockStats
    seconds: dict[str, float] = field(default_factory=dict)


def find_matches(
    operators: Iterable[OperatorView], config: MatchConfig | None = None
) -> MatchRun:
    """Propose SAME_AS links among ``operators``: every pair scoring at least the threshold,
    best first. Operators with the same id are one record and never matched with themselves."""
    config = config or MatchConfig()
    clock = time.perf_counter()
    unique = {op.id: op for op in operators}
    prepared = [prepare(op) for op in sorted(unique.values(), key=lambda op: op.id)]
    seconds = {"prepare": time.perf_counter() - clock}

    clock = time.perf_counter()
    pairs, stats = candidate_pairs(prepared, config)
    seconds["blocking"] = time.perf_counter() - clock

    clock = time.perf_counter()
    proposals: list[MatchProposal] = []
    for i, j in pairs:
        proposal = score_pair(prepared[i], prepared[j], config, floor=config.threshold)
        if proposal is not None:
            proposals.append(proposal)
    proposals = reconcile(proposals, {p.view.id: p for p in prepared}, config)
    seconds["scoring"] = time.perf_counter() - clock
    proposals.sort(key=lambda p: (-p.score, p.left_id, p.right_id))
    return MatchRun(proposals=proposals, operators=len(prepared), blocking=stats,
                    seconds=seconds)
