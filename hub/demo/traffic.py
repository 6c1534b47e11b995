"""The consignment stream: declarations with their parties, truck, driver, border crossings,
certificates and licences, control results and phytosanitary interceptions.

Consignments are generated chunk by chunk; only small indexes (last certificate per exporter,
licences per importer) are kept between chunks, so the large scale streams in bounded memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from hub.demo.actors import Population, cumulative, weighted_index
from hub.demo.controls import ControlWriter, Inspected
from hub.demo.crossings import LANES, Crossing, route
from hub.demo.goods import GOODS, GOODS_BY_HS, LICENCE, MISDECLARATIONS, PESTS, Goods
from hub.demo.identifiers import mrn
from hub.demo.intelligence import Intel
from hub.demo.names import CARRIER, TRADER
from hub.demo.records import Chunk, agency_of, sharing
from hub.demo.scales import DAY_MS, Scale, epoch_ms, instant, iso_before, iso_day
from hub.demo.truth import GroundTruth, Misdeclaration
from hub.model import CEFTA_PARTIES, Distribution, Record, Sharing, stable_id
from hub.reference import AGENCY_BY_CODE

HOUR_MS = 3_600_000
_DECLARED_AS = {true: declared for declared, true in MISDECLARATIONS}
_PROCEDURE = {"export": "A", "import": "R", "transit": "J"}
_DECLARATION_TYPE = {"export": "EX1", "import": "IM4", "transit": "T1"}
"""Box 1 of the single administrative document for each direction."""


@dataclass(slots=True)
class _Flags:
    """The hidden facts about one consignment (ground truth, never written)."""

    ring: bool = False
    suspect: bool = False
    undervalued: bool = False
    misdeclared: bool = False
    reused: bool = False
    infested: bool = False

    @property
    def irregular(self) -> bool:
        return self.undervalued or self.misdeclared or self.reused or self.infested


@dataclass(slots=True)
class _Draft:
    """One consignment while it is drawn, before its records are written."""

    n: int
    flags: _Flags
    origin: str = ""
    destination: str = ""
    exporter: int = 0
    importer: int = 0
    ring: int | None = None
    direction: str = ""
    declarer: str = ""
    exporter_id: str = ""
    declarant: int = 0
    carrier: int = 0
    tractor: str = ""
    trailer: str = ""
    driver: str = ""
    goods: Goods = GOODS[0]  # what is in the truck
    declared: Goods = GOODS[0]  # what the declaration says it is
    mass: int = 0
    per_kg: float = 0.0
    declared_at: int = 0
    reference: str = ""
    cons_id: str = ""
    crossings: list[tuple[Crossing, str, str, int]] = field(default_factory=list)


class TrafficGenerator:
    """Draws consignments from the population and writes them with everything they touch."""

    def __init__(self, rng: random.Random, scale: Scale, pop: Population, intel: Intel,
                 truth: GroundTruth) -> None:
        self.rng, self.scale, self.pop, self.intel, self.truth = rng, scale, pop, intel, truth
        self._lane_cum = cumulative([w for _, _, w in LANES])
        self._goods: dict[str, tuple[list[Goods], list[int]]] = {}
        for origin in sorted({o for o, _, _ in LANES}):
            goods = [g for g in GOODS if origin in g.origins] or list(GOODS)
            self._goods[origin] = (goods, cumulative([g.weight for g in goods]))
        self._last_cert: dict[int, tuple[str, str, str]] = {}  # exporter -> (id, until, no)
        self._licences: dict[tuple[int, str, str], str] = {}
        self._serials: dict[str, int] = {}
        self._case_items: dict[int, int] = {}
        self._reused: dict[str, str] = {}  # consignment -> number of the expired certificate
        self.controls = ControlWriter(rng, intel, truth)

    def stream(self) -> Iterator[list[Record]]:
        size = self.scale.chunk_consignments
        for start in range(0, self.scale.consignments, size):
            chunk = Chunk()
            for n in range(start, min(self.scale.consignments, start + size)):
                draft = _Draft(n, _Flags())
                self._draw_parties(draft)
                self._draw_transport(draft)
                self._draw_goods(draft)
                self._draw_journey(draft)
                self._write(chunk, draft)
            yield chunk.take()

    def _serial(self, key: str) -> int:
        self._serials[key] = self._serials.get(key, 0) + 1
        return self._serials[key]

    def _pick(self, party: str, role: str) -> int | None:
        pool = self.pop.by_party_role.get((party, role))
        return self.rng.choice(pool) if pool else None

    def _draw_parties(self, d: _Draft) -> None:
        """Lane, exporter and importer (a ring's member 3% of the time), who declares."""
        rng, pop = self.rng, self.pop
        if pop.rings and rng.random() < 0.03:
            ring = rng.choice(pop.rings)
            members = [m for m in ring.members if pop.ops[m].role == TRADER] or ring.members
            d.exporter = rng.choice(members)
            d.origin = pop.ops[d.exporter].party
            lanes = [(dest, w) for o, dest, w in LANES if o == d.origin]
            d.destination = rng.choices([x for x, _ in lanes], [w for _, w in lanes])[0]
            d.ring, d.flags.ring = ring.index, True
        else:
            while True:
                d.origin, d.destination, _ = LANES[weighted_index(rng, self._lane_cum)]
                exporter = self._pick(d.origin, TRADER)
                if exporter is not None and pop.by_party_role.get((d.destination, TRADER)):
                    d.exporter = exporter
                    d.flags.suspect = exporter in self.intel.suspects
                    break
        importers = pop.by_party_role[(d.destination, TRADER)]
        # each exporter keeps three regular buyers per destination
        d.importer = importers[(d.exporter * 7919 + rng.randint(0, 2)) % len(importers)]
        r = rng.random()
        if d.origin not in CEFTA_PARTIES or (d.destination in CEFTA_PARTIES and r < 0.3):
            d.direction, d.declarer = "import", d.destination
        elif len(route(d.origin, d.destination)) >= 2 and r > 0.9:
            d.direction, d.declarer = "transit", d.origin
        else:
            d.direction, d.declarer = "export", d.origin
        d.exporter_id = pop.ops[d.exporter].id
        alias = pop.aliases.get((d.exporter, d.declarer))
        if d.direction == "import" and alias is not None and rng.random() < 0.8:
            d.exporter_id = alias  # the importing customs' own record of the foreign trader
        own = d.exporter if d.direction != "import" else d.importer
        broker = self._pick(d.declarer, "broker") if rng.random() < 0.6 else None
        d.declarant = own if broker is None else broker

    def _draw_transport(self, d: _Draft) -> None:
        rng, pop = self.rng, self.pop
        ring = pop.rings[d.ring] if d.ring is not None else None
        if ring is not None and ring.carrier >= 0:
            d.carrier = ring.carrier
        else:
            r = rng.random()
            party = (d.origin if r < 0.55 else d.destination if r < 0.9
                     else rng.choice(sorted(CEFTA_PARTIES)))
            d.carrier = (self._pick(party, CARRIER) or self._pick(d.origin, CARRIER)
                         or rng.choice(sorted(pop.fleets)))
        if ring is not None and ring.vehicles:
            d.tractor, d.trailer = ring.vehicles[rng.randrange(len(ring.vehicles))]
        else:
            d.tractor, d.trailer = rng.choice(pop.fleets[d.carrier])
        drivers = (ring.drivers if ring is not None and ring.drivers
                   else pop.drivers.get(d.carrier) or pop.drivers[min(pop.drivers)])
        d.driver = rng.choice(drivers)

    def _draw_goods(self, d: _Draft) -> None:
        rng, flags = self.rng, d.flags
        goods_list, goods_cum = self._goods[d.origin]
        d.goods = d.declared = goods_list[weighted_index(rng, goods_cum)]
        if d.goods.hs in _DECLARED_AS and rng.random() < (0.35 if flags.ring else 0.04):
            d.declared, flags.misdeclared = GOODS_BY_HS[_DECLARED_AS[d.goods.hs]], True
        d.mass = round(rng.randint(d.goods.min_kg, d.goods.max_kg), -1)
        d.per_kg = d.declared.norm_eur_kg * rng.lognormvariate(0, 0.25)
        if rng.random() < (0.5 if flags.ring else 0.3 if flags.suspect else 0.01):
            d.per_kg *= rng.uniform(0.08, 0.3)
            flags.undervalued = True
        flags.infested = d.declared.hs in PESTS and rng.random() < (
            0.05 if flags.ring else 0.02)

    def _draw_journey(self, d: _Draft) -> None:
        rng = self.rng
        d.declared_at = epoch_ms(rng.randint(1, 365)) + int(rng.uniform(6, 20) * HOUR_MS)
        if d.declarer in {"BA", "XK"} or rng.random() < 0.1:
            d.reference = f"SEED-{d.declarer}-{iso_day(d.declared_at).replace('-', '')}-{d.n:07d}"
        else:
            d.reference = mrn(rng, 2025, d.declarer, _PROCEDURE[d.direction])
        d.cons_id = stable_id("Consignment", d.reference)
        at = d.declared_at + int(rng.uniform(2, 10) * HOUR_MS)
        for leg in route(d.origin, d.destination):
            crossing = rng.choices(leg.options, [c.weight for c in leg.options])[0]
            d.crossings.append((crossing, leg.from_party, leg.to_party, at))
            at += int(rng.uniform(4, 14) * HOUR_MS)

    def _write(self, chunk: Chunk, d: _Draft) -> None:
        rng, pop, flags = self.rng, self.pop, d.flags
        share = self._consignment_sharing(d)
        ingested, ref = d.declared_at + HOUR_MS, d.reference
        documents = self._documents(chunk, d)
        hs_codes = [d.declared.hs]
        if not d.declared.document and rng.random() < 0.15:
            goods_list, goods_cum = self._goods[d.origin]
            extra = goods_list[weighted_index(rng, goods_cum)]
            if not extra.document and extra.hs not in hs_codes:
                hs_codes.append(extra.hs)
        channel = self._channel(flags.irregular, d.exporter in pop.aeo)
        first, last = d.crossings[0], d.crossings[-1]
        chunk.node("Consignment", d.cons_id, {
            "reference": ref, "reference_type": "SEED" if ref.startswith("SEED") else "MRN",
            "direction": d.direction, "declared_at": instant(d.declared_at),
            "declaration_type": _DECLARATION_TYPE[d.direction], "hs_codes": hs_codes,
            "itinerary": "-".join([d.origin, *(leg[2] for leg in d.crossings)]),
            "presentation_office": first[0].office(first[1]) if d.declarer == d.origin
            else last[0].office(last[2]),
            "goods_description": d.goods.description, "origin": d.origin,
            "destination": d.destination, "gross_mass_kg": d.mass,
            "value_eur": round(d.mass * d.per_kg, 2), "exit_office": first[0].office(first[1]),
            "entry_office": last[0].office(last[2]), "channel": channel,
        }, share, ref, ingested)
        for rel, who in (("EXPORTER_OF", d.exporter_id),
                         ("IMPORTER_OF", pop.ops[d.importer].id),
                         ("DECLARANT_OF", pop.ops[d.declarant].id),
                         ("CARRIER_OF", pop.ops[d.carrier].id)):
            chunk.edge(rel, who, d.cons_id, share, ref, ingested)
        for target, rel in ((d.tractor, "TRANSPORTED_BY"), (d.trailer, "TRANSPORTED_BY"),
                            (d.driver, "DRIVEN_BY")):
            chunk.edge(rel, d.cons_id, target, share, ref, ingested)
        for crossing, from_party, to_party, crossed_at in d.crossings:
            way = ("exit" if from_party == d.declarer else "entry" if to_party == d.declarer
                   else "transit")
            chunk.edge("CROSSED", d.cons_id, stable_id("BorderCrossingPoint", crossing.code),
                       share, ref, ingested, {"at": instant(crossed_at), "direction": way})
        for lpco_id in documents:
            chunk.edge("COVERED_BY", d.cons_id, lpco_id, share, ref, ingested,
                       {"quantity": d.mass})
        self._feedback(chunk, d, channel, share)
        self._label(d)

    def _feedback(self, chunk: Chunk, d: _Draft, channel: str, share: Sharing) -> None:
        """Controls, interceptions and case membership that follow from the consignment."""
        flags, (first, last) = d.flags, (d.crossings[0], d.crossings[-1])
        office = (last[0].office(d.destination) if d.declarer == d.destination
                  else first[0].office(d.origin))
        item = Inspected(d.cons_id, d.reference, d.goods, d.declared, d.origin, d.declarer,
                         d.exporter_id, office, last[3], d.mass, d.per_kg, flags.irregular,
                         flags.undervalued, flags.misdeclared, self._reused.pop(d.cons_id, None))
        if flags.infested:
            self.controls.interception(chunk, item, d.destination)
        else:
            alert = (self.intel.by_operator.get(d.exporter)
                     or self.intel.by_vehicle.get(d.tractor)
                     or self.intel.by_goods.get((d.declared.hs, d.origin)))
            self.controls.control(chunk, item, alert, channel, share)
        if d.ring is not None and d.ring in self.intel.cases:
            case = self.intel.cases[d.ring]
            if self._case_items.get(d.ring, 0) < 30 and self.rng.random() < 0.4:
                self._case_items[d.ring] = self._case_items.get(d.ring, 0) + 1
                chunk.edge("INCLUDES", case.id, d.cons_id, case.share, case.ref,
                           d.declared_at + HOUR_MS)

    def _label(self, d: _Draft) -> None:
        truth, flags = self.truth, d.flags
        truth.consignments += 1
        if flags.undervalued:
            truth.undervalued_consignment_ids.append(d.cons_id)
        if flags.misdeclared:
            truth.misdeclarations.append(Misdeclaration(d.cons_id, d.declared.hs, d.goods.hs))
        chance = 0.9 if flags.irregular else 0.5 if flags.ring else 0.02
        if self.rng.random() < chance:
            truth.risky_consignment_ids.append(d.cons_id)

    def _consignment_sharing(self, d: _Draft) -> Sharing:
        extra: tuple[str, ...] = ()
        if d.ring is not None and d.ring in self.intel.cases:
            extra = (f"case:{self.intel.cases[d.ring].id}",)
        owner = f"{d.declarer}-CUS"
        other = d.destination if d.declarer == d.origin else d.origin
        r = self.rng.random()
        if r < 0.7:
            return sharing(owner, Distribution.PARTY, extra)
        if r < 0.85:
            return sharing(owner, Distribution.LISTED, (f"party:{other}", *extra))
        if r < 0.97:
            return sharing(owner, Distribution.CEFTA_CUSTOMS, extra)
        return sharing(owner, Distribution.ORIGINATOR, extra)

    def _channel(self, irregular: bool, aeo: bool) -> str:
        weights = ((45, 40, 15, 0) if irregular else (3, 30, 67, 0) if aeo else (10, 62, 25, 3))
        return self.rng.choices(("red", "yellow", "green", "blue"), weights)[0]

    def _documents(self, chunk: Chunk, d: _Draft) -> list[str]:
        """Write or reuse the LPCO the declared goods need; return the LPCO ids."""
        rng, goods = self.rng, d.declared
        if not goods.document:
            return []
        if goods.document == LICENCE:
            return [self._licence(chunk, d)] if d.destination in CEFTA_PARTIES else []
        last = self._last_cert.get(d.exporter)
        reuse = 0.4 if d.flags.ring or d.flags.suspect else 0.01
        if last is not None and last[1] < iso_day(d.declared_at) and rng.random() < reuse:
            d.flags.reused = True
            self._reused[d.cons_id] = last[2]
            self.truth.reused_certificates.setdefault(last[0], []).append(d.cons_id)
            return [last[0]]
        suffix = "PHY" if goods.document == "phyto_certificate" else "VET"
        by_origin = f"{d.origin}-{suffix}" in AGENCY_BY_CODE
        # an EU origin's certificate reaches the hub through the importing party's inspection
        owner = f"{d.origin}-{suffix}" if by_origin else agency_of(d.destination, suffix)
        number = (f"{d.origin}/{'PC' if suffix == 'PHY' else 'VC'}/2025/"
                  f"{self._serial(f'{d.origin}{suffix}'):06d}")
        issued = d.declared_at - int(rng.uniform(0.2, 3) * DAY_MS)
        valid_until = iso_day(issued, 14)
        status = ("revoked" if rng.random() < 0.005 else
                  "valid" if valid_until >= iso_before(0) else "expired")
        share = self._lpco_sharing(owner, d.destination)
        lpco_id = stable_id("Lpco", number)
        chunk.node("Lpco", lpco_id, {
            "lpco_type": goods.document, "number": number,
            "issuer": owner if by_origin else f"{d.origin} "
            f"{'NPPO' if suffix == 'PHY' else 'veterinary authority'}",
            "issued_at": instant(issued), "valid_until": valid_until, "status": status,
            "hs_codes": [goods.hs], "quantity": d.mass, "quantity_unit": "kg",
            "status_changed_at": iso_day(issued, 2) if status == "revoked" else None},
            share, number, issued)
        chunk.edge("ISSUED_TO", lpco_id, self.pop.ops[d.exporter].id, share, number, issued)
        if by_origin:
            chunk.edge("ISSUED_BY", lpco_id, stable_id("Agency", owner), share, number, issued)
        self._last_cert[d.exporter] = (lpco_id, valid_until, number)
        return [lpco_id]

    def _lpco_sharing(self, owner: str, destination: str) -> Sharing:
        r = self.rng.random()
        if r < 0.4 and destination in CEFTA_PARTIES:
            return sharing(owner, Distribution.LISTED,
                           (f"party:{destination}", f"agency:{agency_of(destination, 'PHY')}"))
        if r < 0.8:
            return sharing(owner, Distribution.CEFTA_AGENCIES)
        return sharing(owner, Distribution.PARTY)

    def _licence(self, chunk: Chunk, d: _Draft) -> str:
        """The importer's licence for these goods this year, issued on first use."""
        goods, importer, destination, declared_at = d.declared, d.importer, d.destination, \
            d.declared_at
        key = (importer, goods.hs[:4], destination)
        if key in self._licences:
            return self._licences[key]
        rng = self.rng
        issuer = agency_of(destination, "MSA" if goods.hs.startswith("3004") else "PHY")
        number = f"{destination}/IL/2025/{self._serial(f'{destination}IL'):05d}"
        issued = declared_at - int(rng.uniform(10, 200) * DAY_MS)
        valid_until = iso_day(issued, 365)
        status = rng.choices(("valid", "suspended", "revoked"), (85, 8, 7))[0]
        if status == "valid" and valid_until < iso_before(0):
            status = "expired"
        changed = None
        if status in {"suspended", "revoked"}:
            span = max(2, (epoch_ms(0) - issued) // DAY_MS)
            changed = iso_day(issued, rng.randint(1, span - 1))
        share = sharing(issuer, rng.choice((Distribution.PARTY, Distribution.CEFTA_AGENCIES)))
        lpco_id = stable_id("Lpco", number)
        chunk.node("Lpco", lpco_id, {
            "lpco_type": LICENCE, "number": number, "issuer": issuer,
            "issued_at": instant(issued), "status_changed_at": changed,
            "valid_until": valid_until, "status": status, "hs_codes": [goods.hs],
            "quantity": rng.randint(20, 200) * 1_000, "quantity_unit": "kg"},
            share, number, issued)
        chunk.edge("ISSUED_TO", lpco_id, self.pop.ops[importer].id, share, number, issued)
        chunk.edge("ISSUED_BY", lpco_id, stable_id("Agency", issuer), share, number, issued)
        self._licences[key] = lpco_id
        return lpco_id
