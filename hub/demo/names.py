"""Names as each party writes them: companies with their legal forms, people, and Latin forms.

Serbian, Macedonian and Bulgarian material is authored in Cyrillic, Bosnian and Montenegrin in
Latin; either is converted with the national transliteration table (``cyrtranslit``) when a
record is written in the other script. ``latin()`` gives the ASCII Latin form used for search.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

import cyrtranslit
from anyascii import anyascii

CARRIER, BROKER, TRADER = "carrier", "broker", "trader"


@dataclass(frozen=True, slots=True)
class NameBook:
    authored_cyrillic: bool
    cyrillic_share: float  # share of records written in Cyrillic
    stems: tuple[str, ...]
    surnames: tuple[str, ...]
    first_names: tuple[str, ...]
    activities: Mapping[str, tuple[str, ...]]  # by role
    legal_forms: tuple[str, ...]  # the first is the most common
    template: str  # {base} {form} {city}


def _t(words: str) -> tuple[str, ...]:
    return tuple(w.replace("_", " ") for w in words.split())


_YU_ACT_CYR = {CARRIER: _t("Транс Транспорт Логистика Превоз"),
               BROKER: _t("Шпед Шпедиција Царинско_заступање"),
               TRADER: _t("Промет Експорт-Импорт Комерц Агро Трговина Продукт Инжењеринг")}
_YU_ACT_LAT = {CARRIER: _t("Trans Transport Logistika Prevoz"),
               BROKER: _t("Sped Špedicija Carinsko_zastupanje"),
               TRADER: _t("Promet Eksport-Import Komerc Agro Trgovina Produkt")}
_SQ_ACT = {CARRIER: _t("Trans Transport Logistik"), BROKER: _t("Spedicion Agjenci_Doganore"),
           TRADER: _t("Import-Eksport Tregti Agro Fruta Company Group")}

BOOKS: Mapping[str, NameBook] = {
    "RS": NameBook(
        True, 0.5,
        _t("Агропромет Металац Тргопромет Воћар Дунав Морава Шумадија Колубара Јабука "
           "Житопромет Војводина Таково Рудник Јастребац Златибор Копаоник Фрушка Тиса Ибар "
           "Дрина Сава Тамиш Авала Космај Равница Подриње Нишава"),
        _t("Петровић Јовановић Николић Марковић Ђорђевић Стојановић Илић Станковић Павловић "
           "Стевановић Живковић Лазић"),
        _t("Марко Никола Стефан Милан Драган Зоран Дејан Горан Ненад Владимир Небојша Срђан"),
        _YU_ACT_CYR, ("д.о.о.", "ДОО", "а.д.", "пр"), "{base} {form} {city}"),
    "MK": NameBook(
        True, 0.8,
        _t("Вардар Тиквеш Пелагонија Охридска Струмица Шар Кожув Беласица Бистра Кораб "
           "Осогово Брегалница Овче_Поле Мариово Треска Пелистер Плаоштица Лакавица"),
        _t("Трајковски Стојановски Николовски Петровски Георгиевски Димитровски Јованоски "
           "Ристески Ѓорѓиевски Илиевски"),
        _t("Александар Горан Дарко Зоран Игор Никола Бојан Ѓорѓи Трајче Дејан"),
        {CARRIER: _t("Транс Логистик Транспорт"), BROKER: _t("Шпедиција Шпед"),
         TRADER: _t("Експорт-Импорт Трејд Комерц Агро Фрукт Тутун Промет")},
        ("ДООЕЛ", "ДОО", "АД"), "{base} {form} {city}"),
    "AL": NameBook(
        False, 0.0,
        _t("Shqiponja Drini Vjosa Adriatik Iliria Dajti Tomorri Butrinti Devolli Osumi "
           "Shkumbini Korabi Erzeni Semani Albtrans Egnatia Teuta Lura"),
        _t("Shehu Leka Dervishi Kola Çela Muça Kuka Prifti Xhafa Lika Dema Marku Gjoka Tafa"),
        _t("Arben Artan Besnik Dritan Ervin Gentian Ilir Klodian Sokol Erion"),
        _SQ_ACT, ("sh.p.k.", "Sh.p.k.", "SH.P.K.", "Sh.A."), "{base} {form}"),
    "XK": NameBook(
        False, 0.0,
        _t("Dardania Sharri Rugova Besa Ereniku Drenica Llapi Kosova Ulpiana Nerodime Albi "
           "Artana Bjeshka Mirusha"),
        _t("Krasniqi Gashi Morina Bytyqi Hasani Kelmendi Shala Rexhepi Sylejmani Hoti"),
        _t("Arbër Blerim Driton Fatmir Labinot Valon Visar Agron Florent Kushtrim"),
        _SQ_ACT, ("L.L.C.", "Sh.p.k.", "SH.P.K.", "I.B.", "Sh.A."), "{base} {form}"),
    "BA": NameBook(
        False, 0.3,
        _t("Bosna Neretva Una Vrbas Sana Semberija Krajina Majevica Konjuh Bjelašnica Igman "
           "Posavina Hercegovina Trebević Kozara Romanija"),
        _t("Hodžić Begović Delić Kovačević Hadžić Mehić Babić Tadić Savić Jukić"),
        _t("Adnan Amir Emir Haris Mirza Nermin Dragan Goran Mladen Ivan"),
        {**_YU_ACT_LAT, TRADER: _t("Promet Eksport-Import Komerc Drvo Namještaj Agro")},
        ("d.o.o.", "d.d.", "a.d.", "s.p."), "{base} {form} {city}"),
    "ME": NameBook(
        False, 0.1,
        _t("Lovćen Tara Morača Durmitor Zeta Bokeška Orjen Komovi Bjelasica Sinjajevina "
           "Skadar Prokletije Ćehotina"),
        _t("Vujović Radović Popović Vuković Perović Knežević Šćekić Bošković"),
        _t("Marko Nikola Vuk Filip Danilo Milan Luka Balša"),
        _YU_ACT_LAT, ("d.o.o.", "a.d.", "DOO"), "{base} {form} {city}"),
    "MD": NameBook(
        False, 0.0,
        _t("Codru Nistru Prut Agroprod Vinăria Fructus Agro-Nord Dacia Basarabia Podgoreni "
           "Răut Bîc Ialoveni Soroca-Fruct Cahul-Vin Orhei-Agro"),
        _t("Rusu Ceban Ciobanu Lungu Munteanu Cojocaru Popa Sârbu Țurcanu Moraru"),
        _t("Ion Vasile Andrei Sergiu Mihai Alexandru Victor Dumitru"),
        {CARRIER: _t("Trans Logistic Transport"), BROKER: _t("Broker_Vamal"),
         TRADER: _t("Export Com Prim Grup Agro Impex")},
        ("SRL", "S.R.L.", "S.A.", "Î.I."), '{form} "{base}"'),
    "HR": NameBook(
        False, 0.0, _t("Jadran Drava Velebit Slavonija Zagorje Kvarner Lika Biokovo"),
        _t("Horvat Kovačić Babić Marić Jurić Novak"), _t("Ivan Josip Marko Tomislav Ante"),
        {CARRIER: _t("Transport Logistika"), BROKER: _t("Špedicija"),
         TRADER: _t("Trgovina Export Commerce")}, ("d.o.o.", "d.d."), "{base} {form}"),
    "HU": NameBook(
        False, 0.0, _t("Tisza Duna Alföld Mátra Bakony Balaton Hortobágy"),
        _t("Nagy Kovács Tóth Szabó Horváth Varga"), _t("László István Zoltán Gábor Attila"),
        {CARRIER: _t("Logisztika Fuvarozó"), BROKER: _t("Vámügynökség"),
         TRADER: _t("Kereskedelmi Agro Trade")}, ("Kft.", "Zrt.", "Bt."), "{base} {form}"),
    "RO": NameBook(
        False, 0.0, _t("Carpați Dunărea Banat Transilvania Mureș Olt Bărăgan"),
        _t("Popescu Ionescu Stan Dumitru Georgescu"), _t("Ion Gheorghe Mihai Andrei Florin"),
        {CARRIER: _t("Trans Logistic"), BROKER: _t("Broker_Vamal"),
         TRADER: _t("Impex Agro Com Distribution")}, ("S.R.L.", "S.A."), "{base} {form}"),
    "BG": NameBook(
        True, 1.0, _t("Родопи Пирин Балкан Струма Марица Искър Витоша Странджа"),
        _t("Иванов Петров Георгиев Димитров Николов"), _t("Иван Георги Димитър Петър Стоян"),
        {CARRIER: _t("Транс Логистик"), BROKER: _t("Спедиция"),
         TRADER: _t("Трейд Агро Импекс")}, ("ЕООД", "ООД", "АД"), "{base} {form}"),
    "GR": NameBook(
        False, 1.0, _t("Όλυμπος Αιγαίο Μακεδονία Αξιός Βέρμιο Χαλκιδική Πίνδος"),
        _t("Παπαδόπουλος Γεωργίου Νικολάου Οικονόμου Ιωάννου"),
        _t("Γιώργος Δημήτρης Νίκος Κώστας Γιάννης"),
        {CARRIER: _t("Μεταφορές Logistics"), BROKER: _t("Εκτελωνιστική"),
         TRADER: _t("Τρόφιμα Εμπορική Εξαγωγές")}, ("Α.Ε.", "Ε.Π.Ε.", "Ι.Κ.Ε."),
        "{base} {form}"),
}


def _lang(party: str) -> str:
    return "mk" if party == "MK" else "bg" if party == "BG" else "sr"


def latin_script(text: str, party: str) -> str:
    """``text`` in Latin script by the party's own romanisation, diacritics kept."""
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        return str(cyrtranslit.to_latin(text, _lang(party)))
    if any("\u0370" <= ch <= "\u03ff" for ch in text):
        return anyascii(text)
    return text


def latin(text: str, party: str) -> str:
    """ASCII Latin form (search and matching): national romanisation, diacritics folded."""
    return anyascii(latin_script(text, party))


def in_script(text: str, party: str, cyrillic: bool) -> str:
    """``text`` written in Cyrillic or Latin as asked (text already in that script is kept)."""
    if cyrillic:
        if any("a" <= ch.lower() <= "z" or ch in "šđčćžŠĐČĆŽ" for ch in text):
            return str(cyrtranslit.to_cyrillic(text, _lang(party)))
        return text
    return latin_script(text, party)


@dataclass(frozen=True, slots=True)
class CompanyName:
    name: str  # as registered, legal form included
    base: str  # the name without legal form or seat
    legal_form: str
    cyrillic: bool


def _base(rng: random.Random, book: NameBook, role: str) -> str:
    act = rng.choice(book.activities[role])
    shape = rng.random()
    if shape < 0.45:
        return f"{rng.choice(book.stems)} {act}"
    if shape < 0.7:
        return f"{rng.choice(book.surnames)} {act}"
    if shape < 0.85:
        return f"{rng.choice(book.stems)}-{act}"
    return rng.choice(book.stems)


def _pick_script(rng: random.Random, book: NameBook) -> bool | None:
    """True for Cyrillic, False for Latin, None to keep the authored script (one-script
    parties, Greek included)."""
    if book.cyrillic_share in (0.0, 1.0):
        return None
    return rng.random() < book.cyrillic_share


def _write(text: str, party: str, cyrillic: bool | None) -> str:
    return text if cyrillic is None else in_script(text, party, cyrillic)


def company_name(rng: random.Random, party: str, role: str, city: str,
                 base: str | None = None) -> CompanyName:
    """A registered company name for ``party``; pass ``base`` to reuse a name stem."""
    book = BOOKS[party]
    script = _pick_script(rng, book)
    base = base if base is not None else _base(rng, book, role)
    forms = book.legal_forms
    form = forms[0] if rng.random() < 0.6 else rng.choice(forms)
    seat = city if rng.random() < 0.5 else ""
    name = " ".join(book.template.format(base=base, form=form, city=seat).split())
    cyrillic = book.authored_cyrillic if script is None else script
    return CompanyName(_write(name, party, script), _write(base, party, script),
                       _write(form, party, script), cyrillic)


def person_name(rng: random.Random, party: str) -> str:
    """A driver's or representative's full name as the party's border police write it."""
    book = BOOKS[party]
    name = f"{rng.choice(book.first_names)} {rng.choice(book.surnames)}"
    return _write(name, party, _pick_script(rng, book))


def foreign_spelling(rng: random.Random, company: CompanyName, party: str,
                     city: str) -> tuple[str, str | None]:
    """How another party's clerk types this company: Latin, legal form dropped or changed,
    case and punctuation changed, seat sometimes added. Returns (name, legal form or None)."""
    base = latin(company.base, party) if rng.random() < 0.6 else latin_script(
        company.base, party)
    form: str | None = latin(company.legal_form, party)
    choice = rng.random()
    if choice < 0.3:
        form = None
    elif choice < 0.55:
        form = form.replace(".", "").upper() if form else None
    elif choice < 0.75:
        form = "LLC"
    name = f"{base} {form}" if form else base
    if rng.random() < 0.4:
        name = f"{name} {latin(city, party)}"
    if rng.random() < 0.5:
        name = name.upper()
    return name.replace("-", " " if rng.random() < 0.5 else "-"), form


def write_like(text: str, party: str, company: CompanyName) -> str:
    """``text`` (an address, say) in the script ``company``'s record is written in."""
    if BOOKS[party].cyrillic_share in (0.0, 1.0):
        return text
    return in_script(text, party, company.cyrillic)
