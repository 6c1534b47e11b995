"""Numeric features of a consignment for the learned model, and why each one is legitimate.

Every feature is computed from :class:`~hub.analysis.risk.evidence.Evidence`, which holds only
facts known when the consignment was declared (see that module), plus two reference tables
(:class:`Reference`) fitted on the *training* consignments' declared values and descriptions —
never on a label. No feature reads a control result of the consignment itself, the ground-truth
file, the demo's selectivity ``channel``, or anything recorded after the declaration.

====================  =========================================================================
feature               what it is, and why it may be used
====================  =========================================================================
rules_score           the rules scorer's total (profiles, alerts, history, AEO, documents,
                      check signals): everything it reads is as of the declaration
profile_hits          how many RMWG profiles in force hit; their summed weight
profile_weight
alerts_0/1/2          alerts in force concerning the consignment or its parties, vehicles,
                      drivers, documents (0), one link further (1), two (2), linked by then
alerts_high           of those, high-priority ones
exporter_hits         exporter's / importer's irregularities and seizures on *other*
exporter_seizures     consignments controlled before the declaration (a year back); clean
exporter_clean        controls likewise
importer_hits / _seizures / _clean
others_hits           the declarant's and carrier's hits, likewise
exporter_aeo          a valid AEO on the declaration day (status from its history)
importer_aeo
aeo_withdrawn         an AEO of a party suspended or revoked by then
exporter_new          first consignment in the hub < 90 days before
importer_new
exporter_foreign      exporter registered outside the declaring party / the CEFTA
exporter_non_cefta
exporter_co_located   other operators at the exporter's address / sharing its phone or
exporter_co_reachable e-mail (structure of the register, no outcome)
lpco_expired ...      document problems known at the declaration, by the LPCO rules the checks
lpco_revoked          use: expired, revoked or suspended by then, HS not covered, quantity
lpco_hs_mismatch      exceeded by the shipments so far, issued to neither trader; earlier
                      presentations of the same document
lpco_quantity
lpco_other_holder
lpco_prior_uses
log_value_ratio       log of declared EUR/kg over the training median for the HS code: values
                      declared by traders, compared with other declarations
description_rarity    1 - the share of training declarations with the same goods description
                      that declared the same HS heading: a text-versus-code consistency check
log_mass              log of the gross mass
hs_count              number of HS codes declared
====================  =========================================================================
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from hub.analysis.risk.evidence import Evidence, is_foreign, is_non_cefta
from hub.analysis.risk.profiles import Profile
from hub.analysis.risk.scoring import lpco_problems, score
from hub.times import epoch_ms

FEATURES: tuple[str, ...] = (
    "rules_score", "profile_hits", "profile_weight",
    "alerts_0", "alerts_1", "alerts_2", "alerts_high",
    "exporter_hits", "exporter_seizures", "exporter_clean",
    "importer_hits", "importer_seizures", "importer_clean", "others_hits",
    "exporter_aeo", "importer_aeo", "aeo_withdrawn",
    "exporter_new", "importer_new", "exporter_foreign", "exporter_non_cefta",
    "exporter_co_located", "exporter_co_reachable",
    "lpco_expired", "lpco_revoked", "lpco_hs_mismatch", "lpco_quantity", "lpco_other_holder",
    "lpco_prior_uses",
    "log_value_ratio", "description_rarity", "log_mass", "hs_count",
)


def _heading(code: str) -> str:
    return code[:4]


@dataclass(frozen=True, slots=True)
class Reference:
    """Tables fitted on training consignments only: median EUR/kg per HS code (and heading),
    and for each goods description how often each HS heading was declared with it."""

    value_per_kg: Mapping[str, float] = field(default_factory=dict)
    headings_by_description: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @classmethod
    def fit(cls, evidence: Iterable[Evidence]) -> Reference:
        values: dict[str, list[float]] = defaultdict(list)
        headings: dict[str, Counter[str]] = defaultdict(Counter)
        for e in evidence:
            c = e.consignment
            per_kg = c.value_per_kg
            if c.hs_codes and per_kg is not None and per_kg > 0:
                values[c.hs_codes[0]].append(per_kg)
                values[_heading(c.hs_codes[0])].append(per_kg)
            if c.goods_description and c.hs_codes:
                headings[c.goods_description.casefold()][_heading(c.hs_codes[0])] += 1
        return cls({k: statistics.median(v) for k, v in values.items() if len(v) >= 3},
                   {k: dict(v) for k, v in headings.items()})

    def value_ratio(self, e: Evidence) -> float:
        c = e.consignment
        per_kg = c.value_per_kg
        if not c.hs_codes or per_kg is None or per_kg <= 0:
            return 0.0
        norm = self.value_per_kg.get(c.hs_codes[0]) or self.value_per_kg.get(
            _heading(c.hs_codes[0]))
        return math.log(per_kg / norm) if norm else 0.0

    def description_rarity(self, e: Evidence) -> float:
        c = e.consignment
        if not c.goods_description or not c.hs_codes:
            return 0.0
        seen = self.headings_by_description.get(c.goods_description.casefold())
        if not seen:
            return 0.0
        total = sum(seen.values())
        return 1.0 - seen.get(_heading(c.hs_codes[0]), 0) / total


def _history(e: Evidence, role: str) -> tuple[float, float, float]:
    c = e.consignment
    day = c.day or ""
    hits = seizures = clean = 0
    for op_id in c.operators((role,)):
        op = e.operators.get(op_id)
        if op is not None:
            h = op.history(day, c.id)
            hits, seizures, clean = hits + len(h.hits), seizures + len(h.seizures), \
                clean + len(h.clean)
    return float(hits), float(seizures), float(clean)


def vector(e: Evidence, profiles: Sequence[Profile], reference: Reference) -> list[float]:
    """The feature values of one consignment, in :data:`FEATURES` order."""
    c = e.consignment
    day = c.day or ""
    rules = score(e, profiles)
    by_factor: dict[str, list[float]] = defaultdict(list)
    for contribution in rules.contributions:
        by_factor[contribution.factor].append(contribution.weight)
    known = [link for link in e.alerts if link.alert.known_at(c.declared_at or "")]
    exporters = [e.operators[o] for o in c.operators(("exporter",)) if o in e.operators]
    importers = [e.operators[o] for o in c.operators(("importer",)) if o in e.operators]
    parties = [e.operators[o] for o in c.operators() if o in e.operators]
    others_hits = sum(len(op.history(day, c.id).hits) for op in
                      (e.operators[o] for o in c.operators(("declarant", "carrier"))
                       if o in e.operators))
    problems: Counter[str] = Counter()
    prior_uses = 0
    at = epoch_ms(c.declared_at) if c.lpcos else None
    for lpco_id in c.lpcos:
        lpco = e.lpcos.get(lpco_id)
        if lpco is not None:
            problems.update(lpco_problems(e, lpco))
            prior_uses += lpco.prior_uses(at, c.id)
    exporter = exporters[0] if exporters else None
    values = {
        "rules_score": rules.score,
        "profile_hits": float(len(by_factor["profile"])),
        "profile_weight": sum(by_factor["profile"]),
        "alerts_0": float(sum(1 for link in known if link.hops == 0)),
        "alerts_1": float(sum(1 for link in known if link.hops == 1)),
        "alerts_2": float(sum(1 for link in known if link.hops == 2)),
        "alerts_high": float(sum(1 for link in known if link.alert.priority == "high")),
        "others_hits": float(others_hits),
        "exporter_aeo": float(any(op.valid_aeo(day) for op in exporters)),
        "importer_aeo": float(any(op.valid_aeo(day) for op in importers)),
        "aeo_withdrawn": float(any(op.withdrawn_aeo(day) for op in parties)),
        "exporter_new": float(any(op.is_new(day) for op in exporters)),
        "importer_new": float(any(op.is_new(day) for op in importers)),
        "exporter_foreign": float(exporter is not None and is_foreign(exporter, c)),
        "exporter_non_cefta": float(exporter is not None and is_non_cefta(exporter)),
        "exporter_co_located": float(exporter.co_located if exporter else 0),
        "exporter_co_reachable": float(exporter.co_reachable if exporter else 0),
        "lpco_expired": float(problems["expired"]),
        "lpco_revoked": float(problems["revoked"] + problems["suspended"]),
        "lpco_hs_mismatch": float(problems["hs_not_covered"]),
        "lpco_quantity": float(problems["quantity_exceeded"]),
        "lpco_other_holder": float(problems["other_holder"]),
        "lpco_prior_uses": float(max(prior_uses, 0)),
        "log_value_ratio": reference.value_ratio(e),
        "description_rarity": reference.description_rarity(e),
        "log_mass": math.log1p(c.gross_mass_kg or 0.0),
        "hs_count": float(len(c.hs_codes)),
    }
    for role in ("exporter", "importer"):
        hits, seizures, clean = _history(e, role)
        values[f"{role}_hits"], values[f"{role}_seizures"], values[f"{role}_clean"] = \
            hits, seizures, clean
    return [values[name] for name in FEATURES]
