"""The audit trail in the API: who accessed my agency's records, and personal-read recording."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension

from hub.api.context import RequestContext
from hub.api.types import PageInfo, decode_cursor, encode_cursor
from hub.errors import ForbiddenError, HubError, InputError


@strawberry.type(description="One access to records your agency owns.")
class Access:
    seq: int
    at: float
    subject: str
    agency: str
    operation: str
    purpose: str | None
    record_ids: list[strawberry.ID]


@strawberry.type
class AccessEdge:
    cursor: str
    node: Access


@strawberry.type
class AccessConnection:
    edges: list[AccessEdge]
    page_info: PageInfo


async def _access_log(info: strawberry.Info, first: int,
                      after: str | None = None) -> AccessConnection:
    ctx: RequestContext = info.context
    if ctx.policy is None or ctx.audit is None or not ctx.policy.may_audit(ctx.principal):
        raise ForbiddenError("your role may not read the access log of your agency's records")
    key = decode_cursor(after)
    try:
        after_seq = int(key) if key else 0
    except ValueError:
        raise InputError("after: not a cursor issued by this API") from None
    page = await ctx.audit.accessed_records_of(ctx.principal.agency, after_seq, first)
    edges = [AccessEdge(cursor=encode_cursor(str(e.seq)), node=Access(
        seq=e.seq, at=e.at, subject=e.subject, agency=e.agency, operation=e.operation,
        purpose=e.purpose, record_ids=[strawberry.ID(i) for i in e.record_ids]))
        for e in page.entries]
    return AccessConnection(edges=edges, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


def query_fields() -> dict[str, Any]:
    return {"accessLog": strawberry.field(
        resolver=_access_log, name="accessLog",
        description="Who read personal data in, or wrote, records your agency owns "
                    "(oldest first; roles with audit rights only).")}


class PersonalDataAudit(SchemaExtension):
    """Records every unmasked personal-data read of an operation in the audit trail.

    If the entry cannot be written, the data is withheld: no personal data leaves unaudited.
    """

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context.context
        if not isinstance(ctx, RequestContext) or not ctx.personal_reads:
            return
        result = self.execution_context.result
        try:
            if ctx.audit is None:
                raise ForbiddenError("personal data cannot be served without an audit trail")
            await ctx.audit.record(ctx.principal, "read_personal",
                                   sorted(ctx.personal_reads.items()), ctx.purpose)
        except HubError as exc:
            if result is not None:
                result.data = None
                result.errors = [GraphQLError(
                    "personal data was withheld: the access could not be audited",
                    extensions={"code": getattr(exc, "code", "internal")})]
