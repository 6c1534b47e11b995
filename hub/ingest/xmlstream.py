"""Streaming XML: split a document into record elements without loading the file or attachments.

expat tokenises the stream chunk by chunk and hands character data over in bounded pieces, so the
text of a "skipped" element (a base64 attachment) is dropped as it streams and never held whole.
lxml's ``TreeBuilder`` builds one element per record — only while inside a record, and each one
is released once yielded — so connectors get the usual lxml API. We use expat rather than
``lxml.iterparse`` because iterparse materialises every text node in full (and libxml2 refuses
text nodes over 10 MB), which would load whole attachments, and because expat gives line numbers
for every record. Documents with a DOCTYPE are refused: no exchange format here uses DTDs, and
refusing them rules out entity expansion attacks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.parsers import expat

from lxml import etree

from hub.errors import InputError

CHUNK = 64 * 1024


class BrokenXmlError(InputError):
    """The stream stops being well-formed XML at ``line``:``column``; ``reason`` says why."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        super().__init__(f"the XML is broken at line {line}, column {column}: {reason}")
        self.line = line
        self.column = column
        self.reason = reason


@dataclass(frozen=True, slots=True)
class XmlRecord:
    """One record element: its tree, the line its start tag is on, and its 1-based index."""

    element: etree._Element
    line: int
    index: int

    @property
    def position(self) -> str:
        return f"line {self.line} (<{etree.QName(self.element).localname}> #{self.index})"


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

    Iteration raises :class:`BrokenXmlError` when the stream stops being well-formed XML; records
    completed before the break have been yielded already.
    """

    def __init__(self, stream: BinaryIO, record: str,
                 skip: Callable[[str], bool] | None = None, chunk_size: int = CHUNK) -> None:
        self._stream = stream
        self._record = record
        self._skip = skip
        self._chunk_size = chunk_size
        self.root: str | None = None
        self.count = 0

    def __iter__(self) -> Iterator[XmlRecord]:
        parser = expat.ParserCreate(namespace_separator="}")
        parser.namespace_prefixes = True
        parser.buffer_text = True
        parser.buffer_size = self._chunk_size
        state = _State(self, parser)
        parser.StartElementHandler = state.start
        parser.EndElementHandler = state.end
        parser.CharacterDataHandler = state.data
        parser.StartNamespaceDeclHandler = state.namespace
        parser.StartDoctypeDeclHandler = state.doctype
        while True:
            chunk = self._stream.read(self._chunk_size)
            try:
                parser.Parse(chunk, not chunk)
            except expat.ExpatError as exc:
                reason = expat.ErrorString(exc.code)
                raise BrokenXmlError(exc.lineno, exc.offset + 1, reason) from None
            yield from state.take()
            if not chunk:
                break
        if self.root is None:
            raise BrokenXmlError(1, 1, "the input holds no XML element")


class _State:
    """expat callbacks: track namespaces, build the current record, queue finished ones."""

    def __init__(self, owner: XmlRecords, parser: expat.XMLParserType) -> None:
        self._owner = owner
        self._parser = parser
        self._scopes: list[dict[str, str]] = [{}]
        self._pending_ns: dict[str, str] = {}
        self._builder: etree.TreeBuilder | None = None
        self._depth = 0  # depth inside the current record (0: not in a record)
        self._skipping = 0  # depth inside a skipped element
        self._skipped_chars = 0
        self._line = 0
        self._ready: list[XmlRecord] = []

    def take(self) -> list[XmlRecord]:
        ready, self._ready = self._ready, []
        return ready

    def doctype(self, *_: object) -> None:
        raise BrokenXmlError(self._parser.CurrentLineNumber, self._parser.CurrentColumnNumber + 1,
                       "DOCTYPE declarations are not accepted (no supported format uses a DTD)")

    def namespace(self, prefix: str | None, uri: str) -> None:
        self._pending_ns[prefix or ""] = uri

    def start(self, name: str, attributes: dict[str, str]) -> None:
        declared, self._pending_ns = self._pending_ns, {}
        scope = {**self._scopes[-1], **declared} if declared else self._scopes[-1]
        self._scopes.append(scope)
        tag = _clark(name)
        if self._owner.root is None:
            self._owner.root = tag
        if self._skipping:
            self._skipping += 1
            return
        if self._builder is None:
            if local(tag) != self._owner._record:
                return
            self._builder = etree.TreeBuilder()
            self._line = self._parser.CurrentLineNumber
            nsmap = scope
        else:
            nsmap = declared
        self._depth += 1
        attrs = {_clark(k): v for k, v in attributes.items()}
        self._builder.start(tag, attrs, {(p or None): u for p, u in nsmap.items()})
        if self._owner._skip is not None and self._owner._skip(local(tag)):
            self._skipping = 1
            self._skipped_chars = 0

    def data(self, text: str) -> None:
        if self._skipping:
            self._skipped_chars += len(text)
        elif self._builder is not None:
            self._builder.data(text)

    def end(self, name: str) -> None:
        self._scopes.pop()
        if self._skipping > 1:
            self._skipping -= 1
            return
        if self._builder is None:
            return
        tag = _clark(name)
        if self._skipping == 1:
            self._skipping = 0
            self._builder.data("")
            element = self._builder.end(tag)
            element.set("skipped_chars", str(self._skipped_chars))
        else:
            self._builder.end(tag)
        self._depth -= 1
        if self._depth == 0:
            self._owner.count += 1
            self._ready.append(XmlRecord(self._builder.close(), self._line, self._owner.count))
            self._builder = None


def _clark(name: str) -> str:
    """expat's ``uri}local}prefix`` (or ``local``) as lxml's ``{uri}local``."""
    parts = name.split("}")
    return f"{{{parts[0]}}}{parts[1]}" if len(parts) >= 2 else name
