"""Risk signals of the checks (SEED, LPCO, AEO) in the consignment score: each counted once,
as of the declaration, under the caller's visibility; the batch scorer agrees."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hub.analysis.risk.scorer import score_all, score_for_caller
from hub.analysis.risk.scoring import Score
from hub.checks.signals import Severity, Signal, SignalKind, signal_records
from hub.graph.falkor import FalkorStore
from hub.graph.writer import GraphWriter
from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Record, Sharing, stable_id
from hub.policy import CasbinPolicy
from hub.principal import Role
from hub.settings import Settings
from hub.visibility import Visibility
from tests.callers import principal

POLICY = CasbinPolicy(Settings().policy_dir)
SOURCE = Provenance("test", "signals", 1)
WIDE = Sharing("RS-CUS", "RS", Distribution.CEFTA_CUSTOMS)
MK_ONLY = Sharing("MK-CUS", "MK", Distribution.ORIGINATOR)


def _id(label: str, key: str) -> str:
    return stable_id(label, "signal-test", key)


EXP, IMP = _id("Operator", "exp"), _id("Operator", "imp")
AEO, CERT = _id("AeoAuthorisation", "imp"), _id("Lpco", "cert")
EXIT, ENTRY, APRIL, JUNE, AUGUST, OTHER = (
    _id("Consignment", k) for k in ("exit", "entry", "april", "june", "august", "other"))

WEIGHT = Signal(SignalKind.SEED_WEIGHT, Severity.HIGH, ENTRY, (EXIT, ENTRY),
                "gross mass 18,000 kg at exit, 21,500 kg at entry", "2025-06-09T08:00:00Z")
HIDDEN_HS = Signal(SignalKind.SEED_HS, Severity.HIGH, ENTRY, (EXIT, ENTRY),
                   "HS 080810 at exit, 240220 at entry", "2025-06-09T08:00:00Z")
RETRACTED = Signal(SignalKind.SEED_VEHICLE, Severity.MEDIUM, ENTRY, (EXIT, ENTRY),
                   "plates differ", "2025-06-09T08:00:00Z")
MISSING = Signal(SignalKind.SEED_MISSING_ENTRY, Severity.MEDIUM, EXIT, (EXIT,),
                 "no entry within 12 h", "2025-06-09T08:00:00Z")
SUSPENDED = Signal(SignalKind.AEO_SUSPENDED, Severity.HIGH, None, (AEO, IMP),
                   "AEO RS-AEO-7 suspended on 2025-05-01 (was valid)", "2025-05-01")
EXPIRED = Signal(SignalKind.LPCO_EXPIRED, Severity.HIGH, JUNE, (CERT,),
                 "phyto certificate PC-1: valid until 2025-05-15, presented on 2025-06-10",
                 "2025-06-10")
OVERUSED = Signal(SignalKind.LPCO_OVERUSED, Severity.MEDIUM, JUNE, (CERT, OTHER),
                  "phyto certificate PC-1: presented with 2 consignments within 30 days",
                  "2025-06-10")
HS_DISAGREED = Signal(SignalKind.LPCO_HS_NOT_COVERED, Severity.HIGH, JUNE, (CERT,),
                      "covers HS 0808, not the declared 0809", "2025-06-10")
EDGE_HIDDEN = Signal(SignalKind.SEED_OFFICE, Severity.LOW, JUNE, (JUNE,),
                     "entry office RS081001, announced RS054003", "2025-06-10T10:00:00Z")
ON_OTHER = Signal(SignalKind.LPCO_OVERUSED, Severity.MEDIUM, OTHER, (CERT, JUNE),
                  "phyto certificate PC-1: presented with 2 consignments within 30 days",
                  "2025-06-12")


def _consignment(cid: str, at: str, *parties: tuple[str, str], **props: Any) -> list[Record]:
    fields = {"reference": cid[-6:], "declared_at": at, "hs_codes": ["080810"],
              "origin": "RS", "direction": "import"}
    return [NodeRecord("Consignment", cid, {**fields, **props}, WIDE, SOURCE),
            *(EdgeRecord(rel, op, cid, WIDE, SOURCE) for rel, op in parties)]


def _signal(signal: Signal, share: Sharing = WIDE, status: str = "open") -> list[Record]:
    node, *edges = signal_records(signal, share, SOURCE)
    assert isinstance(node, NodeRecord)
    return [replace(node, props={**node.props, "status": status}), *edges]


def scene() -> list[Record]:
    """A SEED exit/entry pair of EXP; IMP's consignments in April, June (presenting CERT, an
    expired certificate) and August around an AEO suspended from May to July; OTHER also
    presents CERT. Signals: see the constants above (HIDDEN_HS is MK-CUS's alone, so is the
    ABOUT edge of EDGE_HIDDEN; RETRACTED was retracted by a re-run)."""
    records: list[Record] = [
        NodeRecord("Operator", op, {"name": "op " + op[-4:], "country": "RS"}, WIDE, SOURCE)
        for op in (EXP, IMP)]
    records.append(NodeRecord("AeoAuthorisation", AEO, {
        "number": "RS-AEO-7", "aeo_type": "AEOF", "status": "valid", "valid_from": "2025-01-01",
        "status_history": ["2025-01-01 valid", "2025-05-01 suspended", "2025-07-01 valid"]},
        WIDE, SOURCE))
    records.append(EdgeRecord("HOLDS", IMP, AEO, WIDE, SOURCE))
    records.append(NodeRecord("Lpco", CERT, {
        "number": "PC-1", "lpco_type": "phyto_certificate", "valid_until": "2025-05-15",
        "hs_codes": ["0808"]}, WIDE, SOURCE))
    records += _consignment(EXIT, "2025-06-09T08:00:00Z", ("EXPORTER_OF", EXP),
                            direction="exit")
    records += _consignment(ENTRY, "2025-06-09T11:30:00Z", ("EXPORTER_OF", EXP),
                            direction="entry")
    for cid, day in ((APRIL, "2025-04-10"), (JUNE, "2025-06-10"), (AUGUST, "2025-08-10"),
                     (OTHER, "2025-06-12")):
        records += _consignment(cid, day + "T10:00:00Z", ("IMPORTER_OF", IMP))
    for cid in (JUNE, OTHER):
        records.append(EdgeRecord("COVERED_BY", cid, CERT, WIDE, SOURCE))
    for signal in (WEIGHT, MISSING, SUSPENDED, EXPIRED, OVERUSED, HS_DISAGREED, ON_OTHER):
        records += _signal(signal)
    records += _signal(HIDDEN_HS, MK_ONLY)
    node, about = _signal(EDGE_HIDDEN)  # a signal all may see, ABOUT JUNE for MK-CUS alone
    assert isinstance(about, EdgeRecord)
    records += [node, replace(about, sharing=MK_ONLY)]
    records += _signal(RETRACTED, status="retracted")
    return records


def visibility(agency: str) -> Visibility:
    return POLICY.visibility(principal(agency, Role.ANALYST))


@pytest.fixture
async def graph(store: FalkorStore) -> FalkorStore:
    await GraphWriter(store).write(scene())
    return store


def parts(result: Score | None) -> dict[str, list[tuple[float, tuple[str, ...]]]]:
    assert result is not None
    out: dict[str, list[tuple[float, tuple[str, ...]]]] = {}
    for c in result.contributions:
        if c.factor in {"signal", "aeo", "lpco"}:
            out.setdefault(c.factor, []).append((c.weight, c.record_ids))
    return out


async def test_a_seed_mismatch_scores_on_the_entry_it_was_found_on(graph: FalkorStore) -> None:
    rs = visibility("RS-CUS")
    entry = await score_for_caller(graph, rs, ENTRY)
    assert parts(entry) == {"signal": [(25.0, (WEIGHT.id, ENTRY))]}
    assert entry is not None
    reason = next(c.reason for c in entry.contributions if c.factor == "signal")
    assert reason == "seed signal (high): gross mass 18,000 kg at exit, 21,500 kg at entry"
    # the exit: a mismatch found at the entry, and a missing entry known only after the exit's
    # window, are both after its declaration
    assert parts(await score_for_caller(graph, rs, EXIT)) == {}
    # MK-CUS sees its own HS mismatch too; RS-CUS never does
    mk = parts(await score_for_caller(graph, visibility("MK-CUS"), ENTRY))
    assert sorted(mk["signal"]) == sorted([(25.0, (WEIGHT.id, ENTRY)),
                                           (25.0, (HIDDEN_HS.id, ENTRY))])


async def test_lpco_and_aeo_signals_are_cited_on_the_scorers_own_findings_never_added(
    graph: FalkorStore,
) -> None:
    rs = visibility("RS-CUS")
    june = parts(await score_for_caller(graph, rs, JUNE))
    # the expiry counts once, citing the stored signal; the AEO suspension likewise; the
    # overuse, which the scorer does not judge itself, is a signal of its own; the HS signal
    # the document does not bear out, and the overuse found on OTHER, count for nothing
    assert june == {"aeo": [(20.0, (IMP, AEO, SUSPENDED.id))],
                    "lpco": [(20.0, (CERT, EXPIRED.id))],
                    "signal": [(15.0, (OVERUSED.id, JUNE))]}
    # before the suspension the signal had not been observed; after the reinstatement the
    # AEO is valid again, whatever the open signal says
    assert parts(await score_for_caller(graph, rs, APRIL)) == {"aeo": [(-15.0, (IMP, AEO))]}
    assert parts(await score_for_caller(graph, rs, AUGUST)) == {"aeo": [(-15.0, (IMP, AEO))]}
    other = parts(await score_for_caller(graph, rs, OTHER))
    assert other["signal"] == [(15.0, (ON_OTHER.id, OTHER))]
    # MK-CUS sees the ABOUT edge of the office mismatch on JUNE, RS-CUS does not
    mk = parts(await score_for_caller(graph, visibility("MK-CUS"), JUNE))
    assert sorted(mk["signal"]) == [(5.0, (EDGE_HIDDEN.id, JUNE)), (15.0, (OVERUSED.id, JUNE))]


async def test_the_batch_scorer_counts_the_same_signals(graph: FalkorStore) -> None:
    batch: dict[str, Score] = {}
    await score_all(graph, on_scores=lambda scores: batch.update(
        {s.consignment_id: s for s in scores}))
    rs = visibility("RS-CUS")
    for cid in (EXIT, APRIL, AUGUST, OTHER):
        caller = await score_for_caller(graph, rs, cid)
        assert caller is not None
        assert batch[cid].contributions == caller.contributions, cid
    # the system sees MK-CUS's signal and ABOUT edge as well
    june = await score_for_caller(graph, rs, JUNE)
    assert june is not None
    assert batch[JUNE].score == pytest.approx(june.score + 5.0)
    entry = await score_for_caller(graph, rs, ENTRY)
    assert entry is not None
    assert batch[ENTRY].score == pytest.approx(entry.score + 25.0)
    assert {c.record_ids[0] for c in batch[ENTRY].contributions if c.factor == "signal"} == {
        WEIGHT.id, HIDDEN_HS.id}
