"""The follow-ups of an ingest through the real HTTP endpoint: posted files get the AEO status
sync and the LPCO checks `hub ingest` runs, in the background, each step isolated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from typer.testing import CliRunner

from hub.analysis.risk.schedule import PatternRunner
from hub.app import Services, create_app
from hub.auth import build_validator, dev_issuer
from hub.cli import app as cli
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.ingest.followups import FollowupQueue, Followups, Ingested, run_followups
from hub.ingest.report import IngestReport
from hub.policy import CasbinPolicy
from hub.principal import Role
from hub.settings import Settings
from tests.callers import POLICY, principal
from tests.serving import free_port, serving
from tests.test_lpco_signals import CERT_NUMBER, IMPORT, SAMPLES, revoked_certificate

REGISTER = Path(__file__).resolve().parent / "golden" / "inputs" / "aeo-register.csv"
WITHDRAWN = "RSAEOF000112"


async def _signals(store: FalkorStore, agency: str) -> list[dict[str, Any]]:
    reader = GraphReader(store, POLICY.visibility(principal(agency)))
    page = await reader.list("RiskSignal", {}, 100, "")
    keys = ("id", "signal_kind", "reason", "status", "observed_at", "owner_agency",
            "consignment_id")
    return sorted(({k: row.get(k) for k in keys} for row in page.rows),
                  key=lambda row: str(row["id"]))


@pytest.fixture
async def hub(store: FalkorStore, tmp_path: Path) -> AsyncIterator[tuple[str, Settings,
                                                                          Starlette]]:
    settings = Settings(data_dir=tmp_path, dev_issuer=True, port=free_port())
    services = Services(authenticator=build_validator(settings),
                        policy=CasbinPolicy(settings.policy_dir), store=store)
    app = create_app(settings, services)
    async with serving(app, settings.port) as url:
        yield url, settings, app


async def _post(url: str, settings: Settings, agency: str, path: str, body: bytes,
                followups: FollowupQueue) -> dict[str, Any]:
    """POST a file as ``agency``'s connector, then wait for the follow-ups it queued."""
    token = "Bearer " + dev_issuer(settings).mint(agency, [Role.CONNECTOR])
    async with httpx.AsyncClient(timeout=60) as client:
        response = await client.post(url + path, content=body, headers={"Authorization": token})
    assert response.status_code == 200, response.text
    await followups.drained()  # queued before the answer left: this waits for that pass
    answer: dict[str, Any] = response.json()
    return answer


async def test_a_posted_declaration_gets_its_lpco_signals_stored(
    hub: tuple[str, Settings, Starlette], store: FalkorStore, tmp_path: Path,
) -> None:
    url, settings, app = hub
    followups: FollowupQueue = app.state.followups
    cert = revoked_certificate(tmp_path).read_bytes()
    first = await _post(url, settings, "RS-PHY", "/ingest/ephyto?distribution=CEFTA_AGENCIES",
                        cert, followups)
    # the certificate's own consignment (the ePhyto's) is checked: the withdrawal is a signal
    assert first["followups"]["queued"] == ["lpco_checks", "patterns"]
    assert followups.last is not None
    assert followups.last.lpco is not None
    assert followups.last.lpco.result is not None
    assert followups.last.lpco.result.consignments == 1
    assert [s.kind.value for s in followups.last.lpco.result.signals] == ["lpco_revoked"]
    declaration = (SAMPLES / "asycuda" / "IM4-synthetic-1.xml").read_bytes()
    second = await _post(url, settings, "AL-CUS", "/ingest/asycuda", declaration, followups)
    assert second["followups"]["queued"] == ["lpco_checks", "patterns"]
    assert second["patterns"]["queued"] is True
    assert followups.last is not None
    assert followups.last.ok
    on_import = {row["signal_kind"]: row for row in await _signals(store, "AL-CUS")
                 if row["consignment_id"] == IMPORT}
    assert set(on_import) == {"lpco_revoked", "lpco_hs_not_covered", "lpco_other_holder"}
    revoked = on_import["lpco_revoked"]
    assert revoked["reason"] == f"phyto certificate {CERT_NUMBER}: revoked"
    assert (revoked["status"], revoked["owner_agency"]) == ("open", "AL-CUS")
    # counts only in what a pass says of itself (it is logged)
    assert IMPORT not in str(followups.last.as_dict())
    assert followups.last.as_dict()["lpco_checks"]["signals"] >= 3


def _cli_register_signals(server: EmbeddedFalkor, registers: list[Path]) -> list[dict[str, Any]]:
    graph = "test_cli_aeo_followups"
    env = {"HUB_DATA_DIR": str(server.data_dir), "HUB_GRAPH_NAME": graph,
           "HUB_GRAPH_URI": "embedded:"}
    runner = CliRunner()

    async def read_and_drop() -> list[dict[str, Any]]:
        store = FalkorStore.over_socket(str(server.socket_path), graph, timeout_ms=30_000)
        try:
            return await _signals(store, "RS-CUS")
        finally:
            await store.clear()
            await store.close()

    for register in registers:
        done = runner.invoke(cli, ["ingest", "aeo-register", str(register), "--agency",
                                   "RS-CUS"], env=env)
        assert done.exit_code == 0, done.output
    assert f"AEO {WITHDRAWN}: valid -> revoked on" in done.output
    return asyncio.run(read_and_drop())


async def test_a_posted_register_raises_the_aeo_signals_the_cli_does(
    hub: tuple[str, Settings, Starlette], store: FalkorStore, falkor_server: EmbeddedFalkor,
    tmp_path: Path,
) -> None:
    url, settings, app = hub
    followups: FollowupQueue = app.state.followups
    revoked = tmp_path / "register-revoked.csv"
    revoked.write_text(REGISTER.read_text(encoding="utf-8").replace(
        "AEOF,valid,2021-05-10", "AEOF,revoked,2021-05-10"), encoding="utf-8")
    assert revoked.read_text(encoding="utf-8") != REGISTER.read_text(encoding="utf-8")
    first = await _post(url, settings, "RS-CUS", "/ingest/aeo-register", REGISTER.read_bytes(),
                        followups)
    assert first["followups"]["queued"][0] == "aeo_sync"
    assert await _signals(store, "RS-CUS") == []  # histories started, nothing withdrawn
    await _post(url, settings, "RS-CUS", "/ingest/aeo-register", revoked.read_bytes(),
                followups)
    assert followups.last is not None
    assert followups.last.aeo is not None
    changes = followups.last.aeo.result
    assert changes is not None
    assert [(c.number, c.previous, c.status) for c in changes] == [
        (WITHDRAWN, "valid", "revoked")]
    over_http = await _signals(store, "RS-CUS")
    assert [row["signal_kind"] for row in over_http] == ["aeo_revoked"]
    # the same registers through `hub ingest` store the same signal
    cli_rows = await asyncio.to_thread(_cli_register_signals, falkor_server, [REGISTER, revoked])
    assert cli_rows == over_http


async def test_a_failing_step_is_reported_and_the_next_steps_run(
    store: FalkorStore, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> CasbinPolicy:
        return CasbinPolicy(tmp_path / "missing")

    # the policy cannot load: the LPCO checks fail by their code, the AEO sync (which needs no
    # policy) and the pattern rules still run
    work = Ingested(frozenset({"aeo-register", "ephyto"}), 1, frozenset({"lpco:nowhere"}))
    with caplog.at_level("WARNING", logger="hub.ingest.followups"):
        done = await run_followups(store, broken, None, work,
                                   patterns=PatternRunner(lambda: POLICY))
    assert done.lpco is not None
    assert done.lpco.error == "policy_invalid"
    assert done.aeo is not None
    assert done.aeo.result == []
    assert done.patterns is not None
    assert done.patterns.ok
    assert not done.ok
    assert done.as_dict()["lpco_checks"] == {"ok": False, "error": "policy_invalid"}
    warned = [r.getMessage() for r in caplog.records if r.name == "hub.ingest.followups"]
    assert len(warned) == 1
    assert "policy_invalid" in warned[0]
    assert "hub checks lpco --all" in warned[0]
    assert str(tmp_path) not in warned[0]
    assert "lpco:nowhere" not in " ".join(done.summary())
    # nothing ingested that calls for a step: nothing runs, nothing is queued
    empty = Ingested.of("wco-dec", IngestReport("r", "wco-dec"))
    assert await run_followups(store, broken, None, empty,
                               patterns=PatternRunner(broken)) == Followups()
    assert FollowupQueue(broken, PatternRunner(broken)).queue(store, None, empty) is None
