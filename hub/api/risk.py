"""Risk targeting in the API: a consignment's explained score, and common risk profile upkeep.

``riskScore`` reads every piece of evidence under the caller's visibility: an alert, control
result or profile the caller cannot see neither moves the score nor appears in the explanation.
Profiles themselves are read through the generic ``riskProfiles`` list.
"""

from __future__ import annotations

import json
from typing import Any

import strawberry
from strawberry.scalars import JSON

from hub.analysis.risk.registry import ProfileDraft, ProfileService
from hub.analysis.risk.scorer import score_for_caller
from hub.api.context import RequestContext
from hub.api.types import Node, to_node
from hub.errors import ForbiddenError, InputError, NotFoundError


@strawberry.type(description="One reason a consignment's risk score moved.")
class RiskContribution:
    factor: str = strawberry.field(
        description="profile | alert | control_history | aeo | lpco")
    weight: float = strawberry.field(description="Points added (negative: removed).")
    reason: str
    record_ids: list[strawberry.ID] = strawberry.field(
        description="The records this contribution rests on (all visible to you).")


@strawberry.type(description="A consignment's risk score as you may see it, explained.")
class RiskScore:
    consignment_id: strawberry.ID
    score: float
    channel: str = strawberry.field(description="Selectivity channel: green | yellow | red.")
    contributions: list[RiskContribution]


async def _risk_score(info: strawberry.Info, consignment_id: strawberry.ID) -> RiskScore:
    ctx: RequestContext = info.context
    result = await score_for_caller(ctx.reader.store, ctx.visibility, str(consignment_id))
    if result is None:
        raise NotFoundError(f"no consignment {consignment_id} is visible to you")
    return RiskScore(
        consignment_id=strawberry.ID(result.consignment_id), score=result.score,
        channel=result.channel.value,
        contributions=[RiskContribution(factor=c.factor, weight=c.weight, reason=c.reason,
                                        record_ids=[strawberry.ID(i) for i in c.record_ids])
                       for c in result.contributions])


@strawberry.input(description="A common risk profile to create (no id) or change (id).")
class RiskProfileInput:
    name: str
    criteria: JSON = strawberry.field(
        description="Criteria object (or its JSON text): hs_prefixes, origins, destinations, "
                    "declaring_parties, exit_offices, entry_offices, offices, crossings, "
                    "directions, max_value_per_kg, operator {roles, traits}.")
    weight: float = strawberry.field(description="Score points when it hits (-50 to 100).")
    id: strawberry.ID | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    description: str | None = None
    expected_version: int | None = strawberry.field(
        default=None, description="Refuse the change unless the stored version is this one.")
    distribution: str | None = strawberry.field(
        default=None, description="New profiles only; default CEFTA_CUSTOMS.")
    share_with: list[str] | None = None


def _service(ctx: RequestContext) -> ProfileService:
    if ctx.policy is None or ctx.audit is None:
        raise ForbiddenError("this hub has no policy or audit trail configured for writes")
    return ProfileService(ctx.reader, ctx.policy, ctx.audit, ctx.principal, ctx.purpose)


async def _node(ctx: RequestContext, profile_id: str) -> Node:
    row = await ctx.reader.node(profile_id)
    if row is None:  # the owner always sees its own profile; absent means it was deleted
        raise NotFoundError(f"no risk profile {profile_id} is visible to you")
    return to_node(row, ctx)


async def _save(info: strawberry.Info, profile: RiskProfileInput) -> Node:
    ctx: RequestContext = info.context
    criteria: Any = profile.criteria
    if not isinstance(criteria, str | dict):
        raise InputError("criteria must be an object or its JSON text")
    draft = ProfileDraft(
        name=profile.name, criteria=criteria if isinstance(criteria, str)
        else json.loads(json.dumps(criteria)), weight=profile.weight,
        valid_from=profile.valid_from, valid_until=profile.valid_until,
        description=profile.description, id=str(profile.id) if profile.id else None,
        expected_version=profile.expected_version, distribution=profile.distribution,
        share_with=tuple(profile.share_with or ()))
    return await _node(ctx, await _service(ctx).save(draft))


async def _retire(info: strawberry.Info, id: strawberry.ID,
                  expected_version: int | None = None) -> Node:
    ctx: RequestContext = info.context
    return await _node(ctx, await _service(ctx).retire(str(id), expected_version))


def query_fields() -> dict[str, Any]:
    return {"riskScore": strawberry.field(
        resolver=_risk_score, name="riskScore",
        description="A consignment's risk score, selectivity channel and every contribution, "
                    "computed only from records visible to you.")}


def mutation_fields() -> dict[str, Any]:
    return {
        "saveRiskProfile": strawberry.field(
            resolver=_save, name="saveRiskProfile",
            description="Create or change a common risk profile (RMWG; owner agency only). "
                        "Each save is a new version and goes to the audit trail."),
        "retireRiskProfile": strawberry.field(
            resolver=_retire, name="retireRiskProfile",
            description="Retire a common risk profile your agency owns: it stops scoring."),
    }
