"""Entity resolution in the API: analysts confirm or reject proposed SAME_AS links.

Links are proposed by the matcher job (``hub resolve``) and read through the operators'
``sameAs`` / ``sameAsOf`` fields. A review is authorised by the policy, audited, and only the
agency that owns the link may review it; later matcher runs respect the decision.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from hub.analysis.resolution.service import review_link
from hub.api.context import RequestContext
from hub.errors import ForbiddenError


@strawberry.type(description="A SAME_AS link after review.")
class SameAsLink:
    id: strawberry.ID
    status: str
    score: float | None
    method: str | None
    explanation: JSON | None
    reviewed_by: str | None
    reviewed_at: float | None


async def _review(info: strawberry.Info, left_id: strawberry.ID, right_id: strawberry.ID,
                  decision: str) -> SameAsLink:
    ctx: RequestContext = info.context
    if ctx.policy is None or ctx.audit is None or not ctx.policy.may_write(ctx.principal,
                                                                           "SAME_AS"):
        raise ForbiddenError("your role may not review entity-resolution links")
    link = await review_link(ctx.reader.store, str(left_id), str(right_id), decision,
                             ctx.principal, ctx.visibility)
    await ctx.audit.record(ctx.principal, "same_as." + str(link["status"]),
                           [(str(link["id"]), ctx.principal.agency)], ctx.purpose)
    return SameAsLink(id=strawberry.ID(str(link["id"])), status=str(link["status"]),
                      score=link.get("score"), method=link.get("method"),
                      explanation=link.get("explanation"), reviewed_by=link.get("reviewed_by"),
                      reviewed_at=link.get("reviewed_at"))


def mutation_fields() -> dict[str, Any]:
    return {"reviewSameAs": strawberry.field(
        resolver=_review, name="reviewSameAs",
        description="Confirm or reject (decision: confirmed | rejected) the SAME_AS link your "
                    "agency proposed between two operators. Later matcher runs respect it.")}
