"""ASYCUDA World SAD exports (``<ASYCUDA>`` documents, no namespace) as graph records.

Empty values appear as ``<null/>`` children and read as missing; dates are M/D/YY. The country
of the declaration is the prefix of the clearance office code (AL110000 -> AL).

    Identification  Registration office/year/serial/number -> Consignment.reference
        (reference_type ASYCUDA_REG; before registration: Declarant/Reference/Number,
        DECLARANT_REF); Type_of_declaration + Declaration_gen_procedure_code -> declaration_type;
        Sad_flow I/E/T -> direction; Registration/Date, else Date_of_declaration -> declared_at;
        Customs_clearance_office_code -> presentation_office
    Traders/Exporter -EXPORTER_OF->, Traders/Consignee -IMPORTER_OF->, Declarant -DECLARANT_OF->:
        the multi-line name text is split into the name (first line) and the address (postcode
        and city recognised); codes of domestic traders must be valid national tax ids, those
        of foreign traders are kept as registration numbers, a declarant code that is not a tax
        id is kept under scheme DECLARANT_CODE (customs-issued declarant numbers)
    Transport/Means_of_transport Identity "NS114-KP / NS-AB-772" + Nationality -> tractor and
        trailer Vehicles (road mode; other modes: one vessel, wagon or aircraft)
    Transport/Border_office/Code -> entry_office (imports) or exit_office (exports, transit)
    Item: HScode/Commodity_code -> hs_codes; Commercial_Description (else Description_of_goods)
        -> goods_description; Country_of_origin_code -> origin (first item);
        Attached_documents 851/852/853/861/911 and Licence_number -> Lpco -COVERED_BY->
    Valuation: Gross_weight -> gross_mass_kg; Gs_Invoice in EUR -> value_eur
"""

from __future__ import annotations

import re
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
    TaxId,
    country,
    day,
    hs_code,
    number,
    office,
    plate,
    plates,
    registration_number,
    tax_id,
    text,
)
from connectors.xmlpath import Element, child, children, parse_records, value
from hub.errors import InputError
from hub.ingest.connector import Parsed, Rejected
from hub.ingest.xmlstream import XmlRecord
from hub.reference import PARTY_BY_CODE

DATES = ("%m/%d/%y", "%m/%d/%Y")
FLOWS = {"I": "import", "E": "export", "T": "transit"}
LPCO_CODES = {"851": "phyto_certificate", "852": "sanitary_certificate",
              "853": "veterinary_certificate", "861": "origin_certificate",
              "911": "import_licence"}
MODE_KINDS = {"1": "vessel", "2": "wagon", "4": "aircraft", "8": "vessel"}
_POSTCODE_CITY = re.compile(r"^(\d{4,6})\s+(\S.*)$")


class AsycudaConnector:
    """ASYCUDA World SAD XML, one declaration per ``ASYCUDA`` element."""

    name: str = "asycuda"
    suffixes: tuple[str, ...] = (".xml",)
    fragment_suffix: str = ".xml"

    def parse(self, stream: BinaryIO, origin: str) -> Iterator[Parsed | Rejected]:
        return parse_records(
            stream, origin, record="ASYCUDA", accepts=lambda uri: uri == "",
            expected="an ASYCUDA World SAD document (no namespace)", build=_declaration,
        )


def _declaration(record: XmlRecord) -> Parsed:
    sad = record.element
    ident = child(sad, "Identification")
    clearance = office(value(ident, "Office_segment", "Customs_clearance_office_code"),
                       "Customs_clearance_office_code")
    if clearance is None:
        raise InputError("Identification/Office_segment/Customs_clearance_office_code is empty; "
                         "the declaring country cannot be told")
    home = clearance[:2]
    flow = (value(sad, "Property", "Sad_flow") or value(ident, "Type", "Type_of_declaration")
            or "")[:1].upper()
    direction = FLOWS.get(flow)
    declared = day(value(ident, "Registration", "Date")
                   or value(sad, "Property", "Date_of_declaration"), "Registration/Date", DATES)
    reference, reference_type = _reference(sad, clearance, declared)
    info = child(sad, "General_information")
    export_country = country(value(info, "Country", "Export", "Export_country_code"),
                             "Export_country_code")
    destination = country(value(info, "Country", "Destination", "Destination_country_code"),
                          "Destination_country_code")
    items = children(sad, "Item")
    border = office(value(sad, "Transport", "Border_office", "Code"), "Border_office/Code")

    b = DraftBuilder()
    consignment = b.node("Consignment", ("asycuda", reference_type, reference), {
        "reference": reference,
        "reference_type": reference_type,
        "declaration_type": (value(ident, "Type", "Type_of_declaration") or "")
        + (value(ident, "Type", "Declaration_gen_procedure_code") or "") or None,
        "direction": direction,
        "declared_at": declared,
        "presentation_office": clearance,
        "entry_office": border if direction == "import" else None,
        "exit_office": border if direction != "import" else None,
        "hs_codes": _hs_codes(items),
        "goods_description": _descriptions(items),
        "origin": next((country(value(i, "Goods_description", "Country_of_origin_code"),
                                "Country_of_origin_code")
                        for i in items if value(i, "Goods_description", "Country_of_origin_code")),
                       None),
        "destination": destination,
        "gross_mass_kg": number(value(sad, "Valuation", "Weight", "Gross_weight")
                                or value(sad, "Valuation", "Total", "Total_weight"),
                                "Valuation/Weight/Gross_weight"),
        "value_eur": _eur(child(sad, "Valuation")),
    })
    traders = child(sad, "Traders")
    exporter_country = export_country if direction == "import" else home
    consignee_country = home if direction == "import" else destination
    roles = (
        (child(traders, "Exporter"), "Exporter", exporter_country, "EXPORTER_OF"),
        (child(traders, "Consignee"), "Consignee", consignee_country, "IMPORTER_OF"),
        (child(sad, "Declarant"), "Declarant", home, "DECLARANT_OF"),
    )
    for node, role, party_country, rel in roles:
        operator = add_operator(b, _party(node, role, party_country, home))
        if operator is not None:
            b.edge(rel, operator, consignment)
    _transport(b, sad, consignment)
    _documents(b, items, consignment)
    return b.parsed(reference, record.position)


def _reference(sad: Element, clearance: str, declared: str | None) -> tuple[str, str]:
    registration = child(sad, "Identification", "Registration")
    serial, serial_number = value(registration, "Serial_number"), value(registration, "Number")
    if serial_number is not None:
        year = declared[:4] if declared else "----"
        return f"{clearance}/{year}/{serial or '-'}/{serial_number}", "ASYCUDA_REG"
    own = value(sad, "Declarant", "Reference", "Number")
    if own is not None:
        code = value(sad, "Declarant", "Declarant_code") or "-"
        return f"{code}/{own}", "DECLARANT_REF"
    raise InputError("the declaration has neither a registration number "
                     "(Identification/Registration/Number) nor a declarant reference "
                     "(Declarant/Reference/Number)")


def _party(node: Element | None, role: str, party_country: str | None, home: str) -> Party:
    if node is None:
        return Party()
    name_text = node.findtext(f"{role}_name")
    lines = [t for t in (text(line) for line in (name_text or "").splitlines()) if t]
    name = lines[0] if lines else None
    address = _address(lines[1:], party_country) if len(lines) > 1 else None
    raw_code = value(node, f"{role}_code")
    tax: TaxId | None = None
    if raw_code is not None and party_country is not None:
        if role == "Declarant":
            try:
                tax = tax_id(party_country, raw_code, f"{role}_code")
            except InputError:
                tax = TaxId(party_country, "DECLARANT_CODE", raw_code.replace(" ", "").upper())
        elif party_country == home:
            tax = tax_id(party_country, raw_code, f"{role}_code")
        else:
            tax = registration_number(party_country, raw_code, f"{role}_code")
    return Party(name, party_country, tax=tax, address=address)


def _address(lines: list[str], party_country: str | None) -> Address:
    known = PARTY_BY_CODE.get(party_country or "")
    if known is not None and lines and lines[-1].casefold() == known.name.casefold():
        lines = lines[:-1]  # the country written out as the last line
    postcode = city = None
    for index, line in enumerate(lines):
        match = _POSTCODE_CITY.match(line)
        if match:
            postcode, city = match.group(1), match.group(2)
            lines = lines[:index] + lines[index + 1:]
            break
    else:
        if len(lines) > 1 and not any(ch.isdigit() for ch in lines[-1]):
            city, lines = lines[-1], lines[:-1]
    return Address(tuple(lines), city, postcode, party_country)


def _hs_codes(items: list[Element]) -> list[str]:
    codes: list[str] = []
    for item in items:
        code = hs_code(value(item, "Tarification", "HScode", "Commodity_code"), "Commodity_code")
        if code and code not in codes:
            codes.append(code)
    return codes


def _descriptions(items: list[Element]) -> str | None:
    seen: list[str] = []
    for item in items:
        desc = (value(item, "Goods_description", "Commercial_Description")
                or value(item, "Goods_description", "Description_of_goods"))
        if desc and desc not in seen:
            seen.append(desc)
    return "; ".join(seen) or None


def _eur(valuation: Element | None) -> float | None:
    invoice = child(valuation, "Gs_Invoice")
    if (value(invoice, "Currency_code") or "").upper() != "EUR":
        return None
    return number(value(invoice, "Amount_foreign_currency"), "Gs_Invoice/Amount_foreign_currency")


def _transport(b: DraftBuilder, sad: Element, consignment: str) -> None:
    means = child(sad, "Transport", "Means_of_transport")
    mode = (value(means, "Border_information", "Mode")
            or value(means, "Inland_mode_of_transport") or "3")[:1]
    for part in ("Border_information", "Departure_arrival_information"):
        identity = value(means, part, "Identity")
        nationality = country(value(means, part, "Nationality"), f"{part}/Nationality")
        if mode == "3":
            for index, road_plate in enumerate(plates(identity, f"{part}/Identity")[:2]):
                kind = "tractor" if index == 0 else "trailer"
                b.edge("TRANSPORTED_BY", consignment,
                       add_vehicle(b, road_plate, nationality, kind))
        else:
            ident = plate(identity, f"{part}/Identity", longest=35)
            if ident is not None:
                b.edge("TRANSPORTED_BY", consignment,
                       add_vehicle(b, ident, nationality, MODE_KINDS.get(mode, "vehicle")))


def _documents(b: DraftBuilder, items: list[Element], consignment: str) -> None:
    for item in items:
        for doc in children(item, "Attached_documents"):
            lpco_type = LPCO_CODES.get(value(doc, "Attached_document_code") or "")
            reference = value(doc, "Attached_document_reference")
            if lpco_type is None or reference is None:
                continue
            issued = day(value(doc, "Attached_document_date"), "Attached_document_date", DATES)
            b.edge("COVERED_BY", consignment,
                   add_document(b, lpco_type, reference, {"issued_at": issued}))
        licence = value(item, "Licence_number")
        if licence is not None:
            b.edge("COVERED_BY", consignment, add_document(b, "licence", licence))
