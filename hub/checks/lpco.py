"""LPCO checks: is each licence, permit or certificate presented with a consignment good for it?

For every document a consignment presents (``COVERED_BY``), as of the consignment's declaration,
the rules of :mod:`hub.checks.lpco_rules` (their one home, shared with the risk scorer) say what
is wrong: expired, not yet valid, revoked or suspended, HS codes not covered, quantity exceeded,
reused, issued to another operator. Everything is read through a :class:`GraphReader` (the
caller's visibility: a document, use or holder the caller may not see counts for nothing) or, for
system tasks, straight from a store (``*_system``). Storing the problems as ``RiskSignal``
records is :mod:`hub.checks.lpco_runs`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.checks.lpco_rules import RULES, Document, LpcoRules, Presentation, Use, problems
from hub.checks.signals import Signal, day_of, sorted_signals
from hub.graph.cypher import checks as cypher
from hub.graph.reader import GraphReader
from hub.graph.store import GraphStore
from hub.times import epoch_ms

BATCH = 500
"""Consignment (and document) ids per statement."""

def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def document_from_row(row: Mapping[str, Any]) -> Document:
    """A document from a ``checks.lpco_documents`` row (or the scorer's ``risk.lpcos``)."""
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
        uses=tuple(uses.values()),
    )


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
    rules = rules or RULES
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
                found.extend(problems(presentation, docs[doc_id], rules))
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
