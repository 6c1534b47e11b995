"""Shared risk alerts in GraphQL: alert and inbox queries, hit rates, mutations, alertChanged.

Resolvers are thin: reads go through :class:`hub.alerts.AlertReads` under the caller's
visibility, writes through :class:`hub.alerts.AlertService` (authorised, versioned, audited).
The subscription re-reads each changed alert under the subscriber's visibility as computed at
delivery time, and yields it only if visible.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from hub.alerts import Actor, AlertBus, AlertReads, AlertService
from hub.alerts.form import RiskDomain
from hub.alerts.reads import GroupBy, InboxFilter, InboxKey, InboxStatus
from hub.api.alert_types import (
    Alert,
    AlertChanges,
    AlertEvent,
    AlertInput,
    ControlResultInput,
    DistributionInput,
    HitRate,
    HitRatePage,
    InboxConnection,
    InboxEdge,
    alert_view,
)
from hub.api.context import RequestContext
from hub.api.types import Node, PageInfo, decode_cursor, encode_cursor, to_node
from hub.errors import AuthenticationError, ForbiddenError
from hub.graph.reader import GraphReader, case_tokens
from hub.graph.store import Row

ALERT_BUS = "alert_bus"
"""Key of the app's :class:`AlertBus` in ``RequestContext.services``."""
_SERVICE = "alert_service"


async def _alert_by_id(info: strawberry.Info[RequestContext, None],
                       id: strawberry.ID) -> Alert | None:
    ctx = info.context
    found = await AlertReads(ctx.reader).alert(str(id))
    return alert_view(found[0], found[1], ctx.principal.agency) if found else None


async def _inbox(  # noqa: PLR0917
    info: strawberry.Info[RequestContext, None], first: int, after: str | None = None,
    domain: RiskDomain | None = None, type: str | None = None,
    status: InboxStatus | None = None, since: str | None = None, until: str | None = None,
    unread_only: bool = False,
) -> InboxConnection:
    ctx = info.context
    key = decode_cursor(after)
    where = InboxFilter(domain=RiskDomain(domain).value if domain else None, risk_type=type,
                        status=InboxStatus(status) if status else None, since=since,
                        until=until, unread_only=unread_only)
    page = await AlertReads(ctx.reader).inbox(where, first, InboxKey.parse(key) if key else None)
    edges = [InboxEdge(cursor=encode_cursor(item.key.as_text()), unread=item.unread,
                       node=alert_view(item.alert, item.acked, ctx.principal.agency))
             for item in page.items]
    return InboxConnection(edges=edges, where=where, page_info=PageInfo(
        has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))


async def _hit_rates(  # noqa: PLR0917
        info: strawberry.Info[RequestContext, None], group_by: GroupBy,
                     since: str | None = None, until: str | None = None, first: int = 100,
                     after: str | None = None) -> HitRatePage:
    page = await AlertReads(info.context.reader).hit_rates(
        GroupBy(group_by), since, until, first, decode_cursor(after))
    rows = [HitRate(key=r.key, label=r.label, controls=r.controls, hits=r.hits,
                    hit_rate=float(r.rate)) for r in page.rows]
    return HitRatePage(rows=rows, page_info=PageInfo(
        has_next_page=page.has_next,
        end_cursor=encode_cursor(rows[-1].key) if rows else None))


def query_fields() -> dict[str, Any]:
    return {
        "alert": strawberry.field(resolver=_alert_by_id, description=(
            "The alert with this id and its visible history, or null if you may not see it.")),
        "inbox": strawberry.field(resolver=_inbox, description=(
            "Alerts visible to you: unread by your agency first, then the most recently "
            "changed; a keyset page (first: 1-100). since/until bound the last change.")),
        "hitRates": strawberry.field(resolver=_hit_rates, name="hitRates", description=(
            "Controls and hits per alert, profile, office or party, counting only the "
            "controls, feedback links and alerts/profiles you may see. since/until bound "
            "the control date.")),
    }


# ---- mutations -------------------------------------------------------------------------------

def _service(ctx: RequestContext) -> AlertService:
    if ctx.policy is None or ctx.audit is None:
        raise ForbiddenError("this hub has no policy or audit trail configured for writes")
    service = ctx.services.get(_SERVICE)
    if not isinstance(service, AlertService):
        # One per app (``services`` is the app's shared dict), made once the store is open.
        service = AlertService(ctx.reader.store, ctx.policy, ctx.audit,
                               ctx.services.get(ALERT_BUS))
        ctx.services[_SERVICE] = service
    return service


def _actor(ctx: RequestContext) -> Actor:
    return Actor(ctx.principal, ctx.reader, ctx.purpose)


def _mine(ctx: RequestContext, row: Row) -> Alert:
    return alert_view(row, None, ctx.principal.agency)


async def _raise(info: strawberry.Info[RequestContext, None], alert: AlertInput,
                 distribution: DistributionInput, reference: str | None = None,
                 idempotency_key: str | None = None) -> Alert:
    ctx = info.context
    row = await _service(ctx).raise_alert(_actor(ctx), alert.value(), distribution.value(),
                                          reference, idempotency_key)
    return _mine(ctx, row)


async def _update(info: strawberry.Info[RequestContext, None], id: strawberry.ID,
                  changes: AlertChanges, expected_version: int | None = None) -> Alert:
    ctx = info.context
    return _mine(ctx, await _service(ctx).update_alert(_actor(ctx), str(id), changes.value(),
                                                       expected_version))


async def _withdraw(info: strawberry.Info[RequestContext, None], id: strawberry.ID,
                    reason: str, expected_version: int | None = None) -> Alert:
    ctx = info.context
    return _mine(ctx, await _service(ctx).withdraw_alert(_actor(ctx), str(id), reason,
                                                         expected_version))


async def _reshare(info: strawberry.Info[RequestContext, None], id: strawberry.ID,
                   distribution: DistributionInput, expected_version: int | None = None) -> Alert:
    ctx = info.context
    return _mine(ctx, await _service(ctx).reshare_alert(_actor(ctx), str(id),
                                                        distribution.value(), expected_version))


async def _acknowledge(info: strawberry.Info[RequestContext, None],
                       id: strawberry.ID) -> Alert:
    ctx = info.context
    row, version = await _service(ctx).acknowledge(_actor(ctx), str(id))
    return alert_view(row, version, ctx.principal.agency)


async def _record_control(info: strawberry.Info[RequestContext, None],
                          control: ControlResultInput,
                          distribution: DistributionInput | None = None) -> Node:
    ctx = info.context
    row = await _service(ctx).record_control(_actor(ctx), control.value(),
                                             distribution.value() if distribution else None)
    return to_node(row, ctx)


def mutation_fields() -> dict[str, Any]:
    return {
        "raiseAlert": strawberry.mutation(resolver=_raise, name="raiseAlert", description=(
            "Raise an alert owned by your agency. Give your reference, or an idempotencyKey "
            "from which the hub allocates one: a retry returns the same alert.")),
        "updateAlert": strawberry.mutation(resolver=_update, name="updateAlert", description=(
            "Change an alert your agency raised (a new version). expectedVersion guards "
            "against overwriting a change you have not seen.")),
        "withdrawAlert": strawberry.mutation(resolver=_withdraw, name="withdrawAlert",
                                             description=(
            "Withdraw an alert your agency raised: final; only your agency sees it after.")),
        "reshareAlert": strawberry.mutation(resolver=_reshare, name="reshareAlert",
                                            description=(
            "Give an alert your agency raised a new distribution (within your policy).")),
        "acknowledgeAlert": strawberry.mutation(
            resolver=_acknowledge, name="acknowledgeAlert", description=(
                "Mark an alert as read by your agency at its current version (idempotent).")),
        "recordControlResult": strawberry.mutation(
            resolver=_record_control, name="recordControlResult", description=(
                "Record the result of a control on a consignment as feedback on an alert or "
                "a profile; shared with its originator (LISTED unless you choose a level).")),
    }


# ---- subscription ------------------------------------------------------------------------------

async def _reader_now(ctx: RequestContext) -> GraphReader:
    """The subscriber's reader with its visibility as the policy and case memberships say
    now (a long-lived subscription follows policy and membership changes). Raises
    AuthenticationError once the connection's token has expired: the subscription ends."""
    if ctx.reauthenticate is not None and await ctx.reauthenticate() != ctx.principal:
        raise AuthenticationError("the connection's credentials changed: reconnect")
    if ctx.policy is None:
        return ctx.reader
    store = ctx.reader.store
    tokens = await case_tokens(store, ctx.principal.agency)
    return GraphReader(store, ctx.policy.visibility(ctx.principal, extra_tokens=tokens))


async def _alert_changed(info: strawberry.Info[RequestContext, None],
                         risk_domain: RiskDomain | None = None
                         ) -> AsyncGenerator[AlertEvent, None]:
    ctx = info.context
    bus = ctx.services.get(ALERT_BUS)
    if not isinstance(bus, AlertBus):
        raise ForbiddenError("this hub has no alert event bus: subscriptions are off")
    with bus.subscribe() as subscriber:
        while True:
            delivery = await subscriber.next()
            reader = await _reader_now(ctx)
            found = await AlertReads(reader).alert(delivery.alert_id)
            if found is not None and risk_domain is not None and \
                    found[0].get("risk_domain") != RiskDomain(risk_domain).value:
                found = None
            skipped: list[strawberry.ID] = []
            if delivery.skipped:
                visible = await reader.nodes(list(delivery.skipped))
                skipped = [strawberry.ID(i) for i in delivery.skipped if i in visible]
            if found is None and not skipped:
                continue
            alert = alert_view(found[0], found[1], ctx.principal.agency) if found else None
            yield AlertEvent(alert=alert, skipped=skipped)


def subscription_fields() -> dict[str, Any]:
    return {
        "alertChanged": strawberry.subscription(
            resolver=_alert_changed, name="alertChanged", description=(
                "Alerts you may see, each time one is raised, updated, withdrawn or reshared "
                "(graphql-transport-ws; authenticate in connection_init).")),
    }
