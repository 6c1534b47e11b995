"""Risk intelligence of the demo: risk alerts (risk information forms), common risk profiles
and RMTT cases, written before the consignments they later concern.

Handling codes: H1 information only; H2 act on it and inform the originator; H3 act, do not
pass further without the originator's consent.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from hub.demo.actors import PARTNERS, Population
from hub.demo.goods import GOODS_BY_HS, MISDECLARATIONS, PESTS
from hub.demo.names import TRADER
from hub.demo.records import Chunk, agency_of, sharing
from hub.demo.scales import Scale, epoch_ms, iso_before, iso_day
from hub.demo.truth import GroundTruth
from hub.model import CEFTA_PARTIES, Distribution, Record, Sharing, stable_id

ACTIONS = ("documentary check", "physical examination", "non-intrusive inspection (scanner)",
           "sampling and laboratory analysis", "verification of origin", "post-clearance audit")


@dataclass(frozen=True, slots=True)
class AlertRef:
    id: str
    owner: str
    share: Sharing
    ref: str


@dataclass(frozen=True, slots=True)
class ProfileRef:
    id: str
    hs_prefixes: tuple[str, ...]
    origins: tuple[str, ...]
    share: Sharing
    ref: str


@dataclass(frozen=True, slots=True)
class CaseRef:
    id: str
    share: Sharing
    ref: str


@dataclass(slots=True)
class Intel:
    """What the traffic generator needs to link consignments to intelligence."""

    by_operator: dict[int, AlertRef] = field(default_factory=dict)
    by_vehicle: dict[str, AlertRef] = field(default_factory=dict)
    by_goods: dict[tuple[str, str], AlertRef] = field(default_factory=dict)  # (hs, origin)
    profiles_by_hs4: dict[str, list[ProfileRef]] = field(default_factory=dict)
    cases: dict[int, CaseRef] = field(default_factory=dict)  # by ring index
    suspects: set[int] = field(default_factory=set)
    alerts_left: int = 0  # budget for alerts raised during the traffic (interceptions)
    serial: int = 0

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial


def alert_sharing(rng: random.Random, owner: str, wide: Distribution) -> Sharing:
    """A mix of levels: mostly ``wide``, some listed, a few kept at home."""
    party = owner.split("-", maxsplit=1)[0]
    r = rng.random()
    if r < 0.62:
        return sharing(owner, wide)
    if r < 0.8 and party in PARTNERS:
        other = rng.choice(PARTNERS[party])
        return sharing(owner, Distribution.LISTED, (f"party:{other}", f"agency:{other}-CUS"))
    if r < 0.88:
        return sharing(owner, Distribution.PARTY)
    if r < 0.94:
        return sharing(owner, Distribution.ORIGINATOR)
    return sharing(owner, Distribution.CEFTA_EU)


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """The content of a risk alert the generator is about to write."""

    owner: str
    share: Sharing
    title: str
    domain: str
    risk_type: str
    indicators: list[str]
    description: str
    days_before: float  # issued this many days before the reference date


def write_alert(chunk: Chunk, rng: random.Random, intel: Intel, draft: AlertDraft) -> AlertRef:
    """Write one risk alert node and return its reference."""
    owner = draft.owner
    number = f"{owner}/RIF/{intel.next_serial():05d}"
    alert_id = stable_id("RiskAlert", number)
    issued = epoch_ms(draft.days_before)
    valid_until = iso_day(issued, rng.randint(90, 365))
    status = ("withdrawn" if rng.random() < 0.05 else
              "active" if valid_until >= iso_before(0) else "expired")
    chunk.node("RiskAlert", alert_id,
               {"title": draft.title, "risk_domain": draft.domain,
                "risk_type": draft.risk_type, "indicators": draft.indicators,
                "description": draft.description,
                "recommended_action": rng.choice(ACTIONS), "valid_from": iso_day(issued),
                "valid_until": valid_until,
                "priority": rng.choices(("high", "medium", "low"), (3, 5, 2))[0],
                "issuing_agency": owner, "status": status,
                "handling_code": rng.choice(("H1", "H2", "H2", "H3")),
                "version": rng.randint(1, 3)},
               draft.share, number, issued)
    return AlertRef(alert_id, owner, draft.share, number)


def concerns(chunk: Chunk, alert: AlertRef, target_id: str, at_ms: int) -> None:
    chunk.edge("CONCERNS", alert.id, target_id, alert.share, alert.ref, at_ms)


class IntelligenceBuilder:
    def __init__(self, rng: random.Random, scale: Scale, pop: Population,
                 truth: GroundTruth) -> None:
        self.rng, self.scale, self.pop, self.truth = rng, scale, pop, truth
        self.intel = Intel()

    def build(self) -> Iterator[list[Record]]:
        chunk = Chunk()
        budget = int(self.scale.alerts * 0.8)
        budget -= self._ring_alerts(chunk)
        budget -= self._goods_alerts(chunk)
        self._operator_alerts(chunk, max(budget, 0))
        self.intel.alerts_left = self.scale.alerts - self.intel.serial
        self._profiles(chunk)
        self._cases(chunk)
        yield chunk.take()

    def _ring_alerts(self, chunk: Chunk) -> int:
        rng, written = self.rng, 0
        for ring in self.pop.rings:
            if ring.case_id is None and rng.random() > 0.7:
                continue
            owner = f"{ring.parties[0]}-CUS"
            share = alert_sharing(rng, owner, Distribution.CEFTA_CUSTOMS)
            if ring.case_id:
                share = sharing(share.owner_agency, share.distribution,
                                (*share.share_with, f"case:{ring.case_id}"))
            members = rng.sample(ring.members, min(len(ring.members), rng.randint(2, 4)))
            alert = write_alert(chunk, rng, self.intel, AlertDraft(
                owner=owner, share=share,
                title=f"Suspected undervaluation network ({'/'.join(ring.parties)})",
                domain="fiscal", risk_type="undervaluation_network",
                indicators=[f"operator:{self.pop.ops[m].id}" for m in members],
                description="Several newly active traders declare values far below reference "
                "values and appear to share premises, contacts or transport.",
                days_before=rng.randint(60, 300)))
            for member in members:
                concerns(chunk, alert, self.pop.ops[member].id, epoch_ms(60))
                self.intel.by_operator[member] = alert
            for tractor, trailer in ring.vehicles[:1]:
                concerns(chunk, alert, tractor, epoch_ms(60))
                self.intel.by_vehicle[tractor] = self.intel.by_vehicle[trailer] = alert
            written += 1
        return written

    def _goods_alerts(self, chunk: Chunk) -> int:
        rng, written = self.rng, 0
        for declared, true in MISDECLARATIONS:
            for origin in GOODS_BY_HS[true].origins[:2]:
                if origin not in CEFTA_PARTIES:
                    continue
                owner = f"{rng.choice(PARTNERS[origin])}-CUS"
                alert = write_alert(chunk, rng, self.intel, AlertDraft(
                    owner=owner, share=alert_sharing(rng, owner, Distribution.CEFTA_CUSTOMS),
                    title=f"{GOODS_BY_HS[true].description} declared under HS {declared[:4]}",
                    domain="fiscal", risk_type="misdeclaration_tariff",
                    indicators=[f"hs:{declared}", f"origin:{origin}"],
                    description=f"Consignments from {origin} declared as "
                    f"'{GOODS_BY_HS[declared].description}' were found to contain "
                    f"{GOODS_BY_HS[true].description.lower()}.",
                    days_before=rng.randint(30, 330)))
                self.intel.by_goods[(declared, origin)] = alert
                written += 1
        for hs, pests in PESTS.items():
            grower = next((o for o in GOODS_BY_HS[hs].origins if o in CEFTA_PARTIES), None)
            if grower is None or rng.random() < 0.4:
                continue
            origin = grower
            owner = agency_of(rng.choice(PARTNERS[origin]), "PHY")
            alert = write_alert(chunk, rng, self.intel, AlertDraft(
                owner=owner, share=alert_sharing(rng, owner, Distribution.CEFTA_AGENCIES),
                title=f"{pests[0]} in {GOODS_BY_HS[hs].description.lower()} from {origin}",
                domain="phytosanitary", risk_type="harmful_organism",
                indicators=[f"hs:{hs}", f"origin:{origin}"],
                description=f"Repeated interceptions of {pests[0]}; inspect consignments of "
                "this commodity and origin.", days_before=rng.randint(30, 330)))
            self.intel.by_goods[(hs, origin)] = alert
            written += 1
        return written

    def _operator_alerts(self, chunk: Chunk, budget: int) -> None:
        """Alerts naming single traders or trucks: about half true, half false leads."""
        rng, pop = self.rng, self.pop
        traders = [i for (p, r), idx in pop.by_party_role.items()
                   if r == TRADER and p in CEFTA_PARTIES for i in idx if pop.ops[i].ring < 0]
        traders.sort()
        suspects = rng.sample(traders, min(len(traders), max(2, len(traders) // 100)))
        self.intel.suspects = set(suspects)
        self.truth.suspect_operator_ids = [pop.ops[i].id for i in suspects]
        named = suspects[: len(suspects) // 2]
        honest = [i for i in rng.sample(traders, min(len(traders), budget))
                  if i not in self.intel.suspects]
        carriers = sorted(pop.fleets)
        for n in range(budget):
            if n % 5 == 4 and carriers:  # one in five names a truck
                carrier = rng.choice(carriers)
                tractor, _trailer = rng.choice(pop.fleets[carrier])
                party = pop.ops[carrier].party
                owner = agency_of(party, "BP") if rng.random() < 0.4 else f"{party}-CUS"
                alert = write_alert(chunk, rng, self.intel, AlertDraft(
                    owner=owner, share=alert_sharing(rng, owner, Distribution.CEFTA_AGENCIES),
                    title="Tractor unit suspected of concealment", domain="safety_security",
                    risk_type="concealment", indicators=[f"vehicle:{tractor}"],
                    description="Intelligence reports modifications to the cab floor of this "
                    "tractor unit.", days_before=rng.randint(10, 300)))
                concerns(chunk, alert, tractor, epoch_ms(10))
                self.intel.by_vehicle[tractor] = alert
                continue
            pool = named if named and rng.random() < 0.5 else honest
            if not pool:
                continue
            target = pool.pop()
            op = pop.ops[target]
            owner = f"{op.party}-CUS"
            alert = write_alert(chunk, rng, self.intel, AlertDraft(
                owner=owner, share=alert_sharing(rng, owner, Distribution.CEFTA_CUSTOMS),
                title="Trader with values far below reference values", domain="fiscal",
                risk_type="undervaluation", indicators=[f"operator:{op.id}"],
                description="Declared values of this trader are repeatedly below the "
                "reference values for the goods; verify the transaction value.",
                days_before=rng.randint(10, 300)))
            concerns(chunk, alert, op.id, epoch_ms(10))
            self.intel.by_operator[target] = alert

    def _profiles(self, chunk: Chunk) -> None:
        rng = self.rng
        templates: list[tuple[str, tuple[str, ...], dict[str, object]]] = [
            ("Tobacco products: misdeclaration", ("2401", "2402"), {"value_per_kg_below": 10}),
            ("Textiles: undervaluation", ("6109", "6309"), {"value_per_kg_below": 8}),
            ("Fresh fruit: harmful organisms", ("0808", "0809"), {"document": "phyto"}),
            ("Solanaceae: Tuta absoluta and thrips", ("0702", "0709"), {"document": "phyto"}),
            ("Plant protection products: licence", ("3808", "3824"), {"licence": True}),
            ("Medicines: licence and classification", ("3004", "2106"), {"licence": True}),
            ("Smartphones declared as parts", ("8517",), {"value_per_kg_below": 60}),
            ("Vehicle brake parts", ("8708", "7326"), {"value_per_kg_below": 3}),
            ("Sawn wood: ISPM 15", ("4407",), {"document": "phyto"}),
            ("Poultry meat: veterinary controls", ("0207",), {"document": "veterinary"}),
            ("Honey: residues", ("0409",), {"document": "veterinary"}),
            ("Walnuts: aflatoxin", ("0802",), {"document": "phyto"}),
        ]
        cefta = sorted(CEFTA_PARTIES)
        for n in range(self.scale.profiles):
            name, prefixes, extra = templates[n % len(templates)]
            origins = tuple(sorted(rng.sample(cefta, rng.randint(2, 4))))
            if n >= len(templates):
                name = f"{name} ({', '.join(origins)})"
            criteria = {"hs_prefixes": list(prefixes), "origins": list(origins), **extra}
            if rng.random() < 0.3:
                criteria["operator_traits"] = ["first_declaration_within_90_days"]
            owner = f"{cefta[n % len(cefta)]}-CUS"
            share = sharing(owner, Distribution.CEFTA_CUSTOMS)
            ref = f"RMWG/profile/{n + 1:03d}"
            profile_id = stable_id("RiskProfile", "RMWG", name)
            status = rng.choices(("active", "expired", "draft"), (8, 1, 1))[0]
            chunk.node("RiskProfile", profile_id,
                       {"name": name, "criteria": json.dumps(criteria, sort_keys=True),
                        "weight": round(rng.uniform(0.3, 0.95), 2),
                        "valid_from": iso_before(rng.randint(200, 700)),
                        "valid_until": iso_before(rng.randint(-365, 30)) if status != "draft"
                        else None, "status": status},
                       share, ref, epoch_ms(400))
            if status == "active":
                profile = ProfileRef(profile_id, prefixes, origins, share, ref)
                for prefix in prefixes:
                    self.intel.profiles_by_hs4.setdefault(prefix, []).append(profile)

    def _cases(self, chunk: Chunk) -> None:
        rng, pop = self.rng, self.pop
        for ring in pop.rings:
            if ring.case_id is None:
                continue
            lead = f"{ring.parties[0]}-CUS"
            members = sorted({f"{p}-CUS" for p in ring.parties}
                             | {f"{rng.choice(PARTNERS[ring.parties[0]])}-CUS"}
                             | ({agency_of(ring.parties[0], "BP")} if rng.random() < 0.5
                                else set()))
            share = sharing(lead, Distribution.LISTED,
                            (f"case:{ring.case_id}", *(f"agency:{m}" for m in members)))
            opened = epoch_ms(rng.randint(30, 200))
            ref = f"RMTT/case/{ring.index + 1:03d}"
            chunk.node("Case", ring.case_id,
                       {"title": f"RMTT joint action {ring.index + 1}: undervaluation network "
                                 f"{' / '.join(ring.parties)}",
                        "status": "open" if rng.random() < 0.7 else "closed",
                        "lead_agency": lead, "opened_at": opened},
                       share, ref, opened)
            for member in members:
                chunk.edge("MEMBER_OF", stable_id("Agency", member), ring.case_id, share, ref,
                           opened)
            for index in ring.members:
                chunk.edge("INCLUDES", ring.case_id, pop.ops[index].id, share, ref, opened)
            for tractor, trailer in ring.vehicles:
                chunk.edge("INCLUDES", ring.case_id, tractor, share, ref, opened)
                chunk.edge("INCLUDES", ring.case_id, trailer, share, ref, opened)
            alert = next((a for i, a in self.intel.by_operator.items() if i in ring.members),
                         None)
            if alert is not None:
                chunk.edge("INCLUDES", ring.case_id, alert.id, share, ref, opened)
            self.intel.cases[ring.index] = CaseRef(ring.case_id, share, ref)
