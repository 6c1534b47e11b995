"""LPCO checks: is each licence, permit or certificate presented with a consignment good for it?

For every document a consignment presents (``COVERED_BY``), as of the consignment's declaration:

    lpco_expired            valid_until before the declaration day (or recorded expired, no date)
    lpco_not_yet_valid      issued after the declaration day
    lpco_revoked/suspended  revoked or suspended, and not after the declaration day
    lpco_hs_not_covered     none of the consignment's HS codes is covered (prefix match)
    lpco_quantity_exceeded  earlier uses plus this one exceed the document's quantity
    lpco_overused           more consignments within the window than the type plausibly allows
    lpco_other_holder       issued to an operator that is neither exporter nor importer
                            (nor the same operator, as entity resolution decided)

Uses and reuse count only consignments of the same direction: one phyto certificate on an export
declaration and on the matching import declaration is one shipment, not two. Everything is read
through a :class:`GraphReader` (the caller's visibility: a document, use or holder the caller
may not see counts for nothing) or, for system tasks, straight from a store (``*_system``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.checks.signals import Severity, Signal, SignalKind, day_of, epoch_ms, sorted_signals
from hub.graph.cypher import checks as cypher
from hub.graph.reader import GraphReader
from hub.graph.store import GraphStore

DAY_MS = 86_400_000
BATCH = 500
"""Consignment (and document) ids per statement."""

SINGLE_SHIPMENT = ("phyto_certificate", "phyto_reexport_certificate", "sanitary_certificate",
                   "veterinary_certificate", "origin_certificate")
"""Certificates issued for one consignment: one use per direction is all that is plausible."""


@dataclass(frozen=True, slots=True)
class LpcoRules:
    """Thresholds of the LPCO checks.

    ``max_uses`` caps, per document type, the distinct consignments (same direction) that may
    present one document within ``reuse_window_days`` either side of a declaration;
    ``default_max_uses`` applies to other types (None: no cap, the quantity check suffices).
    ``quantity_tolerance`` is relative (rounding in declared quantities).
    """

    reuse_window_days: int = 30
    max_uses: Mapping[str, int] = field(
        default_factory=lambda: dict.fromkeys(SINGLE_SHIPMENT, 1))
    default_max_uses: int | None = None
    quantity_tolerance: float = 0.001

    def cap(self, lpco_type: str | None) -> int | None:
        return self.max_uses.get(lpco_type or "", self.default_max_uses)


@dataclass(frozen=True, slots=True)
class Use:
    """A consignment that presented the document."""

    consignment_id: str
    at_ms: int | None
    direction: str | None
    quantity: float | None


@dataclass(frozen=True, slots=True)
class Document:
    """An LPCO as the check sees it."""

    id: str
    number: str | None
    lpco_type: str | None
    status: str | None
    status_changed_at: str | None
    issued_day: str | None
    valid_until: str | None
    hs_codes: tuple[str, ...]
    quantity: float | None
    quantity_unit: str | None
    holders: tuple[str, ...]
    same_as: tuple[str, ...]
    issuers: tuple[str, ...]
    uses: tuple[Use, ...]

    @property
    def name(self) -> str:
        return f"{(self.lpco_type or 'document').replace('_', ' ')} {self.number or self.id}"


@dataclass(frozen=True, slots=True)
class Presentation:
    """One consignment presenting one document, with the quantity it draws."""

    consignment_id: str
    at_ms: int | None
    direction: str | None
    hs_codes: tuple[str, ...]
    operators: tuple[str, ...]
    quantity: float | None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def document_from_row(row: Mapping[str, Any]) -> Document:
    uses = {str(u[0]): Use(str(u[0]), epoch_ms(u[1]), u[2], _number(u[3]))
            for u in row.get("uses") or () if u and u[0]}
    return Document(
        id=row["id"], number=row.get("number"), lpco_type=row.get("lpco_type"),
        status=(row.get("status") or "").lower() or None,
        status_changed_at=day_of(row.get("status_changed_at")),
        issued_day=day_of(row.get("issued_at")), valid_until=day_of(row.get("valid_until")),
        hs_codes=_strings(row.get("hs_codes")), quantity=_number(row.get("quantity")),
        quantity_unit=row.get("quantity_unit"),
        holders=tuple(sorted(set(_strings(row.get("holders"))))),
        same_as=tuple(sorted(set(_strings(row.get("same_as"))))),
        issuers=tuple(sorted(set(_strings(row.get("issuers"))))),
        uses=tuple(uses[k] for k in sorted(uses)),
    )


def covers(lpco_codes: Sequence[str], hs_code: str) -> bool:
    """Whether a document listing ``lpco_codes`` covers ``hs_code``: one is a prefix of the
    other (a licence for heading 0808 covers 080810; a declaration at 4 digits, 0808, is
    covered by a certificate for 080810)."""
    return any(hs_code.startswith(c) or c.startswith(hs_code) for c in lpco_codes if c)


def _before(use: Use, at_ms: int | None, consignment_id: str) -> bool:
    """Whether ``use`` came before the presentation at ``at_ms`` (ties broken by id)."""
    if use.at_ms is None or at_ms is None:
        return False
    return (use.at_ms, use.consignment_id) < (at_ms, consignment_id)


def check_presentation(p: Presentation, doc: Document, rules: LpcoRules) -> list[Signal]:
    """The problems of one document presented with one consignment (pure: no graph)."""
    out: list[Signal] = []
    day = day_of(p.at_ms) if p.at_ms is not None else None
    ids = (doc.id,)

    def signal(kind: SignalKind, severity: Severity, reason: str,
               records: tuple[str, ...] = ids) -> None:
        out.append(Signal(kind, severity, p.consignment_id, records, f"{doc.name}: {reason}",
                          day))

    if day is not None:
        if doc.valid_until is not None and doc.valid_until < day:
            signal(SignalKind.LPCO_EXPIRED, Severity.HIGH,
                   f"valid until {doc.valid_until}, presented on {day}")
        if doc.issued_day is not None and doc.issued_day > day:
            signal(SignalKind.LPCO_NOT_YET_VALID, Severity.MEDIUM,
                   f"issued on {doc.issued_day}, after the declaration on {day}")
    if doc.status == "expired" and doc.valid_until is None:
        signal(SignalKind.LPCO_EXPIRED, Severity.HIGH, "recorded as expired")
    if doc.status in ("revoked", "suspended") and (
            doc.status_changed_at is None or day is None or doc.status_changed_at <= day):
        kind = SignalKind.LPCO_REVOKED if doc.status == "revoked" else SignalKind.LPCO_SUSPENDED
        since = f" since {doc.status_changed_at}" if doc.status_changed_at else ""
        signal(kind, Severity.HIGH, f"{doc.status}{since}")
    if doc.hs_codes and p.hs_codes and not any(covers(doc.hs_codes, c) for c in p.hs_codes):
        signal(SignalKind.LPCO_HS_NOT_COVERED, Severity.HIGH,
               f"covers HS {', '.join(doc.hs_codes)}, not the declared {', '.join(p.hs_codes)}")
    same_way = [u for u in doc.uses
                if u.consignment_id != p.consignment_id and u.direction == p.direction]
    if doc.quantity is not None:
        earlier = sum(u.quantity or 0.0 for u in same_way if _before(u, p.at_ms,
                                                                       p.consignment_id))
        drawn = earlier + (p.quantity or 0.0)
        if drawn > doc.quantity * (1 + rules.quantity_tolerance):
            unit = f" {doc.quantity_unit}" if doc.quantity_unit else ""
            left = max(doc.quantity - earlier, 0.0)
            signal(SignalKind.LPCO_QUANTITY_EXCEEDED, Severity.MEDIUM,
                   f"{_fmt(p.quantity or 0.0)}{unit} presented, {_fmt(left)}{unit} left of "
                   f"{_fmt(doc.quantity)}{unit} after earlier uses")
    cap = rules.cap(doc.lpco_type)
    if cap is not None and p.at_ms is not None:
        window = rules.reuse_window_days * DAY_MS
        near = sorted({u.consignment_id for u in same_way
                       if u.at_ms is not None and abs(u.at_ms - p.at_ms) <= window})
        if len(near) + 1 > cap:
            signal(SignalKind.LPCO_OVERUSED, Severity.MEDIUM,
                   f"presented with {len(near) + 1} consignments within "
                   f"{rules.reuse_window_days} days (plausible: {cap})", (doc.id, *near))
    holders = set(doc.holders) | set(doc.same_as)
    if doc.holders and p.operators and not holders & set(p.operators):
        signal(SignalKind.LPCO_OTHER_HOLDER, Severity.HIGH,
               "issued to another operator than the consignment's exporter or importer",
               (doc.id, *doc.holders))
    return out


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def presentations(row: Mapping[str, Any]) -> list[tuple[Presentation, str]]:
    """(presentation, document id) for each document a consignment row presents."""
    at = epoch_ms(row.get("declared_at"))
    hs = _strings(row.get("hs_codes"))
    operators = tuple(sorted(set(_strings(row.get("operators")))))
    out: list[tuple[Presentation, str]] = []
    for doc_id, quantity in row.get("documents") or ():
        drawn = _number(quantity)
        out.append((Presentation(row["id"], at, row.get("direction"), hs, operators, drawn),
                    str(doc_id)))
    return out


@dataclass(frozen=True, slots=True)
class LpcoReport:
    """What a run of the LPCO checks saw: consignments found, documents checked, signals."""

    consignments: tuple[str, ...]
    documents: tuple[str, ...]
    signals: tuple[Signal, ...]


async def lpco_report(source: GraphReader | GraphStore, consignment_ids: Sequence[str],
                      rules: LpcoRules | None = None) -> LpcoReport:
    """Check every document the consignments present; see :func:`lpco_signals`."""
    rules = rules or LpcoRules()
    if isinstance(source, GraphReader):
        store, params = source.store, {"vis": source.params}
        consignments, documents = cypher.LPCO_CONSIGNMENTS, cypher.LPCO_DOCUMENTS
    else:
        store, params = source, {}
        consignments, documents = cypher.LPCO_CONSIGNMENTS_SYSTEM, cypher.LPCO_DOCUMENTS_SYSTEM
    seen: list[str] = []
    checked: set[str] = set()
    found: list[Signal] = []
    wanted = list(dict.fromkeys(consignment_ids))
    for start in range(0, len(wanted), BATCH):
        rows = await store.run(consignments, {**params, "ids": wanted[start:start + BATCH]})
        seen.extend(row["c"]["id"] for row in rows)
        pairs = [pair for row in rows for pair in presentations(row["c"])]
        doc_ids = sorted({doc_id for _, doc_id in pairs})
        docs: dict[str, Document] = {}
        for first in range(0, len(doc_ids), BATCH):
            for doc_row in await store.run(documents, {**params,
                                                       "ids": doc_ids[first:first + BATCH]}):
                doc = document_from_row(doc_row["l"])
                docs[doc.id] = doc
        for presentation, doc_id in pairs:
            if doc_id in docs:
                checked.add(doc_id)
                found.extend(check_presentation(presentation, docs[doc_id], rules))
    return LpcoReport(tuple(seen), tuple(sorted(checked)), tuple(sorted_signals(found)))


async def lpco_signals(source: GraphReader | GraphStore, consignment_ids: Sequence[str],
                       rules: LpcoRules | None = None) -> list[Signal]:
    """The LPCO signals of ``consignment_ids``, in a stable order.

    With a :class:`GraphReader`, everything is read under that caller's visibility (the API's
    ``lpcoCheck``); with a bare store, the ``*_system`` statements read everything (batch use
    by the risk scorer and the commands; never show their results to a caller as such).
    Ids that are unknown (or hidden from the caller) give no signal.
    """
    return list((await lpco_report(source, consignment_ids, rules)).signals)
