"""Open the graph store that ``HUB_GRAPH_URI`` names, starting the embedded server if needed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from urllib.parse import urlsplit

from hub.errors import ConfigError
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.store import GraphStore
from hub.settings import Settings

SCHEMES = ("embedded", "falkordb", "bolt", "neo4j", "bolt+s", "neo4j+s")


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[GraphStore]:
    """Yield a connected store; on exit close it and stop an embedded server this call started
    (watched meanwhile: started again if it dies).

    Raises ConfigError for a URI the hub does not know, GraphUnavailableError when the engine
    cannot be started or reached.
    """
    uri = settings.graph_uri
    scheme = uri.split(":", 1)[0].lower()
    if scheme not in SCHEMES:
        raise ConfigError(
            f"HUB_GRAPH_URI scheme {scheme!r} is not supported; use one of "
            + ", ".join(f"{s}:" for s in SCHEMES)
        )
    store: GraphStore
    if scheme == "embedded":
        server = EmbeddedFalkor(settings.data_dir)
        await asyncio.to_thread(server.start)
        server.watch()
        try:
            store = FalkorStore.over_socket(
                str(server.socket_path), settings.graph_name, settings.query_timeout_ms
            )
            try:
                yield store
            finally:
                await store.close()
        finally:
            await asyncio.to_thread(server.stop)
        return
    if scheme == "falkordb":
        parts = urlsplit(uri)
        store = FalkorStore.over_tcp(
            parts.hostname or "127.0.0.1", parts.port or 6379, settings.graph_name,
            settings.query_timeout_ms, password=parts.password,
        )
    else:
        from hub.graph.neo4j import Neo4jStore

        store = Neo4jStore.connect(
            uri, settings.neo4j_user, settings.neo4j_password, settings.neo4j_database,
            settings.query_timeout_ms,
        )
    try:
        yield store
    finally:
        await store.close()


async def compact_embedded(settings: Settings) -> bool:
    """Rewrite the embedded server's append-only file as a snapshot after a bulk load (seed,
    large ingest), so the next start does not replay every write. Call it while the store is
    open. Returns False, doing nothing, when ``HUB_GRAPH_URI`` is not ``embedded:``."""
    if settings.graph_uri.split(":", 1)[0].lower() != "embedded":
        return False
    await asyncio.to_thread(EmbeddedFalkor(settings.data_dir).compact)
    return True


@contextmanager
def embedded_kept(settings: Settings) -> Iterator[None]:
    """Keep the embedded server running for the block when ``HUB_GRAPH_URI`` is ``embedded:``:
    started here unless one already serves the data directory, and then stopped at the end.

    ``hub serve --workers N`` holds it around its workers, which open and close the store
    themselves (reusing this server, never stopping it). Raises GraphUnavailableError when the
    server cannot start.
    """
    if settings.graph_uri.split(":", 1)[0].lower() != "embedded":
        yield
        return
    server = EmbeddedFalkor(settings.data_dir)
    server.start()
    server.watch()
    try:
        yield
    finally:
        server.stop()
