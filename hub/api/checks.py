"""Checks in GraphQL: ``lpcoCheck``, ``aeoStatus``, ``priorityPassage``, ``recordAeoStatus``.

Every read runs under the caller's visibility (a document, authorisation, recognition or
crossing the caller may not see plays no part in the answer). Stored signals (SEED matching,
AEO status changes) are ``RiskSignal`` records: list them with ``riskSignals``.
"""

from __future__ import annotations

from typing import Any

import strawberry

from hub.api.context import RequestContext
from hub.api.types import PageInfo, decode_cursor, encode_cursor
from hub.checks.aeo import MAX_PAGE, aeo_status, priority_passage
from hub.checks.aeo_changes import record_aeo_status
from hub.checks.lpco import lpco_report
from hub.checks.signals import Signal, checked_day
from hub.errors import ForbiddenError
from hub.times import today_utc


@strawberry.type(description="A problem a check found.")
class CheckSignal:
    id: strawberry.ID
    kind: str = strawberry.field(description="lpco_expired, lpco_revoked, aeo_suspended, "
                                             "seed_weight_mismatch, ...")
    severity: str = strawberry.field(description="low, medium or high")
    consignment_id: strawberry.ID | None
    record_ids: list[strawberry.ID]
    reason: str
    observed_at: str | None


def _signal(s: Signal) -> CheckSignal:
    return CheckSignal(id=strawberry.ID(s.id), kind=s.kind.value, severity=s.severity.value,
                       consignment_id=strawberry.ID(s.consignment_id) if s.consignment_id
                       else None, record_ids=[strawberry.ID(i) for i in s.record_ids],
                       reason=s.reason, observed_at=s.observed_at)


@strawberry.type(description="The documents (LPCO) a consignment presents, checked as of its "
                             "declaration, as far as you may see them.")
class LpcoCheck:
    consignment_id: strawberry.ID
    documents_checked: int
    signals: list[CheckSignal]


@strawberry.type
class AeoStatusEntry:
    date: str
    status: str


@strawberry.type(description="An AEO authorisation with its status on the day asked and its "
                             "recorded status history.")
class AeoStatus:
    id: strawberry.ID
    number: str | None
    aeo_type: str | None
    issuing_party: str | None
    status: str = strawberry.field(description="valid, suspended, revoked, expired or "
                                               "not_yet_valid on the day asked")
    recorded_status: str
    valid_from: str | None
    valid_until: str | None
    history: list[AeoStatusEntry]


@strawberry.type
class AeoHolder:
    id: strawberry.ID
    name: str | None
    country: str | None


@strawberry.type(description="An AEO eligible for priority passage, and on what basis.")
class PriorityPassage:
    id: strawberry.ID
    number: str | None
    aeo_type: str | None
    issuing_party: str
    basis: str
    valid_until: str | None
    holders: list[AeoHolder]


@strawberry.type
class PriorityPassagePage:
    crossing: str
    parties: list[str]
    recognised_parties: list[str] = strawberry.field(description="Parties whose AEOs are "
                                                                 "eligible by mutual recognition")
    items: list[PriorityPassage]
    page_info: PageInfo


@strawberry.type(description="The outcome of recording an AEO status.")
class AeoStatusChange:
    id: strawberry.ID
    number: str | None
    previous_status: str
    status: str
    date: str
    changed: bool
    history: list[AeoStatusEntry]
    signal: CheckSignal | None = strawberry.field(description="Set when the change suspends "
                                                              "or revokes the authorisation")


async def _lpco_check(info: strawberry.Info[RequestContext, None],
                      consignment_id: strawberry.ID) -> LpcoCheck | None:
    report = await lpco_report(info.context.reader, [str(consignment_id)])
    if not report.consignments:
        return None
    return LpcoCheck(consignment_id=consignment_id, documents_checked=len(report.documents),
                     signals=[_signal(s) for s in report.signals])


async def _aeo_status(info: strawberry.Info[RequestContext, None], operator_id: strawberry.ID,
                      at: str | None = None) -> list[AeoStatus]:
    day = checked_day(at, "at") if at else today_utc()
    rows = await aeo_status(info.context.reader, str(operator_id), day)
    return [AeoStatus(id=strawberry.ID(a.id), number=a.number, aeo_type=a.aeo_type,
                      issuing_party=a.issuing_party, status=a.status,
                      recorded_status=a.recorded_status, valid_from=a.valid_from,
                      valid_until=a.valid_until,
                      history=[AeoStatusEntry(date=d, status=s) for d, s in a.history])
            for a in rows]


async def _priority_passage(  # noqa: PLR0917  (GraphQL arguments)
        info: strawberry.Info[RequestContext, None], crossing: str, at: str,
        entering: str | None = None, first: int = MAX_PAGE, after: str | None = None,
) -> PriorityPassagePage:
    page = await priority_passage(info.context.reader, crossing, checked_day(at, "at"),
                                  entering=entering, first=first, after=decode_cursor(after))
    items = [PriorityPassage(
        id=strawberry.ID(e.id), number=e.number, aeo_type=e.aeo_type,
        issuing_party=e.issuing_party, basis=e.basis, valid_until=e.valid_until,
        holders=[AeoHolder(id=strawberry.ID(h.id), name=h.name, country=h.country)
                 for h in e.holders]) for e in page.items]
    return PriorityPassagePage(
        crossing=page.crossing, parties=list(page.parties),
        recognised_parties=list(page.recognised), items=items,
        page_info=PageInfo(has_next_page=page.has_next,
                           end_cursor=encode_cursor(items[-1].id) if items else None))


async def _record_aeo_status(info: strawberry.Info[RequestContext, None], number: str,
                             status: str, date: str) -> AeoStatusChange:
    ctx = info.context
    if ctx.policy is None or ctx.audit is None:
        raise ForbiddenError("this hub has no policy or audit trail configured for writes")
    change = await record_aeo_status(ctx.reader.store, ctx.principal, ctx.policy, ctx.audit,
                                     number=number, status=status, day=date,
                                     purpose=ctx.purpose)
    return AeoStatusChange(
        id=strawberry.ID(change.id), number=change.number, previous_status=change.previous,
        status=change.status, date=change.day, changed=change.changed,
        history=[AeoStatusEntry(date=d, status=s) for d, s in change.history],
        signal=_signal(change.signal) if change.signal else None)


def query_fields() -> dict[str, Any]:
    return {
        "lpcoCheck": strawberry.field(resolver=_lpco_check, name="lpcoCheck", description=(
            "Check the licences, permits and certificates a consignment presents: validity, "
            "status, HS coverage, quantity left, reuse, holder. Null if the consignment is "
            "not visible to you.")),
        "aeoStatus": strawberry.field(resolver=_aeo_status, name="aeoStatus", description=(
            "The AEO authorisations an operator holds, with their status on a day (YYYY-MM-DD,"
            " default today) and their status history; those you may see.")),
        "priorityPassage": strawberry.field(
            resolver=_priority_passage, name="priorityPassage", description=(
                "AEOs eligible for priority passage at a border crossing on a day: in force, "
                "issued by a party of the crossing or recognised (MRA) by the party of entry "
                "(either party unless entering is given). A keyset page (first: 1-100).")),
    }


def mutation_fields() -> dict[str, Any]:
    return {
        "recordAeoStatus": strawberry.mutation(
            resolver=_record_aeo_status, name="recordAeoStatus", description=(
                "Record that an AEO authorisation your agency owns changed status (valid, "
                "suspended, revoked, expired) on a day; kept in its history. A suspension or "
                "revocation raises a signal, stored and returned. Recording the status in "
                "effect changes nothing.")),
    }
