"""Connectors on real sample files (golden outputs) and on bad inputs (precise rejections).

The golden files in tests/golden/<connector>/ were generated from the connectors and reviewed
by eye against the samples. After a deliberate mapping change, regenerate them with
``python -m tests.test_connectors --regenerate`` and review the diff before committing.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from connectors import CONNECTORS, connector
from connectors.values import iso_instant, plate, plates, tax_id
from hub.errors import InputError
from hub.ingest.connector import Parsed, Rejected

GOLDEN = Path(__file__).resolve().parent / "golden"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"

CASES: list[tuple[str, Path]] = [
    *(("wco-dec", p) for p in sorted((SAMPLES / "wco-dec").glob("*.xml"))),
    ("ephyto", SAMPLES / "ephyto" / "SPSCertificateContent.xml"),
    ("asycuda", SAMPLES / "asycuda" / "IM4-synthetic-1.xml"),
    ("seed-plus", GOLDEN / "inputs" / "seed-plus-messages.jsonl"),
    ("aeo-register", GOLDEN / "inputs" / "aeo-register.csv"),
]


def parse(name: str, path: Path) -> list[Parsed | Rejected]:
    with path.open("rb") as stream:
        return list(connector(name).parse(stream, path.name))


def render(name: str, path: Path) -> dict[str, Any]:
    """A connector's output as plain, sorted JSON (what the golden files hold)."""
    records: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for item in parse(name, path):
        if isinstance(item, Rejected):
            rejected.append({"position": item.position, "reason": item.reason,
                             "source_ref": item.source_ref})
            continue
        nodes = sorted(item.nodes, key=lambda n: (n.label, n.id))
        edges = sorted(item.edges, key=lambda e: (e.type, e.source_id, e.target_id))
        records.append({
            "source_ref": item.source_ref,
            "position": item.position,
            "nodes": [{"label": n.label, "id": n.id, "props": dict(n.props)} for n in nodes],
            "edges": [{"type": e.type, "source": e.source_id, "target": e.target_id,
                       "props": dict(e.props)} for e in edges],
        })
    return {"connector": name, "input": path.name, "records": records, "rejected": rejected}


def golden_path(name: str, path: Path) -> Path:
    return GOLDEN / name / f"{path.stem}.json"


@pytest.mark.parametrize(("name", "path"), CASES, ids=[f"{n}:{p.name}" for n, p in CASES])
def test_connector_output_matches_the_reviewed_golden_file(name: str, path: Path) -> None:
    expected = json.loads(golden_path(name, path).read_text(encoding="utf-8"))
    assert render(name, path) == expected


def test_every_connector_has_a_golden_case() -> None:
    assert {name for name, _ in CASES} == set(CONNECTORS)


# ---- what the golden files show, asserted where a reader looks for it --------------------------

def _only(items: list[Parsed | Rejected]) -> Parsed:
    assert len(items) == 1
    assert isinstance(items[0], Parsed)
    return items[0]


def _nodes(parsed: Parsed, label: str) -> list[dict[str, Any]]:
    return [dict(n.props) for n in parsed.nodes if n.label == label]


def test_asycuda_splits_plates_names_and_finds_the_phyto_certificates() -> None:
    parsed = _only(parse("asycuda", SAMPLES / "asycuda" / "IM4-synthetic-1.xml"))
    vehicles = {(v["plate"], v["vehicle_kind"]) for v in _nodes(parsed, "Vehicle")}
    assert vehicles == {("NS114KP", "tractor"), ("NSAB772", "trailer")}
    names = {o["name"] for o in _nodes(parsed, "Operator")}
    assert names == {"AGROPLOD EXPORT D.O.O.", "FRUTA E FRESKET SHPK", "DOGANA SERVIS SHPK"}
    addresses = {(a.get("postcode"), a.get("city")) for a in _nodes(parsed, "Address")}
    assert ("21000", "NOVI SAD") in addresses
    phyto = {d["number"] for d in _nodes(parsed, "Lpco") if d["lpco_type"] == "phyto_certificate"}
    assert phyto == {"RS-PC-2026-004417", "RS-PC-2026-004418"}
    (consignment,) = _nodes(parsed, "Consignment")
    assert consignment["declared_at"] == "2026-03-14"
    assert consignment["entry_office"] == "AL190000"


def test_asycuda_exports_in_a_legacy_code_page_are_read() -> None:
    sample = (SAMPLES / "asycuda" / "IM4-synthetic-1.xml").read_text(encoding="utf-8")
    legacy = sample.replace('encoding="UTF-8"', 'encoding="windows-1250"').replace(
        "AGROPLOD EXPORT D.O.O.", "AGROPLOD ŠABAC D.O.O.")
    items = list(connector("asycuda").parse(io.BytesIO(legacy.encode("cp1250")), "legacy.xml"))
    names = {o["name"] for o in _nodes(_only(items), "Operator")}
    assert "AGROPLOD ŠABAC D.O.O." in names


def test_ephyto_attachments_never_reach_the_records() -> None:
    parsed = _only(parse("ephyto", SAMPLES / "ephyto" / "SPSCertificateContent.xml"))
    blob = json.dumps([dict(n.props) for n in parsed.nodes], ensure_ascii=False)
    assert "JVBERi0" not in blob  # the base64 start of every PDF in the file
    assert max(len(str(v)) for n in parsed.nodes for v in n.props.values()) < 200
    assert parsed.fragment is not None
    assert len(parsed.fragment) < 25_000  # the file is 221 kB, nearly all attachments
    assert 'skipped_chars="102904"' in parsed.fragment


def test_a_huge_ephyto_attachment_streams_in_bounded_memory() -> None:
    sample = (SAMPLES / "ephyto" / "SPSCertificateContent.xml").read_bytes()
    head, _, tail = sample.partition(b'filename="TestGif.gif">')
    tail = tail[tail.index(b"</ns1:AttachmentBinaryObject>"):]
    attachment = b"QUJD" * (8 * 1024 * 1024)  # 32 MB of base64
    data = head + b'filename="big.pdf">' + attachment + tail
    tracemalloc.start()
    try:
        items = list(connector("ephyto").parse(io.BytesIO(data), "big.xml"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(items[0], Parsed)
    assert peak < 4 * 1024 * 1024  # the 32 MB attachment was never held
    assert f'skipped_chars="{len(attachment)}"' in (items[0].fragment or "")


def test_seed_plus_exit_and_entry_share_vehicles_and_operators() -> None:
    items = parse("seed-plus", GOLDEN / "inputs" / "seed-plus-messages.jsonl")
    exit_msg, entry_msg = items[0], items[1]
    assert isinstance(exit_msg, Parsed)
    assert isinstance(entry_msg, Parsed)
    def ids(parsed: Parsed, label: str) -> set[str]:
        return {n.id for n in parsed.nodes if n.label == label}

    assert ids(exit_msg, "Vehicle") == ids(entry_msg, "Vehicle")  # BG-123-AB == BG 123 AB
    assert ids(exit_msg, "Operator") == ids(entry_msg, "Operator")  # RS prefix, spelling
    assert ids(exit_msg, "Consignment") != ids(entry_msg, "Consignment")
    (exit_c,) = _nodes(exit_msg, "Consignment")
    assert exit_c["declared_at"] == "2026-03-14T07:15:00Z"
    assert exit_c["direction"] == "exit"


def test_the_same_operator_gets_the_same_node_across_formats() -> None:
    (aeo_al,) = [p for p in parse("aeo-register", GOLDEN / "inputs" / "aeo-register.csv")
                 if isinstance(p, Parsed) and p.source_ref == "AL-AEOS-2023-017"]
    declaration = _only(parse("asycuda", SAMPLES / "asycuda" / "IM4-synthetic-1.xml"))
    holder = {n.id for n in aeo_al.nodes if n.label == "Operator"}
    assert holder <= {n.id for n in declaration.nodes if n.label == "Operator"}


# ---- bad inputs -------------------------------------------------------------------------------

def _rejections(items: list[Parsed | Rejected]) -> list[Rejected]:
    return [i for i in items if isinstance(i, Rejected)]


def test_a_truncated_xml_keeps_the_declarations_before_the_break() -> None:
    items = parse("wco-dec", GOLDEN / "bad" / "wco-dec-broken-after-two.xml")
    assert [i.source_ref for i in items if isinstance(i, Parsed)] == ["RS-LRN-0001"]
    bad_country, broken = _rejections(items)
    assert bad_country.position == "line 38 (<Declaration> #2)"
    assert bad_country.reason == ("Exporter/Address/CountryCode: 'SRB' is not a two-letter "
                                  "country code (ISO 3166-1 alpha-2)")
    assert bad_country.fragment is not None
    assert "RS-LRN-0002" in bad_country.fragment
    assert broken.position == "line 53, column 46"
    assert "unclosed token" in broken.reason
    assert "2 complete <Declaration> record(s) before it were read" in broken.reason


def test_a_declaration_in_another_namespace_is_rejected() -> None:
    (rejected,) = parse("wco-dec", GOLDEN / "bad" / "wco-dec-wrong-namespace.xml")
    assert isinstance(rejected, Rejected)
    assert rejected.reason.startswith("<Declaration> is in 'urn:wco:datamodel:WCO:RES-DMS:2'; "
                                      "expected a WCO declaration in namespace "
                                      "'urn:wco:datamodel:WCO:DEC-DMS:2'")


def test_a_file_of_another_format_says_what_it_found() -> None:
    (rejected,) = parse("wco-dec", SAMPLES / "asycuda" / "IM4-synthetic-1.xml")
    assert isinstance(rejected, Rejected)
    assert "no <Declaration> element found (the document element is <ASYCUDA>)" in rejected.reason


def test_non_xml_input_is_a_syntax_rejection() -> None:
    (rejected,) = connector("ephyto").parse(io.BytesIO(b"holder_name,tax_id\n"), "x.csv")
    assert isinstance(rejected, Rejected)
    assert rejected.position == "line 1, column 1"
    assert "syntax error" in rejected.reason


def test_an_ephyto_with_a_bad_date_is_rejected() -> None:
    (rejected,) = parse("ephyto", GOLDEN / "bad" / "ephyto-bad-date.xml")
    assert isinstance(rejected, Rejected)
    assert rejected.position == "line 2 (<SPSCertificate> #1)"
    assert rejected.reason == ("SPSExchangedDocument/IssueDateTime: '22/04/2026 13:53' is not an "
                               "ISO 8601 date-time (e.g. 2026-03-14T08:15:00+01:00)")


def test_an_asycuda_declaration_with_an_invalid_tax_id_is_rejected() -> None:
    (rejected,) = parse("asycuda", GOLDEN / "bad" / "asycuda-invalid-nipt.xml")
    assert isinstance(rejected, Rejected)
    assert rejected.reason.startswith("Consignee_code: 'L9182736K' is not a valid AL NIPT")


def test_seed_plus_rejects_each_bad_line_with_every_problem() -> None:
    items = parse("seed-plus", GOLDEN / "bad" / "seed-plus-bad.jsonl")
    assert [i.source_ref for i in items if isinstance(i, Parsed)] == [
        "RS-SEED-2026-000900", "RS-SEED-2026-000903"]
    malformed, tax_and_date, many, not_object = _rejections(items)
    assert malformed.position == "line 2"
    assert malformed.reason == "not valid JSON at column 88: Expecting ',' delimiter"
    assert tax_and_date.source_ref == "RS-SEED-2026-000999"
    assert "consignor.tax_id: '101134703' is not a valid RS PIB" in tax_and_date.reason
    assert "declared_at: '2026-03-14T08:15:00' has no UTC offset" in tax_and_date.reason
    for problem in ("unknown field(s) driver", "message_type 'transit' is not one of exit, entry",
                    "document.type 'CMR' is not one of MRN, T1, TIR, EX",
                    "gross_weight_kg -5 must be a number",
                    "hs_codes[0] must be a string"):
        assert problem in many.reason
    assert not_object.reason == "a SEED+ message must be a JSON object, not list"


def test_seed_plus_accepts_a_json_array_and_stops_at_its_syntax_error() -> None:
    lines = (GOLDEN / "inputs" / "seed-plus-messages.jsonl").read_text(encoding="utf-8")
    messages = [json.loads(line) for line in lines.splitlines() if line.strip()]
    whole = json.dumps(messages, ensure_ascii=False, indent=2).encode()
    items = list(connector("seed-plus").parse(io.BytesIO(whole), "array.json"))
    assert [i.source_ref for i in items] == [m["message_id"] for m in messages]
    broken = whole[: whole.index(b'"ME-SEED') + 20]
    items = list(connector("seed-plus").parse(io.BytesIO(broken), "array.json"))
    assert [type(i).__name__ for i in items] == ["Parsed", "Parsed", "Rejected"]
    assert "is not valid JSON" in items[2].reason  # type: ignore[union-attr]


def test_an_aeo_register_without_required_columns_is_rejected_as_a_whole() -> None:
    (rejected,) = parse("aeo-register", GOLDEN / "bad" / "aeo-missing-columns.csv")
    assert isinstance(rejected, Rejected)
    assert rejected.position == "line 1"
    assert rejected.reason.startswith("missing column(s) status, valid_from;")


def test_aeo_register_rejects_bad_rows_by_line() -> None:
    items = parse("aeo-register", GOLDEN / "bad" / "aeo-bad-rows.csv")
    assert [i.source_ref for i in items if isinstance(i, Parsed)] == ["RSAEOC000200"]
    found = [(r.position, r.reason.split(";")[0].split(" (")[0]) for r in _rejections(items)]
    assert found == [
        ("line 3", "valid_from: '2022-02-30' is not a date written as YYYY-MM-DD or DD.MM.YYYY "
                   "or DD/MM/YYYY"),
        ("line 4", "tax_id: '101134703' is not a valid RS PIB"),
        ("line 5", "the row has 8 fields, the header 9"),
        ("line 6", "aeo_type 'AEOX' is not one of AEOC, AEOS, AEOF"),
        ("line 7", "tax_id: tax scheme 'EDB' is not the RS tax scheme"),
    ]


# ---- value normalisation ----------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "display", "key"), [
    ("NS114-KP", "NS114-KP", "NS114KP"),
    (" ns 114 kp ", "NS 114 KP", "NS114KP"),
    ("НС114-КП", "НС114-КП", "NS114KP"),  # Cyrillic look-alikes
])
def test_plates_keep_their_display_and_match_by_key(raw: str, display: str, key: str) -> None:
    found = plate(raw, "plate")
    assert found is not None
    assert (found.display, found.key) == (display, key)


def test_a_combination_plate_field_gives_tractor_and_trailer() -> None:
    assert [p.key for p in plates("NS114-KP / NS-AB-772", "Identity")] == ["NS114KP", "NSAB772"]


@pytest.mark.parametrize(("country", "raw", "scheme", "value"), [
    ("RS", "RS 101134702", "PIB", "101134702"),
    ("MK", "МК4030003475795", "EDB", "4030003475795"),
    ("AL", "al-L91827364K", "NIPT", "L91827364K"),
    ("ME", "02655284", "PIB", "02655284"),
    ("MD", "1008600038413", "IDNO", "1008600038413"),
    ("BA", "4200000000007", "JIB", "4200000000007"),
    ("DE", "DE 123/456", "TIN", "123456"),
])
def test_tax_ids_are_validated_and_compacted(country: str, raw: str, scheme: str,
                                             value: str) -> None:
    found = tax_id(country, raw, "tax_id")
    assert found is not None
    assert (found.scheme, found.value) == (scheme, value)


@pytest.mark.parametrize(("country", "raw", "message"), [
    ("RS", "101134703", "is not a valid RS PIB"),
    ("MK", "4030003475796", "is not a valid MK EDB"),
    ("BA", "42000000", "is not a BA JIB (wrong length)"),
])
def test_invalid_tax_ids_are_refused(country: str, raw: str, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        tax_id(country, raw, "tax_id")


def test_instants_are_stored_in_utc_and_naive_times_keep_only_their_date() -> None:
    assert iso_instant("2026-03-14T08:15:00+01:00", "t") == "2026-03-14T07:15:00Z"
    assert iso_instant("2023-10-04T07:49:49", "t") == "2023-10-04"
    with pytest.raises(InputError, match="has no UTC offset"):
        iso_instant("2023-10-04T07:49:49", "t", require_offset=True)


def regenerate() -> None:
    for name, path in CASES:
        target = golden_path(name, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(render(name, path), ensure_ascii=False, indent=1, sort_keys=True)
        target.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {target.relative_to(GOLDEN.parent.parent)}")


if __name__ == "__main__" and "--regenerate" in sys.argv:
    regenerate()
