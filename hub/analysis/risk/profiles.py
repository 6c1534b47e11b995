"""Common risk profiles (strategy S6): criteria, their validation, and matching a consignment.

A profile's ``criteria`` is a JSON object. Every criterion given must hold for the profile to
hit (AND); within one criterion, any listed value will do (OR)::

    {
      "hs_prefixes": ["2402", "0808"],      declared HS code starts with one (2-10 digits)
      "origins": ["CN", "TR"],              country of origin (ISO 3166 alpha-2)
      "destinations": ["XK"],               country of destination
      "declaring_parties": ["RS"],          party whose agency recorded the consignment
      "exit_offices": ["RS081001"],         office of exit
      "entry_offices": ["MK1001"],          office of entry
      "offices": ["RS081001"],              exit, entry or presentation office
      "crossings": ["RS-MK-PRESEVO"],       border crossing point code crossed
      "directions": ["export"],             the consignment's direction as recorded
      "max_value_per_kg": 0.8,              declared value per kg at or below (EUR/kg)
      "operator": {                         some operator in one of the roles has every trait
        "roles": ["exporter", "importer"],  default: exporter and importer
        "traits": ["new_operator", "no_aeo"]
      }
    }

Operator traits: ``new_operator`` (first consignment in the hub < 90 days before), ``no_aeo``
(no AEO authorisation valid on the declaration day), ``aeo_withdrawn`` (holds one that was
suspended or revoked on that day), ``foreign`` (registered outside the declaring party),
``non_cefta`` (registered outside the CEFTA parties), ``past_hit`` (an irregularity or seizure
in the year before).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.analysis.risk.evidence import (
    ROLES,
    ConsignmentFacts,
    Evidence,
    OperatorFacts,
    is_foreign,
    is_non_cefta,
)
from hub.errors import InputError

MAX_VALUES = 200
WEIGHT_RANGE = (-50.0, 100.0)
"""A profile's weight in score points; negative weights are facilitation profiles."""

_HS = re.compile(r"^\d{2,10}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{1,39}$")
_WORD = re.compile(r"^[a-z][a-z_-]{0,29}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Trait = Callable[[OperatorFacts, ConsignmentFacts, str], bool]

TRAITS: Mapping[str, Trait] = {
    "new_operator": lambda op, c, day: op.is_new(day),
    "no_aeo": lambda op, c, day: not op.valid_aeo(day),
    "aeo_withdrawn": lambda op, c, day: bool(op.withdrawn_aeo(day)),
    "foreign": lambda op, c, day: is_foreign(op, c),
    "non_cefta": lambda op, c, day: is_non_cefta(op),
    "past_hit": lambda op, c, day: bool(op.history(day, c.id).hits),
}

_LISTS: Mapping[str, tuple[re.Pattern[str], str, bool]] = {
    # criterion -> (pattern, what a value must be, upper-case it first)
    "hs_prefixes": (_HS, "2 to 10 digits", False),
    "origins": (_COUNTRY, "a two-letter country code", True),
    "destinations": (_COUNTRY, "a two-letter country code", True),
    "declaring_parties": (_COUNTRY, "a two-letter party code", True),
    "exit_offices": (_CODE, "an office code", True),
    "entry_offices": (_CODE, "an office code", True),
    "offices": (_CODE, "an office code", True),
    "crossings": (_CODE, "a border crossing point code", True),
    "directions": (_WORD, "a lower-case word", False),
}
KNOWN = (*_LISTS, "max_value_per_kg", "operator")


@dataclass(frozen=True, slots=True)
class OperatorCriterion:
    roles: tuple[str, ...]
    traits: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Criteria:
    """Validated criteria; an empty tuple or None means "not a condition"."""

    hs_prefixes: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    declaring_parties: tuple[str, ...] = ()
    exit_offices: tuple[str, ...] = ()
    entry_offices: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()
    crossings: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    max_value_per_kg: float | None = None
    operator: OperatorCriterion | None = None

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, only the criteria given): what the graph stores."""
        data: dict[str, Any] = {name: list(getattr(self, name)) for name in _LISTS
                                if getattr(self, name)}
        if self.max_value_per_kg is not None:
            data["max_value_per_kg"] = self.max_value_per_kg
        if self.operator is not None:
            data["operator"] = {"roles": list(self.operator.roles),
                                "traits": list(self.operator.traits)}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def _values(name: str, raw: Any) -> tuple[str, ...]:
    pattern, what, upper = _LISTS[name]
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise InputError(f"criterion {name!r} must be a non-empty list of values, each {what}")
    if len(raw) > MAX_VALUES:
        raise InputError(f"criterion {name!r}: at most {MAX_VALUES} values, not {len(raw)}")
    out: list[str] = []
    for value in raw:
        text = value.strip() if isinstance(value, str) else None
        if text is not None and upper:
            text = text.upper()
        if text is None or not pattern.match(text):
            raise InputError(f"criterion {name!r}: {value!r} is not {what}")
        out.append(text)
    return tuple(dict.fromkeys(out))


def _operator(raw: Any) -> OperatorCriterion:
    if not isinstance(raw, dict):
        raise InputError("criterion 'operator' must be an object with 'traits' (and 'roles')")
    unknown = set(raw) - {"roles", "traits"}
    if unknown:
        raise InputError(f"criterion 'operator': unknown key(s) {sorted(unknown)}; "
                         "use 'roles' and 'traits'")
    roles = raw.get("roles", ["exporter", "importer"])
    traits = raw.get("traits")
    if not isinstance(roles, list) or not roles or not all(r in ROLES for r in roles):
        raise InputError(f"criterion 'operator.roles': {roles!r} must be a non-empty list of "
                         + ", ".join(ROLES))
    if not isinstance(traits, list) or not traits:
        raise InputError("criterion 'operator.traits' must be a non-empty list of "
                         + ", ".join(TRAITS))
    bad = [t for t in traits if t not in TRAITS]
    if bad:
        raise InputError(f"criterion 'operator.traits': unknown trait {bad[0]!r}; use "
                         + ", ".join(TRAITS))
    return OperatorCriterion(tuple(dict.fromkeys(roles)), tuple(dict.fromkeys(traits)))


def parse_criteria(raw: str | Mapping[str, Any]) -> Criteria:
    """Validate criteria given as JSON text or an object.

    Raises InputError naming the offending criterion: unknown criteria, empty criteria,
    malformed values, out-of-range thresholds and unknown operator traits are all refused.
    """
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"criteria are not valid JSON (line {exc.lineno}, column "
                             f"{exc.colno}): {exc.msg}") from None
    else:
        data = dict(raw)
    if not isinstance(data, dict):
        raise InputError("criteria must be a JSON object such as {\"hs_prefixes\": [\"2402\"]}")
    unknown = sorted(set(data) - set(KNOWN))
    if unknown:
        raise InputError(f"unknown criterion {unknown[0]!r}; use " + ", ".join(KNOWN))
    if not data:
        raise InputError("a profile needs at least one criterion (" + ", ".join(KNOWN) + ")")
    lists = {name: _values(name, data[name]) for name in _LISTS if name in data}
    ceiling = data.get("max_value_per_kg")
    if ceiling is not None:
        if (isinstance(ceiling, bool) or not isinstance(ceiling, int | float)
                or not math.isfinite(ceiling) or ceiling <= 0):
            raise InputError(f"criterion 'max_value_per_kg': {ceiling!r} must be a positive "
                             "number of EUR per kg")
        ceiling = float(ceiling)
    operator = _operator(data["operator"]) if "operator" in data else None
    return Criteria(**lists, max_value_per_kg=ceiling, operator=operator)


@dataclass(frozen=True, slots=True)
class Profile:
    """A stored profile as the scorer uses it."""

    id: str
    name: str
    criteria: Criteria
    weight: float
    version: int
    status: str
    valid_from: str | None = None
    valid_until: str | None = None

    def in_force(self, day: str) -> bool:
        return (self.status == "active"
                and (self.valid_from is None or self.valid_from[:10] <= day)
                and (self.valid_until is None or day <= self.valid_until[:10]))


def profile_from_row(row: Mapping[str, Any]) -> Profile | None:
    """A Profile from a stored node, or None when its stored criteria no longer validate
    (the profile is skipped rather than failing every score)."""
    try:
        criteria = parse_criteria(row.get("criteria") or "{}")
    except InputError:
        return None
    return Profile(id=row["id"], name=row.get("name") or row["id"], criteria=criteria,
                   weight=float(row.get("weight") or 0.0), version=int(row.get("version") or 1),
                   status=row.get("status") or "active", valid_from=row.get("valid_from"),
                   valid_until=row.get("valid_until"))


_CHECKS: tuple[tuple[str, str, Callable[[ConsignmentFacts], tuple[str | None, ...]]], ...] = (
    # (criterion, label in reasons, the consignment's values for it)
    ("origins", "origin", lambda c: (c.origin,)),
    ("destinations", "destination", lambda c: (c.destination,)),
    ("declaring_parties", "declared in", lambda c: (c.owner_party,)),
    ("exit_offices", "exit office", lambda c: (c.exit_office,)),
    ("entry_offices", "entry office", lambda c: (c.entry_office,)),
    ("offices", "office", lambda c: (c.exit_office, c.entry_office, c.presentation_office)),
    ("crossings", "crossing", lambda c: c.crossings),
    ("directions", "direction", lambda c: (c.direction.lower() if c.direction else None,)),
)


def match(criteria: Criteria, evidence: Evidence) -> list[str] | None:
    """The reasons the criteria hold for the consignment, or None when one does not.

    The batch scorer calls this for every profile and consignment: cheap tests come first and
    the first failing criterion ends it.
    """
    c = evidence.consignment
    reasons: list[str] = []
    if criteria.hs_prefixes:
        hit = next(((code, p) for code in c.hs_codes for p in criteria.hs_prefixes
                    if code.startswith(p)), None)
        if hit is None:
            return None
        reasons.append(f"HS {hit[0]} under {hit[1]}")
    for name, label, values in _CHECKS:
        wanted = getattr(criteria, name)
        if wanted:
            found = next((v for v in values(c) if v is not None and v in wanted), None)
            if found is None:
                return None
            reasons.append(f"{label} {found}")
    if criteria.max_value_per_kg is not None:
        per_kg = c.value_per_kg
        if per_kg is None or per_kg > criteria.max_value_per_kg:
            return None
        reasons.append(f"{per_kg:.2f} EUR/kg <= {criteria.max_value_per_kg:g}")
    if criteria.operator is not None:
        day = c.day or ""
        wanted_traits = criteria.operator.traits
        for op_id in c.operators(criteria.operator.roles):
            op = evidence.operators.get(op_id)
            if op is not None and all(TRAITS[t](op, c, day) for t in wanted_traits):
                role = c.roles_of(op_id)[0]
                reasons.append(f"{role} {op_id} is " + " + ".join(wanted_traits))
                break
        else:
            return None
    return reasons
