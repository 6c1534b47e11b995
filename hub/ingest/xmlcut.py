"""Cutting record elements out of an XML byte stream as expat reads it, by expat's offsets.

The bytes of a record are kept from its start tag to its end tag, with the namespaces its
ancestors declared added to its start tag, so that they parse on their own. The content of a
skipped element (a base64 attachment) is dropped as it streams and only its length is kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.parsers import expat

# A start tag from its "<" to its ">": quotes only ever delimit attribute values there, and
# those may hold ">" and "/>".
_TAG = re.compile(rb"<(?:[^>\"']+|\"[^\"]*\"|'[^']*')*>")


@dataclass(frozen=True, slots=True)
class Cut:
    """A record's source as cut out of the stream: local name, UTF-8 bytes, the line its start
    tag is on and its 1-based index."""

    name: str
    source: bytes
    line: int
    index: int


class Splitter:
    """expat callbacks that note where the elements named ``record`` (local name) start and end
    and cut their bytes out of the stream, dropping the content of the elements ``skip``
    accepts. The caller feeds each chunk to :meth:`feed` and then to the parser, calls
    :meth:`parsed` after each, and takes the finished records with :meth:`take`. ``root`` is
    the document element's tag (Clark notation) once seen; ``count`` the records finished.

    ``_buffer`` holds the stream from absolute offset ``_base``: everything from the start of
    the record in progress, else from just past the last event expat reported (an unfinished
    tag may begin there). Offsets come from expat's ``CurrentByteIndex``: in a start handler,
    the tag's ``<``; in an end handler, the end tag's ``<`` (or just past an empty element).
    """

    # expat calls start() and end() for every element: slots keep their attribute reads cheap.
    __slots__ = ("_base", "_buffer", "_count_at", "_declared_at", "_depth", "_empty",
                 "_empty_end", "_is_record", "_is_skipped", "_kept_from", "_line", "_parser",
                 "_parts", "_ready", "_record", "_scopes", "_skip", "_skip_depth",
                 "_skipped_chars", "count", "root")

    def __init__(self, parser: expat.XMLParserType, record: str,
                 skip: Callable[[str], bool] | None) -> None:
        self._parser = parser
        self._record = record
        self._skip = skip
        self.root: str | None = None
        self.count = 0
        self._is_record: dict[str, bool] = {}
        self._is_skipped: dict[str, bool] = {}
        self._scopes: dict[str, list[str]] = {}  # prefix ('' = default) -> URIs, innermost last
        self._declared_at: dict[str, int] = {}  # prefix -> offset of the tag that declared it
        self._buffer = bytearray()
        self._base = 0
        self._depth = 0  # depth inside the current record (0: not in a record)
        self._kept_from = 0  # offset from which the record's bytes are kept (while not skipping)
        self._parts: list[bytes] = []
        self._line = 0
        self._empty = False  # the record is an empty-element tag...
        self._empty_end = 0  # ...that ends here
        self._skip_depth = 0  # depth of the element whose content is being dropped (0: none)
        self._skipped_chars = 0
        self._count_at = 0  # index in _parts of the skipped_chars attribute
        self._ready: list[Cut] = []
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartNamespaceDeclHandler = self.namespace
        parser.EndNamespaceDeclHandler = self.namespace_end

    def detach(self) -> None:
        """Unhook the handlers: the parser and the splitter then free without a GC pass."""
        parser = self._parser
        parser.StartElementHandler = parser.EndElementHandler = None
        parser.StartNamespaceDeclHandler = parser.EndNamespaceDeclHandler = None
        parser.CharacterDataHandler = None

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk

    def parsed(self) -> None:
        """After each chunk: drop the bytes no record can need any more."""
        if self._depth and not self._skip_depth:
            keep = self._kept_from
        else:
            keep = max(self._parser.CurrentByteIndex, self._base)
        del self._buffer[:keep - self._base]
        self._base = keep

    def take(self) -> list[Cut]:
        ready, self._ready = self._ready, []
        return ready

    # -- expat handlers --------------------------------------------------------------------

    def namespace(self, prefix: str | None, uri: str | None) -> None:
        key = prefix or ""
        self._scopes.setdefault(key, []).append(uri or "")
        self._declared_at[key] = self._parser.CurrentByteIndex

    def namespace_end(self, prefix: str | None) -> None:
        key = prefix or ""
        uris = self._scopes[key]
        uris.pop()
        if not uris:
            del self._scopes[key]

    def start(self, name: str, _attributes: dict[str, str]) -> None:
        if self._depth:
            self._depth += 1
            if self._skip is not None and not self._skip_depth and self._skipped(name):
                self._begin_skip()
            return
        if self.root is None:
            self.root = _clark(name)
        is_record = self._is_record.get(name)
        if is_record is None:
            is_record = self._is_record[name] = _local(name) == self._record
        if is_record:
            self._begin_record(name)
            if self._skip is not None and self._skipped(name):
                self._begin_skip()

    def end(self, name: str) -> None:
        depth = self._depth
        if not depth:
            return
        if depth == self._skip_depth:
            self._end_skip()
        self._depth = depth - 1
        if depth == 1:
            self._end_record(_local(name))

    def count_skipped(self, text: str) -> None:
        self._skipped_chars += len(text)

    # -- cutting ---------------------------------------------------------------------------

    def _skipped(self, name: str) -> bool:
        skipped = self._is_skipped.get(name)
        if skipped is None:
            assert self._skip is not None
            skipped = self._is_skipped[name] = self._skip(_local(name))
        return skipped

    def _tag_end(self, at: int) -> int:
        """The offset just past the start tag that begins at offset ``at``."""
        match = _TAG.match(self._buffer, at - self._base)
        assert match is not None  # expat has read the whole tag, so it is in the buffer
        return match.end() + self._base

    def _take(self, end: int) -> None:
        """Keep the record's bytes from ``_kept_from`` up to ``end``."""
        self._parts.append(bytes(self._buffer[self._kept_from - self._base:end - self._base]))

    def _begin_record(self, name: str) -> None:
        at = self._parser.CurrentByteIndex
        self._depth = 1
        self._line = self._parser.CurrentLineNumber
        self._parts = []
        # The namespaces declared by ancestors go right after the tag name, so that the
        # record's bytes parse on their own.
        after_name = at + 1 + len(_qname(name).encode())
        self._kept_from = at
        self._take(after_name)
        self._kept_from = after_name
        self._parts.append(b"".join(
            b' xmlns%s="%s"' % (b":" + prefix.encode() if prefix else b"",
                                _attribute(uris[-1]))
            for prefix, uris in self._scopes.items() if self._declared_at[prefix] != at))
        end = self._tag_end(at)
        self._empty = self._buffer[end - self._base - 2] == ord("/")
        self._empty_end = end

    def _end_record(self, name: str) -> None:
        if self._empty:
            end = self._empty_end
        else:
            end = self._buffer.index(b">", self._parser.CurrentByteIndex - self._base)
            end += self._base + 1
        self._take(end)
        self.count += 1
        self._ready.append(Cut(name, b"".join(self._parts), self._line, self.count))
        self._parts = []

    def _begin_skip(self) -> None:
        end = self._tag_end(self._parser.CurrentByteIndex)
        empty = self._buffer[end - self._base - 2] == ord("/")
        self._take(end - (2 if empty else 1))
        if empty:
            self._parts.append(b' skipped_chars="0"/>')
            self._kept_from = end
            return
        self._count_at = len(self._parts)
        self._parts += [b"", b">"]
        self._skip_depth = self._depth
        self._skipped_chars = 0
        self._parser.CharacterDataHandler = self.count_skipped

    def _end_skip(self) -> None:
        self._parser.CharacterDataHandler = None
        self._parts[self._count_at] = b' skipped_chars="%d"' % self._skipped_chars
        self._skip_depth = 0
        self._kept_from = self._parser.CurrentByteIndex  # the end tag, kept as it is


def _local(name: str) -> str:
    """The local part of an expat name (``uri}local}prefix``, ``uri}local`` or ``local``)."""
    parts = name.split("}")
    return parts[1] if len(parts) >= 2 else name


def _qname(name: str) -> str:
    """An expat name as written in the document: ``prefix:local`` or ``local``."""
    parts = name.split("}")
    if len(parts) == 3:
        return f"{parts[2]}:{parts[1]}"
    return parts[-1]


def _clark(name: str) -> str:
    """expat's ``uri}local}prefix`` (or ``local``) as lxml's ``{uri}local``."""
    parts = name.split("}")
    return f"{{{parts[0]}}}{parts[1]}" if len(parts) >= 2 else name


def _attribute(value: str) -> bytes:
    """``value`` escaped for a double-quoted attribute."""
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), ('"', "&quot;"), ("\t", "&#9;"),
                         ("\n", "&#10;"), ("\r", "&#13;")):
        value = value.replace(raw, escaped)
    return value.encode()
