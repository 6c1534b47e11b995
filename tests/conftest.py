"""Shared fixtures: one real embedded FalkorDB per test session, one fresh graph per test."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.migrations import migrate

_graph_numbers = itertools.count()


@pytest.fixture(scope="session")
def falkor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedFalkor]:
    """The real embedded FalkorDB server, started once for the session."""
    server = EmbeddedFalkor(tmp_path_factory.mktemp("falkordb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def store(falkor_server: EmbeddedFalkor) -> AsyncIterator[FalkorStore]:
    """An empty, migrated graph of its own for one test."""
    graph = FalkorStore.over_socket(
        str(falkor_server.socket_path), f"test_{next(_graph_numbers)}", timeout_ms=30_000
    )
    await migrate(graph)
    yield graph
    await graph.clear()
    await graph.close()


@pytest.fixture
async def bare_store(falkor_server: EmbeddedFalkor) -> AsyncIterator[FalkorStore]:
    """An empty graph with no migrations applied."""
    graph = FalkorStore.over_socket(
        str(falkor_server.socket_path), f"bare_{next(_graph_numbers)}", timeout_ms=30_000
    )
    yield graph
    await graph.clear()
    await graph.close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared/ folder beside the repository (samples, research)."""
    return Path(__file__).resolve().parents[2] / "shared"
