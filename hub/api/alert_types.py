"""GraphQL types of shared risk alerts: the RIF, its versions, inputs, inbox and hit-rate rows.

Built from rows the alert reads return (hub.alerts.reads); no resolver here reads more than the
alert's own history, always through the request's reader.
"""

from __future__ import annotations

from typing import Any

import strawberry

from hub.alerts.form import (
    AlertForm,
    AlertStatus,
    ControlReport,
    ControlType,
    Distributing,
    HandlingCode,
    Indicators,
    Outcome,
    Priority,
    RecommendedAction,
    RiskDomain,
    Seizure,
)
from hub.alerts.reads import AlertReads, GroupBy, InboxFilter, InboxStatus
from hub.api.context import RequestContext
from hub.api.types import PageInfo, Sharing
from hub.graph.store import Row
from hub.model import Distribution
from hub.times import today_utc

# The domain's enums, named for GraphQL (strawberry.enum marks the class and returns it).
strawberry.enum(RiskDomain, name="RiskDomain", description="CRMS2 risk domains, plus SPS.")
strawberry.enum(RecommendedAction, name="RecommendedAction",
                description="What recipients should do.")
strawberry.enum(Priority, name="AlertPriority", description="How urgent the alert is.")
strawberry.enum(HandlingCode, name="HandlingCode",
                description="H0 (no restriction) to H3 (ask the originator before acting).")
strawberry.enum(InboxStatus, name="AlertStatus",
                description="ACTIVE alerts past their validUntil read as EXPIRED.")
strawberry.enum(Distribution, name="DistributionLevel", description="How far a record is shared.")
strawberry.enum(GroupBy, name="HitRateGroup", description=(
    "What hit rates are grouped by (PARTY: the party whose agency recorded the control)."))
strawberry.enum(ControlType, name="ControlType", description="The kind of control performed.")
strawberry.enum(Outcome, name="ControlOutcome",
                description="IRREGULARITY and SEIZURE count as hits.")


@strawberry.type
class AlertIndicators:
    hs_codes: list[str]
    origins: list[str]
    routes: list[str]
    offices: list[str]
    operators: list[str]
    vehicles: list[str]
    documents: list[str]


@strawberry.interface(description="The content of a risk information form.")
class RiskInformation:
    title: str
    risk_domain: RiskDomain | None = strawberry.field(
        description="Null only for an alert from another source with a code the hub lacks.")
    risk_type: str
    indicators: AlertIndicators
    description: str | None
    recommended_action: RecommendedAction | None
    valid_from: str | None
    valid_until: str | None
    priority: Priority | None
    handling_code: HandlingCode | None
    sharing: Sharing


@strawberry.type(description="An immutable snapshot of an alert after one change.")
class AlertVersion(RiskInformation):
    version: int
    change: str
    changed_at: str | None
    status: str


@strawberry.type(description="Which version of an alert an agency acknowledged.")
class AlertAcknowledgement:
    agency: str
    version: int
    at: str | None


@strawberry.type(description="A shared risk alert (RIF) as you may see it.")
class Alert(RiskInformation):
    id: strawberry.ID
    reference: str | None
    version: int
    status: InboxStatus
    issuing_agency: str | None
    raised_at: str | None
    changed_at: str | None
    last_change: str | None
    withdrawn_at: str | None
    withdrawal_reason: str | None
    unread: bool = strawberry.field(description="Not yet acknowledged at this version by "
                                                "your agency (your own alerts are read).")
    acknowledged_version: int | None

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Snapshots you may see (each in the audience it had), "
                                  "oldest first: versions above afterVersion, first 1-100.")
    async def versions(self, info: strawberry.Info[RequestContext, None], first: int = 20,
                       after_version: int = 0) -> list[AlertVersion]:
        rows = await AlertReads(info.context.reader).versions(str(self.id), first, after_version)
        return [_version(row) for row in rows]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="Agencies that acknowledged this alert: for its "
                                  "originator only (empty for everyone else).")
    async def acknowledgements(
        self, info: strawberry.Info[RequestContext, None]
    ) -> list[AlertAcknowledgement]:
        acks = await AlertReads(info.context.reader).acknowledgements(str(self.id))
        return [AlertAcknowledgement(agency=a.agency, version=a.version, at=a.at) for a in acks]


def _content(row: Row) -> dict[str, Any]:
    form = AlertForm.from_row(row)
    i = form.indicators
    return {
        "title": form.title, "risk_domain": form.risk_domain, "risk_type": form.risk_type,
        "indicators": AlertIndicators(
            hs_codes=list(i.hs_codes), origins=list(i.origins), routes=list(i.routes),
            offices=list(i.offices), operators=list(i.operators), vehicles=list(i.vehicles),
            documents=list(i.documents)),
        "description": form.description, "recommended_action": form.recommended_action,
        "valid_from": form.valid_from, "valid_until": form.valid_until,
        "priority": form.priority, "handling_code": form.handling_code,
        "sharing": Sharing(owner_agency=row.get("owner_agency"),
                           owner_party=row.get("owner_party"),
                           distribution=row.get("distribution"),
                           share_with=list(row.get("share_with") or [])),
    }


def _status(row: Row) -> InboxStatus:
    if row.get("status") == AlertStatus.WITHDRAWN.value:
        return InboxStatus.WITHDRAWN
    until = row.get("valid_until")
    if until and until < today_utc():
        return InboxStatus.EXPIRED
    return InboxStatus.ACTIVE


def alert_view(row: Row, acked: int | None, me: str) -> Alert:
    version = int(row.get("version") or 0)
    return Alert(
        id=strawberry.ID(row["id"]), reference=row.get("reference"), version=version,
        status=_status(row), issuing_agency=row.get("issuing_agency"),
        raised_at=row.get("raised_at"), changed_at=row.get("changed_at"),
        last_change=row.get("last_change"), withdrawn_at=row.get("withdrawn_at"),
        withdrawal_reason=row.get("withdrawal_reason"),
        unread=row.get("owner_agency") != me and (acked is None or acked < version),
        acknowledged_version=acked, **_content(row),
    )


def _version(row: Row) -> AlertVersion:
    return AlertVersion(version=int(row["version"]), change=row.get("last_change") or "",
                        changed_at=row.get("changed_at"), status=row.get("status") or "",
                        **_content(row))


# ---- inputs ------------------------------------------------------------------------------------

@strawberry.input
class IndicatorsInput:
    hs_codes: list[str] = strawberry.field(default_factory=list)
    origins: list[str] = strawberry.field(default_factory=list)
    routes: list[str] = strawberry.field(default_factory=list)
    offices: list[str] = strawberry.field(default_factory=list)
    operators: list[str] = strawberry.field(
        default_factory=list, description="Hub ids (those visible to you become CONCERNS "
                                          "links) or identifiers as text.")
    vehicles: list[str] = strawberry.field(default_factory=list)
    documents: list[str] = strawberry.field(default_factory=list)

    def value(self) -> Indicators:
        return Indicators(tuple(self.hs_codes), tuple(self.origins), tuple(self.routes),
                          tuple(self.offices), tuple(self.operators), tuple(self.vehicles),
                          tuple(self.documents))


@strawberry.input
class DistributionInput:
    level: Distribution
    share_with: list[str] = strawberry.field(
        default_factory=list, description="agency:<code>, party:<code> or case:<id> tokens.")

    def value(self) -> Distributing:
        return Distributing(Distribution(self.level), tuple(self.share_with))


@strawberry.input(description="The content of a new alert.")
class AlertInput:
    title: str
    risk_domain: RiskDomain
    risk_type: str
    indicators: IndicatorsInput | None = None
    description: str | None = None
    recommended_action: RecommendedAction | None = None
    valid_from: str | None = strawberry.field(default=None, description="YYYY-MM-DD")
    valid_until: str | None = strawberry.field(default=None, description="YYYY-MM-DD")
    priority: Priority = Priority.MEDIUM
    handling_code: HandlingCode = HandlingCode.H1

    def value(self) -> AlertForm:
        return AlertForm(
            title=self.title, risk_domain=RiskDomain(self.risk_domain), risk_type=self.risk_type,
            indicators=self.indicators.value() if self.indicators else Indicators(),
            description=self.description, recommended_action=self.recommended_action,
            valid_from=self.valid_from, valid_until=self.valid_until,
            priority=Priority(self.priority), handling_code=HandlingCode(self.handling_code))


@strawberry.input(description="Fields to change; those left out stay as they are. Indicators, "
                              "when given, replace all the indicators.")
class AlertChanges:
    title: str | None = None
    risk_domain: RiskDomain | None = None
    risk_type: str | None = None
    indicators: IndicatorsInput | None = None
    description: str | None = None
    recommended_action: RecommendedAction | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    priority: Priority | None = None
    handling_code: HandlingCode | None = None

    def value(self) -> dict[str, Any]:
        changes = {name: getattr(self, name) for name in AlertForm.__slots__
                   if getattr(self, name, None) is not None}
        if self.indicators is not None:
            changes["indicators"] = self.indicators.value()
        return changes


@strawberry.input
class SeizureInput:
    reference: str | None = None
    goods: str | None = None
    quantity: float | None = None
    unit: str | None = None
    value_eur: float | None = None


@strawberry.input(description="A control performed on a consignment: feedback on exactly one "
                              "alert or profile.")
class ControlResultInput:
    consignment_id: strawberry.ID
    control_type: ControlType
    controlled_at: str = strawberry.field(description="YYYY-MM-DD, or a date-time with offset")
    office: str
    outcome: Outcome
    alert_id: strawberry.ID | None = None
    profile_id: strawberry.ID | None = None
    findings: str | None = None
    seizure: SeizureInput | None = None
    reference: str | None = strawberry.field(
        default=None, description="Your reference: recording it again changes nothing.")

    def value(self) -> ControlReport:
        s = self.seizure
        return ControlReport(
            consignment_id=str(self.consignment_id), control_type=ControlType(self.control_type),
            controlled_at=self.controlled_at, office=self.office, outcome=Outcome(self.outcome),
            alert_id=str(self.alert_id) if self.alert_id else None,
            profile_id=str(self.profile_id) if self.profile_id else None,
            findings=self.findings, reference=self.reference,
            seizure=Seizure(s.reference, s.goods, s.quantity, s.unit, s.value_eur) if s else None)


# ---- reads ---------------------------------------------------------------------------------

@strawberry.type
class InboxEdge:
    cursor: str
    unread: bool
    node: Alert


@strawberry.type
class InboxConnection:
    edges: list[InboxEdge]
    page_info: PageInfo
    where: strawberry.Private[InboxFilter]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="How many alerts match, in all (one extra query).")
    async def total_count(self, info: strawberry.Info[RequestContext, None]) -> int:
        return await AlertReads(info.context.reader).inbox_count(self.where)


@strawberry.type(description="Controls and hits (irregularities and seizures) of one group.")
class HitRate:
    key: str
    label: str | None
    controls: int
    hits: int
    hit_rate: float = strawberry.field(description="hits / controls (computed exactly, then "
                                                   "rounded to a float)")


@strawberry.type
class HitRatePage:
    rows: list[HitRate]
    page_info: PageInfo


@strawberry.type(description="A change to an alert you may see.")
class AlertEvent:
    alert: Alert | None = strawberry.field(description=(
        "The alert as it is now; null when this event only reports skipped alerts."))
    skipped: list[strawberry.ID] = strawberry.field(description=(
        "Alerts you may see whose changes were dropped because you fell behind: re-read them."))
