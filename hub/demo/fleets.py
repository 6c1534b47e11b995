"""The demo's fleets, drivers and AEO authorisations, given the operators.

Tractors and trailers belong to carriers (a few large fleets, many small ones); drivers are
Person records (personal data) of the carrier's party, kept by its border police; AEO
authorisations go to honest operators, plus a couple of ring members whose AEO was suspended
or revoked.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import partial

from hub.demo.actors import Population, cumulative, weighted_index
from hub.demo.identifiers import compact_plate, personal_id, plate
from hub.demo.names import CARRIER, person_name
from hub.demo.places import PLACES
from hub.demo.records import Chunk, agency_of, sharing
from hub.demo.scales import Scale, epoch_ms, iso_before
from hub.model import CEFTA_PARTIES, Distribution, Record, Sharing, stable_id

_REGISTERED = epoch_ms(365)


class FleetBuilder:
    def __init__(self, rng: random.Random, scale: Scale, pop: Population) -> None:
        self.rng, self.scale, self.pop = rng, scale, pop
        self._taken: set[tuple[str, str]] = set()

    def build(self) -> Iterator[list[Record]]:
        yield from self._fleets()
        yield from self._drivers()
        yield from self._aeo()

    def _unique(self, space: str, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if (space, value) not in self._taken:
                self._taken.add((space, value))
                return value

    def _vehicle_sharing(self, party: str) -> Sharing:
        if party not in CEFTA_PARTIES:
            return sharing(f"{party}-CUS", Distribution.CEFTA_EU)
        owner = f"{party}-CUS" if self.rng.random() < 0.5 else agency_of(party, "BP")
        r = self.rng.random()
        level = (Distribution.PARTY if r < 0.6 else Distribution.CEFTA_CUSTOMS if r < 0.9
                 else Distribution.CEFTA_AGENCIES)
        return sharing(owner, level)

    def _fleets(self) -> Iterator[list[Record]]:
        rng, pop, chunk = self.rng, self.pop, Chunk()
        carriers = [i for i, op in enumerate(pop.ops) if op.role == CARRIER]
        pairs = max(self.scale.vehicles // 2, len(carriers))
        sizes = dict.fromkeys(carriers, 1)
        cum = cumulative([max(1, int(rng.paretovariate(1.2) * 10)) for _ in carriers])
        for _ in range(pairs - len(carriers)):
            sizes[carriers[weighted_index(rng, cum)]] += 1
        for carrier in carriers:
            op = pop.ops[carrier]
            city = PLACES[op.party].cities[op.city]
            fleet = []
            for _ in range(sizes[carrier]):
                ids = []
                for kind in ("tractor", "trailer"):
                    text = self._unique(f"plate/{op.party}", partial(plate, rng, op.party, city))
                    vehicle_id = stable_id("Vehicle", op.party, compact_plate(text))
                    chunk.node("Vehicle", vehicle_id,
                               {"plate": text, "country": op.party, "vehicle_kind": kind},
                               self._vehicle_sharing(op.party), f"vehicle/{op.party}/{text}",
                               _REGISTERED)
                    ids.append(vehicle_id)
                fleet.append((ids[0], ids[1]))
            pop.fleets[carrier] = fleet
            if op.ring >= 0:
                pop.rings[op.ring].vehicles = fleet[:2]
            if len(chunk) >= 10_000:
                yield chunk.take()
        yield chunk.take()

    def _drivers(self) -> Iterator[list[Record]]:
        rng, pop, chunk = self.rng, self.pop, Chunk()
        carriers = sorted(pop.fleets)
        counts = dict.fromkeys(carriers, 1)
        cum = cumulative([len(pop.fleets[c]) for c in carriers])
        for _ in range(max(0, self.scale.drivers - len(carriers))):
            counts[carriers[weighted_index(rng, cum)]] += 1
        for carrier in carriers:
            party = pop.ops[carrier].party
            share = sharing(agency_of(party, "BP"), Distribution.PARTY)
            team = []
            for _ in range(counts[carrier]):
                born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 40 * 365))
                pid = self._unique(f"person/{party}", partial(personal_id, rng, party, born))
                person_id = stable_id("Person", party, pid)
                chunk.node("Person", person_id,
                           {"full_name": person_name(rng, party), "birth_date": born.isoformat(),
                            "personal_id": pid, "nationality": party, "role": "driver"},
                           share, f"person/{party}/{person_id}", _REGISTERED)
                team.append(person_id)
            pop.drivers[carrier] = team
            if pop.ops[carrier].ring >= 0:
                pop.rings[pop.ops[carrier].ring].drivers = team[:2]
            if len(chunk) >= 10_000:
                yield chunk.take()
        yield chunk.take()

    def _aeo(self) -> Iterator[list[Record]]:
        rng, pop, chunk = self.rng, self.pop, Chunk()
        honest = [i for i, op in enumerate(pop.ops) if op.party in CEFTA_PARTIES and op.ring < 0]
        ring_members = [i for ring in pop.rings for i in ring.members]
        lapsed = rng.sample(ring_members, min(2, len(ring_members)))
        chosen = rng.sample(honest, min(len(honest), self.scale.aeo - len(lapsed)))
        for serial, index in enumerate(chosen + lapsed, start=1):
            op = pop.ops[index]
            r = rng.random()
            if index in lapsed:
                status = "revoked" if r < 0.5 else "suspended"
            else:
                status = "valid" if r < 0.85 else "suspended" if r < 0.94 else "revoked"
            aeo_type = rng.choices(("AEOC", "AEOF", "AEOS"), (55, 35, 10))[0]
            granted = rng.randint(90, 2_200)
            valid_from = iso_before(granted)
            history = [f"{valid_from} valid"]
            changed = None
            if status != "valid":
                changed = iso_before(rng.randint(5, min(80, granted - 1)))
                history.append(f"{changed} {status}")
            number = f"{op.party}{aeo_type}{valid_from[:4]}{serial:04d}"
            aeo_id = stable_id("AeoAuthorisation", number)
            share = sharing(f"{op.party}-CUS", Distribution.CEFTA_CUSTOMS if rng.random() < 0.7
                            else Distribution.PARTY)
            chunk.node("AeoAuthorisation", aeo_id,
                       {"number": number, "aeo_type": aeo_type, "status": status,
                        "issuing_party": op.party, "valid_from": valid_from,
                        "valid_until": changed if status == "revoked" else None,
                        "status_history": history, "status_changed_at": changed},
                       share, f"aeo/{number}", epoch_ms(granted))
            chunk.edge("HOLDS", op.id, aeo_id, share, f"aeo/{number}", epoch_ms(200))
            chunk.edge("ISSUED_BY", aeo_id, stable_id("Agency", f"{op.party}-CUS"), share,
                       f"aeo/{number}", epoch_ms(200))
            if status == "valid":
                pop.aeo.add(index)
        yield chunk.take()
