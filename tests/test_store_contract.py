"""The graph store contract, run against every engine: FalkorDB always, Neo4j when
``HUB_TEST_NEO4J_URI`` names a server (credentials from ``HUB_NEO4J_USER``/``HUB_NEO4J_PASSWORD``).

The Neo4j test database is emptied before and after each test: point it at a scratch database.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.errors import (
    ConfigError,
    GraphUnavailableError,
    InputError,
    MigrationError,
    StatementError,
)
from hub.graph.cypher.admin import CLEAR_BATCH
from hub.graph.cypher.meta import APPLIED
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.migrations import discover, migrate
from hub.graph.neo4j import Neo4jStore
from hub.graph.statements import Mode, statement
from hub.graph.store import GraphStore
from hub.graph.writer import GraphWriter
from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Sharing, stable_id
from hub.settings import load_settings, neo4j_test_uri
from tests.conftest import executed_statements

ENGINES = ["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)]
_graphs = itertools.count()
SHARING = Sharing("MK-CUS", "MK", Distribution.CEFTA_CUSTOMS, ("party:RS",))
SOURCE = Provenance("contract", "row-1", 1_700_000_000_000)

READ_NAMES = statement("tests.contract.names", "MATCH (n:Entity) RETURN n.name AS name")
COUNT = statement(
    "tests.contract.count",
    "MATCH (n:Entity) OPTIONAL MATCH (n)-[r]->() "
    "RETURN count(DISTINCT n) AS nodes, count(r) AS edges",
)
SHAPES = statement(
    "tests.contract.shapes",
    """
    MATCH (n:Entity {id: $id})
    RETURN n {.id, .name, .share_with, .ingested_at} AS n,
           [1, 2.5, true, null, 'x'] AS mixed, {a: {b: [1, 2]}} AS nested, count(n) AS c,
           n.missing AS absent
    """,
)
RAW_NODE = statement("tests.contract.raw_node", "MATCH (n:Entity {id: $id}) RETURN n")
BROKEN = statement(
    "tests.contract.broken", "MATCH (n:Entity {id: $id}) RETURN no_such_function(n.id) AS x"
)
ALL_NODES = statement("tests.contract.all_nodes", "MATCH (n) RETURN count(n) AS n")
SNEAKY_WRITE = statement(
    "tests.contract.sneaky_write",
    "MERGE (n:Entity {id: $id}) SET n.name = 'written by a read' RETURN n.id AS id",
    Mode.READ,
)


@pytest.fixture(params=ENGINES)
async def engine(request: pytest.FixtureRequest) -> AsyncIterator[GraphStore]:
    """An empty graph with no migrations applied, on each engine."""
    graph: GraphStore
    if request.param == "falkordb":
        server: EmbeddedFalkor = request.getfixturevalue("falkor_server")
        graph = FalkorStore.over_socket(
            str(server.socket_path), f"contract_{next(_graphs)}", timeout_ms=30_000
        )
    else:
        uri = neo4j_test_uri()
        if uri is None:
            pytest.skip("HUB_TEST_NEO4J_URI is not set: no Neo4j server to test against")
        settings = load_settings()
        graph = Neo4jStore.connect(uri, settings.neo4j_user, settings.neo4j_password,
                                   settings.neo4j_database, timeout_ms=30_000)
    await graph.clear()
    yield graph
    await graph.clear()
    await graph.close()


def _records(n: int) -> list[NodeRecord | EdgeRecord]:
    records: list[NodeRecord | EdgeRecord] = []
    for i in range(n):
        op = stable_id("Operator", "MK", "EDB", 4000000000000 + i)
        addr = stable_id("Address", "MK", f"Ulica {i % 3}")
        records.append(NodeRecord("Operator", op, {"name": f"Друштво {i} ДООЕЛ"}, SHARING, SOURCE))
        records.append(NodeRecord("Address", addr, {"text": f"Ulica {i % 3}"}, SHARING, SOURCE))
        records.append(EdgeRecord("LOCATED_AT", op, addr, SHARING, SOURCE))
    return records


async def test_migrations_apply_once_and_reapply_as_a_no_op(engine: GraphStore) -> None:
    expected = [m.version for m in discover(engine.engine)]
    first = await migrate(engine)
    second = await migrate(engine)
    assert [m.version for m in first] == expected
    assert second == []
    applied = await engine.run(APPLIED)
    assert [row["version"] for row in applied] == expected


async def test_an_applied_migration_that_was_edited_is_refused(
    engine: GraphStore, tmp_path: Path,
) -> None:
    ddl = {
        "falkordb": "CREATE INDEX FOR (n:ContractProbe) ON (n.code);\n",
        "neo4j": "CREATE INDEX contract_probe IF NOT EXISTS FOR (n:ContractProbe) ON (n.code);\n",
    }[engine.engine]
    path = tmp_path / f"0001_probe.{engine.engine}.cypher"
    path.write_text(ddl, encoding="utf-8")
    assert [m.name for m in await migrate(engine, tmp_path)] == ["probe"]
    path.write_text("// edited\n" + ddl, encoding="utf-8")
    with pytest.raises(MigrationError, match=r"0001_probe\.(falkordb|neo4j)\.cypher changed after"):
        await migrate(engine, tmp_path)


async def test_the_writer_is_idempotent(engine: GraphStore) -> None:
    await migrate(engine)
    writer = GraphWriter(engine, batch_size=7)
    first = await writer.write(_records(20))
    second = await writer.write(_records(20))
    assert (first.nodes, first.edges, first.unchanged) == (23, 20, 0)
    assert (second.written, second.unchanged) == (0, 43)
    assert await engine.run(COUNT) == [{"nodes": 23, "edges": 20}]


async def test_reads_return_plain_python_values(engine: GraphStore) -> None:
    await migrate(engine)
    records = _records(1)
    await GraphWriter(engine).write(records)
    [row] = await engine.run(SHAPES, {"id": records[0].id})
    assert row == {
        "n": {"id": records[0].id, "name": "Друштво 0 ДООЕЛ", "share_with": ["party:RS"],
              "ingested_at": SOURCE.ingested_at},
        "mixed": [1, 2.5, True, None, "x"],
        "nested": {"a": {"b": [1, 2]}},
        "c": 1,
        "absent": None,
    }
    assert type(row["n"]["ingested_at"]) is int
    assert type(row["mixed"][1]) is float


async def test_returning_an_engine_node_fails_loudly(engine: GraphStore) -> None:
    await migrate(engine)
    records = _records(1)
    await GraphWriter(engine).write(records)
    with pytest.raises(StatementError, match=r"tests\.contract\.raw_node .*map projections"):
        await engine.run(RAW_NODE, {"id": records[0].id})


async def test_a_rejected_statement_raises_statement_error_without_its_values(
    engine: GraphStore,
) -> None:
    await migrate(engine)  # FalkorDB answers any read on a graph not yet created with no rows
    secret = "operator:do-not-echo-me"
    with pytest.raises(StatementError, match=r"tests\.contract\.broken") as caught:
        await engine.run(BROKEN, {"id": secret})
    assert secret not in str(caught.value)
    assert caught.value.code == "graph_statement_failed"


async def test_read_mode_refuses_a_write(engine: GraphStore) -> None:
    # FalkorDB runs reads with GRAPH.RO_QUERY, Neo4j in read transactions: a statement declared
    # as a read can never change the graph, whatever its text says.
    await migrate(engine)
    with pytest.raises(StatementError, match=r"tests\.contract\.sneaky_write"):
        await engine.run(SNEAKY_WRITE, {"id": "operator:sneaky"})
    assert await engine.run(COUNT) == [{"nodes": 0, "edges": 0}]


async def test_clearing_deletes_in_bounded_batches(engine: GraphStore) -> None:
    await migrate(engine)
    await GraphWriter(engine).write(_records(9))  # 9 operators + 3 addresses + migration records
    total = (await engine.run(ALL_NODES))[0]["n"]
    batches = []
    while deleted := (await engine.run(CLEAR_BATCH, {"batch": 5}))[0]["deleted"]:
        batches.append(deleted)
    assert total > 12
    assert batches == [5] * (total // 5) + ([total % 5] if total % 5 else [])
    assert await engine.run(ALL_NODES) == [{"n": 0}]


async def test_statements_run_on_falkordb_are_recorded_for_coverage(
    engine: GraphStore,
) -> None:
    # The session-end coverage check relies on these spans: a broken recorder would pass silently.
    await migrate(engine)
    await engine.run(COUNT)
    with pytest.raises(StatementError):
        await engine.run(BROKEN, {"id": "x"})
    executed = executed_statements()
    if engine.engine == "falkordb":
        assert {"tests.contract.count", "migrations.applied", "migrations.record"} <= executed
        assert "tests.contract.broken" not in executed  # a failed statement does not count
    else:
        assert "tests.contract.broken" not in executed


# ---- Neo4jStore without a server: the failures must still be the hub's own ----------------------

async def test_an_unreachable_neo4j_is_graph_unavailable_and_never_shows_the_password() -> None:
    store = Neo4jStore.connect("bolt://127.0.0.1:9", "neo4j", "pa55-w0rd-secret", None, 2_000)
    try:
        with pytest.raises(GraphUnavailableError, match=r"bolt://127\.0\.0\.1:9") as caught:
            await store.run(COUNT)
        assert "pa55-w0rd-secret" not in str(caught.value)
        assert "tests.contract.count" in str(caught.value)
    finally:
        await store.close()
        await store.close()  # idempotent


def test_a_bad_neo4j_uri_is_a_config_error_without_credentials() -> None:
    with pytest.raises(ConfigError, match="not a usable Neo4j URI") as caught:
        Neo4jStore.connect("bolt://user:pa55-w0rd-secret@db:7687/?bogus=1", "neo4j",
                           "pa55-w0rd-secret", None, 2_000)
    assert "pa55-w0rd-secret" not in str(caught.value)


# Server failures, built the way the driver builds them from a server's FAILURE message (its own
# hydration; no server runs here). The secret value stands for a parameter value echoed back.
SECRET = "operator:do-not-echo-me"


@pytest.mark.parametrize(("code", "message", "error", "expected"), [
    ("Neo.ClientError.Security.Unauthorized", "The client is unauthorized",
     GraphUnavailableError, "refused the hub's credentials"),
    ("Neo.TransientError.General.DatabaseUnavailable", "Database 'neo4j' is unavailable",
     GraphUnavailableError, "is unreachable"),
    ("Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration", "timed out",
     StatementError, "exceeded the query timeout of 2000 ms"),
    ("Neo.ClientError.Statement.SyntaxError", "Invalid input 'RETURNN' (line 1, column 9)",
     StatementError, "SyntaxError: Invalid input 'RETURNN'"),
    ("Neo.ClientError.Schema.ConstraintValidationFailed",
     f"Node(7) already exists with label `Entity` and property `id` = '{SECRET}'",
     StatementError, "Neo.ClientError.Schema.ConstraintValidationFailed"),
    ("Neo.ClientError.Statement.ArgumentError", f"Cannot parse '{SECRET}' as a number",
     StatementError, "Neo.ClientError.Statement.ArgumentError"),
])
async def test_neo4j_failures_become_hub_errors_that_never_quote_values(
    code: str, message: str, error: type[Exception], expected: str,
) -> None:
    from neo4j.exceptions import Neo4jError

    store = Neo4jStore.connect("neo4j://db.example:7687", "neo4j", "pa55-w0rd-secret", None, 2_000)
    try:
        failure = Neo4jError._hydrate_neo4j(code=code, message=message)
        translated = store._translate(failure, "statement tests.contract.count")
    finally:
        await store.close()
    assert isinstance(translated, error)
    assert expected in str(translated)
    assert SECRET not in str(translated)
    assert "pa55-w0rd-secret" not in str(translated)


def _neo4j_values() -> list[object]:
    from neo4j.graph import Graph, Node
    from neo4j.spatial import CartesianPoint
    from neo4j.time import Date

    return [Node(Graph(), "4:x:1", 1, ["Entity"], {"id": "a"}), Date(2024, 1, 2),
            CartesianPoint((1.0, 2.0)), b"bytes"]


@pytest.mark.parametrize("value", _neo4j_values(), ids=lambda v: type(v).__name__)
def test_neo4j_results_that_are_not_plain_values_fail_loudly(value: object) -> None:
    from hub.graph.neo4j import _plain

    with pytest.raises(StatementError, match=r"contract\.shapes returned a .*map projections"):
        _plain({"n": [value]}, "tests.contract.shapes")
    assert _plain({"n": [1, 2.5, "x", None, True, {"a": []}]}, "s") == {
        "n": [1, 2.5, "x", None, True, {"a": []}]
    }


ECHO = statement("tests.contract.echo", "UNWIND $values AS v RETURN v AS v")
ECHO_MAP = statement("tests.contract.echo_map", "RETURN $m AS m")
TRICKY = ['"', "\\", '\\"', "'", "`", "\\\\\"", '" RETURN 1 //', "' OR 1=1 --", "$x", "{a: 1}",
          "line\nbreak", "tab\tcr\r", "*/ /*", "Бета ДООЕЛ", "Петар Петровић", "é\u0301",
          "😀", "\u2028", "end\\", "", " ", "null", "true", "[1, 2]"]


async def test_parameter_values_reach_the_engine_exactly_as_given(store: FalkorStore) -> None:
    # FalkorDB takes parameters as literal text in the query header: quoting is what keeps
    # a value a value. Every string must come back as it went in, whatever it holds.
    import random

    rng = random.Random(7)
    alphabet = ['"', "\\", "'", "`", "$", "{", "}", "\n", "a", "Ж", "ž", " ", "/", "*", ":"]
    generated = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
                 for _ in range(300)]
    values = TRICKY + generated
    rows = await store.run(ECHO, {"values": values})
    assert [row["v"] for row in rows] == values
    nested = {"s": TRICKY, "n": [1, -2, 3.5, None, True, False], "inner": {"k": '"\\'}}
    assert (await store.run(ECHO_MAP, {"m": nested}))[0]["m"] == nested


def test_parameter_text_is_the_falkordb_clients_own() -> None:
    # The store writes the parameter header itself for speed; the text must be exactly what
    # the client's helper writes, for every shape of value the hub sends.
    import random

    from falkordb.helpers import stringify_param_value

    from hub.graph.falkor import _literal

    rng = random.Random(11)
    alphabet = ['"', "\\", "'", "`", "$", "\n", "a", "Ж", " ", "}"]

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))

    def value(depth: int) -> object:
        roll = rng.random()
        if depth > 2 or roll < 0.4:
            return rng.choice([text(), rng.randint(-10**12, 10**12), rng.random(), None,
                               True, False])
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        if roll < 0.8:
            return [text() for _ in range(rng.randint(0, 6))]
        if roll < 0.9:  # ids: nothing to escape (a faster path)
            return [rng.choice(["operator:1f", "Ж b", "", "a'b", "x`y"])
                    for _ in range(rng.randint(0, 6))]
        return {f"k{i}": value(depth + 1) for i in range(rng.randint(0, 3))}

    for _ in range(2000):
        v = value(0)
        assert _literal(v) == stringify_param_value(v), v


async def test_a_nul_character_in_a_read_parameter_is_refused_by_name(
        store: FalkorStore) -> None:
    # FalkorDB reads parameters from the query text, where NUL would end it.
    for params in ({"values": ["ok", "b\x00d"]}, {"values": [{"k\x00": "v"}]}):
        with pytest.raises(InputError, match=r"tests\.contract\.echo .*NUL"):
            await store.run(ECHO, params)


async def test_a_watched_embedded_server_that_dies_is_started_again(tmp_path: Path) -> None:
    # FalkorDB 4.16 has crashed under heavy concurrent reads: the hub starts it again, and
    # what was acknowledged before the crash is there afterwards (AOF, fsync every second).
    server = EmbeddedFalkor(tmp_path)
    server.start()
    graph = FalkorStore.over_socket(str(server.socket_path), "watched", timeout_ms=30_000)
    try:
        await GraphWriter(graph).write([NodeRecord("Operator", stable_id("Operator", "w"),
                                                   {"name": "Watched"}, SHARING, SOURCE)])
        await asyncio.sleep(1.5)  # past the once-a-second fsync
        server.watch(interval_s=0.1)
        first = server.pid_path.read_text().strip()
        os.kill(int(first), signal.SIGKILL)
        for _ in range(300):
            pid = server.pid_path.read_text().strip() if server.pid_path.exists() else ""
            if pid not in ("", first) and server._answers():
                break
            await asyncio.sleep(0.1)
        assert server._answers(), "the watched server was not started again"
        rows = None
        for _ in range(50):  # a connection the crash broke fails as "graph unavailable"
            try:
                rows = await graph.run(READ_NAMES, {})
                break
            except GraphUnavailableError:
                await asyncio.sleep(0.1)
        assert rows == [{"name": "Watched"}]
    finally:
        await graph.close()
        server.stop()
    await asyncio.sleep(0.5)  # a stopped server stays stopped: the watcher ended with stop()
    assert not server._answers()
