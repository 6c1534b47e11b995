"""Draft records for what every format shares: operators, addresses, vehicles and documents.

The natural keys below are the one definition connectors use, so the same operator or truck
met in two files (or two formats) becomes the same node:

    Operator          (country, tax scheme, tax id)   when a national tax id is known
                      ("EORI", eori)                  else when an EORI is known
                      ("NAME", country, name, address) else (names and addresses in Latin script,
                                                       lower-case, letters and digits only)
    Address           (address key)
    Vehicle           (nationality or "", plate key)  plate key: Latin letters and digits only
    Lpco              (lpco type, number)
    AeoAuthorisation  (number)
    Consignment       chosen by each connector; always starts with the connector's name
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.values import Plate, TaxId, latin, match_key
from hub.ingest.connector import DraftEdge, DraftNode, Parsed
from hub.model import stable_id


class DraftBuilder:
    """Collects the nodes and edges of one source record.

    A node met twice keeps its first values and gains the fields it lacked; an edge met twice is
    one edge. ``None`` values and empty lists are left out (the writer would drop them anyway).
    """

    def __init__(self) -> None:
        self._nodes: dict[str, DraftNode] = {}
        self._edges: dict[str, DraftEdge] = {}

    def node(self, label: str, key: tuple[object, ...], props: Mapping[str, Any]) -> str:
        node_id = stable_id(label, *key)
        clean = {k: v for k, v in props.items() if v is not None and v != []}
        existing = self._nodes.get(node_id)
        if existing is not None:
            clean = {**clean, **existing.props}
        self._nodes[node_id] = DraftNode(label, node_id, clean)
        return node_id

    def edge(self, rel_type: str, source_id: str, target_id: str,
             props: Mapping[str, Any] | None = None) -> None:
        edge = DraftEdge(rel_type, source_id, target_id,
                         {k: v for k, v in (props or {}).items() if v is not None})
        self._edges.setdefault(edge.id, edge)  # the id is a hash: compute it once

    def parsed(self, source_ref: str, position: str, fragment: str | None = None) -> Parsed:
        return Parsed(source_ref, position, tuple(self._nodes.values()),
                      tuple(self._edges.values()), fragment)


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address as a format gives it: street lines, city, postcode, country."""

    lines: tuple[str, ...] = ()
    city: str | None = None
    postcode: str | None = None
    country: str | None = None

    @property
    def street(self) -> str | None:
        return ", ".join(self.lines) or None

    @property
    def text(self) -> str:
        place = " ".join(p for p in (self.postcode, self.city) if p)
        return ", ".join(p for p in (*self.lines, place, self.country or "") if p)

    @property
    def key(self) -> str:
        return match_key(self.street, self.postcode, self.city, self.country)


@dataclass(frozen=True, slots=True)
class Party:
    """An economic operator as a format names it; any of the fields may be missing."""

    name: str | None = None
    country: str | None = None
    tax: TaxId | None = None
    eori: str | None = None
    address: Address | None = None


def add_address(builder: DraftBuilder, address: Address) -> str | None:
    """The Address node for ``address`` (``None`` when it says nothing)."""
    key = address.key
    if not key:
        return None
    return builder.node("Address", (key,), {
        "text": address.text, "street": address.street, "city": address.city,
        "postcode": address.postcode, "country": address.country, "key": key,
    })


def add_operator(builder: DraftBuilder, party: Party) -> str | None:
    """The Operator node for ``party`` and its LOCATED_AT address; ``None`` for a party with
    neither an identifier nor a name."""
    address_key = party.address.key if party.address else ""
    if party.tax is not None:
        key: tuple[object, ...] = (party.tax.country, party.tax.scheme, party.tax.value)
    elif party.eori is not None:
        key = ("EORI", party.eori)
    elif party.name:
        key = ("NAME", party.country or "", match_key(party.name), address_key)
    else:
        return None
    operator_id = builder.node("Operator", key, {
        "name": party.name,
        "name_latin": latin(party.name) if party.name else None,
        "tax_id": party.tax.value if party.tax else None,
        "tax_scheme": party.tax.scheme if party.tax else None,
        "eori": party.eori,
        "country": party.country or (party.tax.country if party.tax else None),
        "address_text": party.address.text if party.address and address_key else None,
    })
    if party.address is not None:
        address_id = add_address(builder, party.address)
        if address_id is not None:
            builder.edge("LOCATED_AT", operator_id, address_id)
    return operator_id


def add_vehicle(builder: DraftBuilder, plate: Plate, nationality: str | None, kind: str) -> str:
    """The Vehicle node for a plate (or vessel, aircraft, container identification)."""
    return builder.node("Vehicle", (nationality or "", plate.key), {
        "plate": plate.key, "plate_display": plate.display, "country": nationality,
        "vehicle_kind": kind,
    })


def add_document(builder: DraftBuilder, lpco_type: str, number: str,
                 props: Mapping[str, Any] | None = None) -> str:
    """The Lpco node for a document of ``lpco_type`` numbered ``number``."""
    return builder.node("Lpco", (lpco_type, number),
                        {"lpco_type": lpco_type, "number": number, **(props or {})})
