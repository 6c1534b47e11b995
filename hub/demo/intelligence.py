"""Risk intelligence of the demo: risk alerts (risk information forms), common risk profiles
and RMTT cases, written before the consignments they later concern.

Alerts are written as ``hub.alerts`` writes a raised RIF (same id scheme, risk domains,
recommended actions, structured ``indicator_*`` lists, stored status active | withdrawn), so
the alerts service can update, withdraw and count hits on demo alerts.
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
from hub.demo.scales import DAY_MS, Scale, epoch_ms, instant, iso_before, iso_day
from hub.demo.truth import GroundTruth
from hub.model import CEFTA_PARTIES, Distribution, Record, Sharing, stable_id

ACTIONS = ("documentary_check", "physical_check", "physical_check", "scan", "sampling",
           "request_for_information", "hold")
"""``hub.alerts.form.RecommendedAction`` values."""

FINANCIAL, SPS, SECURITY = "financial", "sps", "security"
"""``hub.alerts.form.RiskDomain`` values the demo uses."""


PROFILE_TEMPLATES: tuple[tuple[str, dict[str, object], int], ...] = (
    ("Tobacco products declared below value", {"hs_prefixes": ["2401", "2402"],
                                               "max_value_per_kg": 10}, 40),
    ("New textiles declared as worn clothing", {"hs_prefixes": ["6109", "6309"],
                                                "max_value_per_kg": 8}, 30),
    ("Fresh fruit: harmful organisms", {"hs_prefixes": ["0808", "0809"]}, 20),
    ("Solanaceae: Tuta absoluta and thrips", {"hs_prefixes": ["0702", "0709"]}, 20),
    ("Plant protection products, importers without AEO",
     {"hs_prefixes": ["3808", "3824"], "operator": {"roles": ["importer"],
                                                    "traits": ["no_aeo"]}}, 25),
    ("Medicines declared as food preparations", {"hs_prefixes": ["2106", "3004"],
                                                 "max_value_per_kg": 20}, 35),
    ("Smartphones declared as parts", {"hs_prefixes": ["8517"], "max_value_per_kg": 60}, 35),
    ("Brake parts declared as steel articles", {"hs_prefixes": ["7326", "8708"],
                                                "max_value_per_kg": 3}, 25),
    ("Sawn wood: ISPM 15 packaging", {"hs_prefixes": ["4407"]}, 10),
    ("Poultry meat imports", {"hs_prefixes": ["0207"], "directions": ["import"]}, 15),
    ("Walnuts: aflatoxin", {"hs_prefixes": ["0802"], "origins": ["MD"]}, 15),
    ("New traders on the Kosovo* corridors",
     {"crossings": ["MKXK-BLA", "ALXK-MOR", "RSXK-MER"],
      "operator": {"roles": ["exporter"], "traits": ["new_operator", "no_aeo"]}}, 20),
    ("Traders whose AEO was suspended or revoked",
     {"operator": {"roles": ["exporter", "importer"], "traits": ["aeo_withdrawn"]}}, 30),
    ("Traders with a recent irregularity", {"operator": {"traits": ["past_hit"]}}, 25),
)
"""(name, criteria as ``hub.analysis.risk.profiles`` reads them, weight in score points)."""


@dataclass(frozen=True, slots=True)
class AlertRef:
    id: str
    owner: str
    share: Sharing
    ref: str
    raised: int  # epoch ms
    specific: bool  # names operators or vehicles (not only goods and origins)


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
    description: str
    days_before: float  # raised this many days before the reference date
    hs_codes: tuple[str, ...] = ()
    origins: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()  # operator ids
    vehicles: tuple[str, ...] = ()  # vehicle ids


def write_alert(chunk: Chunk, rng: random.Random, intel: Intel, draft: AlertDraft) -> AlertRef:
    """Write one risk alert node (as raised, version 1) and return its reference."""
    owner = draft.owner
    reference = f"RIF-2025-{intel.next_serial():05d}"
    alert_id = stable_id("RiskAlert", owner, reference)  # = hub.alerts.form.alert_id
    raised = epoch_ms(draft.days_before)
    props = {
        "title": draft.title, "risk_domain": draft.domain, "risk_type": draft.risk_type,
        "description": draft.description, "recommended_action": rng.choice(ACTIONS),
        "valid_from": iso_day(raised), "valid_until": iso_day(raised, rng.randint(90, 365)),
        "priority": rng.choices(("high", "medium", "low"), (3, 5, 2))[0],
        "handling_code": rng.choice(("H1", "H2", "H2", "H3")), "issuing_agency": owner,
        "reference": reference, "status": "active", "version": 1, "last_change": "raised",
        "raised_at": instant(raised), "changed_at": instant(raised),
        "indicator_hs_codes": list(draft.hs_codes), "indicator_origins": list(draft.origins),
        "indicator_operators": list(draft.operators), "indicator_vehicles": list(draft.vehicles),
        "indicator_routes": [], "indicator_offices": [], "indicator_documents": [],
    }
    if rng.random() < 0.05:
        withdrawn = min(raised + rng.randint(5, 60) * DAY_MS, epoch_ms(1))
        props.update(status="withdrawn", last_change="withdrawn", version=2,
                     withdrawn_at=instant(withdrawn), changed_at=instant(withdrawn),
                     withdrawal_reason="Information not confirmed by the controls")
    chunk.node("RiskAlert", alert_id, props, draft.share, f"{owner}/{reference}", raised)
    return AlertRef(alert_id, owner, draft.share, f"{owner}/{reference}", raised,
                    bool(draft.operators or draft.vehicles))


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


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
                domain=FINANCIAL, risk_type="undervaluation_network",
                operators=tuple(self.pop.ops[m].id for m in members),
                vehicles=tuple(v for v, _ in ring.vehicles[:1]),
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
                    domain=FINANCIAL, risk_type="misdeclaration_tariff",
                    hs_codes=(declared,), origins=(origin,),
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
                domain=SPS, risk_type="harmful_organism", hs_codes=(hs,), origins=(origin,),
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
                    title="Tractor unit suspected of concealment", domain=SECURITY,
                    risk_type="concealment", vehicles=(tractor,),
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
                title="Trader with values far below reference values", domain=FINANCIAL,
                risk_type="undervaluation", operators=(op.id,),
                description="Declared values of this trader are repeatedly below the "
                "reference values for the goods; verify the transaction value.",
                days_before=rng.randint(10, 300)))
            concerns(chunk, alert, op.id, epoch_ms(10))
            self.intel.by_operator[target] = alert

    def _profiles(self, chunk: Chunk) -> None:
        """Common risk profiles with criteria in the language of ``hub.analysis.risk``."""
        rng = self.rng
        cefta = sorted(CEFTA_PARTIES)
        for n in range(self.scale.profiles):
            name, criteria, weight = PROFILE_TEMPLATES[n % len(PROFILE_TEMPLATES)]
            criteria = dict(criteria)
            if n >= len(PROFILE_TEMPLATES):  # regional variants of the common profiles
                origins = sorted(rng.sample(cefta, rng.randint(2, 4)))
                criteria["origins"] = origins
                name = f"{name} ({', '.join(origins)})"
            owner = f"{cefta[n % len(cefta)]}-CUS"  # the RMWG member that drafted it
            share = sharing(owner, Distribution.CEFTA_CUSTOMS)
            ref = f"RMWG/profile/{n + 1:03d}"
            profile_id = stable_id("RiskProfile", owner, name)  # as the profile registry does
            status = "retired" if rng.random() < 0.12 else "active"
            saved = epoch_ms(rng.randint(120, 700))
            chunk.node("RiskProfile", profile_id, {
                "name": name, "weight": float(weight + rng.randint(-5, 5)), "status": status,
                "criteria": json.dumps(criteria, sort_keys=True, separators=(",", ":")),
                "description": f"RMWG common risk profile {n + 1} (demo)", "version": 1,
                "valid_from": iso_day(saved), "changed_at": instant(saved),
                "valid_until": iso_before(rng.randint(-365, 30)) if rng.random() < 0.5
                else None,
            }, share, ref, saved)
            if status == "active":
                hs4, wanted = _strings(criteria.get("hs_prefixes")), _strings(
                    criteria.get("origins"))
                profile = ProfileRef(profile_id, hs4, wanted, share, ref)
                for prefix in hs4:
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
                        "lead_agency": lead, "opened_at": instant(opened)},
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
