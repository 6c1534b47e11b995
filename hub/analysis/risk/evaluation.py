"""Honest evaluation of risk targeting: split by time, select a fixed share, count the hits.

Consignments are ordered by declaration; the model learns from the controls of the earlier
part and is judged on the later part only. Each method ranks the held-out consignments and
"inspects" the top 5 % and 10 %: the hit rate is the share of inspected consignments that are
positive (precision), recall the share of positives inspected; AUC is threshold-free. Random
selection's hit rate is the base rate. Two label sets are reported when available:

* ``controls``: held-out consignments that were controlled, positive when the control found an
  irregularity or a seizure (what the hub itself knows; biased to what was selected before);
* ``truth``: every held-out consignment of a demo dataset, positive when the generator hid a
  risk in it (``demo-truth-*.json``) — used here for judging only, never for features.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sklearn.metrics import roc_auc_score

from hub.analysis.risk.evidence import HIT_OUTCOMES, Evidence
from hub.analysis.risk.model import KINDS, RiskModel, coefficients, train
from hub.analysis.risk.profiles import Profile
from hub.analysis.risk.scorer import evidence_batches
from hub.analysis.risk.scoring import THRESHOLDS, Channel, Thresholds, score
from hub.analysis.risk.sources import EvidenceReader
from hub.errors import InputError
from hub.graph.cypher import risk as cypher
from hub.graph.store import GraphStore

RATES = (0.05, 0.10)
"""Inspection rates the hit rates are reported at."""


@dataclass(frozen=True, slots=True)
class Dataset:
    """Every consignment's evidence in declaration order, control labels, the profiles."""

    evidence: tuple[Evidence, ...]
    labels: Mapping[str, int]  # consignment id -> 1 hit / 0 clean, controlled ones only
    profiles: tuple[Profile, ...]

    def cutoff(self, train_share: float) -> str:
        """The first declaration day of the held-out part."""
        if not 0.0 < train_share <= 1.0:
            raise InputError(f"train share must be in (0, 1], not {train_share}")
        days = [e.consignment.day or "" for e in self.evidence]
        if not days:
            raise InputError("there are no consignments to learn from")
        if train_share >= 1.0:
            return "9999-12-31"
        return days[min(len(days) - 1, int(len(days) * train_share))]

    def before(self, day: str) -> list[Evidence]:
        return [e for e in self.evidence if (e.consignment.day or "") < day]

    def from_day(self, day: str) -> list[Evidence]:
        return [e for e in self.evidence if (e.consignment.day or "") >= day]

    def labelled(self, evidence: Sequence[Evidence]) -> tuple[list[Evidence], list[int]]:
        chosen = [e for e in evidence if e.consignment.id in self.labels]
        return chosen, [self.labels[e.consignment.id] for e in chosen]


async def collect(store: GraphStore) -> Dataset:
    """Evidence for every consignment (system view) with control labels (a system task)."""
    reader = EvidenceReader.system(store)
    profiles = tuple(await reader.profiles())
    evidence: list[Evidence] = []
    async for batch in evidence_batches(store, reader):
        evidence.extend(batch)
    evidence.sort(key=lambda e: (e.consignment.declared_at or "", e.consignment.id))
    labels: dict[str, int] = {}
    for row in await store.run(cypher.CONTROL_OUTCOMES_SYSTEM, {}):
        outcome = row.get("outcome")
        if outcome in HIT_OUTCOMES:
            labels[row["id"]] = 1
        elif outcome is not None:
            labels.setdefault(row["id"], 0)
    return Dataset(tuple(evidence), labels, profiles)


def read_truth(path: Path) -> frozenset[str]:
    """The risky consignment ids of a demo ground-truth file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return frozenset(data.get("risky_consignment_ids") or ())


@dataclass(frozen=True, slots=True)
class AtRate:
    rate: float
    inspected: int
    hits: int
    hit_rate: float
    recall: float


@dataclass(frozen=True, slots=True)
class MethodResult:
    method: str
    labels: str  # controls | truth
    n: int
    positives: int
    auc: float | None
    at: tuple[AtRate, ...]


def ranked_metrics(method: str, labels_name: str, ids: Sequence[str],
                   scores: Sequence[float], positive: Mapping[str, int], *,
                   rates: Sequence[float] = RATES) -> MethodResult:
    """Hit rate and recall when inspecting the top ``rate`` by score (ties: by id), and AUC."""
    y = [positive.get(i, 0) for i in ids]
    order = sorted(range(len(ids)), key=lambda k: (-scores[k], ids[k]))
    total = sum(y)
    at = []
    for rate in rates:
        k = max(1, round(len(ids) * rate)) if ids else 0
        hits = sum(y[j] for j in order[:k])
        at.append(AtRate(rate, k, hits, hits / k if k else 0.0, hits / total if total else 0.0))
    auc = float(roc_auc_score(y, scores)) if 0 < total < len(y) else None
    return MethodResult(method, labels_name, len(ids), total, auc, tuple(at))


def random_result(labels_name: str, ids: Sequence[str], positive: Mapping[str, int], *,
                  rates: Sequence[float] = RATES) -> MethodResult:
    """Random selection: expected hits are the base rate times the inspected count."""
    total = sum(positive.get(i, 0) for i in ids)
    base = total / len(ids) if ids else 0.0
    at = tuple(AtRate(r, max(1, round(len(ids) * r)), round(base * len(ids) * r), base, r)
               for r in rates)
    return MethodResult("random", labels_name, len(ids), total, 0.5, at)


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    cutoff: str
    train_consignments: int
    train_labels: int
    train_hits: int
    test_consignments: int
    results: tuple[MethodResult, ...]
    channels: Mapping[str, float]  # share of held-out consignments per rules channel
    weights: tuple[tuple[str, float], ...] = ()


def evaluate(dataset: Dataset, models: Mapping[str, RiskModel], cutoff: str,
             truth: frozenset[str] | None = None,
             thresholds: Thresholds = THRESHOLDS) -> EvaluationReport:
    """Judge the rules and ``models`` on the consignments declared from ``cutoff`` on."""
    test = dataset.from_day(cutoff)
    train_part = dataset.before(cutoff)
    _, train_labels = dataset.labelled(train_part)
    rules = [score(e, dataset.profiles, thresholds) for e in test]
    scores: dict[str, list[float]] = {"rules": [s.score for s in rules]}
    for name, model in models.items():
        scores[name] = model.predict(test, dataset.profiles)
    ids = [e.consignment.id for e in test]
    label_sets: list[tuple[str, list[int], dict[str, int]]] = []
    controlled = [k for k, i in enumerate(ids) if i in dataset.labels]
    label_sets.append(("controls", controlled, {i: dataset.labels[i] for i in ids
                                                if i in dataset.labels}))
    if truth is not None:
        label_sets.append(("truth", list(range(len(ids))), {i: 1 for i in ids if i in truth}))
    results: list[MethodResult] = []
    for name, subset, positive in label_sets:
        chosen = [ids[k] for k in subset]
        results.append(random_result(name, chosen, positive))
        for method, values in scores.items():
            results.append(ranked_metrics(method, name, chosen, [values[k] for k in subset],
                                          positive))
    channels = {ch.value: (sum(1 for s in rules if s.channel is ch) / len(rules) if rules
                           else 0.0) for ch in Channel}
    logistic = next((m for m in models.values() if m.kind == "logistic"), None)
    return EvaluationReport(cutoff, len(train_part), len(train_labels), sum(train_labels),
                            len(test), tuple(results), channels,
                            tuple(coefficients(logistic)[:8]) if logistic else ())


def train_and_evaluate(dataset: Dataset, train_share: float = 0.7,
                       kinds: Sequence[str] = KINDS, truth: frozenset[str] | None = None,
                       ) -> tuple[dict[str, RiskModel], EvaluationReport]:
    """Train one model per kind on the earlier part and evaluate everything on the later."""
    cutoff = dataset.cutoff(train_share)
    past = dataset.before(cutoff)
    evidence, labels = dataset.labelled(past)
    models = {f"model ({kind})": train(evidence, labels, dataset.profiles, kind,
                                       reference_from=past) for kind in kinds}
    return models, evaluate(dataset, models, cutoff, truth)


def render(report: EvaluationReport, console: Console) -> None:
    """The report as rich tables: hit rates at each inspection rate, AUC, channel split."""
    console.print(f"trained on {report.train_consignments} consignments declared before "
                  f"{report.cutoff} ({report.train_labels} controlled, {report.train_hits} "
                  f"hits); held out: {report.test_consignments} declared from then on")
    table = Table(title="Risk targeting on held-out consignments (split by time)")
    for column in ("labels", "method", "n", "positives", "AUC"):
        table.add_column(column)
    rates = report.results[0].at if report.results else ()
    for at in rates:
        table.add_column(f"hit rate @{at.rate:.0%}", justify="right")
        table.add_column(f"recall @{at.rate:.0%}", justify="right")
    for r in report.results:
        cells = [r.labels, r.method, str(r.n), str(r.positives),
                 "-" if r.auc is None else f"{r.auc:.3f}"]
        for at in r.at:
            cells += [f"{at.hit_rate:.1%} ({at.hits}/{at.inspected})", f"{at.recall:.1%}"]
        table.add_row(*cells)
    console.print(table)
    console.print("rules channels on the held-out consignments: " + ", ".join(
        f"{name} {share:.1%}" for name, share in report.channels.items()))
    if report.weights:
        console.print("largest logistic weights (standardised): " + ", ".join(
            f"{name} {weight:+.2f}" for name, weight in report.weights))
