"""Changing the sharing of a record: owner only, within the real policy, audited."""

from __future__ import annotations

import pytest

from hub.graph.falkor import FalkorStore
from hub.graph.writer import GraphWriter
from hub.model import Distribution, NodeRecord, Provenance, Sharing, stable_id
from hub.policy.audit import AuditTrail
from hub.principal import Role
from tests.callers import as_caller

ALERT = stable_id("RiskAlert", "RS-CUS", "2026-001")
SOURCE = Provenance("test", "sharing", 1)

CHANGE = """mutation($id: ID!, $level: String!, $with: [String!]) {
  changeSharing(id: $id, distribution: $level, shareWith: $with) {
    id sharing { distribution shareWith } } }"""
WITHDRAW = "mutation($id: ID!) { withdrawRecord(id: $id) { id sharing { distribution } } }"
READ = "query($id: ID!) { node(id: $id) { id } }"


@pytest.fixture
async def alert(store: FalkorStore) -> FalkorStore:
    await GraphWriter(store).write([NodeRecord(
        "RiskAlert", ALERT, {"title": "Undervalued apples"},
        Sharing("RS-CUS", "RS", Distribution.PARTY), SOURCE)])
    return store


async def test_the_owner_widens_sharing_and_others_then_see_it(alert: FalkorStore) -> None:
    assert (await as_caller(alert, "MK-CUS", READ, id=ALERT))[0] == {"node": None}
    data, code = await as_caller(alert, "RS-CUS", CHANGE, id=ALERT, level="LISTED",
                           **{"with": ["party:MK"]})
    assert code is None
    assert data["changeSharing"]["sharing"] == {"distribution": "LISTED", "shareWith": ["party:MK"]}
    assert (await as_caller(alert, "MK-CUS", READ, id=ALERT))[0] == {"node": {"id": ALERT}}
    trail = await AuditTrail(alert).accessed_records_of("RS-CUS")
    assert [e.operation for e in trail.entries] == ["change_sharing"]


async def test_a_reader_who_is_not_the_owner_is_forbidden(alert: FalkorStore) -> None:
    _, code = await as_caller(alert, "RS-PHY", CHANGE, id=ALERT, level="CEFTA_EU")
    assert code == "forbidden"


async def test_hidden_and_absent_records_give_the_same_answer(alert: FalkorStore) -> None:
    hidden = await as_caller(alert, "MK-CUS", CHANGE, id=ALERT, level="CEFTA_EU")
    absent = await as_caller(alert, "MK-CUS", CHANGE, id="alert:nothing", level="CEFTA_EU")
    assert hidden[1] == absent[1] == "not_found"


async def test_withdraw_narrows_to_the_owner(alert: FalkorStore) -> None:
    data, _ = await as_caller(alert, "RS-CUS", WITHDRAW, id=ALERT)
    assert data["withdrawRecord"]["sharing"]["distribution"] == "ORIGINATOR"
    assert (await as_caller(alert, "RS-PHY", READ, id=ALERT))[0] == {"node": None}
    assert (await as_caller(alert, "RS-CUS", READ, id=ALERT))[0] == {"node": {"id": ALERT}}


async def test_bad_distribution_and_share_tokens_are_refused(alert: FalkorStore) -> None:
    assert (await as_caller(alert, "RS-CUS", CHANGE, id=ALERT, level="EVERYONE"))[1] == "bad_input"
    _, code = await as_caller(alert, "RS-CUS", CHANGE, id=ALERT, level="LISTED",
                        **{"with": ["planet:mars"]})
    assert code == "bad_input"


ACCESS_LOG = "{ accessLog(first: 10) { edges { node { operation recordIds agency purpose } } } }"


async def test_the_access_log_shows_each_owner_only_its_own_records(alert: FalkorStore) -> None:
    await as_caller(alert, "RS-CUS", CHANGE, id=ALERT, level="PARTY")
    mine, code = await as_caller(alert, "RS-CUS", ACCESS_LOG, role=Role.AUDITOR)
    assert code is None
    assert mine["accessLog"]["edges"] == [{"node": {
        "operation": "change_sharing", "recordIds": [ALERT], "agency": "RS-CUS",
        "purpose": "test"}}]
    theirs, code = await as_caller(alert, "MK-CUS", ACCESS_LOG, role=Role.AUDITOR)
    assert code is None
    assert theirs["accessLog"]["edges"] == []
    _, code = await as_caller(alert, "RS-CUS", ACCESS_LOG, role=Role.CONNECTOR)
    assert code == "forbidden"
