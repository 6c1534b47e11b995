"""The matcher's values: operators as it sees them, its settings, and the links it proposes.

Everything here is plain data, so the matcher runs and is tested without a graph.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from rapidfuzz.distance import JaroWinkler

from hub.analysis.names import NameKey, fold, legal_form_code, name_key, transliterate
from hub.analysis.taxids import TaxId
from hub.errors import InputError


@dataclass(frozen=True, slots=True)
class OperatorView:
    """One operator record as the matcher compares it.

    ``tax_ids`` come from :func:`hub.analysis.taxids.normalise_tax_id`; ``contacts`` are phone
    numbers or e-mail addresses as written; ``owner_party`` is the party that owns the record
    (it decides who may see a link to it); ``legal_form`` is used when the name has none.
    """

    id: str
    name: str
    country: str | None = None
    tax_ids: tuple[TaxId, ...] = ()
    address: str | None = None
    city: str | None = None
    contacts: tuple[str, ...] = ()
    legal_form: str | None = None
    owner_party: str | None = None


@dataclass(frozen=True, slots=True)
class MatchProposal:
    """A proposed SAME_AS link: two operator ids (``left_id < right_id``), a score in 0..1,
    the kinds of evidence that carried it (``method``, e.g. ``tax_id+name+city``) and one
    human-readable line per piece of evidence, for or against."""

    left_id: str
    right_id: str
    score: float
    method: str
    explanation: tuple[str, ...]

    @property
    def pair(self) -> tuple[str, str]:
        return (self.left_id, self.right_id)


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Matcher settings. ``threshold``: the lowest score proposed. ``max_block``: a block (the
    operators sharing one blocking key) bigger than this is split by city, and skipped if still
    too big, so a super-common word ("trade") cannot make the work quadratic. ``prefix_len``:
    letters of each name word used as a blocking key (tolerates different word endings).
    ``weights``: log-odds per piece of evidence, see :data:`DEFAULT_WEIGHTS`."""

    threshold: float = 0.7
    max_block: int = 60
    prefix_len: int = 5
    strong_score: float = 0.95
    """Links at least this sure, resting on a tax id, make their records carry each other's
    facts in the second look (:mod:`hub.analysis.resolution.consistency`)."""
    weights: Mapping[str, float] = field(default_factory=dict)
    """Overrides of :data:`DEFAULT_WEIGHTS`; after construction, the full table."""

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise InputError(f"unknown matcher weights {sorted(unknown)}; "
                             f"known: {sorted(DEFAULT_WEIGHTS)}")
        if not 0.0 < self.threshold < 1.0:
            raise InputError(f"the match threshold must be between 0 and 1, not {self.threshold}")
        if self.max_block < 2:
            raise InputError(f"max_block must be at least 2, not {self.max_block}")
        object.__setattr__(self, "weights", {**DEFAULT_WEIGHTS, **self.weights})

    @property
    def threshold_logit(self) -> float:
        return math.log(self.threshold / (1.0 - self.threshold))


DEFAULT_WEIGHTS: dict[str, float] = {
    # Log-odds added per piece of evidence; the score is the logistic of their sum. Hand-set so
    # that each line of an explanation is one term: a same valid tax id alone outweighs
    # different-looking names; conflicting valid ids of one scheme outweigh identical names.
    "prior": -2.5,
    "same_tax_id": 6.0,
    "same_unchecked_id": 3.0,
    "conflicting_tax_id": -8.0,  # check digits pass on both: not a typo
    "conflicting_unchecked_id": -4.0,
    "name_scale": 25.0,  # per unit of similarity above the name pivot
    "name_pivot": 0.80,
    "name_max": 4.0,
    "name_min": -5.0,
    "name_min_with_id": -2.0,  # a renamed company keeps its tax id
    "same_city": 1.0,
    "different_city": -2.5,
    "same_address": 1.5,
    "shared_contact": 2.0,
    "shared_contact_max": 3.0,
    "shared_factor_names_differ": 0.25,  # rings of different traders share contacts
    "different_form": -2.0,  # an LLC and a sole trader of one name are two persons
    "different_country": -2.0,
    "ambiguous": -3.0,  # it resembles, as much, another operator with a different tax id
}

_CITY_ALIASES = {
    "belgrade": "beograd", "shkup": "skopje", "uskub": "skopje", "kishinev": "chisinau",
    "kisinev": "chisinau", "prishtine": "pristina", "prishtina": "pristina", "tirane": "tirana",
    "podgorice": "podgorica", "sarajevo": "sarajevo", "nish": "nis",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")
_POSTCODE = re.compile(r"\b\d{4,6}\b")


def place_key(text: str | None) -> str | None:
    """A city name for comparison: any script, no postcode, folded, common exonyms mapped."""
    if not text:
        return None
    folded = _NON_WORD.sub(" ", _POSTCODE.sub(" ", fold(transliterate(text)))).strip()
    if not folded:
        return None
    return _CITY_ALIASES.get(folded, _CITY_ALIASES.get(folded.replace(" ", ""), folded))


def same_place(a: str, b: str) -> bool:
    """Two place keys name the same place (spelling drift such as Tiranë/Tirana allowed)."""
    return a == b or JaroWinkler.similarity(a, b) >= 0.93


_ADDRESS_NOISE = frozenset({
    "br", "broj", "nr", "no", "bb", "ul", "ulica", "str", "st", "rr", "rruga",
    "albania", "shqiperi", "shqiperia", "serbia", "srbija", "kosovo", "kosova", "moldova",
    "montenegro", "crna", "gora", "bosnia", "herzegovina", "bih", "north", "macedonia",
    "makedonija", "republic", "republika", "al", "rs", "mk", "me", "ba", "xk", "md",
})
"""Words that only say "number", "street" or the country: dropped, as writers differ on them."""


def address_key(text: str | None) -> str | None:
    """An address for comparison: folded words in written order, without postcodes, country
    names and "street"/"number" words."""
    if not text:
        return None
    words = [w for w in _NON_WORD.sub(" ", _POSTCODE.sub(" ", fold(transliterate(text)))).split()
             if w not in _ADDRESS_NOISE]
    return " ".join(words) if len(words) >= 2 else None


def contact_key(value: str | None) -> str | None:
    """A phone number or e-mail address for comparison (None when too short to identify).

    Phones keep their last 8 digits, so "+381 11 123 4567" and "011/123-4567" agree whatever
    the country and trunk prefixes; e-mail addresses are case-folded.
    """
    if not value:
        return None
    text = value.strip()
    if "@" in text:
        address = text.casefold().removeprefix("mailto:")
        return "mail:" + address if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address) else None
    digits = re.sub(r"\D", "", text)
    return "tel:" + digits[-8:] if len(digits) >= 7 else None


@dataclass(frozen=True, slots=True)
class Prepared:
    """An operator with everything the matcher compares computed once."""

    view: OperatorView
    name: NameKey
    legal_form: str | None
    ids: tuple[TaxId, ...]
    id_keys: frozenset[tuple[str, str, str]]
    contacts: frozenset[str]
    city: str | None
    address: str | None
    country: str | None


def prepare(view: OperatorView) -> Prepared:
    """Compute the comparison keys of one operator."""
    country = (view.country or "").upper() or None
    key = name_key(view.name, country)
    form = key.legal_form
    if form is None and view.legal_form:
        form = legal_form_code(view.legal_form, country)
    contacts = frozenset(k for k in (contact_key(c) for c in view.contacts) if k)
    ids = tuple(t for t in view.tax_ids if t.value)
    return Prepared(
        view=view, name=key, legal_form=form, ids=ids,
        id_keys=frozenset(t.match_key for t in ids), contacts=contacts,
        city=place_key(view.city) or place_key(key.seat), address=address_key(view.address),
        country=country,
    )
