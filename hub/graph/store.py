"""The graph store port: the one seam between the hub and a graph engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from hub.graph.statements import Statement

Row = dict[str, Any]


class GraphStore(Protocol):
    """An async connection to one graph, on FalkorDB or Neo4j.

    Results are plain Python values (dicts, lists, str, int, float, bool, None): statements
    return map projections, never engine node or edge objects. Engine errors are raised as
    :class:`hub.errors.GraphError` subclasses naming the statement, never its parameters.
    """

    engine: str
    """``falkordb`` or ``neo4j``: picks migration variants and engine-specific algorithms."""

    async def run(self, statement: Statement, params: Mapping[str, Any] | None = None) -> list[Row]:
        """Run a registered statement (read-only execution for ``Mode.READ``) and return its rows.

        Called by the graph readers, the writer and the migrations runner.
        Raises StatementError when the engine rejects it, GraphUnavailableError when unreachable.
        """
        ...

    async def run_ddl(self, text: str, origin: str) -> None:
        """Run one engine-specific schema statement from a migration file.

        ``origin`` names the file and statement for errors. Creating an index or constraint that
        already exists is not an error, so a half-applied migration can be re-run.
        Raises MigrationError.
        """
        ...

    async def clear(self) -> None:
        """Delete the whole graph (tests and ``hub seed --reset`` only)."""
        ...

    async def close(self) -> None:
        """Release connections. Idempotent."""
        ...
