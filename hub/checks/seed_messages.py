"""SEED exit and entry messages as the matcher compares them: plates, references, parties, HS.

Messages come from the graph (Consignments the SEED+ connector wrote, ``direction`` exit or
entry; see docs/seed-plus-message.md) or straight from SEED+ JSON objects (benchmarks, replays).
Plates and references are reduced to keys (Latin letters and digits, upper case), the way the
SEED+ connector keys vehicles, so ``BG-123-AB``, ``bg 123 ab`` and ``БГ123АБ`` agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from anyascii import anyascii

from hub.analysis.names import name_key, name_similarity
from hub.errors import InputError
from hub.times import epoch_ms

DIRECTIONS = ("exit", "entry")
_NOT_KEY = re.compile(r"[^A-Z0-9]")


def plate_key(raw: object) -> str | None:
    """A plate as a matching key: transliterated, upper case, letters and digits only."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    key = _NOT_KEY.sub("", anyascii(raw).upper())
    return key or None


def reference_key(raw: object) -> str | None:
    """A document reference (MRN, T1, TIR, EX) as a matching key."""
    return plate_key(raw)


@dataclass(frozen=True, slots=True)
class PartyRef:
    """A consignor or consignee as a message names it."""

    country: str | None
    tax_id: str | None
    name: str | None

    @property
    def tax_key(self) -> str | None:
        """The tax id without separators or a leading country prefix."""
        return _tax_key(self.country, self.tax_id)


@lru_cache(maxsize=65_536)
def _tax_key(country: str | None, tax_id: str | None) -> str | None:
    key = plate_key(tax_id)
    if key and country and key.startswith(country) and len(key) > 5:
        key = key[len(country):]
    return key


def same_party(a: PartyRef | None, b: PartyRef | None, threshold: float) -> bool | None:
    """Whether two mentions name the same operator; None when they cannot be compared.

    Tax ids decide when both sides have one; otherwise names compared across scripts and
    legal-form spellings (hub.analysis.names), at ``threshold`` similarity.
    """
    if a is None or b is None:
        return None
    if a.country and b.country and a.country != b.country:
        return False
    ka, kb = a.tax_key, b.tax_key
    if ka and kb:
        return ka == kb
    if a.name and b.name:
        na, nb = name_key(a.name, a.country), name_key(b.name, b.country)
        return na.key == nb.key or name_similarity(na, nb) >= threshold
    return None


@dataclass(frozen=True, slots=True)
class SeedMessage:
    """One exit or entry message. ``id`` is the hub id (or the message id when not from the
    graph); ``at_ms`` the declared instant; ``tractor``/``trailer``/``reference`` are keys."""

    id: str
    direction: str
    at_ms: int
    exit_office: str
    entry_office: str
    reference: str | None = None
    tractor: str | None = None
    trailer: str | None = None
    gross_kg: float | None = None
    hs_codes: tuple[str, ...] = ()
    origin: str | None = None
    consignor: PartyRef | None = None
    consignee: PartyRef | None = None

    @property
    def lane(self) -> tuple[str, str]:
        """(party of exit, party of entry), from the offices' country prefixes."""
        return self.exit_office[:2], self.entry_office[:2]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _codes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(re.sub(r"\D", "", str(v)) for v in value if v))


def _office(value: Any, what: str, message_id: str) -> str:
    text = _NOT_KEY.sub("", str(value or "").upper())
    if len(text) < 4:
        raise InputError(f"SEED message {message_id}: {what} {value!r} is not an office code")
    return text


def message_from_row(row: Mapping[str, Any]) -> SeedMessage | None:
    """A message from a ``checks.seed_messages_system`` row; None when it lacks what matching
    needs (direction, instant, both offices)."""
    direction, at = row.get("direction"), epoch_ms(row.get("declared_at"))
    if direction not in DIRECTIONS or at is None:
        return None
    if not row.get("exit_office") or not row.get("entry_office"):
        return None
    plates: dict[str, str] = {}
    for kind, plate in row.get("vehicles") or ():
        key = plate_key(plate)
        if key and kind in ("tractor", "trailer"):
            plates.setdefault(kind, key)
    parties: dict[str, PartyRef] = {}
    for rel, country, tax, latin, name in row.get("parties") or ():
        role = "consignor" if rel == "EXPORTER_OF" else "consignee"
        parties.setdefault(role, PartyRef(country, tax, latin or name))
    return SeedMessage(
        id=str(row["id"]), direction=direction, at_ms=at,
        exit_office=_office(row["exit_office"], "exit_office", str(row["id"])),
        entry_office=_office(row["entry_office"], "entry_office", str(row["id"])),
        reference=reference_key(row.get("reference")), tractor=plates.get("tractor"),
        trailer=plates.get("trailer"), gross_kg=_number(row.get("gross_mass_kg")),
        hs_codes=_codes(row.get("hs_codes")), origin=row.get("origin"),
        consignor=parties.get("consignor"), consignee=parties.get("consignee"),
    )


def _party(value: Any) -> PartyRef | None:
    if not isinstance(value, Mapping):
        return None
    return PartyRef(value.get("country"), value.get("tax_id"), value.get("name"))


def _plate_of(value: Any) -> str | None:
    return plate_key(value.get("plate")) if isinstance(value, Mapping) else None


def message_from_json(obj: Mapping[str, Any]) -> SeedMessage:
    """A message from a SEED+ JSON object (docs/seed-plus-message.md). Checks only what
    matching needs; the SEED+ connector validates every field. Raises InputError."""
    message_id = str(obj.get("message_id") or "")
    if not message_id:
        raise InputError("a SEED message needs a message_id")
    direction = obj.get("message_type")
    if direction not in DIRECTIONS:
        raise InputError(f"SEED message {message_id}: message_type {direction!r} is not exit "
                         "or entry")
    at = epoch_ms(obj.get("declared_at"))
    if at is None:
        raise InputError(f"SEED message {message_id}: declared_at {obj.get('declared_at')!r} "
                         "is not an ISO 8601 date-time")
    document = obj.get("document")
    return SeedMessage(
        id=message_id, direction=direction, at_ms=at,
        exit_office=_office(obj.get("exit_office"), "exit_office", message_id),
        entry_office=_office(obj.get("entry_office"), "entry_office", message_id),
        reference=reference_key(document.get("reference")) if isinstance(document, Mapping)
        else None,
        tractor=_plate_of(obj.get("vehicle")), trailer=_plate_of(obj.get("trailer")),
        gross_kg=_number(obj.get("gross_weight_kg")), hs_codes=_codes(obj.get("hs_codes")),
        origin=obj.get("origin_country"), consignor=_party(obj.get("consignor")),
        consignee=_party(obj.get("consignee")),
    )
