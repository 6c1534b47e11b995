"""The pattern rules run unattended: after `hub ingest`, after POST /ingest, on a schedule in the
app; a failed pass is reported and leaves the ingest standing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from connectors import connector
from hub.analysis.risk.patterns import candidate_id
from hub.analysis.risk.schedule import PatternRunner
from hub.app import Services, create_app
from hub.auth import build_validator, dev_issuer
from hub.cli import app as cli
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.statements import statement
from hub.graph.writer import GraphWriter
from hub.ingest.followups import FollowupQueue, Ingested, run_followups
from hub.ingest.pipeline import ingest_path, sharing_for
from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Sharing, stable_id
from hub.policy import CasbinPolicy
from hub.policy.audit import AuditTrail
from hub.principal import Principal, Role
from hub.settings import Settings
from tests.serving import free_port, serving

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "asycuda" / \
    "IM4-synthetic-1.xml"
CERTS = tuple(stable_id("Lpco", "phyto_certificate", number)
              for number in ("RS-PC-2026-004417", "RS-PC-2026-004418"))
CANDIDATES = statement(
    "tests.pattern_schedule.candidates",
    "MATCH (a:RiskAlert) WHERE a.status = 'candidate' "
    "RETURN a.id AS id, a.risk_type AS rule, a.owner_agency AS agency ORDER BY id")
POLICY = CasbinPolicy(Settings().policy_dir)


def _us_day(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year % 100:02d}"


def two_declarations(folder: Path) -> Path:
    """Two ASYCUDA import declarations of the last days presenting the same two phytosanitary
    certificates: the lpco_overuse pattern twice (a certificate covers one shipment)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SAMPLE.read_text(encoding="utf-8")
    today = datetime.now(UTC).date()
    for n, days_ago in ((48211, 6), (48977, 2)):
        day = _us_day(today - timedelta(days=days_ago))
        doc = re.sub(r"<Date_of_declaration>[^<]*<", f"<Date_of_declaration>{day}<", text)
        doc = re.sub(r"(<Registration>\s*<Serial_number>C</Serial_number>\s*)<Number>\d+</Number>"
                     r"\s*<Date>[^<]*</Date>",
                     rf"\1<Number>{n}</Number><Date>{day}</Date>", doc)
        (folder / f"IM4-{n}.xml").write_text(doc, encoding="utf-8")
    return folder


def _env(server: EmbeddedFalkor, graph: str, **extra: str) -> dict[str, str]:
    return {"HUB_DATA_DIR": str(server.data_dir), "HUB_GRAPH_NAME": graph,
            "HUB_GRAPH_URI": "embedded:", "COLUMNS": "200", **extra}


def _drop(server: EmbeddedFalkor, graph: str) -> None:
    async def drop() -> None:
        store = FalkorStore.over_socket(str(server.socket_path), graph, timeout_ms=30_000)
        await store.clear()
        await store.close()

    asyncio.run(drop())


def _candidates(server: EmbeddedFalkor, graph: str) -> list[dict[str, str]]:
    async def read() -> list[dict[str, str]]:
        store = FalkorStore.over_socket(str(server.socket_path), graph, timeout_ms=30_000)
        try:
            return [dict(row) for row in await store.run(CANDIDATES)]
        finally:
            await store.close()

    return asyncio.run(read())


def test_hub_ingest_raises_the_candidates_its_records_complete(
    falkor_server: EmbeddedFalkor, tmp_path: Path,
) -> None:
    inputs = two_declarations(tmp_path / "in")
    graph = "test_cli_ingest_patterns"
    runner = CliRunner()
    try:
        first = runner.invoke(cli, ["ingest", "asycuda", str(inputs), "--agency", "AL-CUS"],
                              env=_env(falkor_server, graph))
        assert first.exit_code == 0, first.output
        assert "2 new alert candidate(s) (lpco_overuse 2), 2 in all" in first.output
        found = _candidates(falkor_server, graph)
        assert found == sorted(({"id": candidate_id("AL-CUS", "lpco_overuse", cert),
                                 "rule": "pattern:lpco_overuse", "agency": "AL-CUS"}
                                for cert in CERTS), key=lambda row: row["id"])
        # the same files again write nothing, so the rules do not run; by hand they find the
        # candidate raised already
        again = runner.invoke(cli, ["ingest", "asycuda", str(inputs), "--agency", "AL-CUS"],
                              env=_env(falkor_server, graph))
        assert again.exit_code == 0, again.output
        assert "pattern rules" not in again.output
        by_hand = runner.invoke(cli, ["risk", "patterns", "--agency", "AL-CUS"],
                                env=_env(falkor_server, graph))
        assert "0 new, 2 in all" in by_hand.output
        assert _candidates(falkor_server, graph) == found
    finally:
        _drop(falkor_server, graph)


def test_a_failed_pattern_pass_is_reported_and_the_ingest_stands(
    falkor_server: EmbeddedFalkor, tmp_path: Path,
) -> None:
    inputs = two_declarations(tmp_path / "in")
    graph = "test_cli_ingest_patterns_fail"
    env = _env(falkor_server, graph, HUB_POLICY_DIR=str(tmp_path / "no-policy-here"))
    try:
        result = CliRunner().invoke(cli, ["ingest", "asycuda", str(inputs), "--agency",
                                          "AL-CUS"], env=env)
        assert result.exit_code == 0, result.output  # every record was accepted
        assert "pattern rules failed (policy_invalid)" in result.output
        assert "hub risk patterns" in result.output
        assert str(tmp_path) not in result.output  # the summary names no path or record
        assert _candidates(falkor_server, graph) == []
        off = CliRunner().invoke(cli, ["ingest", "asycuda", str(SAMPLE), "--agency", "AL-CUS",
                                       "--no-patterns"], env=env)
        assert off.exit_code == 0, off.output
        assert "pattern rules" not in off.output
    finally:
        _drop(falkor_server, graph)


async def test_a_failing_pass_never_raises_and_holds_no_record_ids(
    store: FalkorStore, tmp_path: Path,
) -> None:
    inputs = two_declarations(tmp_path / "in")
    report = await ingest_path(store, connector("asycuda"), str(inputs), sharing_for("AL-CUS"),
                               data_dir=tmp_path)
    assert report.written > 0

    def broken() -> CasbinPolicy:
        return CasbinPolicy(tmp_path / "missing")

    failed = await PatternRunner(broken).run(store, AuditTrail(store), "ingest")
    assert failed.error == "policy_invalid"
    assert failed.as_dict()["created"] == 0
    assert "lpco:" not in str(failed.as_dict())
    al = POLICY.visibility(Principal("t", "AL", "AL-CUS", "customs",
                                     frozenset({Role.ANALYST}), "t"))
    assert await GraphReader(store, al).node(CERTS[0]) is not None  # the ingest landed
    assert await store.run(CANDIDATES) == []
    ok = await run_followups(store, lambda: POLICY, None, Ingested.of("asycuda", report),
                             patterns=PatternRunner(lambda: POLICY))
    assert ok.patterns is not None
    assert ok.patterns.created_by_rule == {"lpco_overuse": 2}
    nothing = replace(report, written=0)  # nothing written: nothing the rules find changed
    assert (await run_followups(store, lambda: POLICY, None, Ingested.of("asycuda", nothing),
                                patterns=PatternRunner(lambda: POLICY))).patterns is None


@asynccontextmanager
async def _serve(settings: Settings, store: FalkorStore) -> AsyncIterator[str]:
    services = Services(authenticator=build_validator(settings),
                        policy=CasbinPolicy(settings.policy_dir), store=store)
    async with serving(create_app(settings, services), settings.port) as url:
        yield url


@pytest.fixture
async def hub_url(store: FalkorStore, tmp_path: Path) -> AsyncIterator[tuple[str, Settings]]:
    settings = Settings(data_dir=tmp_path, dev_issuer=True, port=free_port())
    async with _serve(settings, store) as url:
        yield url, settings


async def test_post_ingest_reports_the_candidates_it_raised(
    hub_url: tuple[str, Settings], store: FalkorStore, tmp_path: Path,
) -> None:
    url, settings = hub_url
    token = "Bearer " + dev_issuer(settings).mint("AL-CUS", [Role.CONNECTOR])
    files = sorted(two_declarations(tmp_path / "in").iterdir())
    async with httpx.AsyncClient(timeout=60) as client:
        bodies = []
        for file in files:
            response = await client.post(url + "/ingest/asycuda", content=file.read_bytes(),
                                         headers={"Authorization": token})
            assert response.status_code == 200, response.text
            bodies.append(response.json())
    # the answer does not wait for the rules: a pass is queued in the background
    assert [body["patterns"]["queued"] for body in bodies] == [True, True]
    want = sorted(candidate_id("AL-CUS", "lpco_overuse", cert) for cert in CERTS)
    for _ in range(200):
        rows = await store.run(CANDIDATES)
        if len(rows) == len(want):
            break
        await asyncio.sleep(0.05)
    assert [row["id"] for row in rows] == want


async def test_queued_passes_coalesce_and_a_failure_is_logged_without_records(
    store: FalkorStore, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    inputs = two_declarations(tmp_path / "in")
    report = await ingest_path(store, connector("asycuda"), str(inputs), sharing_for("AL-CUS"),
                               data_dir=tmp_path)
    work = Ingested.of("asycuda", report)
    runner = FollowupQueue(lambda: POLICY, PatternRunner(lambda: POLICY))
    queued = [runner.queue(store, None, work) for _ in range(5)]
    assert all(q is not None and q["queued"] == ["patterns"] for q in queued)
    assert runner.queue(store, None, Ingested.of("asycuda", replace(report, written=0))) is None
    await runner.drained()
    assert runner.passes == 1  # five ingests before the pass started: one pass covers them
    assert runner.last is not None
    assert runner.last.patterns is not None
    assert runner.last.patterns.created_by_rule == {"lpco_overuse": 2}

    def broken() -> CasbinPolicy:
        return CasbinPolicy(tmp_path / "missing")

    failing = FollowupQueue(broken, PatternRunner(broken))
    with caplog.at_level("INFO", logger="hub.risk.patterns"):
        failing.queue(store, None, work)
        await failing.drained()
    assert failing.last is not None
    assert failing.last.patterns is not None
    assert failing.last.patterns.error == "policy_invalid"
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1
    assert "policy_invalid" in warned[0]
    assert "hub risk patterns" in warned[0]
    assert str(tmp_path) not in warned[0]  # the error's message (a path here) stays out
    await runner.close()


async def test_the_app_runs_the_rules_on_a_schedule(store: FalkorStore, tmp_path: Path) -> None:
    # a certificate presented twice in the last days, written straight into the graph
    share = Sharing("MK-CUS", "MK", Distribution.PARTY)
    source = Provenance("test", "schedule", 1)
    today = datetime.now(UTC).date()
    cert = stable_id("Lpco", "test", "schedule")
    records: list[NodeRecord | EdgeRecord] = [
        NodeRecord("Lpco", cert, {"number": "PC-9", "lpco_type": "phyto_certificate"}, share,
                   source)]
    for n in (1, 2):
        cid = stable_id("Consignment", "test", "schedule", n)
        records += [NodeRecord("Consignment", cid, {
            "reference": f"S-{n}", "declared_at": (today - timedelta(days=n)).isoformat()},
            share, source), EdgeRecord("COVERED_BY", cid, cert, share, source)]
    await GraphWriter(store).write(records)
    settings = Settings(data_dir=tmp_path, dev_issuer=True, port=free_port(),
                        patterns_interval_s=1)
    async with _serve(settings, store):
        for _ in range(200):
            if await store.run(CANDIDATES):
                break
            await asyncio.sleep(0.05)
    rows = await store.run(CANDIDATES)
    assert [(row["id"], row["agency"]) for row in rows] == [
        (candidate_id("MK-CUS", "lpco_overuse", cert), "MK-CUS")]
