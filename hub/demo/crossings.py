"""Real road border crossing points between the parties, the trade lanes, and truck routes.

A route is the list of controlled crossings a truck passes from origin to destination. Borders
inside the EU have no customs control, so they join EU parties without a crossing.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class Crossing:
    """A crossing between two parties; ``name`` gives side A's place first."""

    code: str
    name: str
    party_a: str
    party_b: str
    green_lane: bool
    road: str
    weight: int  # relative truck traffic

    @property
    def parties(self) -> tuple[str, str]:
        return (self.party_a, self.party_b)

    def office(self, party: str) -> str:
        """The customs office code on ``party``'s side: party code + 6 stable digits."""
        digits = zlib.crc32(f"{self.code}/{party}".encode()) % 900_000 + 100_000
        return f"{party}{digits}"


CROSSINGS: tuple[Crossing, ...] = (
    Crossing("RSHR-BAT", "Batrovci – Bajakovo", "RS", "HR", True, "E-70", 10),
    Crossing("RSHR-BOG", "Bogojevo – Erdut", "RS", "HR", False, "", 2),
    Crossing("RSHU-HOR", "Horgoš – Röszke", "RS", "HU", True, "E-75", 10),
    Crossing("RSHU-KEL", "Kelebija – Tompa", "RS", "HU", False, "", 3),
    Crossing("RSRO-VAT", "Vatin – Moravița", "RS", "RO", False, "E-70", 3),
    Crossing("RSBG-GRA", "Gradina – Kalotina", "RS", "BG", True, "E-80", 6),
    Crossing("RSMK-PRE", "Preševo – Tabanovce", "RS", "MK", True, "E-75", 10),
    Crossing("RSXK-MER", "Merdare – Merdarë", "RS", "XK", False, "", 5),
    Crossing("RSXK-JAR", "Jarinje – Jarinjë", "RS", "XK", False, "", 3),
    Crossing("RSXK-KON", "Končulj – Dheu i Bardhë", "RS", "XK", False, "", 2),
    Crossing("RSME-GOS", "Gostun – Dobrakovo", "RS", "ME", False, "E-763", 4),
    Crossing("RSBA-RAC", "Sremska Rača – Rača", "RS", "BA", True, "", 5),
    Crossing("RSBA-ZVO", "Mali Zvornik – Karakaj", "RS", "BA", False, "", 3),
    Crossing("MKXK-BLA", "Blace – Hani i Elezit", "MK", "XK", True, "E-65", 6),
    Crossing("MKGR-BOG", "Bogorodica – Evzoni", "MK", "GR", True, "E-75", 8),
    Crossing("MKBG-DEV", "Deve Bair – Gyueshevo", "MK", "BG", False, "E-871", 3),
    Crossing("MKAL-KAF", "Kafasan – Qafë Thanë", "MK", "AL", True, "E-852", 5),
    Crossing("MKAL-SVN", "Sveti Naum – Tushemisht", "MK", "AL", False, "", 1),
    Crossing("ALGR-KAP", "Kapshticë – Krystallopigi", "AL", "GR", True, "", 4),
    Crossing("ALGR-KAK", "Kakavijë – Kakavia", "AL", "GR", False, "E-853", 4),
    Crossing("ALME-HAN", "Han i Hotit – Božaj", "AL", "ME", True, "", 5),
    Crossing("ALME-MUR", "Murriqan – Sukobin", "AL", "ME", False, "", 2),
    Crossing("ALXK-MOR", "Morinë – Vërmicë", "AL", "XK", True, "", 8),
    Crossing("XKME-KUL", "Kulla – Kula", "XK", "ME", False, "", 2),
    Crossing("BAHR-BIJ", "Bijača – Nova Sela", "BA", "HR", True, "E-73", 7),
    Crossing("BAHR-GRA", "Gradiška – Stara Gradiška", "BA", "HR", True, "", 6),
    Crossing("BAHR-IZA", "Izačić – Ličko Petrovo Selo", "BA", "HR", False, "", 3),
    Crossing("BAHR-ORA", "Orašje – Županja", "BA", "HR", False, "", 3),
    Crossing("BAME-HUM", "Hum – Šćepan Polje", "BA", "ME", False, "", 2),
    Crossing("BAME-DEL", "Deleuša – Vilusi", "BA", "ME", False, "", 2),
    Crossing("MDRO-LEU", "Leușeni – Albița", "MD", "RO", True, "E-581", 8),
    Crossing("MDRO-SCU", "Sculeni – Sculeni", "MD", "RO", False, "", 3),
    Crossing("MDRO-GIU", "Giurgiulești – Galați", "MD", "RO", False, "", 3),
)

CROSSING_BY_CODE: Mapping[str, Crossing] = {c.code: c for c in CROSSINGS}

_EU_INTERNAL = (("HR", "HU"), ("HU", "RO"), ("RO", "BG"), ("BG", "GR"))
"""Borders inside the EU customs union: no crossing point, no customs record."""

LANES: tuple[tuple[str, str, int], ...] = (
    ("RS", "BA", 10), ("BA", "RS", 7), ("RS", "ME", 7), ("ME", "RS", 2), ("RS", "MK", 8),
    ("MK", "RS", 6), ("RS", "XK", 3), ("XK", "RS", 1), ("MK", "XK", 6), ("XK", "MK", 3),
    ("AL", "XK", 6), ("XK", "AL", 4), ("AL", "MK", 3), ("MK", "AL", 3), ("AL", "ME", 2),
    ("ME", "AL", 1), ("BA", "ME", 3), ("ME", "BA", 1), ("RS", "AL", 2), ("AL", "RS", 1),
    ("MD", "RS", 1), ("RS", "MD", 1), ("BA", "HR", 6), ("HR", "BA", 7), ("RS", "HU", 6),
    ("HU", "RS", 6), ("RS", "HR", 4), ("HR", "RS", 4), ("RS", "RO", 3), ("RO", "RS", 3),
    ("RS", "BG", 3), ("BG", "RS", 3), ("MK", "GR", 5), ("GR", "MK", 5), ("AL", "GR", 4),
    ("GR", "AL", 5), ("MD", "RO", 6), ("RO", "MD", 6), ("MK", "BG", 2), ("BG", "MK", 2),
    ("RS", "GR", 2), ("XK", "ME", 1), ("AL", "HR", 1), ("MD", "BA", 1),
)
"""Trade lanes (origin, destination, relative weight): intra-CEFTA and with EU neighbours."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One controlled crossing on a route: from party, to party, and the crossings to pick."""

    from_party: str
    to_party: str
    options: tuple[Crossing, ...]


@cache
def _neighbours() -> dict[str, list[tuple[str, tuple[Crossing, ...]]]]:
    pairs: dict[tuple[str, str], list[Crossing]] = {}
    for crossing in CROSSINGS:
        pairs.setdefault(crossing.parties, []).append(crossing)
        pairs.setdefault((crossing.party_b, crossing.party_a), []).append(crossing)
    graph: dict[str, list[tuple[str, tuple[Crossing, ...]]]] = {}
    for (a, b), options in sorted(pairs.items()):
        graph.setdefault(a, []).append((b, tuple(options)))
    for a, b in _EU_INTERNAL:
        graph.setdefault(a, []).append((b, ()))
        graph.setdefault(b, []).append((a, ()))
    return graph


@cache
def route(origin: str, destination: str) -> tuple[Leg, ...]:
    """The controlled crossings on the shortest road route (fewest borders, ties by name).

    Raises KeyError when no route joins the two parties (a lane table error).
    """
    best: dict[str, int] = {origin: 0}
    queue: list[tuple[int, str, tuple[Leg | None, ...]]] = [(0, origin, ())]
    while queue:
        cost, party, legs = heapq.heappop(queue)
        if party == destination:
            return tuple(leg for leg in legs if leg is not None)
        if cost > best.get(party, cost):
            continue
        for nxt, options in _neighbours()[party]:
            leg = Leg(party, nxt, options) if options else None
            if cost + 1 < best.get(nxt, 1 << 30):
                best[nxt] = cost + 1
                heapq.heappush(queue, (cost + 1, nxt, (*legs, leg)))
    raise KeyError(f"no road route from {origin} to {destination}")
