"""The demo's population: operators with addresses and contacts, the same companies recorded
again by partner customs, fleets, drivers, AEO authorisations and the hidden operator rings.

It streams records in chunks and keeps only a compact index (:class:`Population`) that the
traffic generator draws consignments from.
"""

from __future__ import annotations

import itertools
import random
import re
from bisect import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from anyascii import anyascii

from hub.demo.crossings import LANES
from hub.demo.identifiers import (
    TAX_SCHEMES,
    email,
    eori,
    phone,
    phone_key,
    tax_id,
)
from hub.demo.names import (
    BROKER,
    CARRIER,
    TRADER,
    CompanyName,
    company_name,
    foreign_spelling,
    latin,
    latin_script,
    write_like,
)
from hub.demo.places import PLACES, City
from hub.demo.records import Chunk, sharing
from hub.demo.scales import Scale, epoch_ms
from hub.demo.truth import GroundTruth, Ring, SameCompanyPair
from hub.model import CEFTA_PARTIES, Distribution, Record, Sharing, stable_id
from hub.reference import PARTY_BY_CODE

PARTY_WEIGHTS = (("RS", 30), ("BA", 14), ("MK", 13), ("AL", 10), ("XK", 8), ("MD", 8),
                 ("ME", 5), ("HR", 3), ("HU", 3), ("RO", 3), ("GR", 3), ("BG", 2))
ROLE_WEIGHTS = ((TRADER, 75), (CARRIER, 17), (BROKER, 8))
RING_PARTIES = (("RS", "BA"), ("MK", "XK"), ("AL", "XK"), ("RS",), ("MK",), ("AL", "MK"),
                ("BA", "ME"), ("MD",), ("RS", "MK"))
PARTNERS = {p: sorted({d for o, d, _ in LANES if o == p and d in CEFTA_PARTIES})
            for p in CEFTA_PARTIES}
"""The CEFTA parties each party trades with: where its companies get recorded again."""

_CHUNK_OPERATORS = 4_000
_REGISTERED = epoch_ms(365)


def case_id(n: int) -> str:
    """The id of the n-th RMTT case (cases follow the rings they investigate)."""
    return stable_id("Case", "RMTT", n)


class Located(NamedTuple):
    """An address node as written for one operator, with the parts it was made from."""

    id: str
    text: str
    street: str
    no: str
    city: City


@dataclass(slots=True)
class Op:
    id: str
    party: str
    role: str
    city: int
    ring: int = -1


@dataclass(slots=True)
class RingPlan:
    index: int
    parties: tuple[str, ...]
    size: int
    shares: tuple[str, ...]
    case_id: str | None
    members: list[int] = field(default_factory=list)
    carrier: int = -1
    address: Located | None = None
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, value, key)
    vehicles: list[tuple[str, str]] = field(default_factory=list)
    drivers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Population:
    """What the traffic generator needs to know about who exists (indices into ``ops``)."""

    ops: list[Op] = field(default_factory=list)
    by_party_role: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    fleets: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    drivers: dict[int, list[str]] = field(default_factory=dict)
    aliases: dict[tuple[int, str], str] = field(default_factory=dict)
    rings: list[RingPlan] = field(default_factory=list)
    aeo: set[int] = field(default_factory=set)


def weighted_index(rng: random.Random, cum: list[int]) -> int:
    """An index drawn with the weights whose running sums are ``cum`` (one draw, no copy)."""
    return bisect(cum, rng.random() * cum[-1])


def cumulative(weights: list[int]) -> list[int]:
    """Running sums of ``weights``, for :func:`weighted_index`."""
    return list(itertools.accumulate(weights))


def address_key(text: str, party: str) -> str:
    """The matching key of an address as typed: ASCII, lower case, punctuation dropped."""
    return " ".join(re.findall(r"[a-z0-9]+", anyascii(latin_script(text, party)).lower())) + (
        f" {party.lower()}")


class PopulationBuilder:
    """Generates the population in a fixed order from one seeded ``random.Random``."""

    def __init__(self, rng: random.Random, scale: Scale, truth: GroundTruth) -> None:
        self.rng, self.scale, self.truth = rng, scale, truth
        self.pop = Population()
        self._party_cum = cumulative([w for _, w in PARTY_WEIGHTS])
        self._role_cum = cumulative([w for _, w in ROLE_WEIGHTS])
        self._city_cum = {p: cumulative([c.weight for c in pl.cities]) for p, pl in PLACES.items()}
        self._seen: set[str] = set()  # address and contact ids already emitted
        self._taken: set[tuple[str, str]] = set()  # (party, tax id / plate / personal id)
        self._recent: dict[str, list[tuple[int, str]]] = {}
        self._decoys: dict[str, list[tuple[str, int, int]]] = {}
        self._alias_quota = scale.same_company_pairs

    def build(self) -> Iterator[list[Record]]:
        """Operators with their addresses, contacts and foreign records (fleets, drivers and
        AEO follow in :mod:`hub.demo.fleets`)."""
        yield from self._operators()

    # -- operators --------------------------------------------------------------------------

    def _plan_rings(self) -> list[RingPlan]:
        rng, plans = self.rng, []
        for n in range(self.scale.rings):
            kinds = [k for k in ("address", "contact", "vehicles") if rng.random() < 0.6]
            plans.append(RingPlan(
                n, RING_PARTIES[n % len(RING_PARTIES)], rng.randint(3, 6),
                tuple(kinds or [rng.choice(("address", "contact", "vehicles"))]),
                case_id(n) if n < self.scale.cases else None))
        return plans

    def _operators(self) -> Iterator[list[Record]]:
        rng, chunk = self.rng, Chunk()
        self.pop.rings = self._plan_rings()
        plan: list[tuple[str, str, RingPlan | None]] = []
        for ring in self.pop.rings:
            for k in range(ring.size):
                role = CARRIER if k == 0 and "vehicles" in ring.shares else TRADER
                plan.append((ring.parties[k % len(ring.parties)], role, ring))
        parties = [p for p, _ in PARTY_WEIGHTS]
        roles = [r for r, _ in ROLE_WEIGHTS]
        for _ in range(self.scale.operators - len(plan)):
            plan.append((parties[weighted_index(rng, self._party_cum)],
                         roles[weighted_index(rng, self._role_cum)], None))
        eligible = sum(1 for p, r, _ in plan if p in CEFTA_PARTIES and r == TRADER)
        for party, role, member_of in plan:
            if party in CEFTA_PARTIES and role == TRADER:
                eligible -= 1
                want_alias = rng.random() * (eligible + 1) < self._alias_quota
            else:
                want_alias = False
            self._operator(chunk, party, role, member_of, want_alias)
            if len(self.pop.ops) % _CHUNK_OPERATORS == 0:
                yield chunk.take()
        yield chunk.take()

    def _operator_sharing(self, party: str, ring: RingPlan | None) -> Sharing:
        extra = (f"case:{ring.case_id}",) if ring is not None and ring.case_id else ()
        if party not in CEFTA_PARTIES:
            return sharing(f"{party}-CUS", Distribution.CEFTA_EU, extra)
        r = self.rng.random()
        if r < 0.65:
            return sharing(f"{party}-CUS", Distribution.PARTY, extra)
        if r < 0.9:
            return sharing(f"{party}-CUS", Distribution.CEFTA_CUSTOMS, extra)
        return sharing(f"{party}-CUS", Distribution.LISTED,
                       (f"party:{self.rng.choice(PARTNERS[party])}", *extra))

    def _unique(self, party: str, make: Callable[[], str]) -> str:
        while True:
            value = make()
            if (party, value) not in self._taken:
                self._taken.add((party, value))
                return value

    def _operator(self, chunk: Chunk, party: str, role: str, ring: RingPlan | None,
                  want_alias: bool) -> None:
        rng, pop = self.rng, self.pop
        city_index = weighted_index(rng, self._city_cum[party])
        city = PLACES[party].cities[city_index]
        similar_of, base = None, None
        recent = self._recent.setdefault(party, [])
        if ring is None and role == TRADER and recent and rng.random() < 0.03:
            similar_of, base = rng.choice(recent)
            base += rng.choice((" Plus", " Pro", " 2000", " Group", " Nova", "-M", " 95"))
        company = company_name(rng, party, role, city.name, base)
        tax = self._unique(party, lambda: tax_id(rng, party))
        op_id = stable_id("Operator", party, TAX_SCHEMES[party], tax)
        share = self._operator_sharing(party, ring)
        located = self._operator_address(chunk, party, city_index, company=company,
                                         share=share, ring=ring)
        props = {"tax_id": tax, "tax_scheme": TAX_SCHEMES[party], "name": company.name,
                 "name_latin": latin(company.name, party), "legal_form": company.legal_form,
                 "country": party, "address_text": located.text}
        if party not in CEFTA_PARTIES:
            props["eori"] = f"{party}{tax}"
        elif role != BROKER and rng.random() < 0.25:
            props["eori"] = eori(rng, party)
        chunk.node("Operator", op_id, props, share, f"operator/{party}/{tax}", _REGISTERED)
        chunk.edge("LOCATED_AT", op_id, located.id, share, f"operator/{party}/{tax}",
                   _REGISTERED)
        phone_contact = self._operator_contacts(
            chunk, op_id, party, city=city, company=company, share=share, ring=ring,
            ref=f"operator/{party}/{tax}")
        index = len(pop.ops)
        pop.ops.append(Op(op_id, party, role, city_index, ring.index if ring else -1))
        pop.by_party_role.setdefault((party, role), []).append(index)
        if ring is not None:
            ring.members.append(index)
            if role == CARRIER:
                ring.carrier = index
        elif role == TRADER:
            recent.append((index, company.base))
            del recent[:-64]
        if similar_of is not None:
            self.truth.similar_distinct_pairs.append((pop.ops[similar_of].id, op_id))
        if want_alias and self._alias_quota > 0:
            self._alias_quota -= 1
            self._alias(chunk, index, company=company, located=located,
                        phone_contact=phone_contact, tax=tax)

    def _address(self, chunk: Chunk, party: str, city: City, *, street: str, no: str,
                 company: CompanyName, share: Sharing) -> Located:
        places = PLACES[party]
        text = write_like(places.address_format.format(
            street=street, no=no, postcode=city.postcode, city=city.name), party, company)
        key = address_key(text, party)
        address_id = stable_id("Address", key)
        if address_id not in self._seen:
            self._seen.add(address_id)
            chunk.node("Address", address_id,
                       {"text": text, "street": write_like(f"{street} {no}", party, company),
                        "city": write_like(city.name, party, company),
                        "postcode": city.postcode, "country": party, "key": key},
                       share, f"address/{key}", _REGISTERED)
        return Located(address_id, text, street, no, city)

    def _street(self, party: str) -> tuple[str, str]:
        street = self.rng.choice(PLACES[party].streets)
        lowered = street.lower()
        if "zona" in lowered or "зона" in lowered:  # industrial zones have no house numbers
            return street, "p.n." if party in {"AL", "XK"} else "bb"
        return street, str(self.rng.randint(1, 240))

    def _operator_address(self, chunk: Chunk, party: str, city_index: int, *,
                          company: CompanyName, share: Sharing,
                          ring: RingPlan | None) -> Located:
        rng, places = self.rng, PLACES[party]
        if ring is not None and "address" in ring.shares:
            if ring.address is None:
                street, no = self._street(party)
                ring.address = self._address(chunk, party, places.cities[city_index],
                                             street=street, no=no, company=company,
                                             share=share)
            return ring.address
        if party in CEFTA_PARTIES and rng.random() < 0.04:
            decoys = self._decoys.setdefault(party, [])
            if len(decoys) < 3:
                street, no = self._street(party)
                decoys.append((street, int(no) if no.isdigit() else 1, city_index))
            street, no_int, decoy_city = rng.choice(decoys)
            found = self._address(chunk, party, places.cities[decoy_city], street=street,
                                  no=str(no_int), company=company, share=share)
            if found.id not in self.truth.shared_address_decoys:
                self.truth.shared_address_decoys.append(found.id)
            return found
        street, no = self._street(party)
        return self._address(chunk, party, places.cities[city_index], street=street, no=no,
                             company=company, share=share)

    def _contact(self, chunk: Chunk, channel: str, value: str, key: str, share: Sharing) -> str:
        contact_id = stable_id("Contact", key)
        if contact_id not in self._seen:
            self._seen.add(contact_id)
            chunk.node("Contact", contact_id, {"channel": channel, "value": value, "key": key},
                       share, f"contact/{key}", _REGISTERED)
        return contact_id

    def _operator_contacts(self, chunk: Chunk, op_id: str, party: str, *, city: City,
                           company: CompanyName, share: Sharing, ring: RingPlan | None,
                           ref: str) -> str:
        rng = self.rng
        if ring is not None and "contact" in ring.shares:
            if not ring.contacts:
                number = phone(rng, party, city, mobile=True)
                mail = email(rng, party, latin(company.base, party))
                ring.contacts = [("phone", number, phone_key(number)),
                                 ("email", mail, mail.lower())]
            contacts = ring.contacts
        else:
            number = phone(rng, party, city, mobile=rng.random() < 0.4)
            contacts = [("phone", number, phone_key(number))]
            if rng.random() < 0.8:
                mail = email(rng, party, latin(company.base, party))
                contacts.append(("email", mail, mail.lower()))
        ids = [self._contact(chunk, ch, value, key, share) for ch, value, key in contacts]
        for contact_id in ids:
            chunk.edge("REACHABLE_AT", op_id, contact_id, share, ref, _REGISTERED)
        return ids[0]

    def _alias(self, chunk: Chunk, index: int, *, company: CompanyName, located: Located,
               phone_contact: str, tax: str) -> None:
        """The same company as a partner party's customs records it: a foreign trader at the
        same address, typed their way."""
        rng, op = self.rng, self.pop.ops[index]
        street, no, city = located.street, located.no, located.city
        recorder = rng.choice(PARTNERS[op.party])
        agency = f"{recorder}-CUS"
        name, form = foreign_spelling(rng, company, op.party, city.name)
        r = rng.random()
        difficulty = "easy" if r < 0.4 else "medium" if r < 0.7 else "hard"
        country = PARTY_BY_CODE[op.party].name.rstrip("*")
        text = rng.choice((
            f"{latin(street, op.party)} {no}, {latin(city.name, op.party)}, {country}",
            f"{latin_script(street, op.party).upper()} BR.{no} "
            f"{latin(city.name, op.party).upper()}",
            f"{latin(city.name, op.party)}, {latin(street, op.party)} nr {no} ({op.party})"))
        alias_id = stable_id("Operator", agency, "foreign", name, city.postcode)
        share = sharing(agency, rng.choice((Distribution.PARTY, Distribution.CEFTA_CUSTOMS)))
        ref = f"foreign-trader/{agency}/{latin(name, op.party)}"
        props = {"name": name, "name_latin": latin(name, op.party), "legal_form": form,
                 "country": op.party, "address_text": text}
        if difficulty == "easy":
            props.update(tax_id=tax, tax_scheme=TAX_SCHEMES[op.party])
        chunk.node("Operator", alias_id, props, share, ref, epoch_ms(300))
        key = address_key(text, op.party)
        address_id = stable_id("Address", key)
        if address_id not in self._seen:
            self._seen.add(address_id)
            chunk.node("Address", address_id, {"text": text, "country": op.party, "key": key,
                                               "city": latin(city.name, op.party)},
                       share, f"address/{key}", epoch_ms(300))
        chunk.edge("LOCATED_AT", alias_id, address_id, share, ref, epoch_ms(300))
        if difficulty == "medium":
            chunk.edge("REACHABLE_AT", alias_id, phone_contact, share, ref, epoch_ms(300))
        self.pop.aliases[(index, recorder)] = alias_id
        self.truth.same_company_pairs.append(
            SameCompanyPair(op.id, alias_id, agency, difficulty))

    def close_rings(self) -> None:
        """Record the rings in the ground truth, once fleets and drivers are assigned."""
        for ring in self.pop.rings:
            self.truth.rings.append(Ring(
                f"ring-{ring.index}", tuple(self.pop.ops[i].id for i in ring.members),
                ring.shares, (ring.address.id,) if ring.address else (),
                tuple(stable_id("Contact", key) for _, _, key in ring.contacts),
                tuple(v for pair in ring.vehicles for v in pair), ring.case_id))
