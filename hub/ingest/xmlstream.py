"""Streaming XML: split a document into record elements without loading the file or attachments.

expat reads the stream chunk by chunk and is the judge of well-formedness: its line and column
name the spot where a document breaks, and documents with a DOCTYPE are refused (no exchange
format here uses DTDs, and refusing them rules out entity expansion attacks). Its callbacks only
note where each record starts and ends (see :mod:`hub.ingest.xmlcut`); lxml then parses each
record's own bytes in C. Building the tree from Python callbacks, one or more per XML event,
cost more than all the rest of a WCO declaration's ingest.

Elements a connector skips (base64 attachments) lose their content as it streams: it is never
held whole, and expat, not libxml2, reads it, so no text node limit applies. We do not use
``lxml.iterparse`` for the whole stream because it materialises every text node in full (and
libxml2 refuses text nodes over 10 MB). Within a record, libxml2's limits do apply: a record
nested deeper than 256 levels or with a text node over 10 MB comes out as an
:class:`UnreadableRecord`, and the stream goes on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.parsers import expat

from lxml import etree

from hub.errors import InputError
from hub.ingest.xmlcut import Cut, Splitter
from hub.ingest.xmlencoding import EncodingError, Utf8Chunks

CHUNK = 64 * 1024

# libxml2 ends its messages with a position in the record and may suggest XML_PARSE_HUGE, a
# switch that is not the reader's to flip.
_NOISE = re.compile(r",? (?:use|try) XML_PARSE_HUGE(?: option)?|, line \d+, column \d+$")


class BrokenXmlError(InputError):
    """The stream stops being well-formed XML at ``line``:``column``; ``reason`` says why."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        super().__init__(f"the XML is broken at line {line}, column {column}: {reason}")
        self.line = line
        self.column = column
        self.reason = reason


@dataclass(frozen=True, slots=True)
class XmlRecord:
    """One record element: its tree, its source (UTF-8, with the namespaces it inherits declared
    on its start tag), the line its start tag is on, and its 1-based index."""

    element: etree._Element
    source: bytes
    line: int
    index: int

    @property
    def position(self) -> str:
        return f"line {self.line} (<{etree.QName(self.element).localname}> #{self.index})"

    @property
    def text(self) -> str:
        return self.source.decode("utf-8")


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    """A well-formed record element that lxml refused to build (``reason`` says why)."""

    name: str
    source: bytes
    line: int
    index: int
    reason: str

    @property
    def position(self) -> str:
        return f"line {self.line} (<{self.name}> #{self.index})"

    @property
    def text(self) -> str:
        return self.source.decode("utf-8")


@functools.lru_cache(maxsize=4096)  # a format has few distinct tags; parsers ask constantly
def local(tag: str) -> str:
    """The local part of a Clark-notation tag ``{uri}name``."""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    """The namespace URI of a Clark-notation tag ('' when it has none)."""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


class XmlRecords:
    """Iterates the elements named ``record`` (local name, any namespace, any depth) of a stream.

    Records do not nest: inside a record, an element with the same name is part of it. Text of
    elements whose local name ``skip`` accepts is discarded as it streams; the element stays,
    empty, with a ``skipped_chars`` attribute. After iteration, ``root`` is the document
    element's tag (Clark notation) and ``count`` the number of records seen.

    Iteration yields an :class:`XmlRecord` per record, or an :class:`UnreadableRecord` for one
    beyond libxml2's limits. It raises :class:`BrokenXmlError` when the stream stops being
    well-formed XML (or valid in its declared encoding); records completed before the break
    have been yielded already.
    """

    def __init__(self, stream: BinaryIO, record: str,
                 skip: Callable[[str], bool] | None = None, chunk_size: int = CHUNK) -> None:
        self._stream = stream
        self._record = record
        self._skip = skip
        self._chunk_size = chunk_size
        self._splitter: Splitter | None = None

    @property
    def root(self) -> str | None:
        return self._splitter.root if self._splitter else None

    @property
    def count(self) -> int:
        return self._splitter.count if self._splitter else 0

    def __iter__(self) -> Iterator[XmlRecord | UnreadableRecord]:
        chunks = Utf8Chunks(self._stream, self._chunk_size)
        parser = expat.ParserCreate(chunks.parser_encoding, namespace_separator="}")
        parser.namespace_prefixes = True
        parser.buffer_text = True
        parser.buffer_size = self._chunk_size
        parser.StartDoctypeDeclHandler = _refuse_doctype(parser)
        splitter = self._splitter = Splitter(parser, self._record, self._skip)
        # libxml2's default limits stay on (no huge_tree); a DTD never gets this far.
        builder = etree.XMLParser(encoding="utf-8", resolve_entities=False, no_network=True,
                                  load_dtd=False, remove_comments=True, remove_pis=True)
        reading = iter(chunks)
        try:
            while True:
                try:
                    chunk = next(reading, b"")
                    splitter.feed(chunk)
                    parser.Parse(chunk, not chunk)
                except expat.ExpatError as exc:
                    yield from _built(splitter.take(), builder)
                    reason = expat.ErrorString(exc.code)
                    raise BrokenXmlError(exc.lineno, exc.offset + 1, reason) from None
                except EncodingError as exc:
                    yield from _built(splitter.take(), builder)
                    raise BrokenXmlError(parser.CurrentLineNumber,
                                         parser.CurrentColumnNumber + 1, exc.reason) from None
                splitter.parsed()
                yield from _built(splitter.take(), builder)
                if not chunk:
                    break
        finally:
            splitter.detach()  # the parser and its handlers refer to each other
            parser.StartDoctypeDeclHandler = None
        if self.root is None:
            raise BrokenXmlError(1, 1, "the input holds no XML element")


def _built(cuts: list[Cut], builder: etree.XMLParser) -> Iterator[XmlRecord | UnreadableRecord]:
    for cut in cuts:
        try:
            element = etree.fromstring(cut.source, builder)
        except etree.XMLSyntaxError as exc:
            # libxml2 counts lines from the record's start tag; the reader wants the file's.
            line = cut.line + (exc.lineno or 1) - 1
            reason = f"{_NOISE.sub('', str(exc.msg))} (line {line})"
            yield UnreadableRecord(cut.name, cut.source, cut.line, cut.index, reason)
            continue
        yield XmlRecord(element, cut.source, cut.line, cut.index)


def _refuse_doctype(parser: expat.XMLParserType) -> Callable[..., None]:
    def refuse(*_: object) -> None:
        raise BrokenXmlError(
            parser.CurrentLineNumber, parser.CurrentColumnNumber + 1,
            "DOCTYPE declarations are not accepted (no supported format uses a DTD)")

    return refuse
