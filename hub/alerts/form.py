"""The risk information form (RIF) and the control report as validated values, and their ids.

The field list follows the hub's RIF proposal (shared research, section 1.2): risk domain and
type, indicators, description, recommended action, validity, priority, handling code and
distribution. Everything a client sends is checked here, before any graph access, so a bad
form is a :class:`~hub.errors.InputError` naming the field.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from hub.errors import InputError
from hub.model import Distribution, stable_id


class RiskDomain(StrEnum):
    """CRMS2 risk domains, plus SPS for phytosanitary and veterinary risks."""

    SECURITY = "security"
    SAFETY_HEALTH = "safety_health"
    SAFETY_ENVIRONMENT = "safety_environment"
    PRODUCT_SAFETY = "product_safety"
    FINANCIAL = "financial"
    IPR = "ipr"
    CASH = "cash"
    SPS = "sps"


class RecommendedAction(StrEnum):
    DOCUMENTARY_CHECK = "documentary_check"
    PHYSICAL_CHECK = "physical_check"
    SCAN = "scan"
    SAMPLING = "sampling"
    REQUEST_FOR_INFORMATION = "request_for_information"
    HOLD = "hold"
    DO_NOT_LOAD = "do_not_load"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class HandlingCode(StrEnum):
    """Europol-style handling codes: H0 no restriction ... H3 originator's consent to act."""

    H0 = "H0"
    H1 = "H1"
    H2 = "H2"
    H3 = "H3"


class AlertStatus(StrEnum):
    """Stored status. An active alert past its ``valid_until`` reads as expired."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Change(StrEnum):
    """What a version of an alert did."""

    RAISED = "raised"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"
    RESHARED = "reshared"


class ControlType(StrEnum):
    DOCUMENTARY = "documentary"
    PHYSICAL = "physical"
    SCAN = "scan"
    SAMPLING = "sampling"
    LABORATORY = "laboratory"


class Outcome(StrEnum):
    NO_IRREGULARITY = "no_irregularity"
    IRREGULARITY = "irregularity"
    SEIZURE = "seizure"


HIT_OUTCOMES: tuple[str, ...] = (Outcome.IRREGULARITY.value, Outcome.SEIZURE.value)
"""Outcomes that count as a hit in hit rates."""

MAX_TEXT = 5_000
MAX_SHORT = 200
MAX_ITEMS = 50
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,79}$")
_HS = re.compile(r"^\d{2,10}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def instant_text(epoch_ms: int) -> str:
    """An epoch-millisecond instant as fixed-width UTC ISO text: sorts as it happened."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def day(value: str | None, what: str) -> str | None:
    """A calendar date ``YYYY-MM-DD`` or None."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InputError(f"{what}: {value!r} is not a date written as YYYY-MM-DD") from None


def moment(value: str | None, what: str) -> str | None:
    """A date (kept as ``YYYY-MM-DD``) or a date-time with a UTC offset (stored in UTC)."""
    if value is None:
        return None
    text = value.strip()
    if len(text) == 10:
        return day(text, what)
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InputError(f"{what}: {value!r} is not a date (YYYY-MM-DD) or a date-time with "
                         "a UTC offset (e.g. 2026-03-14T08:15:00+01:00)")
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_E = TypeVar("_E", bound=StrEnum)


def _member(kind: type[_E], value: object) -> _E | None:
    try:
        return kind(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: str | None, what: str, limit: int = MAX_SHORT,
          required: bool = False) -> str | None:
    cleaned = None if value is None else " ".join(value.replace("\x00", " ").split()) or None
    if cleaned is None and required:
        raise InputError(f"{what} is required")
    if cleaned is not None and len(cleaned) > limit:
        raise InputError(f"{what}: at most {limit} characters, not {len(cleaned)}")
    return cleaned


def _items(values: list[str] | tuple[str, ...] | None, what: str,
           pattern: re.Pattern[str] | None = None, upper: bool = False) -> tuple[str, ...]:
    if not values:
        return ()
    if len(values) > MAX_ITEMS:
        raise InputError(f"{what}: at most {MAX_ITEMS} entries, not {len(values)}")
    out: list[str] = []
    for raw in values:
        item = _text(raw, what, 100, required=True) or ""
        item = item.upper() if upper else item
        if pattern is not None and not pattern.match(item):
            raise InputError(f"{what}: {raw!r} is not valid here")
        out.append(item)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class Indicators:
    """What to look for. Operators, vehicles and documents may be hub ids: those visible to the
    originator also become CONCERNS edges; any other value is kept as text."""

    hs_codes: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    vehicles: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()

    def checked(self) -> Indicators:
        return Indicators(
            hs_codes=_items(self.hs_codes, "indicators.hsCodes", _HS),
            origins=_items(self.origins, "indicators.origins", _COUNTRY, upper=True),
            routes=_items(self.routes, "indicators.routes"),
            offices=_items(self.offices, "indicators.offices", upper=True),
            operators=_items(self.operators, "indicators.operators"),
            vehicles=_items(self.vehicles, "indicators.vehicles"),
            documents=_items(self.documents, "indicators.documents"),
        )

    def as_props(self) -> dict[str, list[str]]:
        return {"indicator_" + f.name: list(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Indicators:
        return cls(**{f.name: tuple(row.get("indicator_" + f.name) or ()) for f in fields(cls)})


@dataclass(frozen=True, slots=True)
class Distributing:
    """A distribution level and a share list (``agency:``, ``party:`` or ``case:`` tokens)."""

    level: Distribution
    share_with: tuple[str, ...] = ()

    def checked(self) -> Distributing:
        if len(self.share_with) > MAX_ITEMS:
            raise InputError(f"shareWith: at most {MAX_ITEMS} entries")
        return Distributing(Distribution(self.level),
                            tuple(dict.fromkeys(t.strip() for t in self.share_with)))


@dataclass(frozen=True, slots=True)
class AlertForm:
    """The content of an alert (everything but its sharing and history)."""

    title: str
    risk_domain: RiskDomain | None  # None only as read from a record the hub did not write
    risk_type: str
    indicators: Indicators
    description: str | None = None
    recommended_action: RecommendedAction | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    priority: Priority | None = Priority.MEDIUM
    handling_code: HandlingCode | None = HandlingCode.H1

    def checked(self) -> AlertForm:
        if self.risk_domain is None:
            raise InputError("riskDomain is required")
        form = replace(
            self,
            title=_text(self.title, "title", required=True) or "",
            risk_domain=RiskDomain(self.risk_domain),
            risk_type=_text(self.risk_type, "riskType", 100, required=True) or "",
            indicators=self.indicators.checked(),
            description=_text(self.description, "description", MAX_TEXT),
            valid_from=day(self.valid_from, "validFrom"),
            valid_until=day(self.valid_until, "validUntil"),
        )
        if form.valid_from and form.valid_until and form.valid_until < form.valid_from:
            raise InputError(f"validUntil {form.valid_until} is before validFrom "
                             f"{form.valid_from}")
        return form

    def as_props(self) -> dict[str, Any]:
        """The domain properties of the RiskAlert node (the part a version snapshots)."""
        return {
            "title": self.title,
            "risk_domain": self.risk_domain.value if self.risk_domain else None,
            "risk_type": self.risk_type, "description": self.description,
            "recommended_action": self.recommended_action.value
            if self.recommended_action else None,
            "valid_from": self.valid_from, "valid_until": self.valid_until,
            "priority": self.priority.value if self.priority else None,
            "handling_code": self.handling_code.value if self.handling_code else None,
            **self.indicators.as_props(),
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AlertForm:
        """The form as stored; a code the hub does not know (from another source) reads None."""
        return cls(
            title=row.get("title") or "", risk_domain=_member(RiskDomain, row.get("risk_domain")),
            risk_type=row.get("risk_type") or "", indicators=Indicators.from_row(row),
            description=row.get("description"),
            recommended_action=_member(RecommendedAction, row.get("recommended_action")),
            valid_from=row.get("valid_from"), valid_until=row.get("valid_until"),
            priority=_member(Priority, row.get("priority")),
            handling_code=_member(HandlingCode, row.get("handling_code")),
        )


@dataclass(frozen=True, slots=True)
class Seizure:
    reference: str | None = None
    goods: str | None = None
    quantity: float | None = None
    unit: str | None = None
    value_eur: float | None = None


@dataclass(frozen=True, slots=True)
class ControlReport:
    """A control performed on a consignment, as feedback on one alert or one profile."""

    consignment_id: str
    control_type: ControlType
    controlled_at: str
    office: str
    outcome: Outcome
    alert_id: str | None = None
    profile_id: str | None = None
    findings: str | None = None
    seizure: Seizure | None = None
    reference: str | None = None

    def checked(self) -> ControlReport:
        if (self.alert_id is None) == (self.profile_id is None):
            raise InputError("give exactly one of alertId and profileId")
        outcome = Outcome(self.outcome)
        if self.seizure is not None and outcome is not Outcome.SEIZURE:
            raise InputError(f"seizure details go with outcome SEIZURE, not {outcome.name}")
        for amount, what in ((self.seizure.quantity, "seizure.quantity"),
                             (self.seizure.value_eur, "seizure.valueEur")) if self.seizure else ():
            if amount is not None and amount < 0:
                raise InputError(f"{what} cannot be negative ({amount})")
        if self.reference is not None and not _REFERENCE.match(self.reference):
            raise InputError(f"reference {self.reference!r}: 1-80 letters, digits and ._/:-")
        return replace(
            self, control_type=ControlType(self.control_type), outcome=outcome,
            controlled_at=moment(self.controlled_at, "controlledAt") or "",
            office=(_text(self.office, "office", 50, required=True) or "").upper(),
            findings=_text(self.findings, "findings", MAX_TEXT),
        )

    def as_props(self) -> dict[str, Any]:
        s = self.seizure or Seizure()
        return {
            "control_type": self.control_type.value, "controlled_at": self.controlled_at,
            "office": self.office, "outcome": self.outcome.value, "findings": self.findings,
            "reference": self.reference, "seizure": _text(s.reference, "seizure.reference"),
            "seized_goods": _text(s.goods, "seizure.goods", 500), "quantity": s.quantity,
            "quantity_unit": _text(s.unit, "seizure.unit", 20), "value_eur": s.value_eur,
        }


def alert_reference(agency: str, reference: str | None, idempotency_key: str | None) -> str:
    """The originator's reference for a new alert: given, or allocated from the client's key.

    The same key always allocates the same reference, so a retried raise finds its alert
    instead of making a second one.
    """
    if reference is not None:
        if not _REFERENCE.match(reference):
            raise InputError(f"reference {reference!r}: 1-80 letters, digits and ._/:-, "
                             "starting with a letter or digit")
        return reference
    if idempotency_key is None or not 8 <= len(idempotency_key) <= 200:
        raise InputError("give a reference, or an idempotencyKey of 8-200 characters, so that "
                         "a retried raiseAlert cannot raise the alert twice")
    digest = hashlib.sha256(f"{agency}\x1f{idempotency_key}".encode()).hexdigest()
    return f"{agency}/{digest[:12].upper()}"


def alert_id(agency: str, reference: str) -> str:
    """The stable id of an alert: its originating agency and that agency's reference."""
    return stable_id("RiskAlert", agency, reference)


def control_id(agency: str, report: ControlReport) -> str:
    """The stable id of a control result: the client's reference, else the control's facts."""
    if report.reference is not None:
        return stable_id("ControlResult", agency, "ref", report.reference)
    return stable_id("ControlResult", agency, report.consignment_id,
                     report.alert_id or report.profile_id or "", report.control_type.value,
                     report.controlled_at, report.office)
