"""XML helpers for the connectors: navigation by local name, and the record loop they share.

Inside a record, elements are found by local name, whatever their namespace prefix: profiles of
one standard put the same element in different namespaces (WCO's ``p1:DateTimeString``,
UN/CEFACT's versioned aggregates). The record element's own namespace is checked once, up front.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import BinaryIO, TypeAlias

from lxml import etree

from hub.errors import InputError
from hub.ingest.connector import Parsed, Rejected
from hub.ingest.xmlstream import (
    BrokenXmlError,
    UnreadableRecord,
    XmlRecord,
    XmlRecords,
    namespace,
)

Element: TypeAlias = etree._Element


def children(parent: Element | None, name: str) -> list[Element]:
    """The child elements of ``parent`` with local name ``name``."""
    if parent is None:
        return []
    # "{*}name" matches the local name in any namespace (or none), inside lxml's own loop.
    return list(parent.iterchildren("{*}" + name))


def child(parent: Element | None, *path: str) -> Element | None:
    """The first element along ``path`` (local names), or ``None``."""
    node = parent
    for name in path:
        if node is None:
            return None
        node = next(node.iterchildren("{*}" + name), None)
    return node


def value(parent: Element | None, *path: str) -> str | None:
    """The stripped text of the first element along ``path``; ``None`` when absent or blank."""
    node = child(parent, *path)
    if node is None or node.text is None:
        return None
    text = " ".join(node.text.split())
    return text or None


def descendants(parent: Element, name: str) -> Iterator[Element]:
    """Every element below ``parent`` with local name ``name``, in document order."""
    found: Iterator[Element] = parent.iterdescendants("{*}" + name)
    return found


def parse_records(
    stream: BinaryIO,
    origin: str,
    *,
    record: str,
    accepts: Callable[[str], bool],
    expected: str,
    build: Callable[[XmlRecord], Parsed],
    skip: Callable[[str], bool] | None = None,
) -> Iterator[Parsed | Rejected]:
    """The loop every XML connector runs: one Parsed or Rejected per ``record`` element.

    ``accepts`` checks the record element's namespace (``expected`` describes it for messages);
    ``build`` maps one record and raises InputError for bad content. Each result carries the
    record's source text as its fragment. A record beyond the parser's limits is rejected
    alone; a stream that breaks mid-way ends with a Rejected naming the line and column, after
    the records completed before it; the one in progress is dropped.
    """
    records = XmlRecords(stream, record, skip)
    try:
        for item in records:
            raw = item.text
            if isinstance(item, UnreadableRecord):
                yield Rejected(origin, item.position,
                               f"<{record}> could not be read: {item.reason}", raw)
                continue
            uri = namespace(item.element.tag)
            if not accepts(uri):
                shown = repr(uri) if uri else "no namespace"
                yield Rejected(origin, item.position,
                               f"<{record}> is in {shown}; expected {expected}", raw)
                continue
            try:
                yield replace(build(item), fragment=raw)
            except InputError as exc:
                yield Rejected(origin, item.position, exc.message, raw)
    except BrokenXmlError as exc:
        yield Rejected(
            origin, f"line {exc.line}, column {exc.column}",
            f"the XML is broken at line {exc.line}, column {exc.column} ({exc.reason}); "
            f"{records.count} complete <{record}> record(s) before it were read, the rest of "
            "the file was not",
        )
        return
    if records.count == 0:
        yield Rejected(
            origin, "line 1",
            f"no <{record}> element found (the document element is <{records.root}>); "
            f"expected {expected}",
        )
