"""AEO registers (CSV, one authorisation per row) as graph records.

The first row names the columns (any order, case and spacing; ``,`` ``;`` or tab separated):

    holder_name, tax_id, tax_scheme, aeo_type (AEOC | AEOS | AEOF), status (valid | suspended |
    revoked | expired), valid_from, issuing_party, authorisation_number   -- required
    valid_until, holder_country (default: issuing_party), eori            -- optional

Dates are YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY. Each row becomes an AeoAuthorisation (key: the
authorisation number), its holder Operator (key: country, tax scheme, tax id; the tax id is
validated for the holder's country) and Operator -HOLDS-> AeoAuthorisation.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from connectors.entities import DraftBuilder, Party, add_operator
from connectors.values import country, day, eori, tax_id, text
from hub.errors import InputError
from hub.ingest.connector import Parsed, Rejected

REQUIRED = ("holder_name", "tax_id", "tax_scheme", "aeo_type", "status", "valid_from",
            "issuing_party", "authorisation_number")
OPTIONAL = ("valid_until", "holder_country", "eori")
AEO_TYPES = ("AEOC", "AEOS", "AEOF")
STATUSES = {"valid": "valid", "active": "valid", "suspended": "suspended",
            "revoked": "revoked", "withdrawn": "revoked", "annulled": "revoked",
            "expired": "expired"}
DATES = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


class AeoRegisterConnector:
    """AEO register CSV files, streamed row by row."""

    name: str = "aeo-register"
    suffixes: tuple[str, ...] = (".csv",)
    fragment_suffix: str = ".csv"

    def parse(self, stream: BinaryIO, origin: str) -> Iterator[Parsed | Rejected]:
        lines = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
        try:
            yield from self._rows(lines, origin)
        finally:
            lines.detach()  # the caller owns the stream: do not close it with the wrapper

    def _rows(self, lines: io.TextIOWrapper, origin: str) -> Iterator[Parsed | Rejected]:
        header_line = lines.readline()
        if not header_line.strip():
            yield Rejected(origin, "line 1", "the file is empty; the first row must name the "
                           f"columns ({', '.join(REQUIRED)})")
            return
        delimiter = max((",", ";", "\t"), key=header_line.count)
        header = [_column(c) for c in next(csv.reader([header_line], delimiter=delimiter))]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            yield Rejected(origin, "line 1",
                           f"missing column(s) {', '.join(missing)}; the header has "
                           f"{', '.join(header)}", header_line)
            return
        reader = csv.reader(lines, delimiter=delimiter)
        end = 1
        for row in reader:
            start, end = end + 1, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            position = f"line {start}"
            raw = _row_text(header, row, delimiter)
            if len(row) != len(header):
                yield Rejected(origin, position, f"the row has {len(row)} fields, the header "
                               f"{len(header)}", raw)
                continue
            record = dict(zip(header, row, strict=True))
            try:
                yield _authorisation(record, position, raw)
            except InputError as exc:
                yield Rejected(origin, position, exc.message, raw,
                               text(record.get("authorisation_number")))


def _column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _row_text(header: list[str], row: list[str], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(row)
    return out.getvalue()


def _authorisation(record: dict[str, str], position: str, raw: str) -> Parsed:
    blank = [c for c in REQUIRED if not (record.get(c) or "").strip()]
    if blank:
        raise InputError(f"empty required field(s) {', '.join(blank)}")
    number = " ".join(record["authorisation_number"].split()).upper()
    aeo_type = re.sub(r"[^A-Z]", "", record["aeo_type"].upper())
    if aeo_type not in AEO_TYPES:
        raise InputError(f"aeo_type {record['aeo_type']!r} is not one of {', '.join(AEO_TYPES)}")
    status = STATUSES.get(record["status"].strip().lower())
    if status is None:
        raise InputError(f"status {record['status']!r} is not one of valid, suspended, revoked, "
                         "expired")
    issuing = country(record["issuing_party"], "issuing_party")
    holder_country = country(record.get("holder_country"), "holder_country") or issuing
    assert issuing is not None
    assert holder_country is not None
    valid_from = day(record["valid_from"], "valid_from", DATES)
    valid_until = day(record.get("valid_until"), "valid_until", DATES)
    if valid_from and valid_until and valid_until < valid_from:
        raise InputError(f"valid_until {valid_until} is before valid_from {valid_from}")
    holder = Party(
        name=" ".join(record["holder_name"].split()),
        country=holder_country,
        tax=tax_id(holder_country, record["tax_id"], "tax_id", record["tax_scheme"]),
        eori=eori(record.get("eori"), "eori"),
    )
    b = DraftBuilder()
    authorisation = b.node("AeoAuthorisation", (number,), {
        "number": number, "aeo_type": aeo_type, "status": status, "issuing_party": issuing,
        "valid_from": valid_from, "valid_until": valid_until,
    })
    operator = add_operator(b, holder)
    assert operator is not None
    b.edge("HOLDS", operator, authorisation)
    return b.parsed(number, position, raw)
