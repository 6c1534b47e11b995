"""Neo4jStore: the graph store adapter for Neo4j 5 through the official async driver.

Reads run in read transactions (routed to readers on ``neo4j://``), writes in write transactions;
both are retryable transaction functions, which is safe because every hub write is an idempotent
MERGE. Newer servers (2025.06 and later) also speak Cypher 25, so statements are pinned to the
dialect they were checked against with a ``CYPHER 5`` prefix there.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import neo4j
import neo4j.exceptions as neo4j_errors

from hub.errors import ConfigError, GraphUnavailableError, MigrationError, StatementError
from hub.graph.cypher.admin import CLEAR_BATCH
from hub.graph.statements import Mode, Statement
from hub.graph.store import Row
from hub.telemetry import statement_span

# Error codes whose first message line describes the statement (its text, names and types),
# never parameter values; other messages (constraint violations, bad arguments) can quote values,
# so only their code is kept.
_DESCRIPTIVE = re.compile(
    r"^Neo\.ClientError\.(Statement\.(SyntaxError|SemanticError|ParameterMissing|AccessMode)"
    r"|Procedure\.ProcedureNotFound)$"
)
_ALREADY = ("AlreadyExists", "EquivalentSchemaRuleAlreadyExists")
_TIMED_OUT = "TransactionTimedOut"
_CYPHER5_SINCE = (2025, 6)
_CLEAR_BATCH_SIZE = 10_000
_UNREACHABLE = (
    neo4j_errors.ServiceUnavailable,  # and IncompleteCommit: safe to retry, writes are MERGEs
    neo4j_errors.SessionExpired,
    neo4j_errors.ConnectionAcquisitionTimeoutError,
    neo4j_errors.DatabaseUnavailable,
)


class Neo4jStore:
    """One Neo4j database reached with a ``bolt://`` or ``neo4j://`` URI."""

    engine = "neo4j"

    def __init__(self, driver: neo4j.AsyncDriver, address: str, database: str | None,
                 timeout_ms: int) -> None:
        self._driver = driver
        self._address = address
        self._database = database
        self._timeout_s = timeout_ms / 1000
        self._prefix: str | None = None
        self._prefix_lock = asyncio.Lock()
        self._closed = False

    @classmethod
    def connect(cls, uri: str, user: str, password: str, database: str | None,
                timeout_ms: int) -> Neo4jStore:
        """A store for ``uri`` (no I/O yet: the first statement connects).

        Raises ConfigError when the driver cannot use the URI; the message never holds the password.
        """
        address = _without_credentials(uri)
        try:
            driver = neo4j.AsyncGraphDatabase.driver(
                uri, auth=(user, password), user_agent="cefta-risk-hub",
                connection_timeout=min(30.0, max(1.0, timeout_ms / 1000)),
                max_transaction_retry_time=max(5.0, 3 * timeout_ms / 1000),
            )
        except (neo4j_errors.ConfigurationError, ValueError) as exc:
            # The driver's message may quote the URI, credentials included: name the type only.
            raise ConfigError(
                f"HUB_GRAPH_URI {address!r} is not a usable Neo4j URI ({type(exc).__name__}); "
                "use bolt://host:7687 or neo4j://host:7687"
            ) from None
        return cls(driver, address, database, timeout_ms)

    async def run(self, statement: Statement, params: Mapping[str, Any] | None = None) -> list[Row]:
        with statement_span(statement.name, self.engine):
            try:
                text = await self._dialect() + statement.text
                unit = _transaction(statement.name, text, dict(params or {}), self._timeout_s)
                async with self._session() as session:
                    if statement.mode is Mode.READ:
                        return await session.execute_read(unit)
                    return await session.execute_write(unit)
            except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
                raise self._translate(exc, f"statement {statement.name}") from exc

    async def run_ddl(self, text: str, origin: str) -> None:
        async def work(tx: neo4j.AsyncManagedTransaction) -> None:
            await (await tx.run(text)).consume()

        try:
            async with self._session() as session:
                await session.execute_write(work)
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError) as exc:
            if isinstance(exc, neo4j_errors.Neo4jError) and any(
                marker in (exc.code or "") for marker in _ALREADY
            ):
                return
            error = self._translate(exc, origin)
            if isinstance(error, StatementError):
                raise MigrationError(f"{origin} failed on Neo4j: {_reason(exc)}") from exc
            raise error from exc

    async def clear(self) -> None:
        # Batches keep each transaction's memory bounded; indexes and constraints stay.
        while (await self.run(CLEAR_BATCH, {"batch": _CLEAR_BATCH_SIZE}))[0]["deleted"]:
            pass

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._driver.close()

    def _session(self) -> neo4j.AsyncSession:
        return self._driver.session(database=self._database)

    async def _dialect(self) -> str:
        """``CYPHER 5 `` on servers that also speak Cypher 25, else nothing (asked once)."""
        if self._prefix is None:
            async with self._prefix_lock:
                if self._prefix is None:
                    info = await self._driver.get_server_info()
                    self._prefix = "CYPHER 5 " if _speaks_cypher25(info.agent) else ""
        return self._prefix

    def _translate(self, exc: Exception, what: str) -> GraphUnavailableError | StatementError:
        """The hub error for a driver error met while running ``what`` (no values, no password)."""
        code = getattr(exc, "code", None) or ""
        if isinstance(exc, neo4j_errors.AuthError) or code.startswith("Neo.ClientError.Security."):
            return GraphUnavailableError(
                f"Neo4j at {self._address} refused the hub's credentials or permissions for "
                f"{what}; check HUB_NEO4J_USER and HUB_NEO4J_PASSWORD"
            )
        if isinstance(exc, _UNREACHABLE):
            return GraphUnavailableError(
                f"Neo4j at {self._address} is unreachable for {what} ({type(exc).__name__}); "
                "check HUB_GRAPH_URI and that the server is up"
            )
        if _TIMED_OUT in code:
            return StatementError(
                f"{what} exceeded the query timeout of {round(self._timeout_s * 1000)} ms on Neo4j"
            )
        if isinstance(exc, neo4j_errors.Neo4jError):
            return StatementError(f"{what} failed on Neo4j: {_reason(exc)}")
        return StatementError(f"{what} failed in the Neo4j driver ({type(exc).__name__})")


def _transaction(name: str, text: str, values: dict[str, Any], timeout_s: float,
                 ) -> Callable[[neo4j.AsyncManagedTransaction], Awaitable[list[Row]]]:
    """A retryable transaction function running one statement; the driver may call it again."""

    async def work(tx: neo4j.AsyncManagedTransaction) -> list[Row]:
        result = await tx.run(text, values)
        keys = result.keys()
        return [
            {key: _plain(value, name) for key, value in zip(keys, record, strict=True)}
            async for record in result
        ]

    return neo4j.unit_of_work(timeout=timeout_s, metadata={"statement": name})(work)


def _without_credentials(uri: str) -> str:
    """The URI without any ``user:password@`` part, for messages."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
    except ValueError:
        return "<unparseable URI>"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _speaks_cypher25(agent: str | None) -> bool:
    match = re.match(r"Neo4j/(\d+)\.(\d+)", agent or "")
    return match is not None and (int(match.group(1)), int(match.group(2))) >= _CYPHER5_SINCE


def _reason(exc: Exception) -> str:
    code = getattr(exc, "code", None) or type(exc).__name__
    message = getattr(exc, "message", None)
    if _DESCRIPTIVE.match(code) and message:
        return f"{code}: {message.splitlines()[0].strip()}"
    return code


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
