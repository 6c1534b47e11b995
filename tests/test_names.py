"""Operator names: transliteration, folding, legal forms, comparison keys and similarity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.analysis.legal_forms import FORMS_BY_CODE, LEGAL_FORMS
from hub.analysis.names import fold, name_key, name_similarity, transliterate

TRANSLITERATION = [
    # Serbian Cyrillic, every letter that is not a plain one-to-one Latin letter
    ("Љубица Његош", "Ljubica Njegoš"),
    ("ЉУБИЦА ЊЕГОШ", "LJUBICA NJEGOŠ"),
    ("Ђорђе Ћирић", "Đorđe Ćirić"),
    ("Џеп Чачак Жабаљ Шабац", "Džep Čačak Žabalj Šabac"),
    ("ЏЕП", "DŽEP"),
    ("Хлеб Цвеће Јагода", "Hleb Cveće Jagoda"),
    # Macedonian letters
    ("Ѓорѓи", "Gjorgji"),
    ("Ќерка", "Kjerka"),
    ("Ѕвезда", "Dzvezda"),
    ("Џамија Љубов Њива Јаболко", "Džamija Ljubov Njiva Jabolko"),
    ("ЃОРЃИ", "GJORGJI"),
    ("Скопје", "Skopje"),
    # Latin stays as written, diacritics included
    ("Mlekara Sever d.o.o.", "Mlekara Sever d.o.o."),
    ("Shoqëri Aksionare Çelësi", "Shoqëri Aksionare Çelësi"),
    # other Cyrillic falls back to anyascii (Russian-language names in Moldova)
    ("Щука", "Shchuka"),
]


@pytest.mark.parametrize(("cyrillic", "latin"), TRANSLITERATION)
def test_transliteration(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic) == latin


def test_decomposed_input_is_composed_first() -> None:
    assert transliterate("Nis\u030c") == "Niš"  # s + combining caron


FOLDING = [
    ("Đorđević", "djordjevic"),
    ("Čačak", "cacak"),
    ("Chachak", "cacak"),
    ("Žito", "zito"),
    ("Zhito", "zito"),
    ("Shkodër", "skoder"),
    ("Xhaferi", "dzaferi"),
    ("„Quoted“ «name» 'x'", "quoted name x"),
    ("Întreprindere Ştefan Ţară", "intreprindere stefan tara"),
]


@pytest.mark.parametrize(("text", "folded"), FOLDING)
def test_folding(text: str, folded: str) -> None:
    assert fold(text) == folded


# name as written, party, legal form, core
LEGAL_FORM_CASES = [
    ("Mlekara Sever d.o.o.", None, "DOO", "mlekara sever"),
    ("Mlekara Sever D.O.O", None, "DOO", "mlekara sever"),
    ("Mlekara Sever d. o. o.", None, "DOO", "mlekara sever"),
    ("Mlekara Sever doo", None, "DOO", "mlekara sever"),
    ("MLEKARA SEVER DOO", None, "DOO", "mlekara sever"),
    ("Млекара Север д.о.о.", None, "DOO", "mlekara sever"),
    ("Млекара Север доо", None, "DOO", "mlekara sever"),
    ("Mlekara Sever društvo sa ograničenom odgovornošću", None, "DOO", "mlekara sever"),
    ("Mlekara Sever drustvo s ogranicenom odgovornoscu", None, "DOO", "mlekara sever"),
    ("Друштво са ограниченом одговорношћу Млекара Север", None, "DOO", "mlekara sever"),
    ("DOO Mlekara Sever", None, "DOO", "mlekara sever"),
    ("Mlekara Sever (DOO)", None, "DOO", "mlekara sever"),
    ("Mlekara Sever (d.o.o.) Subotica", None, "DOO", "mlekara sever subotica"),
    ("\"Mlekara Sever\" d.o.o. Subotica", None, "DOO", "mlekara sever"),
    ("Алкалоид ДООЕЛ Скопје", "MK", "DOOEL", "alkaloid"),
    ("Alkaloid DOOEL", None, "DOOEL", "alkaloid"),
    ("Alkaloid d.o.o.e.l.", None, "DOOEL", "alkaloid"),
    ("Друштво со ограничена одговорност на едно лице Алкалоид", None, "DOOEL", "alkaloid"),
    ("Друштво со ограничена одговорност Алкалоид", None, "DOO", "alkaloid"),
    ("Galenika a.d.", None, "AD", "galenika"),
    ("Галеника а.д.", None, "AD", "galenika"),
    ("Галеника ад", None, "AD", "galenika"),
    ("Galenika akcionarsko društvo", None, "AD", "galenika"),
    ("Жито Лукс АД Скопје", "MK", "AD", "zito luks"),
    ("Дунав осигурање а.д.о.", None, "ADO", "dunav osiguranje"),
    ("Bosnalijek d.d.", None, "DD", "bosnalijek"),
    ("Bosnalijek dioničko društvo", None, "DD", "bosnalijek"),
    ("Petrović i sinovi k.d.", None, "KD", "petrovic i sinovi"),
    ("Petrović i sinovi o.d.", None, "OD", "petrovic i sinovi"),
    ("Marko Marković PR Beograd", "RS", "PR", "marko markovic"),
    ("Marko Marković preduzetnik", None, "PR", "marko markovic"),
    ("Марко Марковић ПР", "RS", "PR", "marko markovic"),
    ("Alba Trade Sh.p.k.", None, "SHPK", "alba trade"),
    ("Alba Trade sh.p.k", None, "SHPK", "alba trade"),
    ("ALBA TRADE SHPK", None, "SHPK", "alba trade"),
    ("Alba Trade shpk", None, "SHPK", "alba trade"),
    ("Alba Trade Shoqëri me përgjegjësi të kufizuar", None, "SHPK", "alba trade"),
    ("Banka Kombëtare Tregtare Sh.A.", None, "SHA", "banka kombetare tregtare"),
    ("Raiffeisen Bank Kosovo J.S.C. SH.A.", None, "SHA", "raiffeisen bank kosovo"),
    ("Kosova Fresh L.L.C.", None, "LLC", "kosova fresh"),
    ("Kosova Fresh LLC", None, "LLC", "kosova fresh"),
    ("Kosova Fresh I.B.", None, "IB", "kosova fresh"),
    ("Kosova Fresh G.P.", None, "GP", "kosova fresh"),
    ("Kosova Fresh L.P.", None, "LP", "kosova fresh"),
    ("Agro Nord SRL", None, "SRL", "agro nord"),
    ("Agro Nord S.R.L.", None, "SRL", "agro nord"),
    ("Agro Nord societate cu răspundere limitată", None, "SRL", "agro nord"),
    ("Agro Nord I.I.", None, "II", "agro nord"),
    ("Agro Nord întreprindere individuală", None, "II", "agro nord"),
    ("Agro Nord SA", "MD", "SA", "agro nord"),
    ("ООО Шериф", "MD", "OOO", "serif"),
    ("Zhito Luks AD", None, "AD", "zhito luks"),
    ("Balkan Logistics Ltd", None, "LTD", "balkan logistics"),
    ("Balkan Logistics JSC", None, "JSC", "balkan logistics"),
    ("JP Srbijagas", "RS", "JP", "srbijagas"),
    ("Javno preduzeće Srbijagas", None, "JP", "srbijagas"),
]


@pytest.mark.parametrize(("raw", "party", "form", "core"), LEGAL_FORM_CASES)
def test_legal_forms_are_split_off(raw: str, party: str | None, form: str, core: str) -> None:
    key = name_key(raw, party)
    assert (key.legal_form, key.core) == (form, core)


# Abbreviations that are also ordinary words or numerals stay in the name unless the party
# uses them or they carry dots.
NOT_A_FORM = [
    ("Hotel Balkan II", None, "hotel balkan ii"),
    ("Agro Nord SA", "RS", "agro nord sa"),
    ("Studio PR", None, "studio pr"),
    ("DOO", None, "doo"),  # a name that is nothing but a legal form keeps it as its core
]


@pytest.mark.parametrize(("raw", "party", "core"), NOT_A_FORM)
def test_ambiguous_abbreviations_stay(raw: str, party: str | None, core: str) -> None:
    key = name_key(raw, party)
    assert key.legal_form is None
    assert key.core == core


def test_every_variant_of_every_form_is_recognised() -> None:
    for form in LEGAL_FORMS:
        for variant in form.variants:
            party = next(iter(sorted(form.parties)), None)
            key = name_key(f"Test Name {variant}", party)
            assert key.legal_form is not None, variant
            assert FORMS_BY_CODE[key.legal_form].family == form.family, variant
            assert key.core == "test name", variant


def test_the_seat_after_a_form_is_kept_apart() -> None:
    key = name_key("Mlekara Sever d.o.o. Novi Sad")
    assert (key.core, key.seat) == ("mlekara sever", "novi sad")


def test_name_key_fields() -> None:
    key = name_key("„Млекара Север“ д.о.о.")
    assert key.original == "„Млекара Север“ д.о.о."
    assert key.latin == "„Mlekara Sever“ d.o.o."
    assert key.tokens == ("mlekara", "sever")
    assert key.key == "mlekara sever"
    assert key.form is not None
    assert key.form.family == "llc"
    assert name_key("Zhito Luks").tokens == name_key("Жито Лукс").tokens == ("zito", "luks")


# (a, b) pairs of the same operator written differently: similarity at least 0.95
SAME = [
    ("Млекара Север д.о.о.", "Mlekara Sever doo"),
    ("Млекара Север", "MLEKARA SEVER D.O.O."),
    ("Жито Лукс АД", "Zhito Luks AD"),
    ("Жито Лукс АД", "Zito Luks a.d."),
    ("Ѓорѓиев Транс ДООЕЛ", "Gjorgjiev Trans DOOEL"),
    ("Đorđević Transport", "Djordjevic Transport doo"),
    ("Čačak Voće", "Cacak Voce d.o.o."),
    ("Alba Trade Sh.p.k.", "ALBA TRADE SHPK"),
    ("Sever Mlekara", "Mlekara Sever"),
    ("Mlekara Sever", "Mlekara Sevr"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_the_same_name_in_other_script_or_form_is_similar(a: str, b: str) -> None:
    assert name_similarity(a, b) >= 0.95


# different operators with related names: similarity below 0.85
DIFFERENT = [
    ("Mlekara Sever", "Mlekara Jug"),
    ("Trade", "Best Trade"),
    ("Alba Trade", "Alba Transport"),
    ("Agro Nord", "Agro Sud"),
    ("Mlekara Sever", "Pekara Istok"),
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_score_lower(a: str, b: str) -> None:
    assert name_similarity(a, b) < 0.85


def test_similarity_of_an_empty_name_is_zero() -> None:
    assert name_similarity("", "Mlekara Sever") == 0.0
    assert name_similarity("„“", "„“") == 0.0


@given(st.text(max_size=40), st.text(max_size=40))
def test_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    ab, ba = name_similarity(a, b), name_similarity(b, a)
    assert 0.0 <= ab <= 1.0
    assert abs(ab - ba) < 1e-9
