"""Pairwise scoring: the evidence that two operator records are one operator, and a score.

Each piece of evidence adds log-odds (weights in :data:`records.DEFAULT_WEIGHTS`) and one line
to the explanation; the score is the logistic of the sum. Hand-set weights rather than a trained
model: every link must be explainable to an analyst line by line, and there is no labelled data
yet to train on (see ``evaluate`` for measuring them once the synthetic set has labels).

Explanations show names, legal forms, cities and company tax ids. They never show addresses,
phone numbers or e-mail addresses (a sole trader's are personal data, and a link may be shared
more widely than the Address or Contact record it rests on), nor a JIB that may be a JMBG.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rapidfuzz import fuzz

from hub.analysis.legal_forms import FORMS_BY_CODE
from hub.analysis.names import name_similarity, name_similarity_bound
from hub.analysis.resolution.records import MatchConfig, MatchProposal, Prepared, same_place
from hub.analysis.taxids import TaxId

_CYRILLIC = range(0x0400, 0x0530)


def _has_cyrillic(text: str) -> bool:
    return any(ord(ch) in _CYRILLIC for ch in text)


def _number(tax_id: TaxId) -> str:
    """An identifier's number as an explanation may show it (not a JIB that may be a JMBG)."""
    key = tax_id.match_key
    if key[:2] == ("BA", "JIB") and not key[2].startswith("4"):
        return "(a personal number, not shown)"
    return tax_id.value


def _shown(tax_id: TaxId) -> str:
    return f"{tax_id.scheme} {_number(tax_id)}"


class _Evidence:
    """Log-odds, explanation lines and method tags gathered for one pair."""

    __slots__ = ("lines", "logit", "tags")

    def __init__(self, prior: float) -> None:
        self.logit = prior
        self.lines: list[str] = []
        self.tags: list[str] = []

    def add(self, weight: float, line: str, tag: str | None = None) -> None:
        self.logit += weight
        self.lines.append(line)
        if tag and weight > 0 and tag not in self.tags:
            self.tags.append(tag)


def _compare_ids(a: Prepared, b: Prepared, ev: _Evidence, w: Mapping[str, float]) -> bool:
    """Add identifier evidence; True when some identifier agrees."""
    agreed = False
    by_scheme: dict[tuple[str, str], list[TaxId]] = {}
    for tax_id in b.ids:
        by_scheme.setdefault(tax_id.match_key[:2], []).append(tax_id)
    for left in a.ids:
        rights = by_scheme.get(left.match_key[:2], [])
        same = next((r for r in rights if r.match_key == left.match_key), None)
        if same is not None:
            agreed = True
            shown = _shown(left)
            if same.scheme != left.scheme:
                shown += f" (written as {_shown(same)})"
            if left.valid and same.valid:
                checked = "" if left.checksum else " (format checked only)"
                weight = w["same_tax_id"] if left.checksum else w["same_unchecked_id"]
                ev.add(weight, f"same {shown}{checked}", "tax_id")
            else:
                ev.add(w["same_unchecked_id"],
                       f"same {shown}, but it is not a valid {left.scheme}", "tax_id")
            continue
        for right in rights:
            if not (left.well_formed and right.well_formed):
                continue  # a garbled number says nothing about the other one
            line = f"different {left.scheme}: {_number(left)} vs {_number(right)}"
            if left.checksum and right.checksum:
                ev.add(w["conflicting_tax_id"], line)
            elif left.valid and right.valid:
                ev.add(w["conflicting_unchecked_id"], line + " (format checked only)")
            else:
                ev.add(w["conflicting_unchecked_id"], line + " (a check digit is wrong)")
            break
    return agreed


def _name_weight(similarity: float, w: Mapping[str, float], id_agrees: bool) -> float:
    floor = w["name_min_with_id"] if id_agrees else w["name_min"]
    return max(min((similarity - w["name_pivot"]) * w["name_scale"], w["name_max"]), floor)


def _name_line(a: Prepared, b: Prepared, similarity: float, w: Mapping[str, float]) -> str:
    if similarity >= w["name_pivot"]:
        crossed = _has_cyrillic(a.view.name) != _has_cyrillic(b.view.name)
        prefix = "names match after transliteration" if crossed else "names match"
        return f"{prefix}: '{a.view.name}' ~ '{b.view.name}' ({similarity:.2f})"
    return f"names differ: '{a.view.name}' vs '{b.view.name}' ({similarity:.2f})"


def _compare_places(a: Prepared, b: Prepared, ev: _Evidence, w: Mapping[str, float]) -> None:
    if a.legal_form and b.legal_form and a.legal_form != b.legal_form:
        fa, fb = FORMS_BY_CODE[a.legal_form], FORMS_BY_CODE[b.legal_form]
        # A partner's customs often types a generic "LLC" or "Ltd" for whatever the company
        # really is: a generic form counts only on a record kept by the operator's own party.
        if fa.family != fb.family and _form_counts(a, fa.parties) and _form_counts(b, fb.parties):
            ev.add(w["different_form"],
                   f"different kinds of company: {a.legal_form} vs {b.legal_form}")
    if a.country and b.country and a.country != b.country:
        ev.add(w["different_country"], f"different countries: {a.country} vs {b.country}")
    if a.city and b.city:
        city_a = a.view.city or (a.name.seat or a.city).title()
        city_b = b.view.city or (b.name.seat or b.city).title()
        if same_place(a.city, b.city):
            ev.add(w["same_city"], f"same city: {city_a}", "city")
        else:
            ev.add(w["different_city"], f"different cities: {city_a} vs {city_b}")


def _shared_contacts(a: Prepared, b: Prepared) -> frozenset[str]:
    return a.contacts & b.contacts


def _best_shared(a: Prepared, b: Prepared, w: Mapping[str, float]) -> float:
    """The most that a shared address and shared contacts can add."""
    best = w["same_address"] if a.address and b.address else 0.0
    shared = len(_shared_contacts(a, b))
    return best + min(w["shared_contact"] * shared, w["shared_contact_max"]) if shared else best


def _compare_shared(
    a: Prepared, b: Prepared, ev: _Evidence, w: Mapping[str, float], names_match: bool
) -> None:
    """Shared address and contacts. They identify an operator only together with its name:
    a ring of different traders shares an address, a phone or an e-mail (DESIGN: link
    analysis), so with different names they count for little."""
    factor = 1.0 if names_match else w["shared_factor_names_differ"]
    suffix = "" if names_match else ", but the names differ"
    if a.address and b.address and same_address(a.address, b.address):
        if _house_numbers(a.address) and _house_numbers(b.address):
            ev.add(w["same_address"] * factor, "same address" + suffix, "address")
        else:  # "Industrial zone, no number" is shared by whole districts
            ev.add(w["same_address"] * factor / 2, "same address, without a house number"
                   + suffix, "address")
    shared = _shared_contacts(a, b)
    if shared:
        kinds = sorted({"phone number" if c.startswith("tel:") else "e-mail address"
                        for c in shared})
        weight = min(w["shared_contact"] * len(shared), w["shared_contact_max"]) * factor
        ev.add(weight, "shared " + " and ".join(kinds) + suffix, "contact")


def _form_counts(p: Prepared, form_parties: frozenset[str]) -> bool:
    return bool(form_parties) or (p.country is not None and p.view.owner_party == p.country)


def _house_numbers(address: str) -> set[str]:
    return {t for t in address.split() if t[0].isdigit()}


def same_address(a: str, b: str) -> bool:
    """Two address keys name one place: the same house numbers (when both have any) and nearly
    the same words (extra words such as the city on one side are allowed)."""
    numbers_a, numbers_b = _house_numbers(a), _house_numbers(b)
    if numbers_a and numbers_b and not numbers_a & numbers_b:
        return False
    return fuzz.token_set_ratio(a, b) >= 90


def score_pair(
    a: Prepared, b: Prepared, config: MatchConfig | None = None, floor: float | None = None
) -> MatchProposal | None:
    """Score one pair of prepared operators (any order; the proposal orders the ids).

    With ``floor`` (a score), return None as soon as the pair provably cannot reach it: the
    slow token-level name comparison runs only when an upper bound of it could matter.
    Without it, always return the proposal, whatever its score.
    """
    config = config or MatchConfig()
    w = config.weights
    if b.view.id < a.view.id:
        a, b = b, a
    needed = -math.inf
    if floor is not None and 0.0 < floor < 1.0:
        needed = math.log(floor / (1.0 - floor))
        if not (a.id_keys & b.id_keys) and not (a.contacts & b.contacts):
            # Fast path for most candidate pairs: the best that city and address could add,
            # plus the name's upper bound, still falls short.
            best_rest = w["prior"] + max(w["same_city"], 0.0) + max(w["same_address"], 0.0)
            bound = name_similarity_bound(a.name, b.name)
            if best_rest + _name_weight(bound, w, False) < needed:
                return None
    ev = _Evidence(w["prior"])
    id_agrees = _compare_ids(a, b, ev, w)
    id_lines = len(ev.lines)
    _compare_places(a, b, ev, w)
    if floor is not None:
        bound = name_similarity_bound(a.name, b.name)
        if ev.logit + _name_weight(bound, w, id_agrees) + _best_shared(a, b, w) < needed:
            return None
    similarity = name_similarity(a.name, b.name)
    names_match = similarity >= w["name_pivot"]
    ev.logit += _name_weight(similarity, w, id_agrees)
    if names_match and "name" not in ev.tags:
        ev.tags.insert(1 if "tax_id" in ev.tags else 0, "name")
    _compare_shared(a, b, ev, w, names_match)
    lines = list(ev.lines)
    lines.insert(id_lines, _name_line(a, b, similarity, w))
    score = 1.0 / (1.0 + math.exp(-ev.logit))
    if floor is not None and score < floor:
        return None
    return MatchProposal(
        left_id=a.view.id, right_id=b.view.id, score=round(score, 3),
        method="+".join(ev.tags) or "none", explanation=tuple(lines),
    )
