"""Reference records of the demo: parties, agencies, border crossing points, AEO recognition.

They are the same for every seed and scale, and shared with everyone (``CEFTA_EU``).
"""

from __future__ import annotations

from hub.demo.crossings import CROSSINGS
from hub.demo.records import Chunk, sharing
from hub.demo.scales import epoch_ms
from hub.model import Distribution, Record, stable_id
from hub.reference import AGENCIES, PARTIES

MUTUAL_RECOGNITION: tuple[tuple[str, str, str], ...] = (
    ("RS", "MK", "2021-12-01"),
    ("RS", "AL", "2022-10-01"),
    ("MK", "AL", "2023-03-01"),
)
"""AEO mutual recognition between CEFTA parties (pairs recognise each other; dates
illustrative)."""

_PUBLISHED = epoch_ms(400)


def party_id(code: str) -> str:
    return stable_id("Party", code)


def agency_id(code: str) -> str:
    return stable_id("Agency", code)


def crossing_id(code: str) -> str:
    return stable_id("BorderCrossingPoint", code)


def reference_records() -> list[Record]:
    """Party, Agency and BorderCrossingPoint nodes, BELONGS_TO and RECOGNISES_AEO_OF edges."""
    chunk = Chunk()
    for party in PARTIES:
        share = sharing(f"{party.code}-CUS", Distribution.CEFTA_EU)
        chunk.node("Party", party_id(party.code),
                   {"code": party.code, "name": party.name, "bloc": party.bloc},
                   share, f"party/{party.code}", _PUBLISHED)
    for agency in AGENCIES:
        share = sharing(agency.code, Distribution.CEFTA_EU)
        chunk.node("Agency", agency_id(agency.code),
                   {"code": agency.code, "party": agency.party, "type": agency.type.value,
                    "name": agency.name},
                   share, f"agency/{agency.code}", _PUBLISHED)
        chunk.edge("BELONGS_TO", agency_id(agency.code), party_id(agency.party), share,
                   f"agency/{agency.code}", _PUBLISHED)
    for crossing in CROSSINGS:
        share = sharing(f"{crossing.party_a}-CUS", Distribution.CEFTA_EU)
        chunk.node("BorderCrossingPoint", crossing_id(crossing.code),
                   {"code": crossing.code, "name": crossing.name,
                    "parties": list(crossing.parties), "green_lane": crossing.green_lane,
                    "road": crossing.road or None},
                   share, f"bcp/{crossing.code}", _PUBLISHED)
    for a, b, since in MUTUAL_RECOGNITION:
        for recogniser, recognised in ((a, b), (b, a)):
            share = sharing(f"{recogniser}-CUS", Distribution.CEFTA_EU)
            chunk.edge("RECOGNISES_AEO_OF", party_id(recogniser), party_id(recognised), share,
                       f"mra/{a}-{b}", _PUBLISHED, {"since": since})
    return chunk.take()
