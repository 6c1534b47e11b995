"""FalkorStore: the graph store adapter for FalkorDB over the Redis protocol."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis.exceptions
from falkordb.asyncio import FalkorDB

from hub.errors import GraphUnavailableError, InputError, MigrationError, StatementError
from hub.graph.statements import Mode, Statement
from hub.graph.store import Row
from hub.telemetry import statement_span

_ALREADY = ("already indexed", "already exists", "already defined")


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
            if statement.mode is Mode.READ:
                _reject_nul(statement.name, params)
            try:
                if statement.mode is Mode.READ:
                    result = await self._graph.ro_query(
                        statement.text, dict(params or {}), timeout=self._timeout_ms
                    )
                else:
                    result = await self._graph.query(statement.text, dict(params or {}))
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
        columns = [column[1] for column in result.header]
        return [
            {column: _plain(value, statement.name) for column, value in zip(columns, row, strict=True)}
            for row in result.result_set
        ]

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


def _reject_nul(name: str, value: Any) -> None:
    """FalkorDB receives parameters inside the query header, where NUL ends the text."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError(f"a value for {name} contains a NUL character; remove it")
    elif isinstance(value, Mapping):
        for item in value.values():
            _reject_nul(name, item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_nul(name, item)


def _reason(exc: Exception) -> str:
    """The engine's message without the echoed query context."""
    return str(exc).split(" errCtx:")[0].strip()


def _plain(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v, name) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, name) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise StatementError(
        f"statement {name} returned a {type(value).__name__}; return map projections instead"
    )
