"""The matcher judged on a seeded demo graph against the generator's ground truth.

The synthetic generator (:mod:`hub.demo`) knows which operator records are the same company
(``same_company_pairs``, each easy, medium or hard) and which are different companies with
look-alike names (``similar_distinct_pairs``). :func:`judge_on_graph` reads every operator of
the graph as the matcher job does, runs the matcher in memory (nothing is written: reviewed and
proposed links stay as they are) and scores its proposals against those labels. This is a
system task (``hub resolve evaluate``), reading with the unfiltered job statements.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from hub.analysis.resolution.evaluation import errors, evaluate
from hub.analysis.resolution.matcher import find_matches
from hub.analysis.resolution.records import MatchConfig
from hub.analysis.resolution.service import load_operators
from hub.demo.truth import GroundTruth
from hub.errors import InputError
from hub.graph.store import GraphStore


@dataclass(frozen=True, slots=True)
class Scorecard:
    """Precision, recall and F1 of one matcher run on one demo graph, with their parts.

    ``labelled`` counts the same-company pairs of the truth; recall counts every pair within
    a company (three records of one company are three pairs). ``found_by_difficulty`` maps
    easy / medium / hard to (pairs proposed, pairs labelled); ``hard_negatives`` is
    (look-alike pairs wrongly proposed, look-alike pairs labelled).
    """

    scale: str
    seed: int
    threshold: float
    operators: int
    candidate_pairs: int
    proposals: int
    labelled: int
    correct: int
    missed: int
    precision: float
    recall: float
    f1: float
    found_by_difficulty: dict[str, tuple[int, int]] = field(default_factory=dict)
    hard_negatives: tuple[int, int] = (0, 0)
    seconds: dict[str, float] = field(default_factory=dict)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


async def judge_on_graph(store: GraphStore, truth: GroundTruth,
                         config: MatchConfig | None = None) -> Scorecard:
    """Run the matcher over the graph's operators and judge it against ``truth``.

    Raises InputError when the graph does not hold the operators the truth names (another
    dataset was seeded, or none).
    """
    config = config or MatchConfig()
    clock = time.perf_counter()
    views = await load_operators(store)
    read = time.perf_counter() - clock
    present = {view.id for view in views}
    labelled = [(p.registered_id, p.alias_id) for p in truth.same_company_pairs]
    missing = sum(1 for a, b in labelled if a not in present or b not in present)
    if missing or not labelled:
        raise InputError(
            f"the graph lacks {missing} of the {len(labelled)} labelled operator pairs of the "
            f"{truth.scale} demo (seed {truth.seed}); judge the graph that dataset was seeded "
            f"into (hub seed --scale {truth.scale} --seed {truth.seed})")
    run = find_matches(views, config)
    precision, recall, f1 = evaluate(run.proposals, labelled)
    wrong, missed = errors(run.proposals, labelled)
    proposed = {_pair(p.left_id, p.right_id) for p in run.proposals}
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for p in truth.same_company_pairs:
        total[p.difficulty] += 1
        found[p.difficulty] += _pair(p.registered_id, p.alias_id) in proposed
    look_alikes = {_pair(a, b) for a, b in truth.similar_distinct_pairs}
    return Scorecard(
        scale=truth.scale, seed=truth.seed, threshold=config.threshold,
        operators=run.operators, candidate_pairs=run.blocking.pairs,
        proposals=len(proposed), labelled=len(labelled),
        correct=len(proposed - {_pair(p.left_id, p.right_id) for p in wrong}),
        missed=len(missed), precision=precision, recall=recall, f1=f1,
        found_by_difficulty={d: (found[d], total[d]) for d in sorted(total)},
        hard_negatives=(len(look_alikes & proposed), len(look_alikes)),
        seconds={"read": read, **run.seconds})


def render(card: Scorecard, console: Console) -> None:
    """Print the scorecard as a table, one line per figure."""
    table = Table(title=f"Entity resolution on the {card.scale} demo (seed {card.seed}), "
                        f"threshold {card.threshold:g}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("operators read", f"{card.operators:,}"),
        ("candidate pairs after blocking", f"{card.candidate_pairs:,}"),
        ("proposals (correct)", f"{card.proposals:,} ({card.correct:,})"),
        ("same-company pairs labelled (missed)", f"{card.labelled:,} ({card.missed:,})"),
        ("precision", f"{card.precision:.3f}"),
        ("recall", f"{card.recall:.3f}"),
        ("F1", f"{card.f1:.3f}"),
        *((f"recall, {difficulty} pairs", f"{found}/{total}")
          for difficulty, (found, total) in card.found_by_difficulty.items()),
        ("look-alike companies proposed", f"{card.hard_negatives[0]}/{card.hard_negatives[1]}"),
        ("seconds (read, match)", f"{card.seconds.get('read', 0.0):.1f}, "
                                  f"{sum(v for k, v in card.seconds.items() if k != 'read'):.1f}"),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
