"""Real places of each party for the demo: cities, postcodes, streets, phone and plate codes.

Names are written as each party writes them (Serbian and Macedonian in Cyrillic, Bosnian in
Latin or, in Republika Srpska, Cyrillic; Bulgarian in Cyrillic; Greek in Greek).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    name: str  # as written locally
    postcode: str
    plate: str  # registration-area code ('' where plates carry none)
    area: str  # landline area code
    weight: int  # how much trade it carries, relative


@dataclass(frozen=True, slots=True)
class PartyPlaces:
    code: str
    country_name: str  # in the party's own language, as it appears on an address
    lang: str  # cyrtranslit language for Cyrillic/Greek text ('' when written in Latin)
    dial: str  # international dialling code
    mobile: tuple[str, ...]  # mobile network prefixes
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    address_format: str  # uses {street} {no} {postcode} {city}


def _c(name: str, postcode: str, plate: str, area: str, weight: int = 1) -> City:
    return City(name, postcode, plate, area, weight)


PLACES: Mapping[str, PartyPlaces] = {p.code: p for p in (
    PartyPlaces(
        "RS", "Србија", "sr", "381", ("60", "61", "62", "63", "64", "65", "66", "69"),
        (_c("Београд", "11000", "BG", "11", 10), _c("Нови Сад", "21000", "NS", "21", 5),
         _c("Ниш", "18000", "NI", "18", 3), _c("Крагујевац", "34000", "KG", "34", 2),
         _c("Суботица", "24000", "SU", "24", 2), _c("Шабац", "15000", "ŠA", "15", 2),
         _c("Чачак", "32000", "ČA", "32", 2), _c("Смедерево", "11300", "SD", "26"),
         _c("Лесковац", "16000", "LE", "16"), _c("Врање", "17500", "VR", "17"),
         _c("Зрењанин", "23000", "ZR", "23"), _c("Ариље", "31230", "AR", "31"),
         _c("Краљево", "36000", "KV", "36"), _c("Нови Пазар", "36300", "NP", "20")),
        ("Булевар ослобођења", "Кнеза Милоша", "Карађорђева", "Немањина", "Цара Душана",
         "Булевар Михајла Пупина", "Војводе Степе", "Вука Караџића", "Индустријска зона",
         "Ауто-пут Београд–Ниш", "Омладинских бригада", "Гаврила Принципа"),
        "{street} {no}, {postcode} {city}",
    ),
    PartyPlaces(
        "MK", "Северна Македонија", "mk", "389", ("70", "71", "72", "75", "76", "77", "78"),
        (_c("Скопје", "1000", "SK", "2", 10), _c("Битола", "7000", "BT", "47", 3),
         _c("Куманово", "1300", "KU", "31", 2), _c("Прилеп", "7500", "PP", "48", 2),
         _c("Тетово", "1200", "TE", "44", 2), _c("Струмица", "2400", "SR", "34", 3),
         _c("Велес", "1400", "VE", "43"), _c("Охрид", "6000", "OH", "46"),
         _c("Кавадарци", "1430", "KA", "43", 2), _c("Гевгелија", "1480", "GE", "34", 2),
         _c("Штип", "2000", "ŠT", "32")),
        ("ул. Македонија", "бул. Партизански одреди", "ул. Илинденска", "бул. Илинден",
         "ул. Гоце Делчев", "ул. Маршал Тито", "бул. Кочо Рацин", "ул. 11 Октомври",
         "ул. Индустриска", "бул. Јане Сандански"),
        "{street} бр. {no}, {postcode} {city}",
    ),
    PartyPlaces(
        "AL", "Shqipëri", "", "355", ("67", "68", "69"),
        (_c("Tiranë", "1001", "", "4", 10), _c("Durrës", "2001", "", "52", 5),
         _c("Shkodër", "4001", "", "22", 2), _c("Korçë", "7001", "", "82", 3),
         _c("Elbasan", "3001", "", "54", 2), _c("Vlorë", "9401", "", "33", 2),
         _c("Fier", "9301", "", "34", 2), _c("Berat", "5001", "", "32"),
         _c("Lushnjë", "9001", "", "35"), _c("Kukës", "8501", "", "24")),
        ("Rruga e Kavajës", "Rruga Myslym Shyri", "Bulevardi Zogu I", "Rruga e Durrësit",
         "Autostrada Tiranë–Durrës, Km 7", "Rruga Skënderbeu", "Rruga Ismail Qemali",
         "Lagjja 1, Rruga Egnatia", "Rruga Dëshmorët e Kombit", "Rruga Tregtare"),
        "{street}, Nr. {no}, {city} {postcode}",
    ),
    PartyPlaces(
        "XK", "Kosova", "", "383", ("43", "44", "45", "49"),
        (_c("Prishtinë", "10000", "01", "38", 10), _c("Mitrovicë", "40000", "02", "28", 2),
         _c("Pejë", "30000", "03", "39", 2), _c("Prizren", "20000", "04", "29", 4),
         _c("Ferizaj", "70000", "05", "290", 3), _c("Gjilan", "60000", "06", "280", 2),
         _c("Gjakovë", "50000", "07", "390", 2)),
        ("Rr. Nëna Terezë", "Bulevardi Bill Klinton", "Rr. Agim Ramadani",
         "Rr. Lidhja e Prizrenit", "Magjistralja Prishtinë–Ferizaj", "Rr. Adem Jashari",
         "Rr. Skënderbeu", "Zona Industriale"),
        "{street} nr. {no}, {postcode} {city}",
    ),
    PartyPlaces(
        "BA", "Bosna i Hercegovina", "sr", "387", ("61", "62", "63", "65", "66"),
        (_c("Sarajevo", "71000", "", "33", 8), _c("Бања Лука", "78000", "", "51", 6),
         _c("Mostar", "88000", "", "36", 3), _c("Tuzla", "75000", "", "35", 3),
         _c("Zenica", "72000", "", "32", 2), _c("Бијељина", "76300", "", "55", 3),
         _c("Brčko", "76100", "", "49", 2), _c("Bihać", "77000", "", "37"),
         _c("Добој", "74000", "", "53"), _c("Градишка", "78400", "", "51", 2)),
        ("Zmaja od Bosne", "Maršala Tita", "Ferhadija", "Bulevar Meše Selimovića",
         "Industrijska zona", "Džemala Bijedića", "Краља Петра I Карађорђевића",
         "Његошева", "Вука Караџића"),
        "{street} {no}, {postcode} {city}",
    ),
    PartyPlaces(
        "ME", "Crna Gora", "", "382", ("67", "68", "69"),
        (_c("Podgorica", "81000", "PG", "20", 8), _c("Nikšić", "81400", "NK", "40", 3),
         _c("Bar", "85000", "BR", "30", 3), _c("Herceg Novi", "85340", "HN", "31"),
         _c("Bijelo Polje", "84000", "BP", "50", 2), _c("Pljevlja", "84210", "PV", "52"),
         _c("Budva", "85310", "BD", "33"), _c("Kotor", "85330", "KO", "32"),
         _c("Rožaje", "84310", "RO", "51")),
        ("Bulevar Svetog Petra Cetinjskog", "Njegoševa", "Slobode", "Jovana Tomaševića",
         "Bulevar Džordža Vašingtona", "Industrijska zona", "Cetinjski put", "Vojislavljevića"),
        "{street} {no}, {postcode} {city}",
    ),
    PartyPlaces(
        "MD", "Republica Moldova", "", "373", ("60", "62", "67", "68", "69", "78", "79"),
        (_c("Chișinău", "MD-2001", "", "22", 10), _c("Bălți", "MD-3100", "", "231", 3),
         _c("Cahul", "MD-3901", "", "299", 2), _c("Orhei", "MD-3501", "", "235", 2),
         _c("Soroca", "MD-3001", "", "230"), _c("Ungheni", "MD-3601", "", "236", 2),
         _c("Comrat", "MD-3801", "", "298"), _c("Edineț", "MD-4601", "", "246")),
        ("str. Ștefan cel Mare și Sfînt", "bd. Dacia", "str. Mihai Eminescu", "str. Alba Iulia",
         "str. Calea Ieșilor", "str. Independenței", "str. Uzinelor", "șos. Hîncești"),
        "{street} {no}, {postcode}, mun. {city}",
    ),
    PartyPlaces(
        "HR", "Hrvatska", "", "385", ("91", "92", "95", "98", "99"),
        (_c("Zagreb", "10000", "ZG", "1", 6), _c("Rijeka", "51000", "RI", "51", 2),
         _c("Split", "21000", "ST", "21", 2), _c("Osijek", "31000", "OS", "31", 2)),
        ("Ulica grada Vukovara", "Savska cesta", "Ilica", "Zagrebačka avenija"),
        "{street} {no}, {postcode} {city}",
    ),
    PartyPlaces(
        "HU", "Magyarország", "", "36", ("20", "30", "70"),
        (_c("Budapest", "1051", "", "1", 6), _c("Szeged", "6720", "", "62", 2),
         _c("Debrecen", "4024", "", "52")),
        ("Váci út", "Andrássy út", "Kossuth Lajos utca", "Szabadság tér"),
        "{postcode} {city}, {street} {no}.",
    ),
    PartyPlaces(
        "RO", "România", "", "40", ("72", "74", "75", "76"),
        (_c("București", "010011", "B", "21", 6), _c("Timișoara", "300001", "TM", "256", 2),
         _c("Iași", "700001", "IS", "232", 2), _c("Constanța", "900001", "CT", "241")),
        ("Calea Victoriei", "Bulevardul Unirii", "Strada Memorandumului", "Șoseaua Pipera"),
        "{street} nr. {no}, {postcode} {city}",
    ),
    PartyPlaces(
        "BG", "България", "bg", "359", ("87", "88", "89"),
        (_c("София", "1000", "CA", "2", 6), _c("Пловдив", "4000", "PB", "32", 2),
         _c("Варна", "9000", "B", "52")),
        ("бул. Витоша", "ул. Граф Игнатиев", "бул. Цариградско шосе", "бул. България"),
        "{street} {no}, {postcode} {city}",
    ),
    PartyPlaces(
        "GR", "Ελλάδα", "el", "30", ("690", "693", "694", "697", "698"),
        (_c("Θεσσαλονίκη", "54621", "", "2310", 5), _c("Αθήνα", "10431", "", "210", 5),
         _c("Πάτρα", "26221", "", "2610")),
        ("Οδός Εγνατία", "Λεωφόρος Συγγρού", "Οδός Τσιμισκή", "Λεωφόρος Κηφισίας"),
        "{street} {no}, {postcode} {city}",
    ),
)}
