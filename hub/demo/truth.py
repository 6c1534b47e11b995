"""The ground truth of a demo dataset: the patterns hidden in it, kept outside the graph.

Analysts, entity resolution and risk models are evaluated against it; nothing here is written
to the graph, so no feature can leak the answer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PATTERNS: dict[str, str] = {
    "rings": "Groups of 3-6 traders that share an address, a phone or e-mail, and/or the same "
             "trucks and drivers; they undervalue and misdeclare far more than others.",
    "same_company": "The same company registered by its own customs (tax id, name as "
                    "registered, often Cyrillic) and recorded again by a partner party's customs "
                    "as a foreign trader (Latin, legal form dropped or changed, address typed "
                    "differently). easy: the tax id is there; medium: the phone is the same; "
                    "hard: name and town only.",
    "similar_distinct": "Different companies of one party with the same name stem (hard "
                        "negatives for entity resolution).",
    "shared_address_decoys": "Business-centre addresses that unrelated honest companies share.",
    "suspects": "Traders outside rings who often undervalue. Alerts name about half of them, "
                "and as many honest traders (false leads).",
    "undervaluation": "Declared value per kg far below the norm of the HS code (8-30%).",
    "misdeclaration": "The HS code declared is a lower-risk code; the goods description tells "
                      "what the goods really are (e.g. cigarettes declared as raw tobacco).",
    "phyto_interceptions": "Plant consignments in which the importing party's phytosanitary "
                           "inspection found a harmful organism (control result + alert).",
    "reused_certificates": "A phytosanitary or veterinary certificate used again for later "
                           "consignments after its validity ended.",
    "risky": "Per-consignment label for a risk model: true for most consignments with any "
             "pattern above and for a small share of clean ones (label noise).",
}


@dataclass(frozen=True, slots=True)
class Ring:
    ring_id: str
    operator_ids: tuple[str, ...]
    shares: tuple[str, ...]  # address | contact | vehicles
    shared_address_ids: tuple[str, ...]
    shared_contact_ids: tuple[str, ...]
    shared_vehicle_ids: tuple[str, ...]
    case_id: str | None


@dataclass(frozen=True, slots=True)
class SameCompanyPair:
    registered_id: str
    alias_id: str
    recorded_by: str  # the agency whose data holds the alias
    difficulty: str  # easy | medium | hard


@dataclass(frozen=True, slots=True)
class Misdeclaration:
    consignment_id: str
    declared_hs: str
    true_hs: str


@dataclass(frozen=True, slots=True)
class Interception:
    consignment_id: str
    control_id: str
    alert_id: str | None  # the alert the interception raised, if any
    finding: str


@dataclass(slots=True)
class GroundTruth:
    """What was hidden in one (scale, seed) dataset. Complete once generation has finished."""

    scale: str
    seed: int
    reference_date: str
    patterns: dict[str, str] = field(default_factory=lambda: dict(PATTERNS))
    rings: list[Ring] = field(default_factory=list)
    same_company_pairs: list[SameCompanyPair] = field(default_factory=list)
    similar_distinct_pairs: list[tuple[str, str]] = field(default_factory=list)
    shared_address_decoys: list[str] = field(default_factory=list)
    suspect_operator_ids: list[str] = field(default_factory=list)
    undervalued_consignment_ids: list[str] = field(default_factory=list)
    misdeclarations: list[Misdeclaration] = field(default_factory=list)
    phyto_interceptions: list[Interception] = field(default_factory=list)
    reused_certificates: dict[str, list[str]] = field(default_factory=dict)
    risky_consignment_ids: list[str] = field(default_factory=list)
    consignments: int = 0

    @property
    def ring_operator_ids(self) -> list[str]:
        return [op for ring in self.rings for op in ring.operator_ids]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ring_operator_ids"] = self.ring_operator_ids
        return data

    def write(self, path: Path) -> Path:
        """Write the truth as JSON (UTF-8, ids in generation order) and return the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1),
                        encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> GroundTruth:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("ring_operator_ids", None)
        return cls(
            **{k: v for k, v in data.items() if k not in {
                "rings", "same_company_pairs", "similar_distinct_pairs", "misdeclarations",
                "phyto_interceptions"}},
            rings=[Ring(r["ring_id"], tuple(r["operator_ids"]), tuple(r["shares"]),
                        tuple(r["shared_address_ids"]), tuple(r["shared_contact_ids"]),
                        tuple(r["shared_vehicle_ids"]), r["case_id"]) for r in data["rings"]],
            same_company_pairs=[SameCompanyPair(**p) for p in data["same_company_pairs"]],
            similar_distinct_pairs=[(a, b) for a, b in data["similar_distinct_pairs"]],
            misdeclarations=[Misdeclaration(**m) for m in data["misdeclarations"]],
            phyto_interceptions=[Interception(**i) for i in data["phyto_interceptions"]],
        )


def truth_filename(scale: str, seed: int) -> str:
    return f"demo-truth-{scale}-{seed}.json"


def find_truth(data_dir: Path) -> Path | None:
    """The one ``demo-truth-*.json`` in the data directory, if there is exactly one."""
    found = sorted(data_dir.glob("demo-truth-*.json"))
    return found[0] if len(found) == 1 else None
