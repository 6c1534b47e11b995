"""Domain vocabulary: node kinds, relationship kinds, sharing levels, records and stable ids.

This module is the one source of truth for the graph's shape. The writer, the migrations check,
the GraphQL types and the demo generator all read it; nothing else lists labels or fields.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ENTITY_LABEL = "Entity"
"""Every domain node also carries this label, so one index finds any node by ``id``."""


class Distribution(StrEnum):
    """How far a record is shared beyond its owner agency (see DESIGN.md, "Sharing")."""

    ORIGINATOR = "ORIGINATOR"
    PARTY = "PARTY"
    LISTED = "LISTED"
    CEFTA_CUSTOMS = "CEFTA_CUSTOMS"
    CEFTA_AGENCIES = "CEFTA_AGENCIES"
    CEFTA_EU = "CEFTA_EU"


WIDE_LEVELS = (Distribution.CEFTA_CUSTOMS, Distribution.CEFTA_AGENCIES, Distribution.CEFTA_EU)
"""Levels that reach a community of agencies; the policy says which agencies belong to each."""

CEFTA_PARTIES = ("AL", "BA", "MD", "ME", "MK", "RS", "XK")


class AgencyType(StrEnum):
    CUSTOMS = "customs"
    PHYTOSANITARY = "phytosanitary"
    VETERINARY = "veterinary"
    MARKET_SURVEILLANCE = "market_surveillance"
    BORDER_POLICE = "border_police"


SHARING_FIELDS = ("owner_agency", "owner_party", "distribution", "share_with")
PROVENANCE_FIELDS = ("source", "source_ref", "ingested_at")
SYSTEM_FIELDS = ("id", "kind", "rev", *SHARING_FIELDS, *PROVENANCE_FIELDS)


@dataclass(frozen=True, slots=True)
class NodeKind:
    """A node label with its fields. ``personal`` fields are masked unless the policy grants
    personal-data access for the record's audience; ``search`` fields get a full-text index."""

    label: str
    prefix: str
    fields: tuple[str, ...]
    lookups: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    personal: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class RelKind:
    """A relationship type with the node labels it may connect (``*`` for any kind)."""

    type: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    fields: tuple[str, ...] = ()
    description: str = ""


NODE_KINDS: tuple[NodeKind, ...] = (
    NodeKind("Party", "party", ("code", "name", "bloc"), lookups=("code",),
             description="A CEFTA party or EU member state"),
    NodeKind("Agency", "agency", ("code", "party", "type", "name"), lookups=("code",),
             description="A customs administration or other border agency"),
    NodeKind("BorderCrossingPoint", "bcp", ("code", "name", "parties", "green_lane", "road"),
             lookups=("code",), search=("name",), description="A border crossing point"),
    NodeKind("Operator", "operator",
             ("tax_id", "tax_scheme", "eori", "name", "name_latin", "legal_form", "country",
              "address_text"),
             lookups=("tax_id", "eori", "country"), search=("name", "name_latin"),
             description="An economic operator (company or sole trader)"),
    NodeKind("Address", "address", ("text", "street", "city", "postcode", "country", "key"),
             lookups=("key", "city"), search=("text",), description="A postal address"),
    NodeKind("Contact", "contact", ("channel", "value", "key"), lookups=("key",),
             description="A phone number or e-mail address"),
    NodeKind("Vehicle", "vehicle", ("plate", "plate_display", "country", "vehicle_kind"),
             lookups=("plate",),
             description="A tractor, trailer or container, by normalised plate"),
    NodeKind("Person", "person",
             ("full_name", "birth_date", "personal_id", "nationality", "role"),
             lookups=(), personal=("full_name", "birth_date", "personal_id"),
             description="A driver or representative: personal data"),
    NodeKind("Consignment", "consignment",
             ("reference", "reference_type", "direction", "declared_at", "hs_codes",
              "goods_description", "origin", "destination", "gross_mass_kg", "value_eur",
              "exit_office", "entry_office", "channel", "declaration_type",
              "presentation_office", "itinerary"),
             lookups=("reference", "declared_at", "origin"), search=("goods_description",),
             description="A consignment or declaration crossing a border"),
    NodeKind("Lpco", "lpco",
             ("lpco_type", "number", "issuer", "issued_at", "valid_until", "status", "hs_codes",
              "quantity", "quantity_unit",
              # hub.checks.lpco: when a suspension or revocation took effect (YYYY-MM-DD)
              "status_changed_at"),
             lookups=("number", "status"),
             description="A licence, permit, certificate or other document"),
    NodeKind("AeoAuthorisation", "aeo",
             ("number", "aeo_type", "status", "issuing_party", "valid_from", "valid_until",
              # hub.checks.aeo: "YYYY-MM-DD status" entries in date order, and the last change
              "status_history", "status_changed_at"),
             lookups=("number", "status", "issuing_party"), description="An AEO authorisation"),
    NodeKind("RiskAlert", "alert",
             ("title", "risk_domain", "risk_type", "indicators", "description",
              "recommended_action", "valid_from", "valid_until", "priority", "issuing_agency",
              "status", "handling_code", "version",
              # the RIF as hub.alerts writes it: structured indicators (lists of strings),
              # the originator's reference and the change history's latest step
              "reference", "indicator_hs_codes", "indicator_origins", "indicator_routes",
              "indicator_offices", "indicator_operators", "indicator_vehicles",
              "indicator_documents", "raised_at", "changed_at", "last_change", "withdrawn_at",
              "withdrawal_reason"),
             lookups=("status", "risk_domain"), search=("title", "description"),
             description="A risk information form shared between agencies"),
    NodeKind("ControlResult", "control",
             ("control_type", "controlled_at", "office", "outcome", "findings", "seizure",
              # seizure details (``seizure`` holds the seizure record's reference)
              "reference", "seized_goods", "quantity", "quantity_unit", "value_eur"),
             lookups=("outcome", "controlled_at"),
             description="The outcome of a control: feedback on an alert or profile"),
    NodeKind("RiskProfile", "profile",
             ("name", "criteria", "weight", "valid_from", "valid_until", "status",
              # hub.analysis.risk.profiles: each save bumps the version (optimistic locking)
              "description", "version", "changed_at"),
             lookups=("status",), description="A common risk profile maintained by the RMWG"),
    NodeKind("Case", "case", ("title", "status", "lead_agency", "opened_at"),
             lookups=("status",), search=("title",), description="An RMTT joint action case"),
    NodeKind("RiskSignal", "signal",
             ("signal_kind", "severity", "check", "reason", "consignment_id", "record_ids",
              "observed_at", "status"),
             lookups=("signal_kind", "consignment_id"),
             description="A problem found by a check (LPCO, AEO status, SEED exit/entry match)"),
)

ANY = ("*",)

REL_KINDS: tuple[RelKind, ...] = (
    RelKind("EXPORTER_OF", ("Operator",), ("Consignment",)),
    RelKind("IMPORTER_OF", ("Operator",), ("Consignment",)),
    RelKind("DECLARANT_OF", ("Operator",), ("Consignment",)),
    RelKind("CARRIER_OF", ("Operator",), ("Consignment",)),
    RelKind("TRANSPORTED_BY", ("Consignment",), ("Vehicle",)),
    RelKind("DRIVEN_BY", ("Consignment",), ("Person",)),
    RelKind("CROSSED", ("Consignment",), ("BorderCrossingPoint",), ("at", "direction")),
    RelKind("COVERED_BY", ("Consignment",), ("Lpco",), ("quantity",)),
    RelKind("ISSUED_TO", ("Lpco",), ("Operator",)),
    RelKind("ISSUED_BY", ("Lpco", "AeoAuthorisation"), ("Agency",)),
    RelKind("HOLDS", ("Operator",), ("AeoAuthorisation",)),
    RelKind("RECOGNISES_AEO_OF", ("Party",), ("Party",), ("since",)),
    RelKind("LOCATED_AT", ("Operator",), ("Address",)),
    RelKind("REACHABLE_AT", ("Operator",), ("Contact",)),
    RelKind("BELONGS_TO", ("Agency",), ("Party",)),
    RelKind("CONCERNS", ("RiskAlert",), ANY),
    RelKind("OF", ("ControlResult",), ("Consignment",)),
    RelKind("FEEDBACK_ON", ("ControlResult",), ("RiskAlert", "RiskProfile")),
    RelKind("SAME_AS", ("Operator",), ("Operator",),
            ("score", "method", "status", "explanation", "reviewed_by", "reviewed_party",
             "reviewed_at")),
    RelKind("INCLUDES", ("Case",), ANY),
    RelKind("MEMBER_OF", ("Agency",), ("Case",)),
    RelKind("ABOUT", ("RiskSignal",), ANY),
    RelKind("MATCHES", ("Consignment",), ("Consignment",),
            ("score", "gap_minutes", "matched_by", "observed_at"),
            description="A SEED exit message matched with the entry message at the neighbour"),
)

NODE_KIND_BY_LABEL: Mapping[str, NodeKind] = {k.label: k for k in NODE_KINDS}
REL_KIND_BY_TYPE: Mapping[str, RelKind] = {k.type: k for k in REL_KINDS}
ALL_KIND_NAMES: tuple[str, ...] = (
    *(k.label for k in NODE_KINDS), *(k.type for k in REL_KINDS),
)


def _norm_part(part: object) -> str:
    text = unicodedata.normalize("NFC", str(part)).strip().casefold()
    return " ".join(text.split())


def stable_id(label: str, *natural_key: object) -> str:
    """A stable, namespaced id for a node from its natural key.

    The same key always gives the same id, whatever the source, so ingesting a record twice
    changes nothing. The key is hashed so that ids never carry personal data.
    """
    kind = NODE_KIND_BY_LABEL[label]
    digest = hashlib.sha256("\x1f".join(_norm_part(p) for p in natural_key).encode()).hexdigest()
    return f"{kind.prefix}:{digest[:24]}"


def edge_id(rel_type: str, source_id: str, target_id: str, *discriminator: object) -> str:
    """A stable id for an edge: one edge per (type, ends, discriminator)."""
    parts = (rel_type, source_id, target_id, *(_norm_part(d) for d in discriminator))
    return "rel:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Sharing:
    """Who owns a record and how far it is shared."""

    owner_agency: str
    owner_party: str
    distribution: Distribution
    share_with: tuple[str, ...] = ()

    def as_props(self) -> dict[str, Any]:
        return {
            "owner_agency": self.owner_agency,
            "owner_party": self.owner_party,
            "distribution": self.distribution.value,
            "share_with": list(self.share_with),
        }


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record came from. ``ingested_at`` is epoch milliseconds."""

    source: str
    source_ref: str
    ingested_at: int

    def as_props(self) -> dict[str, Any]:
        return {"source": self.source, "source_ref": self.source_ref,
                "ingested_at": self.ingested_at}


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """A node to write: its label, stable id and domain properties (no system fields)."""

    label: str
    id: str
    props: Mapping[str, Any]
    sharing: Sharing
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    """An edge to write between two nodes identified by their stable ids."""

    type: str
    source_id: str
    target_id: str
    sharing: Sharing
    provenance: Provenance
    props: Mapping[str, Any] = field(default_factory=dict)
    discriminator: tuple[object, ...] = ()
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Hashed once: validation, the writer's rows and change counting all ask for it.
        object.__setattr__(self, "id", edge_id(self.type, self.source_id, self.target_id,
                                               *self.discriminator))


Record = NodeRecord | EdgeRecord
