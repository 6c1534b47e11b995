"""The streaming XML splitter: records cut by expat's offsets and built by lxml, in any chunking,
any declared encoding, with attachments dropped as they stream and bad input named precisely."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from hub.ingest.xmlstream import BrokenXmlError, UnreadableRecord, XmlRecord, XmlRecords

# Namespaces declared on ancestors and redeclared, a default namespace undeclared, comments,
# processing instructions and CDATA inside values, ">" and "/>" inside attribute values,
# empty records, a multi-line start tag and a nested element with the record's name.
DOCUMENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- an envelope --><env:Batch xmlns:env="urn:env" xmlns="urn:dec"
    xmlns:p1="urn:p1">
  <Declaration id="1&gt;0" note="a/>b"><ID>A<!-- c -->B<?pi x?>C</ID>
    <p1:Value><![CDATA[<raw> & text]]></p1:Value></Declaration>
  <Declaration
      id="2"/>
  <env:Declaration xmlns:p1="urn:other"><p1:Value>x</p1:Value>
    <Declaration><ID>inner</ID></Declaration></env:Declaration>
  <Wrapper xmlns=""><Declaration><ID>no namespace</ID></Declaration></Wrapper>
</env:Batch>"""


def _records(data: bytes, record: str = "Declaration", chunk_size: int = 64 * 1024,
             skip: object = None) -> list[XmlRecord | UnreadableRecord]:
    return list(XmlRecords(io.BytesIO(data), record, skip,  # type: ignore[arg-type]
                           chunk_size=chunk_size))


def _shape(records: list[XmlRecord | UnreadableRecord]) -> list[tuple[object, ...]]:
    return [(etree.tostring(r.element, method="c14n"), r.position) for r in records
            if isinstance(r, XmlRecord)]


def test_records_keep_their_namespaces_text_and_lines() -> None:
    records = _records(DOCUMENT)
    assert [r.position for r in records] == [
        "line 4 (<Declaration> #1)", "line 6 (<Declaration> #2)",
        "line 8 (<Declaration> #3)", "line 10 (<Declaration> #4)"]
    first, second, third, fourth = (r.element for r in records if isinstance(r, XmlRecord))
    assert first.nsmap == {"env": "urn:env", None: "urn:dec", "p1": "urn:p1"}
    assert (first.get("id"), first.get("note")) == ("1>0", "a/>b")
    assert first.findtext("{urn:dec}ID") == "ABC"  # comments and PIs dropped, text joined
    assert first.findtext("{urn:p1}Value") == "<raw> & text"
    assert second.get("id") == "2"
    assert len(second) == 0
    assert third.tag == "{urn:env}Declaration"
    assert third.find("{urn:other}Value") is not None  # the record's own declaration wins
    assert third.findtext("{urn:dec}Declaration/{urn:dec}ID") == "inner"  # part of the record
    assert fourth.tag == "Declaration"
    assert first.getparent() is None


@pytest.mark.parametrize("chunk_size", [1, 2, 7, 64, 1000])
def test_the_chunk_size_changes_nothing(chunk_size: int) -> None:
    assert _shape(_records(DOCUMENT, chunk_size=chunk_size)) == _shape(_records(DOCUMENT))


def test_a_record_source_is_its_own_text_with_inherited_namespaces() -> None:
    (first, *_) = _records(DOCUMENT)
    assert first.text.startswith(
        '<Declaration xmlns:env="urn:env" xmlns="urn:dec" xmlns:p1="urn:p1" id="1&gt;0"')
    assert first.text.endswith("</Declaration>")
    assert "<!-- c -->" in first.text


@pytest.mark.parametrize("chunk_size", [1, 5, 64 * 1024])
def test_skipped_content_streams_away_and_the_element_says_how_much(chunk_size: int) -> None:
    data = (b'<r><Declaration><Att type="pdf" note="x>y">QUJD<![CDATA[<<>>]]>\nREVG</Att>'
            b'<Att/><Att a="1"></Att  ><ID>1</ID></Declaration></r>')
    (record,) = _records(data, chunk_size=chunk_size, skip=lambda name: name == "Att")
    assert isinstance(record, XmlRecord)
    atts = record.element.findall("Att")
    assert [a.attrib for a in atts] == [
        {"type": "pdf", "note": "x>y", "skipped_chars": "13"},
        {"skipped_chars": "0"}, {"a": "1", "skipped_chars": "0"}]
    assert all(a.text is None and len(a) == 0 for a in atts)
    assert record.element.findtext("ID") == "1"
    assert "QUJD" not in record.text


def test_a_record_beyond_the_tree_limits_is_unreadable_and_the_next_one_is_read() -> None:
    deep = b"<x>" * 300 + b"</x>" * 300
    data = b"<r>\n<Declaration>" + deep + b"</Declaration>\n<Declaration>ok</Declaration></r>"
    unreadable, good = _records(data)
    assert isinstance(unreadable, UnreadableRecord)
    assert unreadable.position == "line 2 (<Declaration> #1)"
    assert "depth" in unreadable.reason
    assert "XML_PARSE_HUGE" not in unreadable.reason
    assert isinstance(good, XmlRecord)
    assert good.element.text == "ok"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "cp1250", "latin-1"])
def test_declared_encodings_give_the_same_records(codec: str) -> None:
    text = DOCUMENT.decode().replace("A<!--", "Ž<!--" if codec != "latin-1" else "é<!--")
    declared = {"cp1250": "windows-1250", "latin-1": "ISO-8859-1"}.get(codec, "UTF-16")
    encoded = text.replace('encoding="UTF-8"', f'encoding="{declared}"').encode(codec)
    assert _shape(_records(encoded, chunk_size=7)) == _shape(_records(text.encode()))


def test_bytes_invalid_in_the_declared_encoding_break_the_stream_after_the_good_records() -> None:
    data = ('<?xml version="1.0" encoding="windows-1250"?>\n<r><Declaration>Š</Declaration>\n'
            "<Declaration>x").encode("cp1250") + b"\x81</Declaration></r>"
    records = XmlRecords(io.BytesIO(data), "Declaration")
    seen = []
    with pytest.raises(BrokenXmlError, match="81 at offset 92 are not valid cp1250") as broken:
        seen.extend(records)
    assert [r.position for r in seen] == ["line 2 (<Declaration> #1)"]
    assert broken.value.line == 3


def test_an_unknown_encoding_is_named() -> None:
    with pytest.raises(BrokenXmlError, match="declares encoding 'x-klingon', which is unknown"):
        _records(b'<?xml version="1.0" encoding="x-klingon"?><r/>')


def test_a_break_mid_chunk_keeps_the_records_before_it() -> None:
    records = XmlRecords(io.BytesIO(b"<r><Declaration>1</Declaration><Declaration>2</Q></r>"),
                         "Declaration")
    seen = []
    with pytest.raises(BrokenXmlError, match="mismatched tag") as broken:
        seen.extend(records)
    assert [r.position for r in seen] == ["line 1 (<Declaration> #1)"]
    assert (broken.value.line, broken.value.column) == (1, 48)  # at the Q of </Q>


def test_documents_with_a_dtd_are_refused_before_any_entity_is_read() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r><Declaration>&b;</Declaration></r>')
    with pytest.raises(BrokenXmlError, match="DOCTYPE declarations are not accepted"):
        _records(bomb)
    with pytest.raises(BrokenXmlError, match="undefined entity"):
        _records(b"<r><Declaration>&b;</Declaration></r>")
