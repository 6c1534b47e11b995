"""Shared risk alerts end to end through GraphQL: the real policy files, audit trail and FalkorDB.

Authorisation is table-driven (who may raise, update, withdraw, reshare); versioning, audit,
feedback visibility, hit-rate arithmetic and the inbox are checked on small known graphs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from hub.alerts import AlertBus, AlertService
from hub.alerts.bus import Delivery
from hub.api.alerts import _SERVICE, ALERT_BUS
from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader, case_tokens
from hub.graph.writer import GraphWriter
from hub.model import Distribution, NodeRecord, Provenance, Sharing, stable_id
from hub.policy import CasbinPolicy
from hub.policy.audit import AuditTrail
from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE
from hub.settings import Settings

SCHEMA = build_schema()
POLICY = CasbinPolicy(Settings().policy_dir)
SOURCE = Provenance("test", "alerts", 1_700_000_000_000)

OP_RS = stable_id("Operator", "RS", "PIB", "100000001")  # RS party-wide
OP_SECRET = stable_id("Operator", "RS", "PIB", "100000002")  # RS-CUS only
TRUCK = stable_id("Vehicle", "MK", "SK1234AB")  # CEFTA customs
CONS = stable_id("Consignment", "RS", "MRN-1")  # every CEFTA agency
PROFILE = stable_id("RiskProfile", "RMWG", "tobacco-1")  # owned by XK-CUS, CEFTA customs


async def _world(store: FalkorStore) -> None:
    await GraphWriter(store).write([
        NodeRecord("Operator", OP_RS, {"name": "Alfa d.o.o."},
                   Sharing("RS-CUS", "RS", Distribution.PARTY), SOURCE),
        NodeRecord("Operator", OP_SECRET, {"name": "Beta d.o.o."},
                   Sharing("RS-CUS", "RS", Distribution.ORIGINATOR), SOURCE),
        NodeRecord("Vehicle", TRUCK, {"plate": "SK1234AB"},
                   Sharing("MK-CUS", "MK", Distribution.CEFTA_CUSTOMS), SOURCE),
        NodeRecord("Consignment", CONS, {"reference": "MRN-1"},
                   Sharing("RS-CUS", "RS", Distribution.CEFTA_AGENCIES), SOURCE),
        NodeRecord("RiskProfile", PROFILE, {"name": "Cigarettes via the northern route"},
                   Sharing("XK-CUS", "XK", Distribution.CEFTA_CUSTOMS), SOURCE),
    ])


@dataclass
class Hub:
    """Calls the schema as principals of real agencies, sharing one audit trail, bus and clock."""

    store: FalkorStore
    audit: AuditTrail
    bus: AlertBus = field(default_factory=lambda: AlertBus(queue_size=16))
    ticks: Iterator[int] = field(default_factory=lambda: itertools.count(1_750_000_000_000, 60_000))
    services: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.services[ALERT_BUS] = self.bus
        self.services[_SERVICE] = AlertService(self.store, POLICY, self.audit, self.bus,
                                               clock=lambda: next(self.ticks))

    async def context(self, agency: str, role: Role = Role.ANALYST) -> RequestContext:
        info = AGENCY_BY_CODE[agency]
        principal = Principal(f"{agency}/{role.value}", info.party, agency, info.type.value,
                              frozenset({role}), "test")
        vis = POLICY.visibility(principal, await case_tokens(self.store, agency))
        return RequestContext(principal=principal, visibility=vis,
                              reader=GraphReader(self.store, vis), purpose="test",
                              policy=POLICY, audit=self.audit, services=self.services)

    async def call(self, agency: str, query: str, role: Role = Role.ANALYST,
                   **variables: Any) -> Any:
        result = await SCHEMA.execute(query, variable_values=variables,
                                      context_value=await self.context(agency, role))
        if result.errors:
            return {"errors": [{"message": e.message, "code": (e.extensions or {}).get("code")}
                               for e in result.errors]}
        return result.data

    async def ok(self, agency: str, query: str, role: Role = Role.ANALYST,
                 **variables: Any) -> Any:
        data = await self.call(agency, query, role, **variables)
        assert "errors" not in data, data
        return data

    async def raise_alert(self, agency: str = "RS-CUS", level: str = "CEFTA_CUSTOMS",
                          role: Role = Role.ANALYST, reference: str = "A-1",
                          share_with: tuple[str, ...] = (), **content: Any) -> str:
        alert = {"title": "Undervalued bananas", "riskDomain": "FINANCIAL",
                 "riskType": "undervaluation", "indicators": {"hsCodes": ["0803"]}} | content
        data = await self.ok(agency, RAISE, role, alert=alert, reference=reference,
                             distribution={"level": level, "shareWith": list(share_with)})
        return str(data["raiseAlert"]["id"])

    async def operations(self, agency: str) -> list[str]:
        page = await self.audit.accessed_records_of(agency, 0, 100)
        return [entry.operation for entry in page.entries]


@pytest.fixture
async def hub(store: FalkorStore) -> Hub:
    await _world(store)
    return Hub(store, AuditTrail(store))


ALERT_FIELDS = """id reference version status title riskDomain riskType unread
  acknowledgedVersion lastChange withdrawalReason issuingAgency
  indicators { hsCodes origins operators vehicles }
  sharing { ownerAgency distribution shareWith }"""
RAISE = """mutation($alert: AlertInput!, $distribution: DistributionInput!, $reference: String,
  $key: String) { raiseAlert(alert: $alert, distribution: $distribution, reference: $reference,
  idempotencyKey: $key) { """ + ALERT_FIELDS + " } }"
UPDATE = """mutation($id: ID!, $changes: AlertChanges!, $expected: Int) {
  updateAlert(id: $id, changes: $changes, expectedVersion: $expected) { """ + ALERT_FIELDS + " } }"
WITHDRAW = """mutation($id: ID!, $reason: String!) {
  withdrawAlert(id: $id, reason: $reason) { """ + ALERT_FIELDS + " } }"
RESHARE = """mutation($id: ID!, $distribution: DistributionInput!) {
  reshareAlert(id: $id, distribution: $distribution) { """ + ALERT_FIELDS + " } }"
ACK = "mutation($id: ID!) { acknowledgeAlert(id: $id) { id version unread acknowledgedVersion } }"
ALERT = "query($id: ID!) { alert(id: $id) { " + ALERT_FIELDS + """
  versions { version change title status sharing { distribution } }
  acknowledgements { agency version } } }"""
CONTROL = """mutation($control: ControlResultInput!) {
  recordControlResult(control: $control) { id sharing { ownerAgency distribution shareWith }
    ... on ControlResult { outcome office seizure seizedGoods quantity } } }"""


def _codes(data: Any) -> list[str]:
    return [e["code"] for e in data.get("errors", [])]


# ---- raising: who may, idempotency --------------------------------------------------------------

RAISE_CASES = [
    # (agency, role, level, share list, expected error code or None)
    ("RS-CUS", Role.ANALYST, "CEFTA_CUSTOMS", (), None),
    ("RS-CUS", Role.RMTT, "CEFTA_EU", (), None),
    ("RS-CUS", Role.OFFICER, "PARTY", (), "forbidden"),  # officers record controls, not alerts
    ("RS-CUS", Role.AUDITOR, "PARTY", (), "forbidden"),
    ("RS-CUS", Role.CONNECTOR, "PARTY", (), "forbidden"),
    ("MK-PHY", Role.ANALYST, "CEFTA_AGENCIES", (), None),
    ("MK-PHY", Role.ANALYST, "CEFTA_CUSTOMS", (), "forbidden"),  # not a level phyto distributes
    ("RS-BP", Role.ANALYST, "CEFTA_EU", (), "forbidden"),  # border police: regional only
    ("RS-BP", Role.ANALYST, "LISTED", ("agency:MK-BP",), None),
    ("RS-CUS", Role.ANALYST, "LISTED", ("agency:XX-NOPE",), "bad_input"),
]


@pytest.mark.parametrize(("agency", "role", "level", "share", "code"), RAISE_CASES)
async def test_who_may_raise_an_alert(hub: Hub, agency: str, role: Role, level: str,
                                      share: tuple[str, ...], code: str | None) -> None:
    alert = {"title": "t", "riskDomain": "SECURITY", "riskType": "smuggling"}
    data = await hub.call(agency, RAISE, role, alert=alert, reference="R-1",
                          distribution={"level": level, "shareWith": list(share)})
    if code is None:
        raised = data["raiseAlert"]
        assert raised["id"] == stable_id("RiskAlert", agency, "R-1")
        assert raised["version"] == 1
        assert raised["status"] == "ACTIVE"
        assert raised["sharing"] == {"ownerAgency": agency, "distribution": level,
                                     "shareWith": list(share)}
        assert await hub.operations(agency) == ["alert.raise"]
    else:
        assert _codes(data) == [code]
        assert await hub.operations(agency) == []  # nothing written, nothing audited
        assert await hub.ok(agency, ALERT, Role.ANALYST,
                            id=stable_id("RiskAlert", agency, "R-1")) == {"alert": None}


async def test_a_retried_raise_returns_the_same_alert(hub: Hub) -> None:
    alert = {"title": "Cigarettes in furniture", "riskDomain": "FINANCIAL",
             "riskType": "smuggling"}
    distribution = {"level": "CEFTA_CUSTOMS"}
    first = await hub.ok("RS-CUS", RAISE, alert=alert, distribution=distribution,
                         key="client-key-0001")
    again = await hub.ok("RS-CUS", RAISE, alert=alert, distribution=distribution,
                         key="client-key-0001")
    assert first == again
    assert first["raiseAlert"]["reference"].startswith("RS-CUS/")
    assert first["raiseAlert"]["version"] == 1
    assert await hub.operations("RS-CUS") == ["alert.raise"]
    other = await hub.ok("RS-CUS", RAISE, alert=alert, distribution=distribution,
                         key="client-key-0002")
    assert other["raiseAlert"]["id"] != first["raiseAlert"]["id"]
    clash = await hub.call("RS-CUS", RAISE, alert=alert | {"title": "Something else"},
                           distribution=distribution, key="client-key-0001")
    assert _codes(clash) == ["bad_input"]
    assert "updateAlert" in clash["errors"][0]["message"]
    missing = await hub.call("RS-CUS", RAISE, alert=alert, distribution=distribution)
    assert _codes(missing) == ["bad_input"]


async def test_bad_forms_are_refused_with_the_field_named(hub: Hub) -> None:
    base = {"title": "t", "riskDomain": "SPS", "riskType": "pest"}
    for bad, field_name in (({"indicators": {"hsCodes": ["08x3"]}}, "hsCodes"),
                            ({"indicators": {"origins": ["Serbia"]}}, "origins"),
                            ({"validFrom": "2025-05-01", "validUntil": "2025-04-01"}, "validUntil"),
                            ({"title": "  "}, "title")):
        data = await hub.call("MK-PHY", RAISE, alert=base | bad, reference="R-9",
                              distribution={"level": "PARTY"})
        assert _codes(data) == ["bad_input"]
        assert field_name in data["errors"][0]["message"]


# ---- changing: only the originator --------------------------------------------------------------

CHANGE_CASES = [
    # (agency, role, expected): the alert is RS-CUS's, CEFTA_CUSTOMS
    ("RS-CUS", Role.ANALYST, None),
    ("RS-CUS", Role.RMTT, None),  # another principal of the same agency
    ("RS-CUS", Role.OFFICER, "forbidden"),  # no write grant for alerts
    ("MK-CUS", Role.ANALYST, "forbidden"),  # sees it, does not own it
    ("MK-PHY", Role.ANALYST, "not_found"),  # CEFTA_CUSTOMS does not reach phyto
    ("HR-CUS", Role.ANALYST, "not_found"),  # nor EU customs
]
OPERATIONS: dict[str, tuple[str, dict[str, Any], str]] = {
    "update": (UPDATE, {"changes": {"title": "Bananas, revised"}}, "updateAlert"),
    "withdraw": (WITHDRAW, {"reason": "information proved wrong"}, "withdrawAlert"),
    "reshare": (RESHARE, {"distribution": {"level": "CEFTA_AGENCIES"}}, "reshareAlert"),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize(("agency", "role", "code"), CHANGE_CASES)
async def test_only_the_originator_changes_its_alert(hub: Hub, operation: str, agency: str,
                                                     role: Role, code: str | None) -> None:
    alert_id = await hub.raise_alert()
    query, variables, name = OPERATIONS[operation]
    data = await hub.call(agency, query, role, id=alert_id, **variables)
    after = (await hub.ok("RS-CUS", ALERT, id=alert_id))["alert"]
    if code is None:
        assert data[name]["version"] == 2
        assert after["version"] == 2
        assert [v["change"] for v in after["versions"]] == [
            "raised", {"update": "updated", "withdraw": "withdrawn",
                       "reshare": "reshared"}[operation]]
        return
    assert _codes(data) == [code]
    assert after["version"] == 1
    assert [v["version"] for v in after["versions"]] == [1]
    if code == "not_found":
        absent = stable_id("RiskAlert", "RS-CUS", "never-raised")
        missing = await hub.call(agency, query, role, id=absent, **variables)
        assert data["errors"][0]["message"].replace(alert_id, "X") == \
            missing["errors"][0]["message"].replace(absent, "X")


# ---- versions, audit, concurrency ---------------------------------------------------------------

async def test_every_change_is_a_version_and_an_audit_entry(hub: Hub) -> None:
    alert_id = await hub.raise_alert(level="PARTY")
    await hub.ok("RS-CUS", UPDATE, id=alert_id, changes={"title": "Bananas v2",
                                                          "priority": "HIGH"})
    await hub.ok("RS-CUS", RESHARE, id=alert_id, distribution={"level": "CEFTA_CUSTOMS"})
    mk_view = (await hub.ok("MK-CUS", ALERT, id=alert_id))["alert"]
    # MK-CUS may see the alert now, but not the versions from when it was RS-only.
    assert [v["version"] for v in mk_view["versions"]] == [3]
    withdrawn = (await hub.ok("RS-CUS", WITHDRAW, id=alert_id, reason="wrong"))["withdrawAlert"]
    assert withdrawn["status"] == "WITHDRAWN"
    assert withdrawn["version"] == 4
    assert withdrawn["sharing"]["distribution"] == "ORIGINATOR"
    assert withdrawn["withdrawalReason"] == "wrong"
    owner = (await hub.ok("RS-CUS", ALERT, id=alert_id))["alert"]
    assert [(v["version"], v["change"], v["title"], v["status"], v["sharing"]["distribution"])
            for v in owner["versions"]] == [
        (1, "raised", "Undervalued bananas", "active", "PARTY"),
        (2, "updated", "Bananas v2", "active", "PARTY"),
        (3, "reshared", "Bananas v2", "active", "CEFTA_CUSTOMS"),
        (4, "withdrawn", "Bananas v2", "withdrawn", "ORIGINATOR"),
    ]
    assert await hub.ok("MK-CUS", ALERT, id=alert_id) == {"alert": None}
    assert await hub.operations("RS-CUS") == [
        "alert.raise", "alert.update", "alert.reshare", "alert.withdraw"]
    # Withdrawal is final, and retrying it changes nothing.
    again = await hub.ok("RS-CUS", WITHDRAW, id=alert_id, reason="wrong")
    assert again["withdrawAlert"]["version"] == 4
    late = await hub.call("RS-CUS", UPDATE, id=alert_id, changes={"title": "v5"})
    assert _codes(late) == ["bad_input"]
    assert "withdrawn" in late["errors"][0]["message"]
    verified = await hub.audit.verify()
    assert verified.ok
    assert verified.entries == 4


async def test_stale_and_empty_updates(hub: Hub) -> None:
    alert_id = await hub.raise_alert()
    await hub.ok("RS-CUS", UPDATE, id=alert_id, changes={"title": "v2"}, expected=1)
    stale = await hub.call("RS-CUS", UPDATE, id=alert_id, changes={"title": "v3"}, expected=1)
    assert _codes(stale) == ["bad_input"]
    assert "version 2" in stale["errors"][0]["message"]
    same = await hub.ok("RS-CUS", UPDATE, id=alert_id, changes={"title": "v2"})
    assert same["updateAlert"]["version"] == 2  # nothing changed: no version, no audit entry
    assert await hub.operations("RS-CUS") == ["alert.raise", "alert.update"]


async def test_alerts_from_other_sources_read_and_change_safely(hub: Hub) -> None:
    legacy = stable_id("RiskAlert", "RS-CUS", "LEGACY-1")
    await GraphWriter(hub.store).write([NodeRecord(
        "RiskAlert", legacy, {"title": "From the national system", "risk_domain": "drugs",
                              "priority": "urgent", "status": "active"},
        Sharing("RS-CUS", "RS", Distribution.CEFTA_CUSTOMS), SOURCE)])
    seen = (await hub.ok("MK-CUS", ALERT, id=legacy))["alert"]
    assert (seen["riskDomain"], seen["version"], seen["versions"]) == (None, 0, [])
    assert (seen["status"], seen["unread"]) == ("ACTIVE", True)
    vague = await hub.call("RS-CUS", UPDATE, id=legacy, changes={"title": "t2"})
    assert _codes(vague) == ["bad_input"]
    assert "riskDomain" in vague["errors"][0]["message"]
    fixed = (await hub.ok("RS-CUS", UPDATE, id=legacy, expected=0, changes={
        "riskDomain": "SECURITY", "riskType": "drug trafficking"}))["updateAlert"]
    assert (fixed["riskDomain"], fixed["version"], fixed["lastChange"]) == (
        "SECURITY", 1, "updated")


CONCERNS = """query($id: ID!) { node(id: $id) { ... on RiskAlert {
  concerns(first: 10) { edges { relationship { sharing { distribution } } node { id } } } } } }"""


async def test_operator_and_vehicle_indicators_link_what_the_originator_sees(hub: Hub) -> None:
    indicators = {"operators": [OP_RS, OP_SECRET, "RS PIB 100000003"], "vehicles": [TRUCK]}
    alert_id = await hub.raise_alert("MK-CUS", indicators=indicators)
    linked = (await hub.ok("MK-CUS", CONCERNS, id=alert_id))["node"]["concerns"]["edges"]
    # OP_RS is party-wide in RS and OP_SECRET is RS-CUS only: MK-CUS sees neither.
    assert [e["node"]["id"] for e in linked] == [TRUCK]
    rs_id = await hub.raise_alert("RS-CUS", indicators={"operators": [OP_RS, OP_SECRET]})
    rs_linked = (await hub.ok("RS-CUS", CONCERNS, id=rs_id))["node"]["concerns"]["edges"]
    assert sorted(e["node"]["id"] for e in rs_linked) == sorted([OP_RS, OP_SECRET])
    stored = (await hub.ok("MK-CUS", ALERT, id=alert_id))["alert"]["indicators"]
    assert stored["operators"] == indicators["operators"]  # kept as given, linked or not
    await hub.ok("MK-CUS", RESHARE, id=alert_id, distribution={"level": "PARTY"})
    moved = (await hub.ok("MK-CUS", CONCERNS, id=alert_id))["node"]["concerns"]["edges"]
    assert [e["relationship"]["sharing"]["distribution"] for e in moved] == ["PARTY"]
    await hub.ok("MK-CUS", UPDATE, id=alert_id, changes={"indicators": {"hsCodes": ["2402"]}})
    assert (await hub.ok("MK-CUS", CONCERNS, id=alert_id))["node"]["concerns"]["edges"] == []


# ---- acknowledgements and the inbox -------------------------------------------------------------

INBOX = """query($first: Int!, $after: String, $unreadOnly: Boolean! = false, $status: AlertStatus,
  $domain: RiskDomain, $since: String) {
  inbox(first: $first, after: $after, unreadOnly: $unreadOnly, status: $status, domain: $domain,
        since: $since) {
    totalCount edges { cursor unread node { reference } } pageInfo { hasNextPage endCursor } } }"""


async def _inbox(hub: Hub, agency: str, first: int = 10,
                 **variables: Any) -> list[tuple[str, bool]]:
    """The whole inbox, page by page, checking totalCount on every page."""
    seen: list[tuple[str, bool]] = []
    after = None
    while True:
        page = (await hub.ok(agency, INBOX, first=first, after=after, **variables))["inbox"]
        seen += [(e["node"]["reference"], e["unread"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            total = page["totalCount"]
            break
        after = page["pageInfo"]["endCursor"]
    assert total == len(seen)
    return seen


async def test_inbox_orders_unread_first_then_newest_and_pages(hub: Hub) -> None:
    for ref in ("A", "B", "C"):
        await hub.raise_alert(reference=ref)
    await hub.raise_alert(reference="D", level="PARTY")  # RS only: never in MK's inbox
    await hub.raise_alert("MK-CUS", reference="E")  # MK's own: read
    assert await _inbox(hub, "MK-CUS", first=2) == [
        ("C", True), ("B", True), ("A", True), ("E", False)]
    await hub.ok("MK-CUS", ACK, id=stable_id("RiskAlert", "RS-CUS", "B"))
    assert await _inbox(hub, "MK-CUS", first=1) == [
        ("C", True), ("A", True), ("E", False), ("B", False)]
    assert await _inbox(hub, "MK-CUS", unreadOnly=True) == [("C", True), ("A", True)]
    # An update is a new version: unread again, and newest.
    await hub.ok("RS-CUS", UPDATE, id=stable_id("RiskAlert", "RS-CUS", "B"),
                 changes={"title": "B, revised"})
    assert await _inbox(hub, "MK-CUS", first=3) == [
        ("B", True), ("C", True), ("A", True), ("E", False)]
    # A withdrawal takes the alert out of every recipient's inbox.
    await hub.ok("RS-CUS", WITHDRAW, id=stable_id("RiskAlert", "RS-CUS", "C"), reason="wrong")
    assert [ref for ref, _ in await _inbox(hub, "MK-CUS")] == ["B", "A", "E"]
    assert [ref for ref, _ in await _inbox(hub, "RS-CUS", status="WITHDRAWN")] == ["C"]
    assert [ref for ref, _ in await _inbox(hub, "MK-PHY")] == []


async def test_inbox_filters(hub: Hub) -> None:
    await hub.raise_alert(reference="old", validUntil="2020-01-31", validFrom="2020-01-01")
    await hub.raise_alert(reference="sps", riskDomain="SPS", riskType="pest")
    await hub.raise_alert(reference="now")
    assert [r for r, _ in await _inbox(hub, "MK-CUS", status="EXPIRED")] == ["old"]
    assert [r for r, _ in await _inbox(hub, "MK-CUS", status="ACTIVE")] == ["now", "sps"]
    assert [r for r, _ in await _inbox(hub, "MK-CUS", domain="SPS")] == ["sps"]
    # The hub's clock ticks a minute per change: "sps" was the second change.
    assert [r for r, _ in await _inbox(hub, "MK-CUS", since="2025-06-15T15:07:00Z")] == \
        ["now", "sps"]
    bad = await hub.call("MK-CUS", INBOX, first=5, after="not-a-cursor")
    assert _codes(bad) == ["bad_input"]
    too_many = await hub.call("MK-CUS", INBOX, first=101)
    assert _codes(too_many) == ["limit_exceeded"]


async def test_acknowledge_is_per_agency_idempotent_and_seen_by_the_originator(hub: Hub) -> None:
    alert_id = await hub.raise_alert()
    first = (await hub.ok("MK-CUS", ACK, id=alert_id))["acknowledgeAlert"]
    again = (await hub.ok("MK-CUS", ACK, id=alert_id, role=Role.OFFICER))["acknowledgeAlert"]
    assert first == again == {"id": alert_id, "version": 1, "unread": False,
                              "acknowledgedVersion": 1}
    await hub.ok("AL-CUS", ACK, id=alert_id)
    assert (await hub.ok("RS-CUS", ALERT, id=alert_id))["alert"]["acknowledgements"] == [
        {"agency": "AL-CUS", "version": 1}, {"agency": "MK-CUS", "version": 1}]
    assert (await hub.ok("MK-CUS", ALERT, id=alert_id))["alert"]["acknowledgements"] == []
    assert await hub.operations("RS-CUS") == [
        "alert.raise", "alert.acknowledge", "alert.acknowledge"]
    hidden = await hub.call("MK-PHY", ACK, id=alert_id)
    assert _codes(hidden) == ["not_found"]


# ---- feedback and hit rates ---------------------------------------------------------------------

def _control(alert_id: str | None = None, outcome: str = "NO_IRREGULARITY",
             day: str = "2025-05-02", office: str = "MK001", **extra: Any) -> dict[str, Any]:
    control = {"consignmentId": CONS, "controlType": "PHYSICAL", "controlledAt": day,
               "office": office, "outcome": outcome} | extra
    if alert_id is not None:
        control["alertId"] = alert_id
    return control


FEEDBACK = """query($id: ID!) { node(id: $id) { ... on RiskAlert {
  feedback(first: 10) { totalCount edges { node { id } } } } } }"""


async def test_feedback_reaches_the_originator_and_nobody_unrelated(hub: Hub) -> None:
    alert_id = await hub.raise_alert()
    seizure = {"reference": "SZ-2025-7", "goods": "cigarettes", "quantity": 12000.0,
               "unit": "sticks", "valueEur": 3600.0}
    recorded = (await hub.ok("MK-CUS", CONTROL, Role.OFFICER, control=_control(
        alert_id, "SEIZURE", seizure=seizure, findings="hidden in the floor")))
    control = recorded["recordControlResult"]
    assert control["sharing"] == {"ownerAgency": "MK-CUS", "distribution": "LISTED",
                                  "shareWith": ["agency:RS-CUS"]}
    assert (control["outcome"], control["seizure"], control["seizedGoods"],
            control["quantity"]) == ("seizure", "SZ-2025-7", "cigarettes", 12000.0)
    for agency, count in (("RS-CUS", 1), ("MK-CUS", 1), ("AL-CUS", 0)):
        feedback = (await hub.ok(agency, FEEDBACK, id=alert_id))["node"]["feedback"]
        assert feedback["totalCount"] == count, agency
    assert (await hub.ok("AL-CUS", "query($id: ID!) { node(id: $id) { id } }",
                         id=control["id"]))["node"] is None
    again = await hub.ok("MK-CUS", CONTROL, Role.OFFICER, control=_control(
        alert_id, "SEIZURE", seizure=seizure, findings="hidden in the floor"))
    assert again["recordControlResult"]["id"] == control["id"]
    assert await hub.operations("MK-CUS") == ["control.record"]


CONTROL_ERRORS = [
    # (agency, role, control, expected code)
    ("MK-CUS", Role.ANALYST, {}, "forbidden"),  # analysts do not record controls
    ("MK-PHY", Role.OFFICER, {}, "not_found"),  # the alert is not shared with phyto
    ("MK-CUS", Role.OFFICER, {"consignmentId": OP_RS}, "not_found"),
    ("MK-CUS", Role.OFFICER, {"seizure": {"goods": "x"}}, "bad_input"),  # no seizure outcome
    ("MK-CUS", Role.OFFICER, {"profileId": PROFILE}, "bad_input"),  # alert AND profile
    ("MK-CUS", Role.OFFICER, {"controlledAt": "yesterday"}, "bad_input"),
]


@pytest.mark.parametrize(("agency", "role", "change", "code"), CONTROL_ERRORS)
async def test_control_results_that_are_refused(hub: Hub, agency: str, role: Role,
                                                change: dict[str, Any], code: str) -> None:
    alert_id = await hub.raise_alert()
    data = await hub.call(agency, CONTROL, role, control=_control(alert_id) | change)
    assert _codes(data) == [code]


HIT_RATES = """query($by: HitRateGroup!, $since: String, $until: String, $first: Int! = 100,
  $after: String) {
  hitRates(groupBy: $by, since: $since, until: $until, first: $first, after: $after) {
    rows { key label controls hits hitRate } pageInfo { hasNextPage endCursor } } }"""


async def _rates(hub: Hub, agency: str, by: str, **variables: Any) -> dict[str, tuple[int, int,
                                                                                      float]]:
    rows = (await hub.ok(agency, HIT_RATES, by=by, **variables))["hitRates"]["rows"]
    return {r["key"]: (r["controls"], r["hits"], r["hitRate"]) for r in rows}


async def test_hit_rates_on_a_known_set(hub: Hub) -> None:
    a1 = await hub.raise_alert(reference="A1")
    a2 = await hub.raise_alert(reference="A2")
    for agency, alert, outcome, day, office, extra in (
        ("MK-CUS", a1, "SEIZURE", "2025-05-01", "MK001", {"seizure": {"goods": "tobacco"}}),
        ("MK-CUS", a1, "IRREGULARITY", "2025-05-02", "MK001", {}),
        ("MK-CUS", a1, "NO_IRREGULARITY", "2025-05-03", "MK002", {}),
        ("AL-CUS", a1, "NO_IRREGULARITY", "2025-05-04", "AL001", {}),
        ("MK-CUS", a2, "IRREGULARITY", "2025-06-01", "MK002", {}),
    ):
        await hub.ok(agency, CONTROL, Role.OFFICER,
                     control=_control(alert, outcome, day, office, **extra))
    await hub.ok("MK-CUS", CONTROL, Role.OFFICER, control={
        "consignmentId": CONS, "profileId": PROFILE, "controlType": "SCAN",
        "controlledAt": "2025-05-05T10:00:00+02:00", "office": "MK001", "outcome": "SEIZURE"})
    # The originator sees every control on its alerts; each recorder sees only its own.
    assert await _rates(hub, "RS-CUS", "ALERT") == {a1: (4, 2, 0.5), a2: (1, 1, 1.0)}
    assert await _rates(hub, "MK-CUS", "ALERT") == {a1: (3, 2, 2 / 3), a2: (1, 1, 1.0)}
    assert await _rates(hub, "AL-CUS", "ALERT") == {a1: (1, 0, 0.0)}
    assert await _rates(hub, "BA-CUS", "ALERT") == {}
    assert await _rates(hub, "XK-CUS", "PROFILE") == {PROFILE: (1, 1, 1.0)}
    assert await _rates(hub, "RS-CUS", "PROFILE") == {}  # not shared with RS-CUS
    assert await _rates(hub, "RS-CUS", "OFFICE") == {
        "MK001": (2, 2, 1.0), "MK002": (2, 1, 0.5), "AL001": (1, 0, 0.0)}
    assert await _rates(hub, "RS-CUS", "PARTY") == {"MK": (4, 3, 0.75), "AL": (1, 0, 0.0)}
    assert await _rates(hub, "MK-CUS", "OFFICE") == {
        "MK001": (3, 3, 1.0), "MK002": (2, 1, 0.5)}
    assert await _rates(hub, "RS-CUS", "ALERT", since="2025-05-02", until="2025-06-01") == {
        a1: (3, 1, 1 / 3)}
    page = (await hub.ok("RS-CUS", HIT_RATES, by="OFFICE", first=2))["hitRates"]
    assert [r["key"] for r in page["rows"]] == ["AL001", "MK001"]
    rest = (await hub.ok("RS-CUS", HIT_RATES, by="OFFICE", first=2,
                         after=page["pageInfo"]["endCursor"]))["hitRates"]
    assert [r["key"] for r in rest["rows"]] == ["MK002"]
    assert rest["pageInfo"]["hasNextPage"] is False


# ---- the event bus ------------------------------------------------------------------------------

async def test_the_bus_coalesces_and_drops_the_oldest_when_full() -> None:
    bus = AlertBus(queue_size=2)
    with bus.subscribe() as sub:
        for alert_id in ("a", "b", "a", "c", "d"):
            bus.publish(alert_id)
        assert sub.pending == 2
        assert await sub.next() == Delivery("c", skipped=("a", "b"))
        assert await sub.next() == Delivery("d")
        assert bus.subscribers == 1
    assert bus.subscribers == 0
    bus.publish("e")  # nobody listening: nothing queued anywhere
    assert sub.pending == 0
