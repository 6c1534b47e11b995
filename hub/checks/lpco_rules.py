"""The LPCO rules: what is wrong with one document presented with one consignment (pure).

The one home of these rules. The checks (:mod:`hub.checks.lpco`: ``lpcoCheck``, ``hub checks
lpco``, the stored signals) and the risk scorer (the ``lpco`` factor of
:mod:`hub.analysis.risk.scoring`, and the learned model's document features) all call
:func:`problems`; the scorer weighs the kinds it judges itself and leaves the others (not yet
valid, overused) to the stored signals. Everything is as of the declaration day (UTC):

    lpco_revoked/suspended  revoked or suspended on or before the declaration day (an undated
                            change counts: the record is all there is)
    lpco_expired            valid_until before the declaration day; without a validity end,
                            recorded ``expired`` on or before that day (or undated)
    lpco_not_yet_valid      issued after the declaration day
    lpco_hs_not_covered     none of the consignment's HS codes is covered (prefix match)
    lpco_quantity_exceeded  the shipments before this one plus this one exceed the quantity
    lpco_overused           more shipments within the window than the type plausibly allows
    lpco_other_holder       issued to neither the exporter nor the importer (nor the same
                            operator under another record, as entity resolution decided)

Decisions, and why:

* **Shipments, not declarations.** One shipment is declared on both sides of a border (an export
  and the matching import, a SEED exit and entry message) and each declaration may present the
  same certificate or licence. Counting both would draw a licence twice and make every
  certificate look reused; counting only uses of the same direction (as the check once did)
  would miss two real shipments declared on different sides. So uses are grouped into
  shipments: a use joins an earlier one of *another* direction declared at most
  ``mirror_days`` before with the same quantity (within the tolerance; an unknown quantity does
  not tell them apart); everything else is a shipment of its own. Quantities are drawn once per
  shipment and reuse counts shipments.
* **Order.** A shipment drew before this one when its first use was declared earlier (ties on
  the instant broken by consignment id, so two declarations never both count each other);
  undated uses count for nothing, an undated declaration draws only its own quantity.
* **Holder.** A licence, permit or certificate is issued to the trader: the exporter or the
  importer. A document issued to the consignment's broker (declarant) or carrier is not the
  trader's own, which is exactly the misuse the rule looks for.
* **Recorded status.** A stored status is today's; it speaks for a past declaration only from
  the day of the change (``status_changed_at``). Expiry is judged from ``valid_until`` whenever
  there is one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hub.checks.signals import Severity, Signal, SignalKind, day_of

DAY_MS = 86_400_000

SINGLE_SHIPMENT = ("phyto_certificate", "phyto_reexport_certificate", "sanitary_certificate",
                   "veterinary_certificate", "origin_certificate")
"""Certificates issued for one consignment: one shipment is all that is plausible."""


@dataclass(frozen=True, slots=True)
class LpcoRules:
    """Thresholds of the LPCO rules.

    ``max_uses`` caps, per document type, the shipments that may present one document within
    ``reuse_window_days`` either side of a declaration; ``default_max_uses`` applies to other
    types (None: no cap, the quantity rule suffices). ``quantity_tolerance`` is relative
    (rounding in declared quantities). ``mirror_days``: how long after one side's declaration
    the other side's declaration of the same shipment may come.
    """

    reuse_window_days: int = 30
    max_uses: Mapping[str, int] = field(
        default_factory=lambda: dict.fromkeys(SINGLE_SHIPMENT, 1))
    default_max_uses: int | None = None
    quantity_tolerance: float = 0.001
    mirror_days: int = 7

    def cap(self, lpco_type: str | None) -> int | None:
        return self.max_uses.get(lpco_type or "", self.default_max_uses)


RULES = LpcoRules()


@dataclass(frozen=True, slots=True)
class Use:
    """A consignment that presented the document: when, in which direction, drawing how much."""

    consignment_id: str
    at_ms: int | None
    direction: str | None
    quantity: float | None


def _use_order(use: Use) -> tuple[bool, int, str]:
    return (use.at_ms is None, use.at_ms or 0, use.consignment_id)


@dataclass(frozen=True, slots=True)
class Document:
    """An LPCO as the rules see it. Days are ``YYYY-MM-DD``; ``holders`` are the operators it
    was issued to, ``same_as`` the operators linked to them by a SAME_AS link that was not
    rejected; ``uses`` every consignment presenting it (kept in declaration order)."""

    id: str
    number: str | None = None
    lpco_type: str | None = None
    status: str | None = None
    status_changed_at: str | None = None
    issued_day: str | None = None
    valid_until: str | None = None
    hs_codes: tuple[str, ...] = ()
    quantity: float | None = None
    quantity_unit: str | None = None
    holders: tuple[str, ...] = ()
    same_as: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    uses: tuple[Use, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "uses", tuple(sorted(self.uses, key=_use_order)))

    @property
    def name(self) -> str:
        return f"{(self.lpco_type or 'document').replace('_', ' ')} {self.number or self.id}"

    def use_of(self, consignment_id: str) -> Use | None:
        return next((u for u in self.uses if u.consignment_id == consignment_id), None)

    def prior_uses(self, at_ms: int | None, consignment_id: str) -> int:
        """Other consignments that presented it at or before ``at_ms`` (0 when undated)."""
        if at_ms is None:
            return 0
        return sum(1 for u in self.uses if u.consignment_id != consignment_id
                   and u.at_ms is not None and u.at_ms <= at_ms)


@dataclass(frozen=True, slots=True)
class Presentation:
    """One consignment presenting one document: its declaration instant, direction, HS codes,
    traders (exporter and importer ids) and the quantity it draws."""

    consignment_id: str
    at_ms: int | None
    direction: str | None
    hs_codes: tuple[str, ...]
    operators: tuple[str, ...]
    quantity: float | None

    @property
    def day(self) -> str | None:
        """The declaration's UTC day, the day every rule judges on."""
        return None if self.at_ms is None else day_of(self.at_ms)


def covers(lpco_codes: Sequence[str], hs_code: str) -> bool:
    """Whether a document listing ``lpco_codes`` covers ``hs_code``: one is a prefix of the
    other (a licence for heading 0808 covers 080810; a declaration at 4 digits, 0808, is
    covered by a certificate for 080810)."""
    return any(hs_code.startswith(c) or c.startswith(hs_code) for c in lpco_codes if c)


# ---- shipments -------------------------------------------------------------------------------

@dataclass(slots=True)
class _Shipment:
    first_ms: int
    directions: set[str]
    quantity: float | None
    consignments: list[str]
    times: list[int]


def _mirrors(shipment: _Shipment, use: Use, rules: LpcoRules) -> bool:
    """Whether ``use`` is the other side's declaration of ``shipment``."""
    if use.direction is None or not shipment.directions or use.direction in shipment.directions:
        return False
    assert use.at_ms is not None
    if use.at_ms - shipment.first_ms > rules.mirror_days * DAY_MS:
        return False
    a, b = shipment.quantity, use.quantity
    return a is None or b is None or abs(a - b) <= max(abs(a), abs(b)) * rules.quantity_tolerance


def _shipments(uses: Sequence[Use], until_ms: int, rules: LpcoRules) -> list[_Shipment]:
    """The dated uses up to ``until_ms`` (in declaration order) grouped into shipments."""
    out: list[_Shipment] = []
    open_from = 0  # shipments before this index began too long ago to be mirrored
    horizon = rules.mirror_days * DAY_MS
    for use in uses:
        if use.at_ms is None or use.at_ms > until_ms:
            break
        while open_from < len(out) and use.at_ms - out[open_from].first_ms > horizon:
            open_from += 1
        joined = next((s for s in out[open_from:] if _mirrors(s, use, rules)), None)
        if joined is None:
            out.append(_Shipment(use.at_ms, {use.direction} if use.direction else set(),
                                 use.quantity, [use.consignment_id], [use.at_ms]))
            continue
        assert use.direction is not None
        joined.directions.add(use.direction)
        joined.consignments.append(use.consignment_id)
        joined.times.append(use.at_ms)
        if joined.quantity is None:
            joined.quantity = use.quantity
    return out


def _uses_with(doc: Document, p: Presentation) -> tuple[Use, ...]:
    """The document's uses, with this presentation among them (it is, when read whole)."""
    if p.at_ms is None or any(u.consignment_id == p.consignment_id for u in doc.uses):
        return doc.uses
    own = Use(p.consignment_id, p.at_ms, p.direction, p.quantity)
    return tuple(sorted((*doc.uses, own), key=_use_order))


def _own(shipments: Sequence[_Shipment], consignment_id: str) -> int | None:
    return next((k for k, s in enumerate(shipments) if consignment_id in s.consignments), None)


# ---- the rules -------------------------------------------------------------------------------

def _status_in_force(doc: Document, day: str | None) -> bool:
    """Whether the recorded status had taken effect by ``day``."""
    if doc.status_changed_at is None:
        return True
    return day is not None and doc.status_changed_at <= day


class _Findings:
    """The signals found for one presentation of one document."""

    __slots__ = ("day", "doc", "out", "p")

    def __init__(self, p: Presentation, doc: Document) -> None:
        self.p, self.doc, self.day = p, doc, p.day
        self.out: list[Signal] = []

    def add(self, kind: SignalKind, severity: Severity, reason: str,
            records: tuple[str, ...] | None = None) -> None:
        self.out.append(Signal(kind, severity, self.p.consignment_id, records or (self.doc.id,),
                               f"{self.doc.name}: {reason}", self.day))


def problems(p: Presentation, doc: Document, rules: LpcoRules = RULES) -> list[Signal]:
    """What is wrong with ``doc`` presented with ``p``, as signals about ``p``'s consignment
    (``observed_at`` the declaration day), in a fixed order: status, validity, HS codes,
    quantity, reuse, holder. Pure: no graph, no clock."""
    found = _Findings(p, doc)
    day = found.day
    status = (doc.status or "").lower()
    since = f" since {doc.status_changed_at}" if doc.status_changed_at else ""
    if status in ("revoked", "suspended") and _status_in_force(doc, day):
        kind = SignalKind.LPCO_REVOKED if status == "revoked" else SignalKind.LPCO_SUSPENDED
        found.add(kind, Severity.HIGH, f"{status}{since}")
    if doc.valid_until is not None:
        if day is not None and doc.valid_until < day:
            found.add(SignalKind.LPCO_EXPIRED, Severity.HIGH,
                      f"valid until {doc.valid_until}, presented on {day}")
    elif status == "expired" and _status_in_force(doc, day):
        found.add(SignalKind.LPCO_EXPIRED, Severity.HIGH, f"recorded as expired{since}")
    if day is not None and doc.issued_day is not None and doc.issued_day > day:
        found.add(SignalKind.LPCO_NOT_YET_VALID, Severity.MEDIUM,
                  f"issued on {doc.issued_day}, after the declaration on {day}")
    if doc.hs_codes and p.hs_codes and not any(covers(doc.hs_codes, c) for c in p.hs_codes):
        found.add(SignalKind.LPCO_HS_NOT_COVERED, Severity.HIGH,
                  f"covers HS {', '.join(doc.hs_codes)}, not the declared {', '.join(p.hs_codes)}")
    cap = rules.cap(doc.lpco_type)
    if doc.quantity is not None or (cap is not None and p.at_ms is not None):
        _drawn_and_reused(found, rules, cap)
    holders = set(doc.holders) | set(doc.same_as)
    if doc.holders and p.operators and not holders & set(p.operators):
        found.add(SignalKind.LPCO_OTHER_HOLDER, Severity.HIGH,
                  "issued to another operator than the consignment's exporter or importer",
                  (doc.id, *doc.holders))
    return found.out


def _drawn_and_reused(found: _Findings, rules: LpcoRules, cap: int | None) -> None:
    """The quantity and reuse rules, over the document's shipments."""
    p, doc = found.p, found.doc
    window = rules.reuse_window_days * DAY_MS
    shipments: list[_Shipment] = []
    own: int | None = None
    if p.at_ms is not None:
        until = p.at_ms + (window if cap is not None else 0)
        shipments = _shipments(_uses_with(doc, p), until, rules)
        own = _own(shipments, p.consignment_id)
    if doc.quantity is not None:
        earlier = sum(s.quantity or 0.0 for s in shipments[:own]) if own is not None else 0.0
        drawn = earlier + (p.quantity or 0.0)
        if drawn > doc.quantity * (1 + rules.quantity_tolerance):
            unit = f" {doc.quantity_unit}" if doc.quantity_unit else ""
            left = max(doc.quantity - earlier, 0.0)
            found.add(SignalKind.LPCO_QUANTITY_EXCEEDED, Severity.MEDIUM,
                      f"{_fmt(p.quantity or 0.0)}{unit} presented, {_fmt(left)}{unit} left of "
                      f"{_fmt(doc.quantity)}{unit} after earlier shipments")
    if cap is None or p.at_ms is None or own is None:
        return
    at = p.at_ms
    near = [s for k, s in enumerate(shipments)
            if k != own and any(abs(t - at) <= window for t in s.times)]
    if len(near) + 1 > cap:
        others = sorted({c for s in near for c in s.consignments})
        found.add(SignalKind.LPCO_OVERUSED, Severity.MEDIUM,
                  f"presented with {len(near) + 1} shipments within "
                  f"{rules.reuse_window_days} days (plausible: {cap})", (doc.id, *others))


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
