"""WCO Data Model 3.x customs declarations (DEC-DMS ``Declaration``) as graph records.

Each ``Declaration`` element (usually inside a ``MetaData`` envelope) becomes one Consignment
with its parties, transport means, equipment and documents:

    Declaration  ID (MRN) or FunctionalReferenceID (LRN) -> Consignment.reference(_type)
                 TypeCode -> declaration_type; EX.../IM... -> direction export/import
                 AcceptanceDateTime, else IssueDateTime -> declared_at
                 ExitOffice/ID, PresentationOffice/ID (else DeclarationOfficeID) -> offices
    Exporter, Consignor -> Operator -EXPORTER_OF->;  Importer, Consignee -> -IMPORTER_OF->
    Declarant -> -DECLARANT_OF->;  Carrier -> -CARRIER_OF->      (ID = EORI; Name, Address)
    Border/Departure/ArrivalTransportMeans -> Vehicle (by ID + RegistrationNationalityCode)
    TransportEquipment/ID -> Vehicle (container)          -TRANSPORTED_BY->
    Itinerary/RoutingCountryCode (by SequenceNumeric) -> itinerary "GB-CA-US"
    GovernmentAgencyGoodsItem: Commodity/Classification (TSP/HS/CN) -> hs_codes;
        Commodity/Description -> goods_description; Origin -> origin;
        GoodsMeasure/GrossMassMeasure summed (unless TotalGrossMassMeasure) -> gross_mass_kg
    AdditionalDocument of goods items and shipment -> Lpco -COVERED_BY-> (N851 = phyto
        certificate, else the code, e.g. C506); declaration-level ones (payment references)
        and category Y (statements that no document is needed) are left out
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from connectors.entities import (
    Address,
    DraftBuilder,
    Party,
    add_document,
    add_operator,
    add_vehicle,
)
from connectors.values import (
    Plate,
    compact_offset_instant,
    country,
    day,
    eori,
    hs_code,
    iso_instant,
    number,
    office,
    plate,
    tax_id,
    text,
)
from connectors.xmlpath import Element, child, children, descendants, parse_records, value
from hub.errors import InputError
from hub.ingest.connector import Parsed, Rejected
from hub.ingest.xmlstream import XmlRecord

NAMESPACE = "urn:wco:datamodel:WCO:DEC-DMS:2"

ROLES = (
    ("Exporter", "EXPORTER_OF"), ("Consignor", "EXPORTER_OF"),
    ("Importer", "IMPORTER_OF"), ("Consignee", "IMPORTER_OF"),
    ("Declarant", "DECLARANT_OF"), ("Carrier", "CARRIER_OF"),
)
MEANS = ("BorderTransportMeans", "DepartureTransportMeans", "ArrivalTransportMeans")

# IdentificationTypeCode (UNECE Rec. 28 / EU codelist for DE 7/7) -> vehicle kind; None marks
# identifiers of a journey (a flight or train number), not of a vehicle.
ID_TYPE_KINDS: dict[str, str | None] = {
    "10": "vessel", "11": "vessel", "20": "wagon", "21": None, "30": "tractor", "31": "trailer",
    "40": None, "41": "aircraft", "80": "vessel", "81": "vessel",
}
MODE_KINDS = {"1": "vessel", "2": "wagon", "3": "tractor", "4": "aircraft", "8": "vessel"}
HS_TYPES = {"TSP", "HS", "CN", "TAR", "TARIC"}
LPCO_TYPES = {"N851": "phyto_certificate", "N852": "sanitary_certificate",
              "N853": "veterinary_certificate", "N861": "origin_certificate"}


class WcoDecConnector:
    """WCO DM declarations, streamed one ``Declaration`` element at a time."""

    name: str = "wco-dec"
    suffixes: tuple[str, ...] = (".xml",)
    fragment_suffix: str = ".xml"

    def parse(self, stream: BinaryIO, origin: str) -> Iterator[Parsed | Rejected]:
        return parse_records(
            stream, origin, record="Declaration", accepts=lambda uri: uri == NAMESPACE,
            expected=f"a WCO declaration in namespace {NAMESPACE!r}", build=_declaration,
        )


def _declaration(record: XmlRecord) -> Parsed:
    dec = record.element
    mrn, lrn = value(dec, "ID"), value(dec, "FunctionalReferenceID")
    if mrn is None and lrn is None:
        raise InputError(
            "Declaration has neither ID (MRN) nor FunctionalReferenceID (LRN); one is needed "
            "to identify it"
        )
    b = DraftBuilder()
    parties = [(rel, _party(node, name)) for name, rel in ROLES for node in descendants(dec, name)]
    declarant = next((p for rel, p in parties if rel == "DECLARANT_OF"), None)
    if mrn is not None:
        key: tuple[object, ...] = ("wco-dec", "MRN", mrn)
    else:
        key = ("wco-dec", "LRN", (declarant.eori or declarant.name) if declarant else "", lrn)
    type_code = value(dec, "TypeCode")
    items = list(descendants(dec, "GovernmentAgencyGoodsItem"))
    consignment = b.node("Consignment", key, {
        "reference": mrn or lrn,
        "reference_type": "MRN" if mrn else "LRN",
        "declaration_type": type_code,
        "direction": _direction(type_code),
        "declared_at": _instant(child(dec, "AcceptanceDateTime"), "AcceptanceDateTime")
        or _instant(child(dec, "IssueDateTime"), "IssueDateTime"),
        "exit_office": office(value(dec, "ExitOffice", "ID"), "ExitOffice/ID"),
        "presentation_office": office(
            value(dec, "PresentationOffice", "ID") or value(dec, "DeclarationOfficeID"),
            "PresentationOffice/ID"),
        "itinerary": _itinerary(dec),
        "hs_codes": _hs_codes(items),
        "goods_description": _descriptions(items),
        "origin": next((country(value(i, "Origin", "CountryCode"), "Origin/CountryCode")
                        for i in items if value(i, "Origin", "CountryCode")), None),
        "destination": country(value(child(dec, "GoodsShipment"), "Destination", "CountryCode")
                               or next((value(i, "Destination", "CountryCode") for i in items
                                        if value(i, "Destination", "CountryCode")), None),
                               "Destination/CountryCode"),
        "gross_mass_kg": number(value(dec, "TotalGrossMassMeasure"), "TotalGrossMassMeasure")
        or _sum(number(value(i, "Commodity", "GoodsMeasure", "GrossMassMeasure"),
                       "GrossMassMeasure") for i in items),
        "value_eur": _eur(child(dec, "InvoiceAmount")),
    })
    for rel, party in parties:
        operator = add_operator(b, party)
        if operator is not None:
            b.edge(rel, operator, consignment)
    for vehicle_plate, nationality, kind in _vehicles(dec):
        b.edge("TRANSPORTED_BY", consignment, add_vehicle(b, vehicle_plate, nationality, kind))
    _documents(b, dec, consignment)
    return b.parsed(mrn or lrn or "", record.position)


def _party(node: Element, role: str) -> Party:
    address_node = child(node, "Address")
    address = None
    if address_node is not None:
        address = Address(
            lines=tuple(t for t in (text(line.text) for line in children(address_node, "Line"))
                        if t),
            city=value(address_node, "CityName"),
            postcode=value(address_node, "PostcodeID"),
            country=country(value(address_node, "CountryCode"), f"{role}/Address/CountryCode"),
        )
    party_country = address.country if address else None
    raw_id = value(node, "ID")
    identifier = raw_id.replace(" ", "").upper() if raw_id else None
    if identifier and identifier[:2].isalpha():
        return Party(value(node, "Name"), party_country, eori=eori(identifier, f"{role}/ID"),
                     address=address)
    tax = None
    if identifier:
        if party_country is None:
            raise InputError(
                f"{role}/ID {raw_id!r} is not an EORI and the party has no Address/CountryCode "
                "to say which country's tax id it is"
            )
        tax = tax_id(party_country, identifier, f"{role}/ID")
    return Party(value(node, "Name"), party_country, tax=tax, address=address)


def _direction(type_code: str | None) -> str | None:
    prefix = (type_code or "")[:2].upper()
    return {"EX": "export", "EU": "export", "IM": "import", "TR": "transit"}.get(prefix)


def _instant(node: Element | None, what: str) -> str | None:
    """A WCO date-time: ``DateTimeString`` with formatCode 102 (date) or 304, or ISO 8601."""
    if node is None:
        return None
    inner = child(node, "DateTimeString")
    raw = text((inner if inner is not None else node).text)
    if raw is None:
        return None
    code = inner.get("formatCode") if inner is not None else None
    if code == "102":
        return day(raw, what, ("%Y%m%d",))
    if code == "304":
        return compact_offset_instant(raw, what)
    return iso_instant(raw, what)


def _itinerary(dec: Element) -> str | None:
    stops: list[tuple[int, str]] = []
    for stop in descendants(dec, "Itinerary"):
        code = country(value(stop, "RoutingCountryCode"), "Itinerary/RoutingCountryCode")
        if code:
            order = value(stop, "SequenceNumeric") or ""
            stops.append((int(order) if order.isdigit() else len(stops), code))
    return "-".join(code for _, code in sorted(stops)) or None


def _hs_codes(items: list[Element]) -> list[str]:
    codes: list[str] = []
    for item in items:
        for cls in descendants(item, "Classification"):
            kind = (value(cls, "IdentificationTypeCode") or "").upper()
            if kind in HS_TYPES:
                code = hs_code(value(cls, "ID"), f"Classification/ID ({kind})")
                if code and code not in codes:
                    codes.append(code)
    return codes


def _descriptions(items: list[Element]) -> str | None:
    seen: list[str] = []
    for item in items:
        desc = value(item, "Commodity", "Description")
        if desc and desc not in seen:
            seen.append(desc)
    return "; ".join(seen) or None


def _sum(values: Iterator[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present), 3) if present else None


def _eur(node: Element | None) -> float | None:
    if node is None or (node.get("currencyID") or "").upper() != "EUR":
        return None
    return number(node.text, "InvoiceAmount")


def _vehicles(dec: Element) -> list[tuple[Plate, str | None, str]]:
    """Transport means and equipment, one entry per identification (the same vessel named as
    border and departure means is one vehicle; its nationality comes from whichever has it)."""
    found: dict[str, tuple[Plate, str | None, str]] = {}
    border_mode = value(dec, "BorderTransportMeans", "ModeCode")
    for name in MEANS:
        for means in descendants(dec, name):
            ident = plate(value(means, "ID"), f"{name}/ID")
            if ident is None:
                continue
            type_code = value(means, "IdentificationTypeCode")
            if type_code in ID_TYPE_KINDS:
                kind = ID_TYPE_KINDS[type_code]
                if kind is None:
                    continue
            else:
                mode = value(means, "ModeCode") or border_mode or ""
                kind = MODE_KINDS.get(mode, "vehicle")
            nationality = country(value(means, "RegistrationNationalityCode"),
                                  f"{name}/RegistrationNationalityCode")
            previous = found.get(ident.key)
            if previous is not None:
                nationality = previous[1] or nationality
                kind = previous[2]
            found[ident.key] = (ident, nationality, kind)
    for equipment in descendants(dec, "TransportEquipment"):
        ident = plate(value(equipment, "ID"), "TransportEquipment/ID")
        if ident is not None and ident.key not in found:
            found[ident.key] = (ident, None, "container")
    return list(found.values())


def _documents(b: DraftBuilder, dec: Element, consignment: str) -> None:
    for doc in descendants(dec, "AdditionalDocument"):
        parent = doc.getparent()
        if parent is dec:
            continue  # declaration-level: deferred payment and similar references
        doc_id = value(doc, "ID")
        if doc_id is None:
            continue
        category = value(doc, "CategoryCode") or ""
        if category == "Y":
            continue  # a statement that the goods are exempt: no document exists
        code = category + (value(doc, "TypeCode") or "")
        if not code:
            raise InputError(f"AdditionalDocument {doc_id!r} has neither CategoryCode nor TypeCode")
        quantity = number(value(doc, "WriteOff", "QuantityQuantity"),
                          "AdditionalDocument/WriteOff/QuantityQuantity")
        lpco = add_document(b, LPCO_TYPES.get(code, code), doc_id)
        b.edge("COVERED_BY", consignment, lpco, {"quantity": quantity})
