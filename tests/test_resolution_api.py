"""Reviewing SAME_AS links through the API: policy, ownership, audit, and later runs."""

from __future__ import annotations

from typing import Any

from hub.analysis.resolution.service import propose_links
from hub.graph.falkor import FalkorStore
from hub.policy.audit import AuditTrail
from hub.principal import Role
from tests.callers import as_caller
from tests.test_resolution import ANALYST, _links, _seed

REVIEW = """mutation($l: ID!, $r: ID!, $d: String!) {
  reviewSameAs(leftId: $l, rightId: $r, decision: $d) { status reviewedBy } }"""


async def _as(store: FalkorStore, agency: str, role: Role, **variables: Any) -> tuple[Any, Any]:
    return await as_caller(store, agency, REVIEW, role, **variables)


async def test_the_owner_reviews_and_later_runs_respect_it(store: FalkorStore) -> None:
    ids = await _seed(store)
    await propose_links(store, ANALYST, now_ms=1)
    left, right = ids["sever-cyr"], ids["sever-lat"]
    assert any({left, right} == set(pair) for pair in await _links(store))
    data, code = await _as(store, "RS-CUS", Role.ANALYST, l=right, r=left, d="rejected")
    assert code is None
    assert data["reviewSameAs"] == {"status": "rejected", "reviewedBy": "RS-CUS"}
    await propose_links(store, ANALYST, now_ms=2)
    statuses = {frozenset(pair): link["status"] for pair, link in (await _links(store)).items()}
    assert statuses[frozenset({left, right})] == "rejected"
    trail = await AuditTrail(store).accessed_records_of("RS-CUS")
    assert [e.operation for e in trail.entries] == ["same_as.rejected"]


async def test_other_agencies_and_roles_cannot_review(store: FalkorStore) -> None:
    ids = await _seed(store)
    await propose_links(store, ANALYST, now_ms=1)
    pair = {"l": ids["sever-cyr"], "r": ids["sever-lat"], "d": "confirmed"}
    assert (await _as(store, "MK-CUS", Role.ANALYST, **pair))[1] == "not_found"
    assert (await _as(store, "RS-CUS", Role.AUDITOR, **pair))[1] == "forbidden"
    assert (await _as(store, "RS-CUS", Role.ANALYST, **{**pair, "d": "maybe"}))[1] == "bad_input"
