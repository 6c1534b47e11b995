"""Shared identifiers between operators: who uses the same phone, address, truck, driver...

Two modes: the pairs among 2-20 given operators, or one operator against every visible
operator that shares something with it. Each shared item scores

    weight = base weight of its class / log2(2 + degree)

where ``degree`` is the item's visible degree over the edges that make it an identifier (the
operators at an address, the consignments a truck carried, a declarant declared): a phone two
companies share says more than an address thirty share. Items with a degree above
``max_degree`` (a customs broker, a big forwarder) are skipped with a note instead of flooding
the result. A pair's score is the sum of its items' weights; a shared city (from the pair's
addresses) adds a small weight when the pair shares no address.

Every read is visibility-filtered inside the query; degrees count visible links only.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hub.analysis.links import ScanFilter, Scanner, check_range, display_label, visible_because
from hub.errors import InputError, NotFoundError
from hub.graph.cypher.links import CARRIED, DIRECT, IDENTIFIERS, INTERMEDIARIES, ITEM_OPERATORS
from hub.graph.store import Row

MAX_OPERATORS = 20
MAX_PAIRS = 100
MAX_DEGREE = 1_000
ITEM_EDGES = (*DIRECT, *CARRIED, *INTERMEDIARIES)
"""The edges that count in an item's degree: the ones that make it an identifier."""

BASE_WEIGHTS: Mapping[str, float] = {
    "phone": 5.0, "email": 5.0, "contact": 4.0, "address": 3.0, "document": 3.0,
    "vehicle": 2.0, "driver": 2.0, "declarant": 1.0, "carrier": 1.0, "city": 0.5,
}
"""Base weight per class: a shared phone or e-mail counts more than an address, more than a
city; documents (an LPCO used by two companies) count like an address."""

_REASONS: Mapping[str, str] = {
    "phone": "same phone number", "email": "same e-mail address", "contact": "same contact",
    "address": "same address", "document": "same document (LPCO)",
    "vehicle": "same vehicle on their consignments", "driver": "same driver on their consignments",
    "declarant": "same declarant for their consignments",
    "carrier": "same carrier for their consignments", "city": "same city",
}


@dataclass(frozen=True, slots=True)
class SharedItem:
    """One identifier two operators share; ``degree`` None for a city (not counted), a lower
    bound unless ``degree_exact``."""

    id: str
    kind: str
    label: str
    item_class: str
    weight: float
    degree: int | None
    degree_exact: bool
    reason: str
    visible_because: str
    owner_agency: str | None = None
    personal: bool = False


@dataclass(frozen=True, slots=True)
class SharedPair:
    a: str
    b: str
    a_label: str
    b_label: str
    score: float
    items: tuple[SharedItem, ...]


@dataclass(frozen=True, slots=True)
class SharedResult:
    pairs: tuple[SharedPair, ...]
    notes: tuple[str, ...]


def item_class(kind: str, via: str, detail: str | None) -> str:
    if kind == "Contact":
        channel = (detail or "").strip().lower()
        if channel in {"phone", "tel", "telephone", "mobile", "fax"}:
            return "phone"
        if channel in {"email", "e-mail", "mail"}:
            return "email"
        return "contact"
    return {"Address": "address", "Lpco": "document", "Vehicle": "vehicle",
            "Person": "driver"}.get(kind) or ("carrier" if via == "CARRIER_OF" else "declarant")


def item_weight(cls: str, degree: int | None) -> float:
    base = BASE_WEIGHTS[cls]
    return base if degree is None else base / math.log2(2 + degree)


async def shared_identifiers(scanner: Scanner, operator_ids: Sequence[str], *,
                             against_all: bool = False, limit: int = 20,
                             max_degree: int = 100) -> SharedResult:
    """Pairs of operators that share identifiers, best first (at most ``limit``, 1-100).

    ``operator_ids``: 2-20 operators (pairs among them), or exactly one with ``against_all``.
    Raises InputError/LimitError for bad arguments, NotFoundError for an id that is not a
    visible operator (hidden = absent).
    """
    ids = list(dict.fromkeys(operator_ids))
    if against_all and len(ids) != 1:
        raise InputError("against all operators: give exactly one operator id")
    if not against_all:
        check_range("number of operatorIds", len(ids), 2, MAX_OPERATORS)
    check_range("limit", limit, 1, MAX_PAIRS)
    check_range("maxDegree", max_degree, 2, MAX_DEGREE)
    operators = await scanner.nodes(ids)
    for op in ids:
        if op not in operators or operators[op]["kind"] != "Operator":
            raise NotFoundError(f"no operator with id {op!r} is visible to you")

    uses, details, notes = await _identifiers(scanner, ids)
    degrees = await scanner.scan(sorted({i for items in uses.values() for i in items}),
                                 ScanFilter(types=ITEM_EDGES), 0, settle_at=max_degree + 1)
    degree = {i: a.total for i, a in degrees.items()}
    exact = {i: a.exact for i, a in degrees.items()}
    notes += [f"{details[i][0]} {i} has more than {max_degree} visible links: skipped as a "
              "super-node" for i in sorted(degree) if degree[i] > max_degree]
    usable = {i for i in degree if degree[i] <= max_degree}
    if against_all:
        seed = ids[0]
        users = await _users(scanner, sorted(uses[seed] & usable))
        others = sorted({o for i in uses[seed] if i in usable for o in users[i]} - {seed})
        pairs = [(seed, other, sorted(i for i in uses[seed] if i in usable and other in users[i]))
                 for other in others]
        notes.append("against all operators, a shared city alone does not make a pair")
    else:
        pairs = [(a, b, sorted((uses[a] & uses[b]) & usable))
                 for a, b in itertools.combinations(sorted(ids), 2)]
    cities = {op: {str(details[i][2]) for i in uses[op] & usable
                   if details[i][0] == "Address" and details[i][2]} for op in ids}

    def score(pair: tuple[str, str, list[str]]) -> float:
        a, b, items = pair
        total = sum(item_weight(details[i][1], degree[i]) for i in items)
        if not against_all and not any(details[i][1] == "address" for i in items):
            total += BASE_WEIGHTS["city"] * len(_common(cities[a], cities[b]))
        return total

    ranked = sorted(((score(p), p) for p in pairs), key=lambda sp: (-sp[0], sp[1][0], sp[1][1]))
    best = [pair for value, pair in ranked if value > 0][:limit]
    rows = await scanner.nodes({*ids, *(b for _, b, _ in best), *(i for *_, items in best
                                                                   for i in items)})
    result = []
    for a, b, items in best:
        if a not in rows or b not in rows:
            continue  # stopped being visible meanwhile
        shared = [_item(rows[i], details[i][1], degree[i], exact[i], scanner)
                  for i in items if i in rows]
        if not against_all and not any(item.item_class == "address" for item in shared):
            shared += _cities(_common(cities[a], cities[b]))
        if shared:
            result.append(SharedPair(
                a, b, display_label(rows[a]), display_label(rows[b]),
                round(sum(item.weight for item in shared), 4),
                tuple(sorted(shared, key=lambda item: (-item.weight, item.id)))))
    result.sort(key=lambda p: (-p.score, p.a, p.b))
    return SharedResult(pairs=tuple(result), notes=tuple(notes))


async def _identifiers(scanner: Scanner, ids: list[str]) -> tuple[
        dict[str, set[str]], dict[str, tuple[str, str, str | None]], list[str]]:
    """Items per operator, and per item (kind, class, detail)."""
    results = await scanner.bounded(IDENTIFIERS, ids, "ids", {}, _most_per_branch)
    uses: dict[str, set[str]] = defaultdict(set)
    details: dict[str, tuple[str, str, str | None]] = {}
    for rows, _ in results:
        for row in rows:
            uses[row["operator"]].add(row["item"])
            cls = item_class(row["kind"], row["via"], row["detail"])
            # A document issued to one and covering the other's goods is one shared document.
            details.setdefault(row["item"], (row["kind"], cls, row["detail"]))
    notes = [] if all(complete for _, complete in results) else [
        "an operator has more identifiers than one read may return: some were not compared"]
    return uses, details, notes


async def _users(scanner: Scanner, items: list[str]) -> dict[str, set[str]]:
    """The visible operators of each item (items here are not super-nodes)."""
    results = await scanner.bounded(ITEM_OPERATORS, items, "items", {}, _most_per_branch)
    users: dict[str, set[str]] = defaultdict(set)
    for rows, _ in results:
        for row in rows:
            users[row["item"]].add(row["operator"])
    return users


def _most_per_branch(rows: list[Row]) -> int:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["branch"]] += 1
    return max(counts.values(), default=0)


def _item(row: Row, cls: str, degree: int, exact: bool, scanner: Scanner) -> SharedItem:
    reason = f"{_REASONS[cls]}; {degree}{'' if exact else '+'} visible links"
    return SharedItem(id=row["id"], kind=row["kind"], label=display_label(row), item_class=cls,
                      weight=round(item_weight(cls, degree), 4), degree=degree,
                      degree_exact=exact, reason=reason,
                      visible_because=visible_because(row, scanner.visibility),
                      owner_agency=row.get("owner_agency"),
                      personal=row["kind"] == "Person" and row.get("label") is not None)


def _common(a: set[str], b: set[str]) -> list[str]:
    """Cities in both sets, compared without case and surrounding spaces."""
    norm_a = {c.strip().casefold(): c for c in a}
    return sorted(norm_a[c] for c in {c.strip().casefold() for c in b} & set(norm_a))


def _cities(common: list[str]) -> list[SharedItem]:
    """Shared cities, counted when the pair shares no address (an address implies its city)."""
    return [SharedItem(id=f"city:{city}", kind="City", label=city, item_class="city",
                       weight=BASE_WEIGHTS["city"], degree=None, degree_exact=True,
                       reason=f"{_REASONS['city']}: {city}",
                       visible_because="from the addresses of both operators")
            for city in common]
