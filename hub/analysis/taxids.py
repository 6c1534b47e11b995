"""Tax and business identifiers of economic operators: normalise and validate per party and scheme.

Where python-stdnum knows a scheme it does the work (RS PIB, MK EDB, AL NIPT, ME PIB, MD IDNO, EU
VAT). Three schemes it lacks are checked here:

* **BA JIB** (jedinstveni identifikacioni broj), 13 digits. The check digit is a modulus-11 digit
  over the first twelve with weights 7,6,5,4,3,2,7,6,5,4,3,2, a result of 10 or 11 written as 0
  (the JMBG rule; legal persons' JIBs start with 4, a sole trader's JIB is the owner's JMBG).
  Research notes said ISO 7064 MOD 11,10 (Croatian OIB), but published JIBs of real companies
  (Raiffeisen Bank BiH 4200344670009, Pošte Srpske 4400959000002, Autoputevi RS 4402955260002 and
  others) all pass the weighted modulus 11 while most fail MOD 11,10, so the former is used.
* **BA PDV** (indirect-tax number): the JIB of a legal person without its leading 4, 12 digits.
  A PDV number and its JIB identify the same operator: :attr:`TaxId.match_key` maps both to one key.
* **XK NF** (numri fiskal, 9 digits) and **XK NUI** (ARBK business number: 9 digits, or a legacy 8
  digits optionally followed by one letter). No check-digit rule is published by ATK or ARBK that
  we could verify, so only length and characters are checked (``checksum`` is False): a typo in a
  Kosovo number can pass, and the matcher weighs these numbers accordingly.

EORI numbers are a member-state prefix plus up to 15 letters or digits (EU EORI guidelines); the
national part follows each state's own rules, so only that shape is checked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from stdnum.al import nipt as al_nipt
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.md import idno as md_idno
from stdnum.me import pib as me_pib
from stdnum.mk import edb as mk_edb
from stdnum.rs import pib as rs_pib

from hub.errors import InputError

EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})


@dataclass(frozen=True, slots=True)
class TaxId:
    """One identifier of an operator as the hub keeps it.

    ``value`` is the compact form (separators and country prefix removed, upper case) even when
    the number is invalid, so two records carrying the same mistyped number still agree.
    ``reason`` says what is wrong when ``valid`` is False and is empty otherwise; ``checksum``
    tells whether a check digit was verified (False for format-only schemes); ``well_formed``
    that the length and characters are right, whatever the check digit says.
    """

    party: str
    scheme: str
    value: str
    valid: bool
    reason: str = ""
    checksum: bool = False
    well_formed: bool = False

    @property
    def match_key(self) -> tuple[str, str, str]:
        """The key under which two identifiers denote the same operator (BA PDV -> its JIB)."""
        if self.party == "BA" and self.scheme == "PDV" and self.value.isdigit():
            return ("BA", "JIB", "4" + self.value)
        return (self.party, self.scheme, self.value)

    def __str__(self) -> str:
        return f"{self.scheme} {self.value}"


@dataclass(frozen=True, slots=True)
class _Scheme:
    name: str
    description: str
    check: Callable[[str], tuple[str, str, bool]]
    """Returns (compact value, reason or "", whether a check digit was examined). A reason
    with a check digit examined means only the check digit is wrong."""


_SEPARATORS = re.compile(r"[\s\-./_]+")


def _clean(raw: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()


def _stdnum(
    module: ModuleType, label: str, prefix: str = ""
) -> Callable[[str], tuple[str, str, bool]]:
    """Wrap a python-stdnum module: its compact form, and its validation outcome as a reason.

    ``prefix`` is a country prefix people write before the number that stdnum does not strip.
    """

    def check(raw: str) -> tuple[str, str, bool]:
        if prefix:
            raw = _strip_prefix(_clean(raw), prefix)
        try:
            value = _clean(module.compact(raw))
        except (ValidationError, ValueError, TypeError):
            value = _clean(raw)
        try:
            module.validate(raw)
        except InvalidChecksum:
            return value, f"the check digit of {label} {value} is wrong", True
        except InvalidLength:
            return value, f"{label} {value} has the wrong length ({len(value)} characters)", False
        except InvalidComponent:
            return value, f"{label} {value} has an impossible component", False
        except ValidationError:
            return value, f"{label} {value} is not in the {label} format", False
        return value, "", True

    return check


_JIB_WEIGHTS = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def jib_check_digit(first_twelve: str) -> str:
    """The check digit of a Bosnia and Herzegovina JIB (weighted modulus 11, 10 and 11 -> 0)."""
    rest = 11 - sum(int(d) * w for d, w in zip(first_twelve, _JIB_WEIGHTS, strict=True)) % 11
    return "0" if rest >= 10 else str(rest)


def _strip_prefix(value: str, *prefixes: str) -> str:
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix):]
    return value


def _ba_jib(raw: str) -> tuple[str, str, bool]:
    value = _strip_prefix(_clean(raw), "BA")
    if not value.isdigit():
        return value, "a JIB has digits only", False
    if len(value) != 13:
        return value, f"a JIB has 13 digits, this one has {len(value)}", False
    if value[-1] != jib_check_digit(value[:12]):
        return value, "the check digit of the JIB is wrong", True
    return value, "", True


def _ba_pdv(raw: str) -> tuple[str, str, bool]:
    value = _strip_prefix(_clean(raw), "BA")
    if not value.isdigit():
        return value, f"PDV number {value} has digits only", False
    if len(value) != 12:
        return value, f"a PDV number has 12 digits, {value} has {len(value)}", False
    if value[-1] != jib_check_digit("4" + value[:11]):
        return value, f"the check digit of PDV number {value} is wrong", True
    return value, "", True


def _xk_nf(raw: str) -> tuple[str, str, bool]:
    value = _strip_prefix(_clean(raw), "XK", "KS")
    if not re.fullmatch(r"\d{9}", value):
        return value, f"a Kosovo fiscal number has 9 digits, not {value!r}", False
    return value, "", False


def _xk_nui(raw: str) -> tuple[str, str, bool]:
    value = _strip_prefix(_clean(raw), "XK", "KS")
    if not re.fullmatch(r"\d{9}|\d{8}[A-Z]?", value):
        return value, (
            f"a Kosovo business number has 9 digits (or a legacy 8 digits and an optional "
            f"letter), not {value!r}"
        ), False
    return value, "", False


def _eu_vat(party: str) -> Callable[[str], tuple[str, str, bool]]:
    """A checker for one member state's VAT numbers; the country prefix is optional."""
    prefix = "EL" if party == "GR" else party  # Greece writes EL in VAT numbers
    checker = _stdnum(eu_vat, "VAT number")

    def check(raw: str) -> tuple[str, str, bool]:
        cleaned = _strip_prefix(_clean(raw), prefix, party)
        value, reason, checksum = checker(prefix + cleaned)
        return _strip_prefix(value, prefix), reason, checksum

    return check


def _eori(raw: str) -> tuple[str, str, bool]:
    value = _clean(raw)
    if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{1,15}", value):
        return value, f"an EORI is a country code and up to 15 letters or digits, not {value!r}", (
            False
        )
    if value[:2] not in _EORI_PREFIXES:
        return value, f"EORI {value} does not start with an EU member state or CEFTA party code", (
            False
        )
    return value, "", False


# CEFTA parties are accepted too: their transit (NCTS) systems issue EORI-like numbers, and
# whether each party's format is "prefix + tax number" is not confirmed, so only the shape counts.
_EORI_PREFIXES = EU_MEMBER_STATES | {"XI", "GB", "AL", "BA", "MD", "ME", "MK", "RS", "XK"}


def _rs_mb(raw: str) -> tuple[str, str, bool]:
    value = _clean(raw)
    if not re.fullmatch(r"\d{8}", value):
        return value, f"a Serbian registry number (MB) has 8 digits, not {value!r}", False
    return value, "", False


_SCHEMES: dict[tuple[str, str], _Scheme] = {
    ("RS", "PIB"): _Scheme("PIB", "Serbian tax number, 9 digits", _stdnum(rs_pib, "PIB", "RS")),
    ("RS", "MB"): _Scheme("MB", "Serbian registry number, 8 digits (format only)", _rs_mb),
    ("MK", "EDB"): _Scheme("EDB", "Macedonian tax number, 13 digits", _stdnum(mk_edb, "EDB")),
    ("AL", "NIPT"): _Scheme("NIPT", "Albanian tax number, letter + 8 digits + letter",
                            _stdnum(al_nipt, "NIPT")),
    ("ME", "PIB"): _Scheme("PIB", "Montenegrin tax number, 8 digits", _stdnum(me_pib, "PIB", "ME")),
    ("MD", "IDNO"): _Scheme("IDNO", "Moldovan state identification number, 13 digits",
                            _stdnum(md_idno, "IDNO", "MD")),
    # JIB messages never show the number: a sole trader's JIB is the owner's personal JMBG.
    ("BA", "JIB"): _Scheme("JIB", "Bosnian identification number, 13 digits", _ba_jib),
    ("BA", "PDV"): _Scheme("PDV", "Bosnian indirect-tax number, 12 digits", _ba_pdv),
    ("XK", "NF"): _Scheme("NF", "Kosovo fiscal number, 9 digits (format only)", _xk_nf),
    ("XK", "NUI"): _Scheme("NUI", "Kosovo business number (format only)", _xk_nui),
}

_ALIASES: dict[str, str] = {
    "TIN": "", "TAX": "", "TAX_ID": "", "VAT": "", "VATIN": "",
    "NUIS": "NIPT", "IDB": "JIB", "ID": "JIB", "PDV_BROJ": "PDV", "UIO": "PDV",
    "FISCAL": "NF", "FISCAL_NUMBER": "NF", "NRF": "NF",
    "BUSINESS_NUMBER": "NUI", "NRB": "NUI", "ARBK": "NUI",
    "IDNP": "IDNO", "EMBS": "", "MATICNI_BROJ": "MB",
}
"""Scheme names as sources spell them -> our scheme ("" = the party's main tax number)."""

_MAIN: dict[str, str] = {
    "RS": "PIB", "MK": "EDB", "AL": "NIPT", "ME": "PIB", "MD": "IDNO", "BA": "JIB", "XK": "NF",
}
_VAT: dict[str, str] = {"RS": "PIB", "MK": "EDB", "AL": "NIPT", "BA": "PDV", "XK": "NF"}


_EU_TAX_NAMES = frozenset({
    "VAT", "VATIN", "TAX", "TIN", "TAX_ID",
    # national names of the numbers that, with the country prefix, are the VAT numbers
    "OIB", "ANUM", "CUI", "CIF", "EIK", "BULSTAT", "AFM", "DIC", "NIP", "UID",
})


def known_schemes() -> dict[str, tuple[str, ...]]:
    """Party -> the scheme names this module validates (EU member states: VAT and EORI)."""
    table: dict[str, list[str]] = {}
    for party, scheme in _SCHEMES:
        table.setdefault(party, []).append(scheme)
    table["EU"] = ["VAT", "EORI"]
    return {party: tuple(schemes) for party, schemes in table.items()}


def _resolve(party: str, scheme: str) -> tuple[str, _Scheme | None]:
    """The canonical scheme name and its checker for ``party`` (None when unknown)."""
    name = re.sub(r"[\s\-.]+", "_", scheme.strip().upper())
    if name == "EORI":
        return "EORI", _Scheme("EORI", "EORI number", _eori)
    if party in EU_MEMBER_STATES and name in _EU_TAX_NAMES:
        return "VAT", _Scheme("VAT", "EU VAT number", _eu_vat(party))
    if name in ("VAT", "VATIN") and party in _VAT:
        name = _VAT[party]
    elif not name:
        name = _MAIN.get(party, "")
    elif name in _ALIASES:
        name = _ALIASES[name] or _MAIN.get(party, name)
    found = _SCHEMES.get((party, name))
    return name, found


def normalise_tax_id(party: str | None, scheme: str | None, raw: object) -> TaxId:
    """Normalise and check one identifier. Never raises: problems are in ``valid``/``reason``.

    ``party`` is the issuing party (RS, MK, ..., or an EU member state for VAT/EORI); ``scheme``
    a scheme name or alias (PIB, EDB, NIPT, JIB, PDV, NF, NUI, VAT, EORI, ...). An empty scheme
    means the party's main tax number.
    """
    party_code = (party or "").strip().upper()
    text = "" if raw is None else str(raw)
    scheme_name, found = _resolve(party_code, scheme or "")
    if not text.strip():
        return TaxId(party_code, scheme_name, "", False,
                     f"the {scheme_name or 'tax'} number is empty")
    if found is None:
        return TaxId(party_code, scheme_name, _clean(text), False,
                     f"unknown identifier scheme {scheme_name or '(none)'!r} for party "
                     f"{party_code or '(none)'}")
    try:
        value, reason, checksum = found.check(text)
    except Exception as exc:  # a library bug must not stop an ingest; the id is just unusable
        return TaxId(party_code, found.name, _clean(text), False,
                     f"{found.name} could not be checked ({type(exc).__name__})")
    if found.name == "EORI" and not reason:
        party_code = value[:2]  # an EORI belongs to the state that issued it, named by its prefix
    return TaxId(party_code, found.name, value, not reason, reason, checksum and not reason,
                 well_formed=not reason or checksum)


def validate_tax_id(party: str | None, scheme: str | None, raw: object) -> TaxId:
    """Like :func:`normalise_tax_id` but raise InputError when the identifier is not valid.

    The message names the party and scheme and what is wrong. Company numbers are shown; a
    Bosnian JIB never is, since a sole trader's JIB is the owner's personal JMBG.
    """
    tax_id = normalise_tax_id(party, scheme, raw)
    if tax_id.valid:
        return tax_id
    raise InputError(
        f"{tax_id.party or 'unknown party'} {tax_id.scheme or 'tax id'}: {tax_id.reason}; "
        "check the number against the issuing register"
    )
