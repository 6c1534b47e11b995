"""Identifiers in each party's real format: tax numbers with valid check digits, personal
numbers, plates, phones, e-mails and declaration references.

Check digits come from python-stdnum where it knows the scheme. The Bosnian JIB uses the weighted
modulus 11 of hub.analysis.taxids (the one real JIBs pass); the Kosovo fiscal number (9 digits)
has no published check digit.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from datetime import date

from stdnum import luhn
from stdnum.al import nipt
from stdnum.bg import egn
from stdnum.bg import vat as bg_vat
from stdnum.gr import vat as gr_vat
from stdnum.hu import anum
from stdnum.iso7064 import mod_11_10
from stdnum.md import idno
from stdnum.me import pib as me_pib
from stdnum.mk import edb
from stdnum.ro import cnp, cui

from hub.analysis.taxids import jib_check_digit
from hub.demo.places import PLACES, City

TAX_SCHEMES = {"RS": "PIB", "MK": "EDB", "AL": "NIPT", "XK": "NF", "BA": "JIB", "ME": "PIB",
               "MD": "IDNO", "HR": "OIB", "HU": "ANUM", "RO": "CUI", "BG": "EIK", "GR": "AFM"}
"""The tax-number scheme each party's customs records operators by."""

EORI_ISSUER = {"RS": "HR", "BA": "HR", "ME": "HR", "MK": "GR", "AL": "GR", "XK": "GR",
               "MD": "RO"}
"""The EU member state that gives a CEFTA trader its EORI (see research: EU prefix, not RS/MK)."""


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _letters(rng: random.Random, n: int, alphabet: str = string.ascii_uppercase) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _until(rng: random.Random, make: Callable[[], str], ok: Callable[[str], bool]) -> str:
    while True:
        candidate = make()
        if ok(candidate):
            return candidate


def jib_is_valid(number: str) -> bool:
    return bool(re.fullmatch(r"\d{13}", number)) and jib_check_digit(number[:12]) == number[12]


def tax_id(rng: random.Random, party: str) -> str:
    """A tax number in ``party``'s format that passes that scheme's check."""
    if party == "RS":  # PIB: 8 digits (first 1) + ISO 7064 MOD 11,10
        body = "1" + _digits(rng, 7)
        return body + mod_11_10.calc_check_digit(body)
    if party == "MK":  # EDB: 40 + 10 digits + weighted mod 11
        body = "40" + _digits(rng, 10)
        return body + edb.calc_check_digit(body)
    if party == "AL":  # NIPT: decade letter, 8 digits, letter
        return rng.choice("JKLM") + _digits(rng, 8) + rng.choice(string.ascii_uppercase)
    if party == "XK":
        return rng.choice(("60", "81")) + _digits(rng, 7)
    if party == "BA":  # legal-entity JIBs start with 4
        body = "42" + _digits(rng, 10)
        return body + jib_check_digit(body)
    if party == "ME":
        body = "02" + _digits(rng, 5)
        return body + me_pib.calc_check_digit(body)
    if party == "MD":  # IDNO: 1 (legal entity), year, office, serial + check
        body = "100" + f"{rng.randint(2, 24):02d}" + _digits(rng, 7)
        return body + idno.calc_check_digit(body)
    if party == "HR":
        body = _digits(rng, 10)
        return body + mod_11_10.calc_check_digit(body)
    if party == "HU":
        return _until(rng, lambda: rng.choice("123") + _digits(rng, 7), anum.is_valid)
    if party == "RO":
        body = str(rng.randint(10_000_000, 49_999_999))
        return body + cui.calc_check_digit(body)
    if party == "BG":
        body = "20" + _digits(rng, 6)
        return body + bg_vat.calc_check_digit_legal(body)
    body = "0" + _digits(rng, 7)  # GR AFM
    return body + gr_vat.calc_check_digit(body)


def tax_id_is_valid(party: str, number: str) -> bool:
    """Whether ``number`` passes ``party``'s tax-number check (the tests use this)."""
    checks: dict[str, Callable[[str], bool]] = {
        "RS": lambda n: len(n) == 9 and n.isdigit() and mod_11_10.is_valid(n),
        "MK": edb.is_valid, "AL": nipt.is_valid, "ME": me_pib.is_valid, "MD": idno.is_valid,
        "BA": jib_is_valid, "XK": lambda n: bool(re.fullmatch(r"\d{9}", n)),
        "HR": lambda n: len(n) == 11 and n.isdigit() and mod_11_10.is_valid(n),
        "HU": anum.is_valid, "RO": cui.is_valid, "BG": bg_vat.is_valid, "GR": gr_vat.is_valid,
    }
    return checks[party](number)


def eori(rng: random.Random, party: str) -> str:
    """An EORI: an EU member state prefix and a national number from that state."""
    issuer = EORI_ISSUER.get(party, party)
    return f"{issuer}{tax_id(rng, issuer)}"


def _jmbg(rng: random.Random, born: date, region: str) -> str:
    while True:
        body = f"{born:%d%m}{born.year % 1000:03d}{region}{rng.randint(0, 499):03d}"
        weights = (7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
        rest = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
        if rest != 10:  # a remainder of 1 has no valid check digit: take another serial
            return body + str(0 if rest == 11 else rest)


_JMBG_REGIONS = {"RS": ("71", "72", "73", "78", "80", "82"), "MK": ("41", "44", "45", "49"),
                 "BA": ("10", "15", "17", "18"), "ME": ("21", "26", "27")}


def personal_id(rng: random.Random, party: str, born: date) -> str:
    """A personal identification number as ``party`` issues it (JMBG/EMBG, NID, IDNP, ...)."""
    if party in _JMBG_REGIONS:
        return _jmbg(rng, born, rng.choice(_JMBG_REGIONS[party]))
    if party == "AL":  # decade letter, year, month (+50 for women), day, serial, letter
        decade = "GHIJK"[(born.year - 1960) // 10]
        check = rng.choice("ABCDEFGHIJKLMNOPQRSTUVW")
        return f"{decade}{born.year % 10}{born:%m%d}{_digits(rng, 3)}{check}"
    if party == "MD":
        body = "2" + _digits(rng, 11)
        return body + idno.calc_check_digit(body)
    if party == "XK":
        return "1" + _digits(rng, 9)
    if party == "BG":
        body = f"{born:%y%m%d}" + _digits(rng, 3)
        return body + egn.calc_check_digit(body)
    if party == "RO":
        body = f"1{born:%y%m%d}{rng.randint(1, 40):02d}{_digits(rng, 3)}"
        return body + cnp.calc_check_digit(body)
    if party == "GR":
        body = f"{born:%d%m%y}" + _digits(rng, 4)
        return body + luhn.calc_check_digit(body)
    if party == "HR":
        body = _digits(rng, 10)
        return body + mod_11_10.calc_check_digit(body)
    return f"1{born:%y%m%d}" + _digits(rng, 4)  # HU personal identification number


_BA_LETTERS = "AEJKMOT"  # letters common to the Latin and Cyrillic alphabets
_GR_LETTERS = "ABEHIKMNOPTXYZ"


def plate(rng: random.Random, party: str, city: City) -> str:
    """A registration plate as written in ``party``'s national format."""
    if party == "RS":
        return f"{city.plate} {_digits(rng, rng.choice((3, 4)))}-{_letters(rng, 2)}"
    if party == "MK":
        return f"{city.plate}-{_digits(rng, 4)}-{_letters(rng, 2)}"
    if party == "AL":
        return f"{_letters(rng, 2)} {_digits(rng, 3)} {_letters(rng, 2)}"
    if party == "XK":
        return f"{city.plate}-{_digits(rng, 3)}-{_letters(rng, 2)}"
    if party == "BA":
        first, middle = rng.choice(_BA_LETTERS), rng.choice(_BA_LETTERS)
        return f"{first}{_digits(rng, 2)}-{middle}-{_digits(rng, 3)}"
    if party == "ME":
        return f"{city.plate} {_letters(rng, 2)}{_digits(rng, 3)}"
    if party == "MD":
        return f"{_letters(rng, 3)} {_digits(rng, 3)}"
    if party == "HR":
        return f"{city.plate} {_digits(rng, 4)}-{_letters(rng, 2)}"
    if party == "HU":
        return f"{_letters(rng, 3)}-{_digits(rng, 3)}"
    if party == "RO":
        return f"{city.plate} {_digits(rng, 2 if city.plate != 'B' else 3)} {_letters(rng, 3)}"
    if party == "BG":
        return f"{city.plate} {_digits(rng, 4)} {_letters(rng, 2, 'ABEKMHOPCTYX')}"
    return f"{_letters(rng, 3, _GR_LETTERS)}-{_digits(rng, 4)}"


def compact_plate(text: str) -> str:
    """The plate without spaces or dashes, upper-cased: the matching key."""
    return re.sub(r"[\s\-]", "", text).upper()


def phone(rng: random.Random, party: str, city: City, mobile: bool) -> str:
    """A phone number in international form with the party's usual grouping."""
    places = PLACES[party]
    if mobile:
        prefix, tail = rng.choice(places.mobile), _digits(rng, 3 + (party != "GR"))
        return f"+{places.dial} {prefix} {_digits(rng, 3)} {tail}"
    local = 7 if party == "RS" else 8 - len(city.area) if party in {
        "MK", "BA", "ME", "MD", "XK"} else 7
    number = _digits(rng, max(local, 5))
    return f"+{places.dial} {city.area} {number[:3]} {number[3:]}"


def phone_key(text: str) -> str:
    return "+" + re.sub(r"\D", "", text)


_TLD = {"RS": "rs", "MK": "mk", "AL": "al", "XK": "com", "BA": "ba", "ME": "me", "MD": "md",
        "HR": "hr", "HU": "hu", "RO": "ro", "BG": "bg", "GR": "gr"}


def email(rng: random.Random, party: str, slug: str) -> str:
    """A company e-mail: its own domain, or a free-mail box as small traders use."""
    local = re.sub(r"[^a-z0-9]+", "", slug.lower())[:18] or "info"
    if rng.random() < 0.3:
        box = rng.choice(("gmail.com", "yahoo.com", "hotmail.com"))
        return f"{local}{rng.randint(1, 99)}@{box}"
    mailbox = rng.choice(("info", "office", "export", "logistika", "kontakt"))
    return f"{mailbox}@{local}.{_TLD[party]}"


_MRN_VALUES = {ch: v for ch, v in zip(
    string.digits + string.ascii_uppercase,
    [*range(10), *(v for v in range(10, 39) if v % 11)], strict=True)}


def mrn(rng: random.Random, year: int, party: str, procedure: str) -> str:
    """A Movement Reference Number: year, country, 12 characters, procedure, check digit."""
    serial = _letters(rng, 12, string.ascii_uppercase + string.digits)
    body = f"{year % 100:02d}{party}{serial}{procedure}"
    total = sum(_MRN_VALUES[ch] * 2**i for i, ch in enumerate(body))
    return body + str(total % 11 % 10)
