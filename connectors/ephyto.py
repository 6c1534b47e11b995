"""IPPC ePhyto certificates (UN/CEFACT ``SPSCertificate``) as graph records.

Attachments (``...BinaryObject`` elements: scanned certificates, PDFs, images) are dropped while
streaming, chunk by chunk: they are never held whole in memory and never reach the graph.

    SPSExchangedDocument  ID, TypeCode 851 | 657 -> Lpco (phyto_certificate |
        phyto_reexport_certificate), IssuerSPSParty/Name -> issuer, IssueDateTime -> issued_at,
        StatusCode -> status (70 issued, 39 approved: valid; 40 withdrawn, 41 rejected: revoked)
    SPSConsignment -> Consignment (reference = certificate number, reference_type EPHYTO)
        -COVERED_BY-> the Lpco; ExportSPSCountry / ImportSPSCountry -> country of the parties,
        ImportSPSCountry -> destination
    ConsignorSPSParty -> Operator -EXPORTER_OF-> consignment, and Lpco -ISSUED_TO-> it
    ConsigneeSPSParty -> Operator -IMPORTER_OF->          (registration number: the national
        tax id when it validates as one, else kept under scheme NRN; SpecifiedSPSAddress)
    IncludedSPSTradeLineItem: ApplicableSPSClassification (SystemName HS)/ClassCode -> hs_codes;
        Net/GrossWeightMeasure summed (in kg) -> Lpco.quantity (net, else gross) and
        Consignment.gross_mass_kg; ScientificName -> goods_description; OriginSPSCountry -> origin
    MainCarriageSPSTransportMovement: road (ModeCode 3) ID -> tractor (and trailer) plates;
        other modes UsedSPSTransportMeans/Name -> vessel | wagon | aircraft;
        UtilizedSPSTransportEquipment/ID -> container         -TRANSPORTED_BY->
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
    country,
    hs_code,
    iso_instant,
    mass_kg,
    plate,
    plates,
    registration_number,
    text,
)
from connectors.xmlpath import Element, child, children, descendants, parse_records, value
from hub.errors import InputError
from hub.ingest.connector import Parsed, Rejected
from hub.ingest.xmlstream import XmlRecord

NAMESPACE_PREFIX = "urn:un:unece:uncefact:data:standard:SPSCertificate:"
LPCO_TYPES = {"851": "phyto_certificate", "657": "phyto_reexport_certificate"}
STATUSES = {"70": "valid", "39": "valid", "40": "revoked", "41": "revoked"}
MODE_KINDS = {"1": "vessel", "2": "wagon", "4": "aircraft", "8": "vessel"}
ADDRESS_LINES = ("LineOne", "LineTwo", "LineThree", "LineFour", "LineFive")


class EphytoConnector:
    """ePhyto SPSCertificate documents, one certificate per ``SPSCertificate`` element."""

    name: str = "ephyto"
    suffixes: tuple[str, ...] = (".xml",)
    fragment_suffix: str = ".xml"

    def parse(self, stream: BinaryIO, origin: str) -> Iterator[Parsed | Rejected]:
        return parse_records(
            stream, origin, record="SPSCertificate",
            accepts=lambda uri: uri.startswith(NAMESPACE_PREFIX),
            expected=f"an ePhyto certificate in namespace {NAMESPACE_PREFIX}<version>",
            build=_certificate, skip=lambda name: name.endswith("BinaryObject"),
        )


def _certificate(record: XmlRecord) -> Parsed:
    cert = record.element
    doc = child(cert, "SPSExchangedDocument")
    number = value(doc, "ID")
    if doc is None or number is None:
        raise InputError("SPSCertificate has no SPSExchangedDocument/ID (certificate number)")
    type_code = value(doc, "TypeCode")
    lpco_type = LPCO_TYPES.get(type_code or "")
    if lpco_type is None:
        raise InputError(
            f"SPSExchangedDocument/TypeCode {type_code!r} is not a phytosanitary certificate "
            "(851) or a re-export certificate (657)"
        )
    status_code = value(doc, "StatusCode")
    status = STATUSES.get(status_code or "")
    if status is None:
        raise InputError(
            f"SPSExchangedDocument/StatusCode {status_code!r} is not a known certificate status "
            f"({', '.join(sorted(STATUSES))})"
        )
    shipment = child(cert, "SPSConsignment")
    if shipment is None:
        raise InputError("SPSCertificate has no SPSConsignment")
    export_country = country(value(shipment, "ExportSPSCountry", "ID"), "ExportSPSCountry/ID")
    import_country = country(value(shipment, "ImportSPSCountry", "ID"), "ImportSPSCountry/ID")
    lines = list(descendants(shipment, "IncludedSPSTradeLineItem"))
    hs_codes = _hs_codes(lines)
    net = _total(lines, "NetWeightMeasure")
    gross = _total(lines, "GrossWeightMeasure")

    b = DraftBuilder()
    lpco = add_document(b, lpco_type, number, {
        "issuer": value(doc, "IssuerSPSParty", "Name"),
        "issued_at": iso_instant(value(doc, "IssueDateTime", "DateTimeString")
                                 or value(doc, "IssueDateTime"),
                                 "SPSExchangedDocument/IssueDateTime"),
        "status": status,
        "hs_codes": hs_codes,
        "quantity": net if net is not None else gross,
        "quantity_unit": "KGM" if (net is not None or gross is not None) else None,
    })
    consignment = b.node("Consignment", ("ephyto", export_country or "", number), {
        "reference": number,
        "reference_type": "EPHYTO",
        "hs_codes": hs_codes,
        "goods_description": _names(lines),
        "origin": next((country(value(line, "OriginSPSCountry", "ID"), "OriginSPSCountry/ID")
                        for line in lines if value(line, "OriginSPSCountry", "ID")), None),
        "destination": import_country,
        "gross_mass_kg": gross,
    })
    b.edge("COVERED_BY", consignment, lpco)
    consignor = _party(b, child(shipment, "ConsignorSPSParty"), export_country, "ConsignorSPSParty")
    if consignor is not None:
        b.edge("EXPORTER_OF", consignor, consignment)
        b.edge("ISSUED_TO", lpco, consignor)
    consignee = _party(b, child(shipment, "ConsigneeSPSParty"), import_country, "ConsigneeSPSParty")
    if consignee is not None:
        b.edge("IMPORTER_OF", consignee, consignment)
    _transport(b, shipment, consignment)
    return b.parsed(number, record.position)


def _party(b: DraftBuilder, node: Element | None, default_country: str | None, role: str
           ) -> str | None:
    if node is None:
        return None
    address_node = child(node, "SpecifiedSPSAddress")
    address = None
    party_country = default_country
    if address_node is not None:
        lines = tuple(t for t in (value(address_node, n) for n in ADDRESS_LINES) if t)
        party_country = country(value(address_node, "CountryID"),
                                f"{role}/SpecifiedSPSAddress/CountryID") or default_country
        address = Address(lines, value(address_node, "CityName"),
                          value(address_node, "PostcodeCode"), party_country)
    raw_id = value(node, "ID")
    for code in children(node, "TypeCode"):
        if raw_id is None and "registration" in (code.get("listName") or "").lower():
            raw_id = text(code.text)
    tax = None
    if raw_id is not None and party_country is not None:
        tax = registration_number(party_country, raw_id, f"{role} registration number")
    return add_operator(b, Party(value(node, "Name"), party_country, tax=tax, address=address))


def _hs_codes(lines: list[Element]) -> list[str]:
    codes: list[str] = []
    for line in lines:
        for cls in children(line, "ApplicableSPSClassification"):
            if (value(cls, "SystemName") or "").upper() != "HS":
                continue
            code = hs_code(value(cls, "ClassCode"), "ApplicableSPSClassification/ClassCode (HS)")
            if code and code not in codes:
                codes.append(code)
    return codes


def _total(lines: list[Element], measure: str) -> float | None:
    amounts: list[float] = []
    for line in lines:
        node = child(line, measure)
        if node is not None:
            amount = mass_kg(node.text, node.get("unitCode"), measure)
            if amount is not None:
                amounts.append(amount)
    return round(sum(amounts), 3) if amounts else None


def _names(lines: list[Element]) -> str | None:
    names: list[str] = []
    for line in lines:
        name = value(line, "ScientificName") or value(line, "CommonName")
        if name and name not in names:
            names.append(name)
    return "; ".join(names) or None


def _transport(b: DraftBuilder, shipment: Element, consignment: str) -> None:
    for movement in children(shipment, "MainCarriageSPSTransportMovement"):
        mode = value(movement, "ModeCode") or ""
        if mode == "3":
            found = plates(value(movement, "ID"), "MainCarriageSPSTransportMovement/ID")
            for index, road_plate in enumerate(found[:2]):
                vehicle = add_vehicle(b, road_plate, None, "tractor" if index == 0 else "trailer")
                b.edge("TRANSPORTED_BY", consignment, vehicle)
            continue
        name = plate(value(movement, "UsedSPSTransportMeans", "Name"),
                     "UsedSPSTransportMeans/Name", longest=35)
        if name is not None and mode in MODE_KINDS:
            b.edge("TRANSPORTED_BY", consignment, add_vehicle(b, name, None, MODE_KINDS[mode]))
    for equipment in children(shipment, "UtilizedSPSTransportEquipment"):
        ident = plate(value(equipment, "ID"), "UtilizedSPSTransportEquipment/ID")
        if ident is not None:
            b.edge("TRANSPORTED_BY", consignment, add_vehicle(b, ident, None, "container"))
