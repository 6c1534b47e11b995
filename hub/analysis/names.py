"""Operator names as comparison keys: script, case, diacritics and legal forms taken out.

``name_key`` turns a name as written ("Млекара Север д.о.о.", "MLEKARA SEVER DOO Subotica") into
a :class:`NameKey`: the name in Latin script, its legal form as a canonical code, and the core
name folded for comparison. ``name_similarity`` compares two cores.

Transliteration: Serbian and Macedonian Cyrillic map one letter to one Latin letter or digraph
(Serbian Gaj alphabet; Macedonian Latin alphabet with ѓ→gj, ќ→kj, ѕ→dz). ``anyascii`` cannot
do this: it writes ж/ш/ч as zh/sh/ch and ѓ/ќ as g/k (Russian-style, losing letters the two
languages tell apart) and drops diacritics, so a small explicit table handles the letters of
those two alphabets and anyascii is the fallback for every other script (Russian in Moldova,
Greek, ...).

Folding (comparison keys only): diacritics stripped (đ→dj first, as Serbs type it in ASCII), and
the ASCII digraphs people use for the same sounds folded to one letter (zh/ž→z, sh/š→s, ch/č/ć→c,
xh→dz, kh→h), so "Zhito" (official Macedonian romanisation) meets "Žito" and "Zito".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from hub.analysis.legal_forms import FORMS_BY_CODE, LEGAL_FORMS, LegalForm

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "ѓ": "gj", "е": "e", "ѐ": "e",
    "ж": "ž", "з": "z", "ѕ": "dz", "и": "i", "ѝ": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj",
    "м": "m", "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć",
    "ќ": "kj", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
}
"""Serbian (Gaj) and Macedonian Cyrillic to Latin; the two alphabets never disagree."""

_QUOTES = re.compile("[\"'`´«»‹›„“”‟‘’‚‛]")
_DIGRAPHS = re.compile(r"dzh|zh|sh|ch|xh|kh")
_DIGRAPH_FOLD = {"dzh": "dz", "zh": "z", "sh": "s", "ch": "c", "xh": "dz", "kh": "h"}
_SPECIAL = {"đ": "dj", "Đ": "Dj", "ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae"}
_TOKEN = re.compile(r"[a-z0-9]+")
_PARENS = re.compile(r"\(([^()]*)\)")

STOPWORDS = frozenset({"i", "and", "e", "dhe", "si", "za", "the", "of", "und", "et", "y"})
"""Connectives that carry no identity (Serbian, English, Albanian, Romanian, ...)."""

MAX_FORM_TOKENS = 8
"""The longest spelled-out legal form, in tokens ("drustvo so ogranicena ... na edno lice")."""


_ANY_CYRILLIC = re.compile("[\u0400-\u04ff]")
_CAPITAL_DIGRAPHS = re.compile("[ЉЊЏЃЌЅ]")
_TO_LATIN = str.maketrans({
    **{ord(cyr): lat for cyr, lat in _CYRILLIC.items()},
    **{ord(cyr.upper()): lat[0].upper() + lat[1:] for cyr, lat in _CYRILLIC.items()},
})
_SPECIAL_TABLE = str.maketrans(_SPECIAL)


def _latin_char(ch: str) -> str:
    lower = ch.lower()
    mapped = _CYRILLIC.get(lower)
    if mapped is None:
        return anyascii(ch) if "\u0400" <= ch <= "\u04ff" else ch
    return mapped if ch == lower else mapped[0].upper() + mapped[1:]


def transliterate(text: str) -> str:
    """``text`` in Latin script: NFC, Serbian/Macedonian Cyrillic by table, other Cyrillic by
    anyascii; Latin letters (with their diacritics) are kept. Upper-case digraphs follow the
    word: "ЉУБА" → "LJUBA", "Љуба" → "Ljuba"."""
    text = unicodedata.normalize("NFC", text)
    if not _ANY_CYRILLIC.search(text):
        return text
    if not _CAPITAL_DIGRAPHS.search(text):
        latin = text.translate(_TO_LATIN)
        if _ANY_CYRILLIC.search(latin):  # letters of other Cyrillic alphabets
            latin = _ANY_CYRILLIC.sub(lambda m: anyascii(m.group(0)), latin)
        return latin
    out: list[str] = []
    for i, ch in enumerate(text):
        latin = _latin_char(ch)
        if len(latin) > 1 and latin[0].isupper():
            nxt = text[i + 1] if i + 1 < len(text) else ""
            prev = text[i - 1] if i > 0 else ""
            if nxt.isupper() or (not nxt.isalpha() and prev.isupper()):
                latin = latin.upper()
        out.append(latin)
    return "".join(out)


def fold(text: str, digraphs: bool = True) -> str:
    """Comparison form of Latin text: lower-case ASCII, diacritics stripped, digraphs folded.

    Punctuation is kept (legal forms are found by it); quotes are dropped. Legal forms are
    looked up before digraph folding (``digraphs=False``), which would make SH.A. read as S.A.
    """
    text = _QUOTES.sub("", text)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL_TABLE))
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        text = anyascii(stripped)
    ascii_text = text.casefold()
    return _fold_digraphs(ascii_text) if digraphs else ascii_text


def _fold_digraphs(text: str) -> str:
    return _DIGRAPHS.sub(lambda m: _DIGRAPH_FOLD[m.group(0)], text)


@lru_cache(maxsize=1)
def _form_words() -> frozenset[str]:
    """Every word (or letter) that occurs in some legal-form variant, folded."""
    return frozenset(
        word for form in LEGAL_FORMS for variant in (form.code, *form.variants)
        for word in _TOKEN.findall(fold(transliterate(variant), digraphs=False))
    ) | frozenset(_forms_by_squeezed())


@lru_cache(maxsize=1)
def _forms_by_squeezed() -> dict[str, tuple[LegalForm, ...]]:
    """Each legal-form variant, transliterated, folded and without separators -> its forms."""
    index: dict[str, list[LegalForm]] = {}
    for form in LEGAL_FORMS:
        for variant in (form.code, *form.variants):
            squeezed = "".join(_TOKEN.findall(fold(transliterate(variant), digraphs=False)))
            if form not in index.setdefault(squeezed, []):
                index[squeezed].append(form)
    return {key: tuple(forms) for key, forms in index.items()}


@dataclass(frozen=True, slots=True)
class NameKey:
    """A name prepared for comparison.

    ``latin`` is the name in Latin script as written (diacritics kept); ``legal_form`` a canonical
    code such as DOO, DOOEL, AD, SHPK, SRL (None when absent); ``core`` the name without legal
    form, quotes and trailing seat, lower-case ASCII; ``tokens`` its words with digraphs folded
    (what comparisons use); ``key`` the sorted distinct significant tokens, equal for names that
    differ only in order, script, case, diacritics or legal form; ``seat`` the place written
    after the legal form ("... d.o.o. Subotica"), lower-case ASCII.
    """

    original: str
    latin: str
    legal_form: str | None
    core: str
    tokens: tuple[str, ...]
    key: str
    seat: str | None = None

    @property
    def form(self) -> LegalForm | None:
        """The legal form's description (family, parties), or None."""
        return FORMS_BY_CODE.get(self.legal_form) if self.legal_form else None


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    dotted: bool  # followed directly by "." in the written name


def _tokens(folded: str) -> list[_Token]:
    return [
        _Token(m.group(0), folded[m.end():m.end() + 1] == ".")
        for m in _TOKEN.finditer(folded)
    ]


def _form_at(tokens: list[_Token], start: int, end: int, party: str | None) -> LegalForm | None:
    """The legal form written by tokens[start:end], if they spell one acceptable for ``party``."""
    candidates = _forms_by_squeezed().get("".join(t.text for t in tokens[start:end]), ())
    dotted = end - start > 1 and all(t.dotted for t in tokens[start:end - 1])
    short = sum(len(t.text) for t in tokens[start:end]) <= 4
    for form in sorted(candidates, key=lambda f: party not in f.parties):
        # An ambiguous abbreviation (PR, II, SA, OD...) counts when the party uses it, or when
        # it is written with dots ("I.I."), which ordinary words never are. Spelled-out forms
        # ("preduzetnik") are never ambiguous.
        if not (form.strict and short) or dotted or (party is not None and party in form.parties):
            return form
    return None


def _longest_form(
    tokens: list[_Token], start: int, stop: int, party: str | None, from_end: bool
) -> tuple[LegalForm, int] | None:
    """The longest form ending at ``stop`` (from_end) or starting at ``start``; with its length."""
    # Only a run of words that occur in some legal form can spell one: measure it first.
    words = _form_words()
    limit = 0
    while limit < min(MAX_FORM_TOKENS, stop - start):
        token = tokens[stop - 1 - limit] if from_end else tokens[start + limit]
        if token.text not in words:
            break
        limit += 1
    for length in range(limit, 0, -1):
        lo, hi = (stop - length, stop) if from_end else (start, start + length)
        form = _form_at(tokens, lo, hi, party)
        if form is not None:
            return form, length
    return None


def _split_form(
    tokens: list[_Token], party: str | None
) -> tuple[list[_Token], LegalForm | None, list[_Token]]:
    """Split the legal form(s) off the start or end, or before a 1-2 word seat.

    Returns the core tokens, the form found (or None) and the seat tokens.
    """
    found: LegalForm | None = None
    start, stop = 0, len(tokens)
    seat: list[_Token] = []
    for _ in range(2):  # "J.S.C. SH.A.": two forms in a row
        hit = _longest_form(tokens, start, stop, party, from_end=True)
        if hit is None or hit[1] >= stop - start:
            break
        found = found or hit[0]
        stop -= hit[1]
    if found is None:
        hit = _longest_form(tokens, start, stop, party, from_end=False)
        if hit is not None and hit[1] < stop - start:
            found, start = hit[0], start + hit[1]
    if found is None:
        # "Mlekara Sever d.o.o. Subotica": a form followed by the seat, one or two words.
        for seat_len in (1, 2):
            if stop - start - seat_len < 2:
                break
            hit = _longest_form(tokens, start, stop - seat_len, party, from_end=True)
            if hit is not None and hit[1] < stop - start - seat_len:
                found, seat = hit[0], tokens[stop - seat_len:stop]
                stop = stop - seat_len - hit[1]
                break
    return tokens[start:stop], found, seat


def name_key(raw: str, party: str | None = None) -> NameKey:
    """Prepare a name for comparison. ``party`` (RS, MK, AL, ...) lets ambiguous abbreviations
    such as PR, I.I. or SA count as legal forms where that party uses them."""
    return _name_key(raw or "", (party or "").upper() or None)


@lru_cache(maxsize=65_536)
def _name_key(raw: str, party: str | None) -> NameKey:
    latin = " ".join(transliterate(raw).split())
    folded = fold(latin, digraphs=False)
    found: LegalForm | None = None
    # A legal form in parentheses anywhere: "Mlekara Sever (DOO)".
    for match in _PARENS.finditer(folded):
        inner = _tokens(match.group(1))
        if inner and _form_at(inner, 0, len(inner), party) is not None:
            found = found or _form_at(inner, 0, len(inner), party)
            folded = folded[:match.start()] + " " + folded[match.end():]
    tokens = _tokens(folded)
    core_tokens, form, seat = _split_form(tokens, party)
    found = found or form
    words = tuple(_fold_digraphs(t.text) for t in core_tokens)
    key = " ".join(sorted({w for w in words if w not in STOPWORDS} or set(words)))
    return NameKey(
        original=raw, latin=latin, legal_form=found.code if found else None,
        core=" ".join(t.text for t in core_tokens), tokens=words, key=key,
        seat=" ".join(t.text for t in seat) or None,
    )


def legal_form_code(text: str, party: str | None = None) -> str | None:
    """The canonical code of a legal form written on its own ("д.о.о.", "Sh.p.k."), or None."""
    tokens = _tokens(fold(transliterate(text or ""), digraphs=False))
    form = _form_at(tokens, 0, len(tokens), (party or "").upper() or None) if tokens else None
    return form.code if form else None


TOKEN_MATCH = 0.9
"""Word similarity (Jaro-Winkler) from which two words count as one word typed differently.
Below it a word counts half: Jaro-Winkler gives 0.8 to different surnames that share the
"-ić" ending ("Hadžić"/"Lazić"), which must not read as a near match."""


def _monge_elkan(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Mean over ``a``'s tokens of the best Jaro-Winkler match in ``b``, weighted by length."""
    total = weight = 0.0
    for token in a:
        best = max(JaroWinkler.similarity(token, other) for other in b)
        if best < TOKEN_MATCH:
            best /= 2
        total += best * len(token)
        weight += len(token)
    return total / weight if weight else 0.0


_W_TOKENS, _W_SORT, _W_SET = 0.45, 0.35, 0.20


def _key_of(name: NameKey | str) -> NameKey:
    return name if isinstance(name, NameKey) else name_key(name)


def _edit_parts(ka: NameKey, kb: NameKey) -> tuple[float, float]:
    """Token-sort (or, if better, whole-name without spaces) and token-set ratios, 0..1."""
    text_a, text_b = " ".join(ka.tokens), " ".join(kb.tokens)
    flat = fuzz.ratio(text_a.replace(" ", ""), text_b.replace(" ", ""))
    sort = max(fuzz.token_sort_ratio(text_a, text_b), flat) / 100
    return sort, fuzz.token_set_ratio(text_a, text_b) / 100


def _trivial(ka: NameKey, kb: NameKey) -> float | None:
    if not ka.tokens or not kb.tokens:
        return 0.0
    if ka.key == kb.key or "".join(ka.tokens) == "".join(kb.tokens):
        return 1.0  # same words, or the same letters split into words differently
    return None


def name_similarity(a: NameKey | str, b: NameKey | str) -> float:
    """Similarity of two names' cores, 0..1 (1.0 when their keys are equal).

    The mix: token-level Jaro-Winkler (Monge-Elkan, both directions) tolerates typos and
    transliteration drift inside words and ignores word order; token-sort ratio (edit distance
    over the sorted words, or over the whole name without spaces when that is closer: "Mlekara
    Sever" vs "MlekaraSever") penalises words present on one side only, which the token-level
    part forgives too easily ("Trade" vs "Best Trade"); token-set ratio rewards a name that is
    the other plus an activity or place word, common in registers ("Mlekara Sever Subotica").
    """
    ka, kb = _key_of(a), _key_of(b)
    trivial = _trivial(ka, kb)
    if trivial is not None:
        return trivial
    tokens = (_monge_elkan(ka.tokens, kb.tokens) + _monge_elkan(kb.tokens, ka.tokens)) / 2
    sort, token_set = _edit_parts(ka, kb)
    return round(_W_TOKENS * tokens + _W_SORT * sort + _W_SET * token_set, 4)


def name_similarity_bound(a: NameKey, b: NameKey) -> float:
    """An upper bound of :func:`name_similarity` from its fast parts only (rapidfuzz C code):
    the matcher drops pairs that cannot reach the threshold without the slower token part."""
    trivial = _trivial(a, b)
    if trivial is not None:
        return trivial
    sort, token_set = _edit_parts(a, b)
    return _W_TOKENS + _W_SORT * sort + _W_SET * token_set
