"""FalkorStore: the graph store adapter for FalkorDB over the Redis protocol."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis.exceptions
from falkordb.asyncio import FalkorDB
from falkordb.helpers import stringify_param_value

from hub.errors import GraphUnavailableError, InputError, MigrationError, StatementError
from hub.graph.statements import Mode, Statement
from hub.graph.store import Row
from hub.telemetry import statement_span

_ALREADY = ("already indexed", "already exists", "already defined")
_QUERY, _RO_QUERY = "GRAPH.QUERY", "GRAPH.RO_QUERY"


class FalkorStore:
    """One FalkorDB graph reached through the ``falkordb`` client (unix socket or TCP)."""

    engine = "falkordb"

    def __init__(self, client: FalkorDB, graph_name: str, timeout_ms: int) -> None:
        self._client = client
        self._graph = client.select_graph(graph_name)
        self._timeout_ms = timeout_ms

    @classmethod
    def over_socket(cls, socket_path: str, graph_name: str, timeout_ms: int) -> FalkorStore:
        return cls(FalkorDB(unix_socket_path=socket_path, max_connections=64), graph_name,
                   timeout_ms)

    @classmethod
    def over_tcp(cls, host: str, port: int, graph_name: str, timeout_ms: int,
                 password: str | None = None) -> FalkorStore:
        return cls(FalkorDB(host=host, port=port, password=password or None, max_connections=64),
                   graph_name, timeout_ms)

    async def run(self, statement: Statement, params: Mapping[str, Any] | None = None) -> list[Row]:
        with statement_span(statement.name, self.engine):
            header = _header(params)
            if statement.mode is Mode.READ and "\x00" in header:
                # FalkorDB receives parameters inside the query header, where NUL ends the
                # text; a value or map key holding one shows in the header.
                raise InputError(f"a value for {statement.name} contains a NUL character; "
                                 "remove it")
            # The command the client would send, sent directly: the client parses every value
            # of the compact reply in its own coroutine, which cost more than the query on
            # link-analysis reads; _rows parses the reply in one synchronous pass.
            command: list[Any] = [_QUERY, self._graph.name, header + statement.text,
                                  "--compact"]
            if statement.mode is Mode.READ:  # a write is never cut short: it would roll back
                command[0] = _RO_QUERY
                command += ["timeout", self._timeout_ms]
            try:
                reply = await self._client.connection.execute_command(*command)
                if reply and isinstance(reply[-1], redis.exceptions.ResponseError):
                    raise reply[-1]  # a run-time error comes back as the reply's last element
            except (redis.exceptions.ConnectionError, OSError) as exc:
                raise GraphUnavailableError(
                    f"FalkorDB is unreachable while running {statement.name}"
                ) from exc
            except redis.exceptions.RedisError as exc:
                if statement.mode is Mode.READ and "empty key" in str(exc):
                    return []  # the graph has not been created yet: nothing to read
                raise StatementError(
                    f"statement {statement.name} failed on FalkorDB: {_reason(exc)}"
                ) from exc
        return _rows(reply, statement.name)

    async def plan(self, statement: Statement, params: Mapping[str, Any] | None = None) -> str:
        """FalkorDB's execution plan for a statement (EXPLAIN; it does not run reads or writes).

        Used by tests and operators to check that lookups still use their index with the
        access filter in place. Only for READ statements: EXPLAIN of a write executes it.
        """
        if statement.mode is not Mode.READ:
            raise InputError(f"{statement.name} is a write; FalkorDB's EXPLAIN would run it")
        plan = await self._graph.explain(statement.text, dict(params or {}))
        return str(plan)

    async def run_ddl(self, text: str, origin: str) -> None:
        try:
            if text.upper().startswith("GRAPH.CONSTRAINT"):
                words = text.split()
                await self._client.connection.execute_command(
                    words[0], words[1], self._graph.name, *words[2:]
                )
            else:
                await self._graph.query(text)
        except (redis.exceptions.ConnectionError, OSError) as exc:
            raise GraphUnavailableError(f"FalkorDB is unreachable while applying {origin}") from exc
        except redis.exceptions.RedisError as exc:
            if any(marker in str(exc).lower() for marker in _ALREADY):
                return
            raise MigrationError(f"{origin} failed on FalkorDB: {_reason(exc)}") from exc

    async def clear(self) -> None:
        try:
            await self._graph.delete()
        except redis.exceptions.ResponseError as exc:
            if "empty key" not in str(exc).lower() and "invalid graph" not in str(exc).lower():
                raise StatementError(f"could not clear the graph: {_reason(exc)}") from exc

    async def close(self) -> None:
        await self._client.connection.aclose()


def _reason(exc: Exception) -> str:
    """The engine's message without the echoed query context."""
    return str(exc).split(" errCtx:")[0].strip()


def _header(params: Mapping[str, Any] | None) -> str:
    """FalkorDB takes parameters as a ``CYPHER name=value ...`` prefix of the query text."""
    if not params:
        return ""
    return "CYPHER " + " ".join(
        f"`{name}`={_literal(value)}" for name, value in params.items()) + " "


def _quote(text: str) -> str:
    if '"' in text or "\\" in text:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _literal(value: Any) -> str:
    """A parameter value as Cypher literal text, the very text the falkordb client's
    ``stringify_param_value`` writes (backslash and double quote escaped inside double
    quotes, map keys in backticks). Link-analysis reads send lists of thousands of ids, and
    the client's two calls and two replaces per id showed in their profile; a list of plain
    strings is quoted here at once."""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list | tuple):
        if all(type(item) is str for item in value):
            text = "".join(value)  # nothing to escape (the usual case): two joins in C
            if '"' in text or "\\" in text:
                return "[" + ",".join(map(_quote, value)) + "]"
            return '["' + '","'.join(value) + '"]' if value else "[]"
        return "[" + ",".join(map(_literal, value)) + "]"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_key(key)}:{_literal(item)}" for key, item in value.items()) + "}"
    return str(stringify_param_value(value))  # null, booleans, numbers: the client's text


def _key(key: Any) -> str:
    name = str(key)
    if not name or "`" in name:
        raise InputError(f"a parameter map key must be a non-empty name without backticks: "
                         f"{name!r}")
    return f"`{name}`"


# Value types of FalkorDB's compact reply; nodes, edges, paths and temporal values never
# reach the hub: statements return map projections and times as text or epoch numbers.
_NULL, _STRING, _INTEGER, _BOOLEAN, _DOUBLE, _ARRAY, _MAP = 1, 2, 3, 4, 5, 6, 10


def _rows(reply: list[Any], name: str) -> list[Row]:
    """Rows of a compact reply (header, rows, statistics; statistics alone for a write that
    returns nothing) as dicts of plain Python values."""
    if len(reply) < 3:
        return []
    columns = [column[1] for column in reply[0]]
    return [{column: _value(cell, name) for column, cell in zip(columns, row, strict=True)}
            for row in reply[1]]


def _value(cell: list[Any], name: str) -> Any:
    kind, value = cell
    if kind in (_STRING, _INTEGER):
        return value
    if kind == _NULL:
        return None
    if kind == _ARRAY:  # lists of ids are the bulk of link-analysis replies: no call each
        return [item[1] if item[0] == _STRING else _value(item, name) for item in value]
    if kind == _MAP:
        return {value[i]: _value(value[i + 1], name) for i in range(0, len(value), 2)}
    if kind == _BOOLEAN:
        return value == "true"
    if kind == _DOUBLE:
        return float(value)
    raise StatementError(
        f"statement {name} returned a value of FalkorDB type {kind}; return map projections"
        " and plain values instead")
