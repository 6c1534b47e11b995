"""The ``hub risk`` commands' bodies: system tasks over the whole graph, printed with rich.

``score`` scores every consignment, ``train`` learns from the controls before a cutoff and
saves the model, ``evaluate`` judges the saved model on the consignments declared after its
training period, ``patterns`` raises alert candidates. All of them read the graph through the
``risk.*_system`` statements (or, for patterns, each agency's own visibility).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from hub.analysis.risk.evaluation import (
    collect,
    evaluate,
    read_truth,
    render,
    train_and_evaluate,
)
from hub.analysis.risk.model import RiskModel, model_path
from hub.analysis.risk.patterns import after_ingest
from hub.analysis.risk.scorer import score_all
from hub.analysis.risk.scoring import THRESHOLDS, Channel, Score
from hub.demo.truth import find_truth
from hub.errors import InputError
from hub.graph.connect import open_store
from hub.policy.audit import AuditTrail
from hub.settings import Settings


def _truth(settings: Settings, truth: Path | None, console: Console) -> frozenset[str] | None:
    path = truth or find_truth(settings.data_dir)
    if path is None:
        console.print("no demo ground truth (demo-truth-*.json) in the data directory: "
                      "judging on control results only")
        return None
    if not path.exists():
        raise InputError(f"no ground-truth file at {path}")
    console.print(f"judging also against the demo ground truth {path.name}")
    return read_truth(path)


async def score_command(settings: Settings, console: Console, top: int = 10) -> None:
    """Score every consignment; print the channel split, the throughput and the top ones."""
    best: list[Score] = []

    def keep(scores: list[Score]) -> None:
        best.extend(scores)
        best.sort(key=lambda s: (-s.score, s.consignment_id))
        del best[top:]

    async with open_store(settings) as store:
        report = await score_all(store, on_scores=lambda batch: keep(list(batch)))
    console.print(f"scored {report.scored} consignments in {report.seconds:.1f} s "
                  f"({report.per_second:,.0f}/s); thresholds yellow >= {THRESHOLDS.yellow:g}, "
                  f"red >= {THRESHOLDS.red:g}")
    console.print("channels: " + ", ".join(
        f"{ch.value} {report.channels[ch.value]} ({report.share(ch):.1%})" for ch in Channel))
    table = Table(title=f"The {len(best)} highest scores")
    for column in ("consignment", "score", "channel", "contributions"):
        table.add_column(column)
    for s in best:
        table.add_row(s.consignment_id, f"{s.score:g}", s.channel.value, "\n".join(
            f"{c.weight:+g} {c.factor}: {c.reason}" for c in s.contributions))
    console.print(table)


async def train_command(settings: Settings, console: Console, kind: str, train_share: float,
                        truth: Path | None = None) -> Path:
    """Train on the controls before the cutoff, print the held-out report, save the model."""
    async with open_store(settings) as store:
        dataset = await collect(store)
    models, report = train_and_evaluate(dataset, train_share, kinds=(kind,),
                                        truth=_truth(settings, truth, console))
    model = next(iter(models.values()))
    model.meta["cutoff"] = report.cutoff
    path = model.save(model_path(settings.data_dir))
    if report.test_consignments:
        render(report, console)
    console.print(f"model ({kind}) trained on {model.meta['labels']} controlled consignments "
                  f"({model.meta['hits']} hits) up to {model.meta['trained_until']}; "
                  f"saved to {path}")
    return path


async def evaluate_command(settings: Settings, console: Console,
                           truth: Path | None = None) -> None:
    """Judge the saved model on the consignments declared after its training data."""
    model = RiskModel.load(model_path(settings.data_dir))
    until = model.meta.get("trained_until")
    cutoff = model.meta.get("cutoff") or (
        (date.fromisoformat(until) + timedelta(days=1)).isoformat() if until else "0000-01-01")
    async with open_store(settings) as store:
        dataset = await collect(store)
    report = evaluate(dataset, {f"model ({model.kind})": model}, cutoff,
                      _truth(settings, truth, console))
    if not report.test_consignments:
        console.print(f"no consignment was declared after {until}: nothing to evaluate")
        return
    render(report, console)


async def patterns_command(settings: Settings, console: Console, as_of: str | None,
                           agencies: list[str] | None) -> int:
    """Run every pattern rule once; print the candidates; return how many were new."""
    from hub.policy import CasbinPolicy

    policy = CasbinPolicy(settings.policy_dir)
    async with open_store(settings) as store:
        report = await after_ingest(store, policy, AuditTrail(store), as_of, agencies)
    table = Table(title=f"Alert candidates as of {report.as_of} "
                        f"({report.created} new, {len(report.candidates)} in all)")
    for column in ("agency", "rule", "subject", "evidence", "new"):
        table.add_column(column)
    for c in report.candidates:
        table.add_row(c.agency, c.rule, c.subject_id, str(len(c.evidence)),
                      "yes" if c.new else "")
    console.print(table)
    return report.created
