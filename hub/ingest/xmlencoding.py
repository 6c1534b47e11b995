"""An XML byte stream as UTF-8 chunks, whatever encoding the document declares.

The record splitter cuts records out of the bytes expat has read, by the byte offsets expat
reports; that needs an encoding in which ``<`` and ``>`` are single bytes that never occur inside
another character. UTF-8 is one and needs no work. Other encodings a document names in its BOM
or its XML declaration (legacy code pages such as windows-1250, UTF-16) are decoded with
Python's codecs and re-encoded as UTF-8; the parser is then told to read UTF-8 whatever the
declaration says. An encoding Python does not know is passed through untouched, for expat to
refuse as it always has.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import BinaryIO

from hub.errors import InputError

_SNIFF = 1024
_DECLARED = re.compile(
    rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']"
)


class EncodingError(InputError):
    """The bytes at ``offset`` (0-based, in the input) are not valid in the document's
    encoding."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(reason)
        self.offset = offset
        self.reason = reason


def source_encoding(head: bytes) -> str | None:
    """The codec to transcode from, judged by the first bytes of a document; ``None`` when the
    bytes go to the parser as they are (UTF-8). Raises EncodingError for a declared encoding
    Python does not know."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"  # the codec reads the byte order mark and drops it
    if head.startswith(b"<\x00?\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<\x00?"):
        return "utf-16-be"
    declared = _DECLARED.match(head)
    if declared is None:
        return None
    declared_name = declared[1].decode("ascii")
    try:
        name = codecs.lookup(declared_name).name
    except LookupError:
        raise EncodingError(
            0, f"the document declares encoding {declared_name!r}, which is unknown; "
            "send it as UTF-8"
        ) from None
    return None if name == "utf-8" else name


class Utf8Chunks:
    """Reads ``stream`` in chunks of about ``size`` bytes and yields them as UTF-8.

    ``parser_encoding`` is what to tell the parser the chunks are in: ``None`` (let it read the
    declaration) when the input passes through, ``"utf-8"`` when it was transcoded. Iteration
    raises :class:`EncodingError` for an unknown declared encoding, or after the chunks that
    precede the first bytes the declared encoding cannot decode.
    """

    def __init__(self, stream: BinaryIO, size: int) -> None:
        self._stream = stream
        self._size = size
        self._head = stream.read(size)
        while len(self._head) < _SNIFF:  # enough to hold any XML declaration
            more = stream.read(_SNIFF)
            if not more:
                break
            self._head += more
        self._problem: EncodingError | None = None
        try:
            self._encoding = source_encoding(self._head)
        except EncodingError as exc:
            self._encoding, self._problem = None, exc
        self.parser_encoding = None if self._encoding is None else "utf-8"

    def __iter__(self) -> Iterator[bytes]:
        if self._problem is not None:
            raise self._problem
        raw = self._head
        if self._encoding is None:
            while raw:
                yield raw
                raw = self._stream.read(self._size)
            return
        decoder = codecs.getincrementaldecoder(self._encoding)()
        consumed = 0
        while True:
            held = len(decoder.getstate()[0])  # bytes of a character split across reads
            try:
                text = decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as exc:
                # Hand over what precedes the bad bytes, so the records before them count.
                good = decoder.decode(raw[:exc.start - held])
                if good:
                    yield good.encode("utf-8")
                offset = consumed - held + exc.start
                bad = exc.object[exc.start:exc.end].hex(" ")
                raise EncodingError(
                    offset, f"byte(s) {bad} at offset {offset} are not valid {self._encoding}"
                ) from None
            consumed += len(raw)
            if text:
                yield text.encode("utf-8")
            if not raw:
                return
            raw = self._stream.read(self._size)
