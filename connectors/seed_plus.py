"""SEED+ pre-arrival messages (the hub's JSON message, docs/seed-plus-message.md) as records.

No public SEED or SEED+ schema exists, so the hub defines its own message: one JSON object per
line (JSON Lines), or a JSON array of them. Every field is checked and all problems of a message
are reported together. Each message becomes:

    Consignment  key ("seed-plus", message_id); document.reference/type -> reference(_type);
                 message_type exit|entry -> direction; declared_at (UTC); exit_office,
                 entry_office, gross_weight_kg, hs_codes, origin_country
    consignor -> Operator -EXPORTER_OF->; consignee -> Operator -IMPORTER_OF->
    vehicle -> Vehicle (tractor), trailer -> Vehicle (trailer)   -TRANSPORTED_BY->

Exit/entry matching needs plates, the document reference, times and offices: all are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

from connectors.entities import DraftBuilder, Party, add_operator, add_vehicle
from connectors.jsonstream import json_values
from connectors.values import Plate, TaxId, country, hs_code, iso_instant, office, plate, tax_id
from hub.errors import InputError
from hub.ingest.connector import Parsed, Rejected

MESSAGE_TYPES = ("exit", "entry")
DOCUMENT_TYPES = ("MRN", "T1", "TIR", "EX")
SCHEMA_VERSIONS = (1,)
FIELDS = {
    "schema_version", "message_id", "message_type", "exit_office", "entry_office", "document",
    "vehicle", "trailer", "gross_weight_kg", "consignor", "consignee", "hs_codes",
    "origin_country", "declared_at",
}
REQUIRED = FIELDS - {"schema_version", "trailer"}
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
_MRN = re.compile(r"^\d{2}[A-Z]{2}[A-Z0-9]{14}$")
_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9 ./-]{0,34}$")
T = TypeVar("T")


class SeedPlusConnector:
    """SEED+ pre-arrival messages in the hub's JSON format."""

    name: str = "seed-plus"
    suffixes: tuple[str, ...] = (".jsonl", ".json", ".ndjson")
    fragment_suffix: str = ".json"

    def parse(self, stream: BinaryIO, origin: str) -> Iterator[Parsed | Rejected]:
        for item in json_values(stream):
            position = f"line {item.line}"
            if item.error is not None:
                yield Rejected(origin, position, item.error, item.raw)
                if item.fatal:
                    return
                continue
            try:
                yield _message(item.value, position, item.raw)
            except InputError as exc:
                ref = item.value.get("message_id") if isinstance(item.value, dict) else None
                yield Rejected(origin, position, exc.message, item.raw,
                               ref if isinstance(ref, str) else None)


class _Checker:
    """Collects every problem of one message, so the sender fixes them in one go."""

    def __init__(self, message: dict[str, Any]) -> None:
        self.message = message
        self.problems: list[str] = []

    def check(self, field: str, convert: Callable[[Any], T]) -> T | None:
        try:
            return convert(self.message.get(field))
        except InputError as exc:
            self.problems.append(exc.message)
            return None


def _message(message: Any, position: str, raw: str) -> Parsed:
    if not isinstance(message, dict):
        raise InputError(f"a SEED+ message must be a JSON object, not {type(message).__name__}")
    unknown = sorted(set(message) - FIELDS)
    missing = sorted(f for f in REQUIRED if message.get(f) is None)
    c = _Checker(message)
    if unknown:
        c.problems.append(f"unknown field(s) {', '.join(unknown)}")
    if missing:
        c.problems.append(f"missing field(s) {', '.join(missing)}")
    version = message.get("schema_version", 1)
    if version not in SCHEMA_VERSIONS:
        c.problems.append(f"schema_version {version!r} is not supported (use 1)")
    message_id = c.check("message_id", _message_id)
    message_type = c.check("message_type", lambda v: _choice("message_type", v, MESSAGE_TYPES))
    exit_office = c.check("exit_office", lambda v: office(_string("exit_office", v),
                                                          "exit_office"))
    entry_office = c.check("entry_office", lambda v: office(_string("entry_office", v),
                                                            "entry_office"))
    document = c.check("document", _document)
    vehicle = c.check("vehicle", lambda v: _vehicle("vehicle", v))
    trailer = c.check("trailer", lambda v: _vehicle("trailer", v))
    weight = c.check("gross_weight_kg", _weight)
    consignor = c.check("consignor", lambda v: _party("consignor", v))
    consignee = c.check("consignee", lambda v: _party("consignee", v))
    hs_codes = c.check("hs_codes", _hs_codes)
    origin = c.check("origin_country", lambda v: country(_string("origin_country", v),
                                                         "origin_country"))
    declared_at = c.check("declared_at", lambda v: iso_instant(
        _string("declared_at", v), "declared_at", require_offset=True))
    if c.problems:
        raise InputError(f"message {message_id or '(no valid message_id)'}: "
                         + "; ".join(c.problems))
    assert message_id is not None  # guaranteed by REQUIRED
    assert document is not None

    b = DraftBuilder()
    consignment = b.node("Consignment", ("seed-plus", message_id), {
        "reference": document[1], "reference_type": document[0], "direction": message_type,
        "declared_at": declared_at, "exit_office": exit_office, "entry_office": entry_office,
        "gross_mass_kg": weight, "hs_codes": hs_codes, "origin": origin,
    })
    for party, rel in ((consignor, "EXPORTER_OF"), (consignee, "IMPORTER_OF")):
        operator = add_operator(b, party) if party is not None else None
        if operator is not None:
            b.edge(rel, operator, consignment)
    for means, kind in ((vehicle, "tractor"), (trailer, "trailer")):
        if means is not None:
            b.edge("TRANSPORTED_BY", consignment, add_vehicle(b, means[0], means[1], kind))
    return b.parsed(message_id, position, raw)


def _string(field: str, raw: Any) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InputError(f"{field} must be a string, not {type(raw).__name__}")
    return raw


def _choice(field: str, raw: Any, allowed: tuple[str, ...]) -> str | None:
    value = _string(field, raw)
    if value is None:
        return None
    if value not in allowed:
        raise InputError(f"{field} {value!r} is not one of {', '.join(allowed)}")
    return value


def _object(field: str, raw: Any, keys: set[str], required: set[str]) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError(f"{field} must be an object with {', '.join(sorted(keys))}")
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise InputError(f"{field} has unknown field(s) {', '.join(unknown)}")
    missing = sorted(k for k in required if raw.get(k) is None)
    if missing:
        raise InputError(f"{field} lacks {', '.join(f'{field}.{k}' for k in missing)}")
    return raw


def _message_id(raw: Any) -> str | None:
    value = _string("message_id", raw)
    if value is not None and not _MESSAGE_ID.match(value):
        raise InputError(f"message_id {value!r} must be 1-64 letters, digits or . _ : / -, "
                         "starting with a letter or digit")
    return value


def _document(raw: Any) -> tuple[str, str] | None:
    doc = _object("document", raw, {"type", "reference"}, {"type", "reference"})
    if doc is None:
        return None
    doc_type = _choice("document.type", doc["type"], DOCUMENT_TYPES)
    reference = " ".join((_string("document.reference", doc["reference"]) or "").split()).upper()
    pattern = _MRN if doc_type == "MRN" else _REFERENCE
    if not pattern.match(reference):
        rule = ("18 characters: 2-digit year, 2-letter country, 14 letters or digits"
                if doc_type == "MRN" else "1-35 letters, digits, spaces or . / -")
        raise InputError(f"document.reference {doc['reference']!r} is not a {doc_type} "
                         f"reference ({rule})")
    assert doc_type is not None
    return doc_type, reference


def _vehicle(field: str, raw: Any) -> tuple[Plate, str] | None:
    means = _object(field, raw, {"plate", "country"}, {"plate", "country"})
    if means is None:
        return None
    found = plate(_string(f"{field}.plate", means["plate"]), f"{field}.plate")
    nationality = country(_string(f"{field}.country", means["country"]), f"{field}.country")
    assert found is not None
    assert nationality is not None
    return found, nationality


def _weight(raw: Any) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw < 1e6:
        raise InputError(f"gross_weight_kg {raw!r} must be a number of kilograms above 0 "
                         "and below 1,000,000")
    return float(raw)


def _party(field: str, raw: Any) -> Party | None:
    data = _object(field, raw, {"name", "country", "tax_id"}, {"name", "country"})
    if data is None:
        return None
    name = " ".join((_string(f"{field}.name", data["name"]) or "").split())
    if not name:
        raise InputError(f"{field}.name is empty")
    where = country(_string(f"{field}.country", data["country"]), f"{field}.country")
    assert where is not None
    tax: TaxId | None = tax_id(where, _string(f"{field}.tax_id", data.get("tax_id")),
                               f"{field}.tax_id")
    return Party(name, where, tax=tax)


def _hs_codes(raw: Any) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise InputError("hs_codes must be a non-empty list of strings")
    codes: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, str):
            raise InputError(f"hs_codes[{index}] must be a string (a number would lose leading "
                             "zeros)")
        code = hs_code(item, f"hs_codes[{index}]")
        if code and code not in codes:
            codes.append(code)
    return codes
