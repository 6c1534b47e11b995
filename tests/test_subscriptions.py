"""``alertChanged`` over a real websocket: uvicorn on loopback, graphql-transport-ws, dev tokens.

Each subscriber receives a changed alert only if it may see the alert when the event is
delivered. To show that something was NOT delivered without sleeping, a later "sentinel" change
that the subscriber may see is made: the sentinel must be the very next message.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from hub.alerts import AlertBus
from hub.alerts.relay import AlertRelay
from hub.api.alerts import ALERT_BUS
from hub.app import Services, create_app
from hub.auth import build_validator, dev_issuer
from hub.auth.dev import DevIssuer
from hub.graph.falkor import FalkorStore
from hub.model import stable_id
from hub.policy import CasbinPolicy
from hub.principal import Role
from hub.settings import Settings

PROTOCOL = Subprotocol("graphql-transport-ws")
WAIT = 5.0  # seconds a message may take to arrive
SUBSCRIBE = "subscription { alertChanged { alert { reference version status } skipped } }"
RAISE = """mutation($ref: String!, $level: DistributionLevel!) {
  raiseAlert(reference: $ref, distribution: {level: $level},
             alert: {title: "t", riskDomain: SECURITY, riskType: "smuggling"}) { id } }"""
UPDATE = """mutation($id: ID!, $title: String!) {
  updateAlert(id: $id, changes: {title: $title}) { version } }"""
RESHARE = """mutation($id: ID!, $level: DistributionLevel!) {
  reshareAlert(id: $id, distribution: {level: $level}) { version } }"""
WITHDRAW = 'mutation($id: ID!) { withdrawAlert(id: $id, reason: "wrong") { version } }'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    http: str
    ws: str
    settings: Settings
    bus: AlertBus

    def token(self, agency: str, role: Role = Role.ANALYST) -> str:
        return dev_issuer(self.settings).mint(agency, [role])

    async def graphql(self, agency: str, query: str, **variables: Any) -> Any:
        async with httpx.AsyncClient() as client:
            response = await client.post(
                self.http, json={"query": query, "variables": variables},
                headers={"Authorization": "Bearer " + self.token(agency)})
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    async def wait_for_subscribers(self, count: int) -> None:
        # A subscribe message starts the operation in a task of its own: wait until the
        # subscribers are listening before changing anything.
        for _ in range(500):
            if self.bus.subscribers == count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{self.bus.subscribers} subscribers, expected {count}")


@asynccontextmanager
async def _hub(store: FalkorStore, data_dir: Path, **settings: Any) -> AsyncIterator[Server]:
    """One hub process's app on its own port, over the test's graph."""
    config = Settings(data_dir=data_dir, dev_issuer=True, port=_free_port(),
                      max_subscriptions=3).with_(**settings)
    services = Services(authenticator=build_validator(config),
                        policy=CasbinPolicy(config.policy_dir), store=store)
    app = create_app(config, services)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=config.port,
                                           log_level="warning", lifespan="on",
                                           ws="websockets-sansio"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers a flag, not an event)
        await asyncio.sleep(0.02)
    base = f"127.0.0.1:{config.port}/graphql"
    try:
        yield Server("http://" + base, "ws://" + base, config, services.extras[ALERT_BUS])
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def server(store: FalkorStore, tmp_path: Path) -> AsyncIterator[Server]:
    async with _hub(store, tmp_path) as hub:
        yield hub


@asynccontextmanager
async def _socket(server: Server,
                  payload: dict[str, Any] | None) -> AsyncIterator[ClientConnection]:
    async with connect(server.ws, subprotocols=[PROTOCOL], open_timeout=5) as ws:
        if payload is not None:
            await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        yield ws


@asynccontextmanager
async def _session(server: Server, agency: str,
                   role: Role = Role.ANALYST) -> AsyncIterator[ClientConnection]:
    token = server.token(agency, role)
    async with _socket(server, {"Authorization": "Bearer " + token}) as ws:
        assert await _next(ws) == {"type": "connection_ack"}
        yield ws


async def _next(ws: ClientConnection) -> Any:
    return json.loads(await asyncio.wait_for(ws.recv(), WAIT))


async def _subscribe(ws: ClientConnection, op: str, query: str = SUBSCRIBE,
                     **variables: Any) -> None:
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": payload}))


async def _event(ws: ClientConnection) -> tuple[str | None, int | None, str | None, list[str]]:
    message = await _next(ws)
    assert message["type"] == "next", message
    event = message["payload"]["data"]["alertChanged"]
    alert = event["alert"] or {}
    return alert.get("reference"), alert.get("version"), alert.get("status"), event["skipped"]


async def _closed_with(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await _next(ws)
    return closed.value.rcvd.code if closed.value.rcvd else None


@pytest.mark.parametrize("payload", [
    {}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": "Basic dXNlcjpwYXNz"},
    {"authorization": None},
])
async def test_a_socket_without_a_valid_token_is_refused(server: Server,
                                                         payload: dict[str, Any]) -> None:
    async with _socket(server, payload) as ws:
        assert await _closed_with(ws) == 4403
    assert server.bus.subscribers == 0


async def test_subscribing_before_connection_init_is_refused(server: Server) -> None:
    async with _socket(server, None) as ws:
        await _subscribe(ws, "1")
        assert await _closed_with(ws) == 4401
    assert server.bus.subscribers == 0


async def test_only_graphql_transport_ws_is_spoken(server: Server) -> None:
    async with connect(server.ws, subprotocols=[Subprotocol("graphql-ws")]) as ws:
        assert await _closed_with(ws) == 4406


async def test_a_tampered_token_is_refused(server: Server) -> None:
    token = dev_issuer(server.settings).mint("MK-CUS", [Role.ANALYST])
    header, claims, signature = token.split(".")
    forged = ".".join((header, claims[:-2] + ("A" if claims[-2] != "A" else "B") + claims[-1],
                       signature))
    async with _socket(server, {"Authorization": "Bearer " + forged}) as ws:
        assert await _closed_with(ws) == 4403


async def test_changes_reach_only_those_who_may_see_them(server: Server) -> None:
    async with _session(server, "RS-CUS") as rs, _session(server, "MK-CUS") as mk, \
            _session(server, "MK-PHY") as phy:
        for ws in (rs, mk, phy):
            await _subscribe(ws, "alerts")
        await server.wait_for_subscribers(3)
        a = stable_id("RiskAlert", "RS-CUS", "A")
        b = stable_id("RiskAlert", "RS-CUS", "B")

        await server.graphql("RS-CUS", RAISE, ref="A", level="CEFTA_CUSTOMS")  # not phyto
        assert await _event(rs) == ("A", 1, "ACTIVE", [])
        assert await _event(mk) == ("A", 1, "ACTIVE", [])
        await server.graphql("RS-CUS", RAISE, ref="B", level="CEFTA_AGENCIES")
        assert await _event(rs) == ("B", 1, "ACTIVE", [])
        assert await _event(mk) == ("B", 1, "ACTIVE", [])
        assert await _event(phy) == ("B", 1, "ACTIVE", [])  # A never reached MK-PHY

        # A narrowing reshare: A is RS only now; MK-CUS is not told (nor shown A any more).
        await server.graphql("RS-CUS", RESHARE, id=a, level="PARTY")
        assert await _event(rs) == ("A", 2, "ACTIVE", [])
        await server.graphql("RS-CUS", UPDATE, id=b, title="B, revised")
        assert await _event(rs) == ("B", 2, "ACTIVE", [])
        assert await _event(mk) == ("B", 2, "ACTIVE", [])
        assert await _event(phy) == ("B", 2, "ACTIVE", [])

        # A withdrawal: only the originator still sees B, and only it hears of it.
        await server.graphql("RS-CUS", WITHDRAW, id=b)
        assert await _event(rs) == ("B", 3, "WITHDRAWN", [])
        await server.graphql("RS-CUS", RAISE, ref="C", level="CEFTA_AGENCIES")
        for ws in (rs, mk, phy):
            assert await _event(ws) == ("C", 1, "ACTIVE", [])

        # Widening again reaches MK-CUS: delivery follows the rules at delivery time.
        await server.graphql("RS-CUS", RESHARE, id=a, level="CEFTA_CUSTOMS")
        assert await _event(mk) == ("A", 3, "ACTIVE", [])
        await mk.send(json.dumps({"id": "alerts", "type": "complete"}))
        await server.wait_for_subscribers(2)


async def test_subscriptions_per_connection_are_bounded(server: Server) -> None:
    async with _session(server, "MK-CUS") as mk:
        for op in ("1", "2", "3", "4"):
            await _subscribe(mk, op)
        refused = await _next(mk)
        assert refused["type"] == "error"
        assert refused["id"] == "4"
        assert refused["payload"][0]["message"] == "Subscription limit reached"
        await server.wait_for_subscribers(3)
    await server.wait_for_subscribers(0)  # closing the socket ends its subscriptions


async def test_operations_on_a_socket_run_as_its_principal(server: Server) -> None:
    async with _session(server, "MK-PHY", Role.OFFICER) as phy:
        await _subscribe(phy, "q", "{ viewer { agency roles } }")
        assert await _next(phy) == {"id": "q", "type": "next", "payload": {
            "data": {"viewer": {"agency": "MK-PHY", "roles": ["officer"]}}}}
        assert await _next(phy) == {"id": "q", "type": "complete"}
        # Officers record controls; they do not raise alerts. Errors read as over HTTP.
        await _subscribe(phy, "m", RAISE, ref="X", level="PARTY")
        refused = await _next(phy)
        assert refused["type"] == "next"
        assert refused["payload"]["data"] is None
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["forbidden"]


async def test_a_subscription_ends_when_its_token_expires(server: Server) -> None:
    # Valid for about three more seconds (30 s of leeway after an expiry 27 s ago).
    issued = time.time() - 28
    signer = DevIssuer(DevIssuer.load_or_create(server.settings.data_dir)._key,
                       now=lambda: issued)
    token = signer.mint("MK-CUS", [Role.ANALYST], ttl=timedelta(seconds=1))
    async with _socket(server, {"Authorization": "Bearer " + token}) as mk:
        assert await _next(mk) == {"type": "connection_ack"}
        await _subscribe(mk, "alerts")
        await server.wait_for_subscribers(1)
        await asyncio.sleep(max(0.0, issued + 1 + 30 + 0.5 - time.time()))
        await server.graphql("RS-CUS", RAISE, ref="A", level="CEFTA_CUSTOMS")
        ended = await _next(mk)
        assert ended["type"] == "next"
        assert [e["extensions"]["code"] for e in ended["payload"]["errors"]] == [
            "unauthenticated"]
        assert await _next(mk) == {"id": "alerts", "type": "complete"}
        await server.wait_for_subscribers(0)


POLL = 0.2  # seconds between the relay's polls in the two-process test


async def test_changes_through_another_hub_process_reach_subscribers_once(
        store: FalkorStore, tmp_path: Path) -> None:
    # Two apps over one graph stand for two worker processes (or two hubs behind a balancer):
    # each bus hears directly only of its own app's changes, the relay brings the others.
    async with _hub(store, tmp_path, alert_poll_s=POLL) as one, \
            _hub(store, tmp_path, alert_poll_s=POLL) as two, \
            _session(one, "MK-CUS") as near, _session(two, "MK-CUS") as far, \
            _session(two, "MK-PHY") as phy:
        for ws in (near, far, phy):
            await _subscribe(ws, "alerts")
        await one.wait_for_subscribers(1)
        await two.wait_for_subscribers(2)

        started = time.monotonic()
        await one.graphql("RS-CUS", RAISE, ref="A", level="CEFTA_CUSTOMS")  # not phyto
        assert await _event(near) == ("A", 1, "ACTIVE", [])
        assert await _event(far) == ("A", 1, "ACTIVE", [])
        relayed_in = time.monotonic() - started
        assert relayed_in < 10 * POLL, f"relayed after {relayed_in:.2f} s"

        a = stable_id("RiskAlert", "RS-CUS", "A")
        await two.graphql("RS-CUS", UPDATE, id=a, title="A, revised")
        assert await _event(far) == ("A", 2, "ACTIVE", [])
        assert await _event(near) == ("A", 2, "ACTIVE", [])

        # Both relays have polled over these changes several times by now: nobody hears of
        # them twice, and MK-PHY, who may not see A, heard of neither. The sentinel is next.
        await asyncio.sleep(5 * POLL)
        await one.graphql("RS-CUS", RAISE, ref="S", level="CEFTA_AGENCIES")
        for ws in (near, far, phy):
            assert await _event(ws) == ("S", 1, "ACTIVE", [])


async def test_the_relay_announces_what_its_bus_has_not(store: FalkorStore,
                                                       tmp_path: Path) -> None:
    async with _hub(store, tmp_path, alert_poll_s=0) as hub:  # 0: no relay in the app
        relay = AlertRelay(store, hub.bus)
        assert await relay.poll() == 0  # an empty graph
        await hub.graphql("RS-CUS", RAISE, ref="A", level="CEFTA_CUSTOMS")
        assert await relay.poll() == 0  # this bus announced version 1 when it was made
        elsewhere = AlertBus()
        assert await AlertRelay(store, elsewhere).poll() == 1
        assert await AlertRelay(store, elsewhere).poll() == 0
        a = stable_id("RiskAlert", "RS-CUS", "A")
        await hub.graphql("RS-CUS", UPDATE, id=a, title="A, revised")
        assert await AlertRelay(store, elsewhere).poll() == 1  # version 2 is news there


def test_the_bus_announces_a_version_once() -> None:
    bus = AlertBus()
    with bus.subscribe() as subscriber:
        assert bus.publish("x", 2)
        assert not bus.publish("x", 2)  # the same version again: not announced
        assert not bus.publish("x", 1)  # nor an older one
        assert bus.publish("y", 1)
        assert bus.publish("x")  # without a version: always
        assert subscriber.pending == 2
