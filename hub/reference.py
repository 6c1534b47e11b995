"""Reference data: the parties and border agencies that take part in the hub.

The sharing policy (policies/) says what each agency may see; this module only says who exists.
A test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from hub.model import AgencyType


@dataclass(frozen=True, slots=True)
class PartyInfo:
    code: str
    name: str
    bloc: str  # CEFTA | EU


@dataclass(frozen=True, slots=True)
class AgencyInfo:
    code: str
    party: str
    type: AgencyType
    name: str


PARTIES: tuple[PartyInfo, ...] = (
    PartyInfo("AL", "Albania", "CEFTA"),
    PartyInfo("BA", "Bosnia and Herzegovina", "CEFTA"),
    PartyInfo("MD", "Moldova", "CEFTA"),
    PartyInfo("ME", "Montenegro", "CEFTA"),
    PartyInfo("MK", "North Macedonia", "CEFTA"),
    PartyInfo("RS", "Serbia", "CEFTA"),
    PartyInfo("XK", "Kosovo*", "CEFTA"),
    PartyInfo("HR", "Croatia", "EU"),
    PartyInfo("HU", "Hungary", "EU"),
    PartyInfo("RO", "Romania", "EU"),
    PartyInfo("BG", "Bulgaria", "EU"),
    PartyInfo("GR", "Greece", "EU"),
)

_CUSTOMS_NAMES = {
    "AL": "General Directorate of Customs (Albania)",
    "BA": "Indirect Taxation Authority of Bosnia and Herzegovina",
    "MD": "Customs Service of the Republic of Moldova",
    "ME": "Customs Administration of Montenegro",
    "MK": "Customs Administration of North Macedonia",
    "RS": "Customs Administration of Serbia",
    "XK": "Kosovo Customs",
    "HR": "Customs Administration of Croatia",
    "HU": "National Tax and Customs Administration of Hungary",
    "RO": "Romanian Customs Authority",
    "BG": "Customs Agency of Bulgaria",
    "GR": "Independent Authority for Public Revenue - Customs (Greece)",
}

_OTHER_AGENCIES: tuple[tuple[str, AgencyType, str], ...] = (
    ("PHY", AgencyType.PHYTOSANITARY, "phytosanitary inspection"),
    ("VET", AgencyType.VETERINARY, "veterinary inspection"),
    ("MSA", AgencyType.MARKET_SURVEILLANCE, "market surveillance inspectorate"),
    ("BP", AgencyType.BORDER_POLICE, "border police"),
)


def _agencies() -> tuple[AgencyInfo, ...]:
    agencies = []
    for party in PARTIES:
        agencies.append(AgencyInfo(f"{party.code}-CUS", party.code, AgencyType.CUSTOMS,
                                   _CUSTOMS_NAMES[party.code]))
        if party.bloc == "CEFTA" or party.code == "HR":
            for suffix, agency_type, name in _OTHER_AGENCIES:
                agencies.append(AgencyInfo(f"{party.code}-{suffix}", party.code, agency_type,
                                           f"{party.name} {name}"))
    return tuple(agencies)


AGENCIES: tuple[AgencyInfo, ...] = _agencies()
PARTY_BY_CODE: Mapping[str, PartyInfo] = {p.code: p for p in PARTIES}
AGENCY_BY_CODE: Mapping[str, AgencyInfo] = {a.code: a for a in AGENCIES}
