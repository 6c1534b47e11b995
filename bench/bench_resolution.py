"""Benchmark of the operator matcher: N synthetic operators, blocking + scoring, timed.

    python bench/bench_resolution.py [N] [--seed S]

Generates N operator records of CEFTA companies, about a fifth of them extra records of the same
company written differently (Cyrillic, another legal-form spelling, a typo, no tax id, PDV
instead of JIB, a prefixed tax id), runs :func:`find_matches` once and prints the time per
phase, the blocking statistics and precision/recall against the generator's labels. This is a
rough check of the matcher, not the hub's evaluation (that uses the demo dataset's labels).
"""

from __future__ import annotations

import argparse
import random
import time

from stdnum.iso7064 import mod_11_10
from stdnum.md import idno as md_idno
from stdnum.me import pib as me_pib
from stdnum.mk import edb as mk_edb

from hub.analysis.resolution import MatchConfig, OperatorView, evaluate, find_matches
from hub.analysis.resolution.evaluation import errors
from hub.analysis.taxids import jib_check_digit, normalise_tax_id

WORDS = {
    "RS": [
        "mlekara", "pekara", "prevoz", "trgovina", "gradnja", "agro", "promet", "sever", "jug",
        "istok", "zapad", "dunav", "morava", "sava", "drina", "zlatni", "novi", "stari", "plus",
        "komerc", "impex", "trans", "market", "farm", "voće", "povrće", "žito", "vino", "mesara",
        "kafa", "šumadija", "beli", "crni", "zeleni", "čačak", "lozica", "jagoda", "šljiva", "med",
        "sunce", "grad", "kamen", "drvo", "metal", "plastika", "elektro", "auto", "servis",
        "grafika", "tekstil", "obuća", "đak"
    ],
    "MK": [
        "žito", "luks", "makedonija", "vardar", "ohrid", "pelagonija", "tikveš", "vino", "tutun",
        "mleko", "leb", "ovošje", "zelenčuk", "trans", "kom", "promet", "gradba", "agro", "sonce",
        "zlatno", "belo", "crno", "ǵurǵa", "kruša", "jabolko", "metal", "drvo", "tekstil",
        "elektro"
    ],
    "ME": [
        "jadran", "lovćen", "morača", "tara", "primorje", "ribar", "maslina", "vino", "prevoz",
        "promet", "gradnja", "agro", "trgovina", "so", "med"
    ],
    "BA": [
        "bosna", "una", "sana", "neretva", "drina", "hercegovina", "prevoz", "promet", "gradnja",
        "agro", "trgovina", "mlin", "pekara", "mesnica", "drvo", "metal", "šume", "kafa"
    ],
    "AL": [
        "alba", "iliria", "shqiponja", "besa", "dardania", "teuta", "adriatik", "tirana", "durrës",
        "vlora", "agro", "trans", "ndërtim", "tregti", "import", "eksport", "ushqime", "peshk",
        "ulliri", "verë", "mish"
    ],
    "XK": [
        "kosova", "dardania", "iliria", "besa", "drini", "rugova", "sharri", "agro", "trans",
        "ndërtim", "tregti", "import", "eksport", "ushqime", "mish", "qumësht"
    ],
    "MD": [
        "codru", "prut", "nistru", "moldova", "vin", "agro", "nord", "sud", "est", "vest", "lapte",
        "pâine", "fructe", "legume", "transport", "construct", "comerț", "trans"
    ],
}
SURNAMES = [
    "petrović", "jovanović", "nikolić", "marković", "đorđević", "stojanović", "ilić", "popović",
    "krasniqi", "gashi", "berisha", "hoxha", "ceban", "rusu", "popa", "trajkovski", "stojanovski",
    "dimitrovski"
]
CITIES = {
    "RS": ["Beograd", "Novi Sad", "Niš", "Subotica", "Kragujevac", "Čačak", "Šabac", "Zrenjanin"],
    "MK": ["Skopje", "Bitola", "Ohrid", "Kumanovo", "Prilep", "Tetovo", "Štip"],
    "ME": ["Podgorica", "Nikšić", "Bar", "Budva", "Herceg Novi"],
    "BA": ["Sarajevo", "Banja Luka", "Tuzla", "Mostar", "Zenica", "Bijeljina"],
    "AL": ["Tiranë", "Durrës", "Vlorë", "Shkodër", "Elbasan", "Korçë"],
    "XK": ["Prishtinë", "Prizren", "Pejë", "Gjilan", "Mitrovicë", "Ferizaj"],
    "MD": ["Chișinău", "Bălți", "Cahul", "Orhei", "Ungheni"],
}
FORMS = {
    "RS": [("d.o.o.", "DOO", "д.о.о."), ("a.d.", "AD", "а.д."), ("PR", "pr", "ПР")],
    "ME": [("d.o.o.", "DOO", "д.о.о.")],
    "BA": [("d.o.o.", "DOO", "д.о.о."), ("d.d.", "DD", "д.д.")],
    "MK": [("DOOEL", "dooel", "ДООЕЛ"), ("DOO", "d.o.o.", "ДОО"), ("AD", "a.d.", "АД")],
    "AL": [("Sh.p.k.", "SHPK", "shpk"), ("Sh.A.", "SHA", "sh.a.")],
    "XK": [("Sh.p.k.", "L.L.C.", "SHPK"), ("I.B.", "B.I.", "IB")],
    "MD": [("S.R.L.", "SRL", "srl"), ("I.I.", "Î.I.", "II")],
}
SCHEMES = {"RS": "PIB", "MK": "EDB", "ME": "PIB", "BA": "JIB", "AL": "NIPT", "XK": "NF",
           "MD": "IDNO"}
_TO_CYRILLIC = [("lj", "љ"), ("nj", "њ"), ("dž", "џ"), ("gj", "ѓ"), ("kj", "ќ"), ("dz", "ѕ")] + [
    (lat, cyr) for lat, cyr in zip("abvgdđežzijklmnoprstćufhcčš", "абвгдђежзијклмнопрстћуфхцчш",
                                   strict=True)]
_CYRILLIC_PARTIES = ("RS", "MK", "ME", "BA")


def to_cyrillic(text: str) -> str:
    out, i, lower = [], 0, text.lower()
    while i < len(text):
        for lat, cyr in _TO_CYRILLIC:
            if lower.startswith(lat, i):
                out.append(cyr.upper() if text[i].isupper() else cyr)
                i += len(lat)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def tax_number(rng: random.Random, party: str) -> str:
    if party == "RS":
        body = str(rng.randrange(10_000_000, 99_999_999))
        return body + mod_11_10.calc_check_digit(body)
    if party == "ME":
        body = str(rng.randrange(2_000_000, 2_999_999)).zfill(7)
        return body + me_pib.calc_check_digit(body)
    if party == "MK":
        body = "40" + str(rng.randrange(10**8, 10**9)) + "0"
        return body + mk_edb.calc_check_digit(body)
    if party == "BA":
        body = "4" + str(rng.randrange(10**10, 10**11))
        return body + jib_check_digit(body)
    if party == "AL":
        return rng.choice("JKLM") + str(rng.randrange(10**7, 10**8)) + rng.choice("ABCDLV")
    if party == "MD":
        body = "100" + str(rng.randrange(10**8, 10**9))
        return body + md_idno.calc_check_digit(body)
    return str(rng.randrange(600_000_000, 699_999_999))


_SYLLABLES = [
    "ba", "be", "bi", "bo", "ka", "ke", "ki", "ko", "la", "le", "li", "lo", "ma", "me", "mi", "mo",
    "na", "ne", "ni", "no", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "ta", "te", "ti", "to",
    "va", "ve", "vi", "vo", "za", "ze", "zi", "zo", "da", "de", "di", "do", "ga", "go", "ja", "je",
    "ju", "pa", "pe", "po", "lu", "mu", "nu", "ru", "su", "tu", "ste", "tra", "pro", "kom", "dar",
    "bel", "cr", "gal", "nek", "lek", "tel", "mar"
]


def brand(rng: random.Random) -> str:
    """An invented brand word ("Galenika", "Nektar"): real registers are full of them."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 2, 3))))


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 6:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:] if rng.random() < 0.5 else (
        text[:i] + text[i + 1:])


def generate(n: int, seed: int) -> tuple[list[OperatorView], list[tuple[str, str]]]:
    rng = random.Random(seed)
    operators: list[OperatorView] = []
    labels: list[tuple[str, str]] = []
    while len(operators) < n:
        party = rng.choice(list(WORDS))
        words = [rng.choice(WORDS[party]) for _ in range(rng.choice((0, 1, 1, 2)))]
        words.insert(rng.randrange(len(words) + 1), brand(rng))
        if rng.random() < 0.3:
            words.insert(0, rng.choice(SURNAMES))
        core = " ".join(w.capitalize() for w in words)
        form = rng.choice(FORMS[party])
        city = rng.choice(CITIES[party])
        number = tax_number(rng, party)
        phone = f"+{rng.randrange(300, 399)} {rng.randrange(10, 99)} {rng.randrange(10**6, 10**7)}"
        base_id = f"op:{len(operators):07d}"
        operators.append(OperatorView(
            base_id, f"{core} {form[0]}", party,
            (normalise_tax_id(party, SCHEMES[party], number),),
            address=f"{rng.choice(WORDS[party]).capitalize()} {rng.randrange(1, 200)}",
            city=city, contacts=(phone,) if rng.random() < 0.6 else (),
        ))
        if rng.random() < 0.2:
            variant = core
            if party in _CYRILLIC_PARTIES and rng.random() < 0.5:
                variant = to_cyrillic(core)
            elif rng.random() < 0.5:
                variant = typo(rng, core)
            name = f"{variant} {rng.choice(form)}" if rng.random() < 0.8 else variant
            if rng.random() < 0.3:
                name = name.upper()
            written = number
            scheme = SCHEMES[party]
            if party == "BA" and rng.random() < 0.5:
                scheme, written = "PDV", number[1:]
            elif rng.random() < 0.3:
                written = f"{party} {number}"
            ids = (normalise_tax_id(party, scheme, written),) if rng.random() < 0.6 else ()
            dup_id = f"op:{len(operators):07d}"
            operators.append(OperatorView(
                dup_id, name, party, ids, city=city if rng.random() < 0.8 else None,
                contacts=(phone.replace(" ", ""),) if rng.random() < 0.4 else (),
            ))
            labels.append((base_id, dup_id))
    return operators[:n], [pair for pair in labels if int(pair[1][3:]) < n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.7)
    parser.add_argument("--show-errors", type=int, default=0)
    args = parser.parse_args()

    clock = time.perf_counter()
    operators, labels = generate(args.n, args.seed)
    print(f"generated {len(operators)} operators, {len(labels)} labelled pairs "
          f"in {time.perf_counter() - clock:.1f}s")
    clock, cpu = time.perf_counter(), time.process_time()
    run = find_matches(operators, MatchConfig(threshold=args.threshold))
    total, cpu = time.perf_counter() - clock, time.process_time() - cpu
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in run.seconds.items())
    print(f"matched in {total:.1f}s wall, {cpu:.1f}s CPU ({phases}, wall)")
    print(f"blocks {run.blocking.blocks}, candidate pairs {run.blocking.pairs}, "
          f"oversized blocks {run.blocking.oversized}, proposals {len(run.proposals)}")
    precision, recall, f1 = evaluate(run.proposals, labels)
    print(f"precision {precision:.3f} recall {recall:.3f} f1 {f1:.3f}")
    if args.show_errors:
        by_id = {op.id: op for op in operators}
        wrong, missed = errors(run.proposals, labels)
        for proposal in wrong[:args.show_errors]:
            print("FP", proposal.score, proposal.explanation)
        for a, b in missed[:args.show_errors]:
            print("FN", by_id[a].name, "|", by_id[b].name, by_id[a].tax_ids, by_id[b].tax_ids,
                  by_id[a].city, by_id[b].city)


if __name__ == "__main__":
    main()
