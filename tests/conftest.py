"""Shared fixtures: one real embedded FalkorDB per test session, one fresh graph per test."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

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


# ---- statement coverage: every registered statement must run on FalkorDB ----------------------
#
# FalkorStore.run opens a span "graph <statement name>" (hub.telemetry.statement_span). The session
# installs an SDK tracer provider exporting to memory, drains it after each test, and remembers
# which statements completed without error on FalkorDB. When the whole suite ran and passed, a
# registered statement that never ran fails the session: the Cypher analyser only proves that
# Neo4j accepts a statement; running it proves FalkorDB does. Helpers declared by tests
# (``tests.*``) and by the benchmarks (``bench.*``) are exempt.

_SPAN_PREFIX = "graph "
_EXEMPT_PREFIXES = ("tests.", "bench.")
_spans = InMemorySpanExporter()
_executed: set[str] = set()
_deselected = 0
_collected_files: set[str] = set()
_never_executed: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    # The global tracer provider can be set once per process: this is the one for the session.
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_spans))
    trace.set_tracer_provider(provider)


def _drain_spans() -> None:
    for span in _spans.get_finished_spans():
        if (span.name.startswith(_SPAN_PREFIX) and span.attributes is not None
                and span.attributes.get("db.system") == "falkordb"
                and span.status.status_code is not StatusCode.ERROR):
            _executed.add(span.name.removeprefix(_SPAN_PREFIX))
    _spans.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    finally:
        _drain_spans()


@pytest.fixture
def span_exporter() -> InMemorySpanExporter:
    """The session's in-memory span exporter, emptied for this test (spans are also recorded)."""
    _drain_spans()
    return _spans


def executed_statements() -> frozenset[str]:
    """Names of the statements that have completed on FalkorDB so far in this session."""
    _drain_spans()
    return frozenset(_executed)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # Modules count as collected even when they skip themselves or hold no test: the question is
    # whether the run looked at every file, not whether every file produced tests.
    if "::" not in report.nodeid and report.nodeid.endswith(".py"):
        _collected_files.add(report.nodeid)


def pytest_deselected(items: list[pytest.Item]) -> None:
    global _deselected  # noqa: PLW0603  (a per-session count kept by a pytest hook)
    _deselected += len(items)


def _ran_whole_suite(session: pytest.Session) -> bool:
    """True when every test module under tests/ was collected and nothing was filtered out."""
    option = session.config.option
    if (option.keyword or option.markexpr or _deselected or option.collectonly
            or getattr(option, "setuponly", False) or getattr(option, "setupplan", False)
            or any("::" in str(arg) for arg in session.config.args)):
        return False
    here = Path(__file__).resolve().parent
    on_disk = {path.resolve() for path in here.rglob("test_*.py")}
    collected = {(session.config.rootpath / nodeid).resolve() for nodeid in _collected_files}
    return on_disk <= collected


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if exitstatus != pytest.ExitCode.OK or not _ran_whole_suite(session):
        return
    from hub.graph.statements import all_statements

    _drain_spans()
    _never_executed.extend(sorted(
        name for name in all_statements()
        if not name.startswith(_EXEMPT_PREFIXES) and name not in _executed
    ))
    if _never_executed:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _never_executed:
        return
    terminalreporter.write_sep("=", "statements never executed on FalkorDB", red=True)
    terminalreporter.write_line(
        f"{len(_never_executed)} registered statement(s) never completed on FalkorDB in this run. "
        "Every statement in hub/graph/cypher must be exercised by a test (through the code that "
        "sends it) against the real embedded FalkorDB:"
    )
    for name in _never_executed:
        terminalreporter.write_line(f"  {name}")
