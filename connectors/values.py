"""Value normalisation shared by the connectors: plates, tax ids, EORIs, codes, numbers, dates.

Every function takes the raw value and ``what`` (where it came from, for the message) and either
returns the normalised value or raises :class:`InputError` naming the value and the rule broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from types import ModuleType

from anyascii import anyascii
from stdnum.al import nipt
from stdnum.exceptions import ValidationError
from stdnum.md import idno
from stdnum.me import pib as me_pib
from stdnum.mk import edb
from stdnum.rs import pib as rs_pib

from hub.errors import InputError

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EORI = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,15}$")
_OFFICE = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,15}$")
_PUNCT = re.compile(r"[\s.\-/]+")


def text(raw: str | None) -> str | None:
    """Whitespace collapsed to single spaces; ``None`` for missing or blank values."""
    if raw is None:
        return None
    collapsed = " ".join(raw.split())
    return collapsed or None


def country(raw: str | None, what: str) -> str | None:
    """An ISO 3166-1 alpha-2 code (XK for Kosovo), upper-case; ``None`` when blank."""
    value = text(raw)
    if value is None:
        return None
    value = value.upper()
    if not _COUNTRY.match(value):
        raise InputError(f"{what}: {raw!r} is not a two-letter country code (ISO 3166-1 alpha-2)")
    return value


def office(raw: str | None, what: str) -> str | None:
    """A customs office code: country prefix plus 2-15 letters or digits (``RS081001``)."""
    value = text(raw)
    if value is None:
        return None
    value = value.replace(" ", "").upper()
    if not _OFFICE.match(value):
        raise InputError(
            f"{what}: {raw!r} is not a customs office code (two-letter country code followed "
            "by 2-15 letters or digits, e.g. RS081001)"
        )
    return value


def eori(raw: str | None, what: str) -> str | None:
    """An EORI number: issuing country prefix plus up to 15 letters or digits, no spaces."""
    value = text(raw)
    if value is None:
        return None
    value = value.replace(" ", "").upper()
    if not _EORI.match(value):
        raise InputError(
            f"{what}: {raw!r} is not an EORI number (two-letter country code followed by up "
            "to 15 letters or digits)"
        )
    return value


@dataclass(frozen=True, slots=True)
class Plate:
    """A registration plate: ``display`` as written (upper-case, single spaces), ``key`` for
    matching (Latin letters and digits only, so ``NS 114-KP`` and ``НС114КП`` agree)."""

    display: str
    key: str


def plate(raw: str | None, what: str, longest: int = 17) -> Plate | None:
    """A plate, equipment number or (with a larger ``longest``) a vessel or aircraft name."""
    value = text(raw)
    if value is None:
        return None
    display = value.upper()
    key = re.sub(r"[^A-Z0-9]", "", anyascii(display).upper())
    if not 2 <= len(key) <= longest:
        raise InputError(
            f"{what}: {raw!r} is not a registration plate or equipment number "
            f"(2-{longest} letters and digits once spaces and hyphens are removed)"
        )
    return Plate(display, key)


def plates(raw: str | None, what: str) -> list[Plate]:
    """The plates of a road combination written in one field: ``NS114-KP / NS-AB-772`` is a
    tractor and a trailer (separated by ``/``, ``+``, ``,`` or ``;``)."""
    value = text(raw)
    if value is None:
        return []
    found = [plate(part, what) for part in re.split(r"[/+,;]", value)]
    return [p for p in found if p is not None]


@dataclass(frozen=True, slots=True)
class TaxId:
    """A national tax identifier, validated where the hub knows the scheme's check digits."""

    country: str
    scheme: str
    value: str


# Country -> (scheme, python-stdnum validator or None when only the format is checked).
NATIONAL_SCHEMES: dict[str, tuple[str, ModuleType | None]] = {
    "RS": ("PIB", rs_pib),
    "MK": ("EDB", edb),
    "AL": ("NIPT", nipt),
    "ME": ("PIB", me_pib),
    "MD": ("IDNO", idno),
    "BA": ("JIB", None),
    "XK": ("FN", None),
}
_SCHEME_ALIASES = {"NUIS": "NIPT", "EDBS": "EDB", "ЕДБ": "EDB", "ПИБ": "PIB", "TIN": ""}
_FORMAT_ONLY = {"JIB": re.compile(r"^\d{13}$"), "FN": re.compile(r"^\d{9}$")}
_CYRILLIC_PREFIX = {"RS": "РС", "MK": "МК", "ME": "МЕ"}


def _strip_prefix(value: str, country_code: str) -> str:
    for prefix in (country_code, _CYRILLIC_PREFIX.get(country_code)):
        if prefix and value.startswith(prefix) and len(value) > len(prefix) + 3:
            return value[len(prefix):]
    return value


def tax_id(country_code: str, raw: str | None, what: str, scheme: str | None = None
           ) -> TaxId | None:
    """Validate a tax id of ``country_code`` and return it compacted, without country prefix.

    The CEFTA parties' national schemes are checked (python-stdnum check digits for RS PIB,
    MK EDB, AL NIPT, ME PIB, MD IDNO; the length for BA JIB and XK fiscal numbers). For other
    countries the id is kept as written (letters and digits only) under ``scheme`` or ``TIN``.
    """
    value = text(raw)
    if value is None:
        return None
    value = _PUNCT.sub("", value).upper()
    value = _strip_prefix(value, country_code)
    given = (scheme or "").strip().upper()
    given = _SCHEME_ALIASES.get(given, given)
    national = NATIONAL_SCHEMES.get(country_code)
    if national is None:
        if not re.fullmatch(r"[A-Z0-9]{3,20}", value):
            raise InputError(f"{what}: {raw!r} is not a tax id (3-20 letters and digits)")
        return TaxId(country_code, given or "TIN", value)
    name, validator = national
    if given and given != name:
        raise InputError(
            f"{what}: tax scheme {scheme!r} is not the {country_code} tax scheme; "
            f"{country_code} tax ids are {name}"
        )
    if validator is not None:
        try:
            value = validator.validate(value)
        except ValidationError as exc:
            raise InputError(
                f"{what}: {raw!r} is not a valid {country_code} {name} ({exc}); check the "
                "number and the country"
            ) from None
    elif not _FORMAT_ONLY[name].match(value):
        raise InputError(f"{what}: {raw!r} is not a {country_code} {name} (wrong length)")
    return TaxId(country_code, name, value)


def registration_number(country_code: str, raw: str | None, what: str) -> TaxId | None:
    """An operator number of unstated kind: the national tax id when it validates as one,
    else kept as written (letters and digits) under scheme ``NRN``."""
    value = text(raw)
    if value is None:
        return None
    if country_code in NATIONAL_SCHEMES:
        try:
            return tax_id(country_code, value, what)
        except InputError:
            pass
    compact = re.sub(r"[^A-Z0-9]", "", anyascii(value).upper())
    if not 2 <= len(compact) <= 20:
        raise InputError(f"{what}: {raw!r} is not a registration number (2-20 letters/digits)")
    return TaxId(country_code, "NRN", compact)


def hs_code(raw: str | None, what: str) -> str | None:
    """A commodity code (HS, CN, TARIC or national extension): 4-12 digits, no separators."""
    value = text(raw)
    if value is None:
        return None
    digits = re.sub(r"[\s.]", "", value)
    if not re.fullmatch(r"\d{4,12}", digits):
        raise InputError(f"{what}: {raw!r} is not a commodity code (4-12 digits)")
    return digits


def number(raw: str | None, what: str) -> float | None:
    """A non-negative decimal number (``.`` as decimal separator)."""
    value = text(raw)
    if value is None:
        return None
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        raise InputError(f"{what}: {raw!r} is not a number") from None
    if not parsed.is_finite() or parsed < 0:
        raise InputError(f"{what}: {raw!r} must be a finite number of at least 0")
    return float(parsed)


def utc_text(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a ``Z`` (how the hub stores instants)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_instant(raw: str | None, what: str, *, require_offset: bool = False) -> str | None:
    """An ISO 8601 date-time, stored in UTC (``2026-03-14T07:15:00Z``).

    Without an offset the time of day is ambiguous: such values keep only their date
    (``2026-03-14``), or are refused when ``require_offset`` is set. A bare date stays a date.
    """
    value = text(raw)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise InputError(
            f"{what}: {raw!r} is not an ISO 8601 date-time (e.g. 2026-03-14T08:15:00+01:00)"
        ) from None
    if moment.tzinfo is None:
        if require_offset:
            raise InputError(
                f"{what}: {raw!r} has no UTC offset; write it as e.g. 2026-03-14T08:15:00+01:00"
            )
        return moment.date().isoformat()
    return utc_text(moment)


def day(raw: str | None, what: str, formats: tuple[str, ...] = ("%Y-%m-%d",)) -> str | None:
    """A calendar date in one of ``formats`` (strptime), stored as ``YYYY-MM-DD``."""
    value = text(raw)
    if value is None:
        return None
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    shown = " or ".join(_FORMAT_NAMES.get(f, f) for f in formats)
    raise InputError(f"{what}: {raw!r} is not a date written as {shown}")


_FORMAT_NAMES = {
    "%Y-%m-%d": "YYYY-MM-DD", "%d.%m.%Y": "DD.MM.YYYY", "%d/%m/%Y": "DD/MM/YYYY",
    "%m/%d/%y": "M/D/YY", "%m/%d/%Y": "M/D/YYYY", "%Y%m%d": "YYYYMMDD",
}


def compact_offset_instant(raw: str, what: str) -> str:
    """A UN/EDIFACT format-304 date-time ``CCYYMMDDHHMMSS[Z|±HH[MM]]`` in UTC, or a date."""
    match = re.fullmatch(r"(\d{14})(Z|[+-]\d{2}(?::?\d{2})?)?", raw.strip())
    if match is None:
        raise InputError(f"{what}: {raw!r} is not a date-time written as CCYYMMDDHHMMSS+HH")
    try:
        moment = datetime.strptime(match.group(1), "%Y%m%d%H%M%S")
    except ValueError:
        raise InputError(f"{what}: {raw!r} is not a valid date-time") from None
    zone = match.group(2)
    if zone is None:
        return moment.date().isoformat()
    if zone == "Z":
        return utc_text(moment.replace(tzinfo=UTC))
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return utc_text(moment.replace(tzinfo=timezone(sign * offset)))


def match_key(*parts: str | None) -> str:
    """A matching key for names and addresses: Latin script, lower-case, letters and digits."""
    words = [re.sub(r"[^a-z0-9]+", " ", anyascii(p).lower()).strip() for p in parts if p]
    return "|".join(w for w in words if w)


def latin(name: str) -> str | None:
    """``name`` in Latin script without diacritics, or ``None`` when it is already that."""
    transliterated = " ".join(anyascii(name).split())
    return transliterated if transliterated != name else None


_KG_PER_UNIT = {"KGM": 1.0, "KG": 1.0, "TNE": 1000.0, "GRM": 0.001, "LBR": 0.45359237}


def mass_kg(raw: str | None, unit: str | None, what: str) -> float | None:
    """A mass in kilograms from a UN/ECE Rec. 20 unit (KGM when none is given)."""
    amount = number(raw, what)
    if amount is None:
        return None
    factor = _KG_PER_UNIT.get((unit or "KGM").strip().upper())
    if factor is None:
        raise InputError(f"{what}: unit {unit!r} is not a mass unit (KGM, TNE, GRM or LBR)")
    return round(amount * factor, 3)
