"""Test helpers: real principals of real agencies, and GraphQL calls under the real policy."""

from __future__ import annotations

from typing import Any

from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.policy import CasbinPolicy
from hub.policy.audit import AuditTrail
from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE
from hub.settings import Settings

SCHEMA = build_schema()
POLICY = CasbinPolicy(Settings().policy_dir)


def principal(agency: str, role: Role = Role.ANALYST) -> Principal:
    """A caller of ``agency`` (party and type from the reference data) holding ``role``."""
    info = AGENCY_BY_CODE[agency]
    return Principal("u-" + agency, info.party, agency, info.type.value, frozenset({role}), "t")


async def as_caller(store: FalkorStore, agency: str, query: str, role: Role = Role.ANALYST,
                    **variables: Any) -> tuple[Any, str | None]:
    """Run ``query`` as that caller through the policy and audit trail: (data, error code)."""
    who = principal(agency, role)
    vis = POLICY.visibility(who)
    ctx = RequestContext(principal=who, visibility=vis, reader=GraphReader(store, vis),
                         policy=POLICY, audit=AuditTrail(store), purpose="test")
    result = await SCHEMA.execute(query, variable_values=variables, context_value=ctx)
    code = (result.errors[0].extensions or {}).get("code") if result.errors else None
    return result.data, code
