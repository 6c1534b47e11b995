"""Tax identifiers per party and scheme: normalisation, check digits, errors that say why."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.analysis.taxids import (
    TaxId,
    jib_check_digit,
    known_schemes,
    normalise_tax_id,
    validate_tax_id,
)
from hub.errors import InputError

# (party, scheme as written, raw, expected scheme, expected value, valid, checksum verified)
VALID = [
    ("RS", "PIB", "101134702", "PIB", "101134702", True),
    ("RS", "pib", " 101 134 702 ", "PIB", "101134702", True),
    ("RS", "VAT", "RS101134702", "PIB", "101134702", True),
    ("MK", "EDB", "4030000375897", "EDB", "4030000375897", True),
    ("MK", "EDB", "МК 4020990116747", "EDB", "4020990116747", True),  # Cyrillic МК
    ("MK", "VAT", "MK4057009501106", "EDB", "4057009501106", True),
    ("AL", "NIPT", "J91402501L", "NIPT", "J91402501L", True),
    ("AL", "NIPT", "AL J 91402501 L", "NIPT", "J91402501L", True),
    ("AL", "NUIS", "K22218003V", "NIPT", "K22218003V", True),
    ("AL", "", "k22218003v", "NIPT", "K22218003V", True),  # empty scheme: the main tax number
    ("ME", "PIB", "02655284", "PIB", "02655284", True),
    ("MD", "IDNO", "1008600038413", "IDNO", "1008600038413", True),
    # Published JIBs of real companies: Raiffeisen Bank BiH, Autoputevi RS, Pošte Srpske.
    ("BA", "JIB", "4200344670009", "JIB", "4200344670009", True),
    ("BA", "JIB", "4402955260002", "JIB", "4402955260002", True),
    ("BA", "IDB", "4400959000002", "JIB", "4400959000002", True),
    ("BA", "JIB", "4200-344670009", "JIB", "4200344670009", True),
    ("BA", "JIB", "4203144510090", "JIB", "4203144510090", True),  # remainder 10 -> 0
    ("BA", "JIB", "4200000000020", "JIB", "4200000000020", True),  # remainder 11 -> 0
    ("BA", "PDV", "200344670009", "PDV", "200344670009", True),
    ("BA", "VAT", "402955260002", "PDV", "402955260002", True),
    ("XK", "NF", "600123456", "NF", "600123456", False),
    ("XK", "fiscal number", "XK 600123456", "NF", "600123456", False),
    ("XK", "NUI", "810485145", "NUI", "810485145", False),
    ("XK", "business number", "70123456A", "NUI", "70123456A", False),
    ("HR", "VAT", "HR33392005961", "VAT", "33392005961", True),
    ("HR", "OIB", "33392005961", "VAT", "33392005961", True),
    ("GR", "VAT", "EL094259216", "VAT", "094259216", True),
    ("HR", "EORI", "hr33392005961", "EORI", "HR33392005961", False),
]


@pytest.mark.parametrize(("party", "scheme", "raw", "want_scheme", "want_value", "checksum"),
                         VALID)
def test_valid_identifiers_are_normalised(
    party: str, scheme: str, raw: str, want_scheme: str, want_value: str, checksum: bool
) -> None:
    tax_id = normalise_tax_id(party, scheme, raw)
    assert (tax_id.scheme, tax_id.value, tax_id.valid, tax_id.reason) == (
        want_scheme, want_value, True, "")
    assert tax_id.checksum is checksum
    assert tax_id.well_formed
    assert validate_tax_id(party, scheme, raw) == tax_id


# (party, scheme, raw, words the reason must contain)
INVALID = [
    ("RS", "PIB", "101134703", "check digit"),
    ("RS", "PIB", "10113470", "length"),
    ("MK", "EDB", "4030000375890", "check digit"),
    ("AL", "NIPT", "Z22218003V", "format"),
    ("ME", "PIB", "02655283", "check digit"),
    ("MD", "IDNO", "1008600038412", "check digit"),
    ("BA", "JIB", "4200344670008", "check digit"),
    ("BA", "JIB", "4200000000000", "check digit"),  # a placeholder seen on web pages
    ("BA", "JIB", "420034467000", "13 digits"),
    ("BA", "JIB", "42003446700A9", "digits only"),
    ("BA", "PDV", "402955260003", "check digit"),
    ("BA", "PDV", "4402955260002", "12 digits"),  # that is the JIB, not the PDV number
    ("XK", "NF", "60012345", "9 digits"),
    ("XK", "NUI", "8104851450", "9 digits"),
    ("HR", "VAT", "HR33392005962", "check digit"),
    ("RS", "EORI", "US123", "member state"),
    ("RS", "LEI", "5299001", "unknown identifier scheme"),
    ("RS", "PIB", "", "empty"),
]


@pytest.mark.parametrize(("party", "scheme", "raw", "reason"), INVALID)
def test_invalid_identifiers_say_why_and_never_raise(
    party: str, scheme: str, raw: str, reason: str
) -> None:
    tax_id = normalise_tax_id(party, scheme, raw)
    assert not tax_id.valid
    assert not tax_id.checksum
    assert reason in tax_id.reason
    assert tax_id.well_formed == (reason == "check digit")
    with pytest.raises(InputError, match=reason) as caught:
        validate_tax_id(party, scheme, raw)
    assert tax_id.scheme in caught.value.message


def test_a_jib_never_appears_in_an_error_because_it_may_be_a_personal_jmbg() -> None:
    jmbg_like = "0101990170004"
    with pytest.raises(InputError) as caught:
        validate_tax_id("BA", "JIB", jmbg_like)
    assert jmbg_like not in caught.value.message
    assert jmbg_like not in normalise_tax_id("BA", "JIB", jmbg_like).reason


def test_a_company_tax_id_is_named_in_the_error() -> None:
    with pytest.raises(InputError, match="101134703"):
        validate_tax_id("RS", "PIB", "101134703")


def test_pdv_and_jib_of_one_company_share_a_match_key() -> None:
    jib = normalise_tax_id("BA", "JIB", "4402955260002")
    pdv = normalise_tax_id("BA", "PDV", "402955260002")
    assert jib.match_key == pdv.match_key == ("BA", "JIB", "4402955260002")
    assert normalise_tax_id("RS", "PIB", "101134702").match_key == ("RS", "PIB", "101134702")


def test_an_eori_belongs_to_the_state_in_its_prefix() -> None:
    eori = normalise_tax_id("RS", "EORI", "HR33392005961")
    assert (eori.party, eori.valid) == ("HR", True)


def test_a_mistyped_number_keeps_a_comparable_value() -> None:
    a = normalise_tax_id("RS", "PIB", "101-134-703")
    b = normalise_tax_id("rs", "PIB", "101134703")
    assert a == b
    assert not a.valid


def test_jib_check_digit_matches_published_numbers() -> None:
    assert [jib_check_digit(n[:12]) for n in ("4200344670009", "4402955260002",
                                              "4201731140006", "4236743350004")] == list("9264")


def test_known_schemes_lists_every_party() -> None:
    schemes = known_schemes()
    assert set(schemes) == {"RS", "MK", "AL", "ME", "MD", "BA", "XK", "EU"}
    assert set(schemes["BA"]) == {"JIB", "PDV"}
    assert "NUI" in schemes["XK"]


@given(party=st.sampled_from(["RS", "MK", "AL", "ME", "MD", "BA", "XK", "HR", "", "ZZ"]),
       scheme=st.sampled_from(["PIB", "EDB", "NIPT", "IDNO", "JIB", "PDV", "NF", "NUI", "VAT",
                               "EORI", "", "??"]),
       raw=st.text(max_size=30))
def test_normalising_user_data_never_raises(party: str, scheme: str, raw: str) -> None:
    tax_id = normalise_tax_id(party, scheme, raw)
    assert isinstance(tax_id, TaxId)
    assert tax_id.valid == (tax_id.reason == "")
