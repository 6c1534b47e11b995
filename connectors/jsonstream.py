"""Streaming JSON input: JSON Lines (one value per line) or one JSON array of values.

Values come out one at a time with their line number; the input is never loaded whole. A
malformed line of JSON Lines spoils only that line. A JSON array cannot be resynchronised after
a syntax error, so the error ends the stream.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

CHUNK = 64 * 1024
MAX_VALUE = 1024 * 1024
"""The longest line (or array element) accepted, in characters: a message is a few kB."""


@dataclass(frozen=True, slots=True)
class JsonValue:
    """One decoded value, or the reason it could not be decoded, and where it starts."""

    line: int
    raw: str
    value: Any = None
    error: str | None = None
    fatal: bool = False


def json_values(stream: BinaryIO) -> Iterator[JsonValue]:
    """Yield the values of a JSON Lines stream or of a JSON array stream, in order."""
    chunks = _text_chunks(stream)
    head = ""
    for chunk in chunks:
        head += chunk
        if head.strip():
            break
    if head.lstrip().startswith("["):
        yield from _array(head, chunks)
    else:
        yield from _lines(head, chunks)


def _text_chunks(stream: BinaryIO) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    while True:
        data = stream.read(CHUNK)
        text = decoder.decode(data, final=not data)
        if text:
            yield text
        if not data:
            return


def _lines(head: str, chunks: Iterator[str]) -> Iterator[JsonValue]:
    pending, number = head, 0
    exhausted = False
    while not exhausted or pending:
        cut = pending.find("\n")
        if cut < 0 and not exhausted:
            if len(pending) > MAX_VALUE:
                number += 1
                yield JsonValue(number, pending[:200],
                                error=f"the line is longer than {MAX_VALUE} characters")
                pending = _skip_line(chunks)
                continue
            try:
                pending += next(chunks)
            except StopIteration:
                exhausted = True
            continue
        line, pending = (pending, "") if cut < 0 else (pending[:cut], pending[cut + 1:])
        number += 1
        if line.strip():
            yield _decode(line, number)


def _skip_line(chunks: Iterator[str]) -> str:
    """Drop the rest of an over-long line; return what follows its end."""
    for chunk in chunks:
        cut = chunk.find("\n")
        if cut >= 0:
            return chunk[cut + 1:]
    return ""


def _decode(line: str, number: int) -> JsonValue:
    try:
        return JsonValue(number, line, json.loads(line))
    except json.JSONDecodeError as exc:
        return JsonValue(number, line, error=f"not valid JSON at column {exc.colno}: {exc.msg}")


def _array(head: str, chunks: Iterator[str]) -> Iterator[JsonValue]:
    decoder = json.JSONDecoder()
    start = head.index("[")
    buffer, line = head[start + 1:], 1 + head[:start].count("\n")
    exhausted, expect_value, empty = False, True, True
    while True:
        stripped = buffer.lstrip()
        line += buffer[:len(buffer) - len(stripped)].count("\n")
        buffer = stripped
        if not buffer:
            if exhausted:
                yield JsonValue(line, "", error="the JSON array is not closed with ]", fatal=True)
                return
            try:
                buffer += next(chunks)
            except StopIteration:
                exhausted = True
            continue
        if buffer[0] == "]" and (empty or not expect_value):
            return
        if not expect_value:
            if buffer[0] != ",":
                yield JsonValue(line, buffer[:200], error="expected , or ] between array elements",
                                fatal=True)
                return
            buffer, expect_value = buffer[1:], True
            continue
        try:
            value, end = decoder.raw_decode(buffer)
            truncated = end == len(buffer) and not exhausted  # a number cut by a chunk boundary
        except json.JSONDecodeError as exc:
            if not exhausted and len(buffer) <= MAX_VALUE:
                truncated = True
            else:
                yield JsonValue(line, buffer[:200], fatal=True,
                                error=f"the array element starting on line {line} is not valid "
                                      f"JSON ({exc.msg}, line {line + exc.lineno - 1})")
                return
        if truncated:
            try:
                buffer += next(chunks)
            except StopIteration:
                exhausted = True
            continue
        raw = buffer[:end]
        yield JsonValue(line, raw, value)
        line += raw.count("\n")
        buffer, expect_value, empty = buffer[end:], False, False
