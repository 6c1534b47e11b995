"""Mutations that change how far a record is shared: only its owner agency may, within policy."""

from __future__ import annotations

import time
from typing import Any

import strawberry

from hub.api.context import RequestContext
from hub.api.types import Node, to_node
from hub.errors import ForbiddenError, InputError, NotFoundError
from hub.graph.cypher.sharing import CHANGE_SHARING, SHARING_OF
from hub.model import Distribution, Sharing


async def change_sharing(ctx: RequestContext, record_id: str, distribution: str,
                         share_with: list[str], operation: str) -> Node:
    """Apply a sharing change for the record's owner, audit it, and return the record.

    Raises NotFoundError when the caller cannot see the record (hidden = absent),
    ForbiddenError when it is not the owner or the policy does not allow that distribution.
    """
    if ctx.policy is None or ctx.audit is None:
        raise ForbiddenError("this hub has no policy or audit trail configured for writes")
    try:
        level = Distribution(distribution)
    except ValueError:
        raise InputError(f"distribution {distribution!r} is not one of "
                         + ", ".join(d.value for d in Distribution)) from None
    reader = ctx.reader
    rows = await reader.store.run(SHARING_OF, {"id": record_id, "vis": reader.params})
    if not rows:
        raise NotFoundError(f"no record {record_id} is visible to you")
    row = rows[0]
    current = Sharing(row["owner_agency"], row["owner_party"], Distribution(row["distribution"]),
                      tuple(row["share_with"] or ()))
    principal = ctx.principal
    if current.owner_agency != principal.agency:
        raise ForbiddenError(f"only the owner agency {current.owner_agency} may change the "
                             f"sharing of {record_id}")
    if not ctx.policy.may_share(principal, current, level, share_with):
        raise ForbiddenError(f"the sharing policy does not let {principal.agency} distribute "
                             f"records at {level.value}" + (" with a share list" if share_with
                                                            else ""))
    await ctx.audit.record(principal, operation, [(record_id, current.owner_agency)], ctx.purpose)
    changed = await reader.store.run(CHANGE_SHARING, {
        "id": record_id, "agency": principal.agency, "party": principal.party,
        "distribution": level.value, "share_with": list(dict.fromkeys(share_with)),
        "at": int(time.time() * 1000),
    })
    if not changed:
        raise NotFoundError(f"no record {record_id} is visible to you")
    node = await reader.node(record_id)
    if node is None:  # the owner always sees its own records; absent means it was deleted
        raise NotFoundError(f"no record {record_id} is visible to you")
    return to_node(node, ctx)


async def _change(info: strawberry.Info, id: strawberry.ID, distribution: str,
                  share_with: list[str] | None = None) -> Node:
    return await change_sharing(info.context, str(id), distribution, share_with or [],
                                "change_sharing")


async def _withdraw(info: strawberry.Info, id: strawberry.ID) -> Node:
    return await change_sharing(info.context, str(id), Distribution.ORIGINATOR.value, [],
                                "withdraw")


def mutation_fields() -> dict[str, Any]:
    return {
        "changeSharing": strawberry.field(
            resolver=_change, name="changeSharing",
            description="Change the distribution level and share list of a record you own "
                        "(within what the sharing policy lets your agency do)."),
        "withdrawRecord": strawberry.field(
            resolver=_withdraw, name="withdrawRecord",
            description="Withdraw a record you own from sharing: only your agency sees it."),
    }
