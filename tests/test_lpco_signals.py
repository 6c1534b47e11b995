"""Stored LPCO signals on the real embedded FalkorDB: after an ingest of real sample files, by
``hub checks lpco``, kept current (retracted, reopened), each owned by the consignment's owner,
and counted once by the risk scorer."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from connectors import connector
from hub.analysis.risk.scorer import score_for_caller
from hub.analysis.risk.scoring import Score
from hub.checks.lpco_runs import (
    DocumentTap,
    LpcoRunReport,
    check_consignments,
    check_documents,
    check_everything,
)
from hub.checks.signals import SignalKind
from hub.cli import app
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.writer import GraphWriter
from hub.ingest.pipeline import ingest_path, sharing_for
from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Record, Sharing, stable_id
from tests.callers import POLICY, principal

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
CERT_NUMBER = "RS-PC-2026-004417"  # presented by the ASYCUDA sample declaration
CERT = stable_id("Lpco", "phyto_certificate", CERT_NUMBER)
IMPORT = "consignment:2a1afea95667fed759931195"  # the ASYCUDA sample's declaration

SRC = Provenance("test", "lpco-signals", 1)
WIDE = Sharing("RS-CUS", "RS", Distribution.CEFTA_CUSTOMS)
EXP, IMP = (stable_id("Operator", "lpco-signals", k) for k in ("exp", "imp"))
PC = stable_id("Lpco", "lpco-signals", "PC-1")
JUNE, LATER = (stable_id("Consignment", "lpco-signals", k) for k in ("june", "later"))


def revoked_certificate(folder: Path) -> Path:
    """The ePhyto sample, numbered as the certificate the ASYCUDA sample presents and withdrawn
    by its issuer (status 40)."""
    text = (SAMPLES / "ephyto" / "SPSCertificateContent.xml").read_text(encoding="utf-8")
    text = text.replace("<ns1:ID>123ABC</ns1:ID>", f"<ns1:ID>{CERT_NUMBER}</ns1:ID>", 1)
    text = text.replace("<ns1:StatusCode>70</ns1:StatusCode>",
                        "<ns1:StatusCode>40</ns1:StatusCode>", 1)
    path = folder / "withdrawn.xml"
    path.write_text(text, encoding="utf-8")
    return path


async def ingest(store: FalkorStore, name: str, path: Path, agency: str, distribution: str,
                 data_dir: Path) -> set[str]:
    """Ingest ``path`` as ``hub ingest`` does; the documents the run brought."""
    tap = DocumentTap(connector(name))
    report = await ingest_path(store, tap, str(path), sharing_for(agency, distribution),
                               data_dir=data_dir)
    assert (report.accepted, report.rejected) == (1, 0)
    return tap.documents


async def signals_seen_by(store: FalkorStore, agency: str) -> list[dict[str, Any]]:
    reader = GraphReader(store, POLICY.visibility(principal(agency)))
    page = await reader.list("RiskSignal", {}, 100, "")
    return sorted(page.rows, key=lambda row: (row["consignment_id"] or "", row["signal_kind"]))


def lpco_parts(result: Score | None) -> dict[str, list[tuple[float, tuple[str, ...]]]]:
    assert result is not None
    out: dict[str, list[tuple[float, tuple[str, ...]]]] = {}
    for c in result.contributions:
        if c.factor in {"lpco", "signal"}:
            out.setdefault(c.factor, []).append((c.weight, c.record_ids))
    return out


async def test_an_ingested_withdrawal_is_stored_as_a_signal_on_the_declaration(
        store: FalkorStore, tmp_path: Path) -> None:
    # The phyto agency's certificate, withdrawn, reaches every CEFTA agency; then the Albanian
    # import declaration presenting it arrives.
    documents = await ingest(store, "ephyto", revoked_certificate(tmp_path), "RS-PHY",
                             "CEFTA_AGENCIES", tmp_path)
    assert documents == {CERT}
    documents = await ingest(store, "asycuda", SAMPLES / "asycuda", "AL-CUS", "PARTY", tmp_path)
    assert CERT in documents
    al = POLICY.visibility(principal("AL-CUS"))
    before = await score_for_caller(store, al, IMPORT)
    assert before is not None

    first = await check_documents(store, POLICY, documents)
    on_import = {s.kind: s for s in first.signals if s.consignment_id == IMPORT}
    assert set(on_import) == {SignalKind.LPCO_REVOKED, SignalKind.LPCO_HS_NOT_COVERED,
                              SignalKind.LPCO_OTHER_HOLDER}
    assert first.written > 0
    assert first.retracted == 0

    # Owned by the declaration's owner, at ORIGINATOR: AL-CUS sees its signals on the import,
    # the issuing phyto agency sees only the one on its own certificate's consignment.
    mine = [row for row in await signals_seen_by(store, "AL-CUS")
            if row["consignment_id"] == IMPORT]
    revoked = next(row for row in mine if row["signal_kind"] == "lpco_revoked")
    assert revoked["reason"] == f"phyto certificate {CERT_NUMBER}: revoked"
    assert (revoked["status"], revoked["severity"], revoked["check"]) == ("open", "high", "lpco")
    assert revoked["observed_at"] == "2026-03-14"
    assert revoked["id"] == on_import[SignalKind.LPCO_REVOKED].id
    assert (revoked["owner_agency"], revoked["distribution"]) == ("AL-CUS", "ORIGINATOR")
    holder = next(row for row in mine if row["signal_kind"] == "lpco_other_holder")
    assert "another operator than the consignment's exporter or importer" in holder["reason"]
    assert all(row["consignment_id"] != IMPORT
               for row in await signals_seen_by(store, "RS-PHY"))
    assert await signals_seen_by(store, "MK-CUS") == []

    # Running again stores nothing new.
    again = await check_documents(store, POLICY, documents)
    assert again.signals == first.signals
    assert (again.written, again.retracted) == (0, 0)
    assert again.unchanged == first.written

    # The scorer judges the same problems itself and cites the stored signals on them: the
    # score does not move.
    after = await score_for_caller(store, al, IMPORT)
    assert after is not None
    assert after.score == before.score
    assert [(c.factor, c.weight) for c in after.contributions] == [
        (c.factor, c.weight) for c in before.contributions]
    cited = {i for c in after.contributions if c.factor == "lpco" for i in c.record_ids}
    assert {s.id for s in on_import.values()} <= cited


def scene(valid_until: str) -> list[Record]:
    """EXP's phyto certificate PC, presented by JUNE and, two days later on the same side of
    the border, by LATER."""
    records: list[Record] = [
        NodeRecord("Operator", op, {"name": name, "country": "RS"}, WIDE, SRC)
        for op, name in ((EXP, "Izvoz d.o.o."), (IMP, "Uvoz d.o.o."))]
    records.append(NodeRecord("Lpco", PC, {
        "number": "PC-1", "lpco_type": "phyto_certificate", "valid_until": valid_until,
        "hs_codes": ["0808"]}, WIDE, SRC))
    records.append(EdgeRecord("ISSUED_TO", PC, EXP, WIDE, SRC))
    for cid, at in ((JUNE, "2025-06-10T10:00:00Z"), (LATER, "2025-06-12T10:00:00Z")):
        records += [
            NodeRecord("Consignment", cid, {"reference": cid[-6:], "declared_at": at,
                                            "direction": "export", "hs_codes": ["080810"]},
                       WIDE, SRC),
            EdgeRecord("EXPORTER_OF", EXP, cid, WIDE, SRC),
            EdgeRecord("IMPORTER_OF", IMP, cid, WIDE, SRC),
            EdgeRecord("COVERED_BY", cid, PC, WIDE, SRC)]
    return records


def kinds(report: LpcoRunReport, consignment: str) -> list[str]:
    return sorted(s.kind.value for s in report.signals if s.consignment_id == consignment)


async def test_the_scorer_counts_each_stored_lpco_signal_once(store: FalkorStore) -> None:
    await GraphWriter(store).write(scene(valid_until="2025-05-15"))
    rs = POLICY.visibility(principal("RS-CUS"))
    before = lpco_parts(await score_for_caller(store, rs, JUNE))
    assert before == {"lpco": [(20.0, (PC,))]}  # expired; the reuse is the check's alone
    report = await check_consignments(store, POLICY, [JUNE, LATER])
    assert kinds(report, JUNE) == ["lpco_expired", "lpco_overused"]
    expired, overused = sorted((s for s in report.signals if s.consignment_id == JUNE),
                               key=lambda s: s.kind.value)
    # the expiry: cited on the scorer's own contribution, no points of its own; the reuse,
    # which the scorer does not judge itself, counts once as a signal (medium: 15)
    assert lpco_parts(await score_for_caller(store, rs, JUNE)) == {
        "lpco": [(20.0, (PC, expired.id))], "signal": [(15.0, (overused.id, JUNE))]}


async def test_a_problem_that_goes_away_is_retracted_and_comes_back_open(
        store: FalkorStore) -> None:
    await GraphWriter(store).write(scene(valid_until="2025-05-15"))
    first = await check_consignments(store, POLICY, [JUNE])
    assert kinds(first, JUNE) == ["lpco_expired", "lpco_overused"]
    # A dry run finds the same and stores nothing.
    dry = await check_everything(store, POLICY, write=False)
    assert dry.signals == [s for s in dry.signals if s.consignment_id in {JUNE, LATER}]
    assert (dry.consignments, dry.written, dry.retracted) == (2, 0, 0)
    assert [row["consignment_id"] for row in await signals_seen_by(store, "RS-CUS")] == [
        JUNE, JUNE]

    # The certificate's validity is corrected: the expiry is retracted, the reuse stays.
    renewed = [r for r in scene(valid_until="2025-06-30") if r.id == PC]
    await GraphWriter(store).write(renewed)
    second = await check_everything(store, POLICY, page=1)
    assert kinds(second, JUNE) == kinds(second, LATER) == ["lpco_overused"]
    assert second.retracted == 1
    statuses = {(row["consignment_id"], row["signal_kind"]): row["status"]
                for row in await signals_seen_by(store, "RS-CUS")}
    assert statuses == {(JUNE, "lpco_expired"): "retracted", (JUNE, "lpco_overused"): "open",
                        (LATER, "lpco_overused"): "open"}

    # Found again, the same signal is open again.
    expired = [replace(r, props={**r.props, "valid_until": "2025-05-15"}) for r in renewed]
    await GraphWriter(store).write(expired)
    third = await check_consignments(store, POLICY, [JUNE])
    assert third.written > 0
    assert third.retracted == 0
    statuses = {(row["consignment_id"], row["signal_kind"]): row["status"]
                for row in await signals_seen_by(store, "RS-CUS")}
    assert statuses[JUNE, "lpco_expired"] == "open"


def test_hub_checks_lpco_and_the_ingest_hook(falkor_server: EmbeddedFalkor,
                                             tmp_path: Path) -> None:
    env = {"HUB_DATA_DIR": str(falkor_server.data_dir), "HUB_GRAPH_NAME": "test_cli_lpco",
           "HUB_GRAPH_URI": "embedded:"}
    runner = CliRunner()
    try:
        cert = revoked_certificate(tmp_path)
        done = runner.invoke(app, ["ingest", "ephyto", str(cert), "--agency", "RS-PHY",
                                   "--distribution", "CEFTA_AGENCIES", "--no-patterns"], env=env)
        assert done.exit_code == 0, done.output
        done = runner.invoke(app, ["ingest", "asycuda", str(SAMPLES / "asycuda"), "--agency",
                                   "AL-CUS", "--no-patterns"], env=env)
        assert done.exit_code == 0, done.output
        assert "LPCO checks of the documents ingested" in done.output
        assert "lpco_revoked" in done.output
        assert f"phyto certificate {CERT_NUMBER}: revoked" in done.output
        dry = runner.invoke(app, ["checks", "lpco", IMPORT, "--dry-run"], env=env)
        assert dry.exit_code == 1, dry.output  # signals found
        assert "1 consignment(s), 2 document(s) checked, 3 signal(s)" in dry.output
        assert "dry run: nothing stored" in dry.output
        again = runner.invoke(app, ["checks", "lpco", "--all"], env=env)
        assert again.exit_code == 1, again.output
        assert "written 0" in again.output
        assert "retracted 0" in again.output
        nothing = runner.invoke(app, ["checks", "lpco"], env=env)
        assert nothing.exit_code == 2
        assert "--all" in nothing.output
        # A check that cannot run leaves the ingest standing and says so by its code.
        broken = {**env, "HUB_POLICY_DIR": str(tmp_path / "no-policy-here")}
        stands = runner.invoke(app, ["ingest", "asycuda", str(SAMPLES / "asycuda"), "--agency",
                                     "AL-CUS", "--no-patterns"], env=broken)
        assert stands.exit_code == 0, stands.output
        assert "LPCO checks failed (policy_invalid)" in stands.output
        assert str(tmp_path) not in stands.output
    finally:
        graph = FalkorStore.over_socket(str(falkor_server.socket_path), "test_cli_lpco",
                                        timeout_ms=30_000)

        async def drop() -> None:
            await graph.clear()
            await graph.close()

        asyncio.run(drop())


def test_the_tap_passes_every_record_through(tmp_path: Path) -> None:
    tap = DocumentTap(connector("asycuda"))
    plain = connector("asycuda")
    sample = SAMPLES / "asycuda" / "IM4-synthetic-1.xml"
    with sample.open("rb") as a, sample.open("rb") as b:
        assert list(tap.parse(a, sample.name)) == list(plain.parse(b, sample.name))
    assert (tap.name, tap.suffixes, tap.fragment_suffix) == (
        plain.name, plain.suffixes, plain.fragment_suffix)
    assert CERT in tap.documents
    assert len(tap.documents) == 2
