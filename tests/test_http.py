"""The hub over real HTTP: uvicorn on loopback, real signed tokens, the real policy files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hub.app import Services, create_app
from hub.auth import build_validator, dev_issuer
from hub.graph.falkor import FalkorStore
from hub.graph.writer import GraphWriter
from hub.model import Distribution, NodeRecord, Provenance, Sharing, stable_id
from hub.policy import CasbinPolicy
from hub.principal import Role
from hub.settings import Settings
from tests.serving import free_port, serving

OP_RS = stable_id("Operator", "RS", "PIB", "100000001")
OP_MK = stable_id("Operator", "MK", "EDB", "4030000000001")
SOURCE = Provenance("test", "http", 1_700_000_000_000)
QUERY = {"query": "query($id: ID!) { node(id: $id) { id ... on Operator { name } } }"}


@pytest.fixture
async def hub_url(store: FalkorStore, tmp_path: Path) -> AsyncIterator[tuple[str, Settings]]:
    await GraphWriter(store).write([
        NodeRecord("Operator", OP_RS, {"name": "Alfa d.o.o."},
                   Sharing("RS-CUS", "RS", Distribution.PARTY), SOURCE),
        NodeRecord("Operator", OP_MK, {"name": "Бета ДООЕЛ"},
                   Sharing("MK-CUS", "MK", Distribution.CEFTA_CUSTOMS), SOURCE),
    ])
    settings = Settings(data_dir=tmp_path, dev_issuer=True, port=free_port())
    services = Services(authenticator=build_validator(settings),
                        policy=CasbinPolicy(settings.policy_dir), store=store)
    async with serving(create_app(settings, services), settings.port) as url:
        yield url, settings


def _token(settings: Settings, agency: str, role: Role = Role.ANALYST) -> str:
    return dev_issuer(settings).mint(agency, [role])


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz"])
async def test_requests_without_a_valid_token_get_401(
    hub_url: tuple[str, Settings], header: str | None
) -> None:
    url, _ = hub_url
    headers = {"Authorization": header} if header else {}
    async with httpx.AsyncClient() as client:
        response = await client.post(url + "/graphql", json=QUERY | {"variables": {"id": OP_RS}},
                                     headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["extensions"]["code"] == "unauthenticated"


async def test_each_agency_sees_what_the_policy_allows(hub_url: tuple[str, Settings]) -> None:
    url, settings = hub_url
    async with httpx.AsyncClient() as client:
        async def name(agency: str, operator: str) -> str | None:
            response = await client.post(
                url + "/graphql", json=QUERY | {"variables": {"id": operator}},
                headers={"Authorization": "Bearer " + _token(settings, agency)})
            assert response.status_code == 200
            node = response.json()["data"]["node"]
            return node["name"] if node else None

        assert await name("RS-CUS", OP_RS) == "Alfa d.o.o."
        assert await name("MK-CUS", OP_RS) is None
        assert await name("RS-CUS", OP_MK) == "Бета ДООЕЛ"
        assert await name("HR-CUS", OP_MK) is None


async def test_health_ready_and_graphiql(hub_url: tuple[str, Settings]) -> None:
    url, _ = hub_url
    async with httpx.AsyncClient() as client:
        assert (await client.get(url + "/health")).json() == {"status": "ok"}
        assert (await client.get(url + "/ready")).json() == {"status": "ready"}
        page = await client.get(url + "/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_machine_clients_ingest_over_http(
    hub_url: tuple[str, Settings], shared_dir: Path
) -> None:
    url, settings = hub_url
    sample = (shared_dir / "samples" / "wco-dec" / "TT_IM001b.xml").read_bytes()
    connector = "Bearer " + _token(settings, "RS-CUS", Role.CONNECTOR)
    async with httpx.AsyncClient() as client:
        first = await client.post(url + "/ingest/wco-dec?filename=TT_IM001b.xml", content=sample,
                                  headers={"Authorization": connector})
        again = await client.post(url + "/ingest/wco-dec", content=sample,
                                  headers={"Authorization": connector})
        broken = await client.post(url + "/ingest/wco-dec", content=sample[: len(sample) // 2],
                                   headers={"Authorization": connector})
        unknown = await client.post(url + "/ingest/telex", content=b"x",
                                    headers={"Authorization": connector})
        anonymous = await client.post(url + "/ingest/wco-dec", content=sample)
        auditor = await client.post(url + "/ingest/wco-dec", content=sample, headers={
            "Authorization": "Bearer " + _token(settings, "RS-CUS", Role.AUDITOR)})
    assert first.status_code == 200, first.text
    report = first.json()
    assert report["accepted"] == 1
    assert report["written"] > 0
    assert "rejected_dir" not in report
    assert again.status_code == 200
    assert again.json()["written"] == 0
    assert broken.status_code == 422
    assert broken.json()["rejected"] == 1
    assert unknown.status_code == 404
    assert "telex" in unknown.json()["error"]["message"]
    assert anonymous.status_code == 401
    assert auditor.status_code == 403
