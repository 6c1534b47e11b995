"""Hub settings: the only module that reads the environment (``HUB_*`` variables)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hub.errors import ConfigError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the hub can be configured with, with production-safe defaults.

    Build it with :func:`load_settings` (from the environment) or directly in tests.
    """

    graph_uri: str = "embedded:"
    graph_name: str = "hub"
    data_dir: Path = Path("var")
    neo4j_user: str = "neo4j"
    neo4j_password: str = field(default="", repr=False)
    neo4j_database: str | None = None
    query_timeout_ms: int = 10_000
    host: str = "127.0.0.1"
    port: int = 8000
    policy_dir: Path = Path("policies")
    policy_reload_seconds: int = 5
    issuers_file: Path | None = None
    dev_issuer: bool = False
    telemetry_exporter: str = "none"  # none | console | otlp
    otlp_endpoint: str | None = None
    graphiql: bool = True
    max_query_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2_000
    ingest_max_bytes: int = 256 * 1024 * 1024
    max_subscriptions: int = 5  # per websocket connection
    subscription_queue: int = 64  # pending alert events per subscriber (oldest dropped)
    patterns_on_ingest: bool = True  # run the pattern rules after an ingest that wrote records
    patterns_interval_s: int = 0  # `hub serve` runs them every this many seconds; 0: never
    alert_poll_s: float = 1.0  # relay other processes' alert changes this often; 0: never
    workers: int = 1  # `hub serve` worker processes

    def with_(self, **changes: Any) -> Settings:
        """Return a copy with ``changes`` applied (tests and the CLI use this)."""
        return replace(self, **changes)


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a finite number of seconds, 0 or more, not {raw!r}")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``HUB_*`` variables from ``environ`` (default: the process environment).

    Raises:
        ConfigError: a variable has a value the hub cannot use; the message names it.
    """
    env = os.environ if environ is None else environ
    base = Settings()
    exporter = env.get("HUB_TELEMETRY_EXPORTER", base.telemetry_exporter).strip().lower()
    if exporter not in {"none", "console", "otlp"}:
        raise ConfigError(f"HUB_TELEMETRY_EXPORTER must be none, console or otlp, not {exporter!r}")
    issuers = env.get("HUB_ISSUERS_FILE")
    return Settings(
        graph_uri=env.get("HUB_GRAPH_URI", base.graph_uri),
        graph_name=env.get("HUB_GRAPH_NAME", base.graph_name),
        data_dir=Path(env.get("HUB_DATA_DIR", str(base.data_dir))),
        neo4j_user=env.get("HUB_NEO4J_USER", base.neo4j_user),
        neo4j_password=env.get("HUB_NEO4J_PASSWORD", base.neo4j_password),
        neo4j_database=env.get("HUB_NEO4J_DATABASE") or None,
        query_timeout_ms=_int(
            "HUB_QUERY_TIMEOUT_MS", env.get("HUB_QUERY_TIMEOUT_MS", str(base.query_timeout_ms)), 1
        ),
        host=env.get("HUB_HOST", base.host),
        port=_int("HUB_PORT", env.get("HUB_PORT", str(base.port)), 1),
        policy_dir=Path(env.get("HUB_POLICY_DIR", str(base.policy_dir))),
        policy_reload_seconds=_int(
            "HUB_POLICY_RELOAD_SECONDS",
            env.get("HUB_POLICY_RELOAD_SECONDS", str(base.policy_reload_seconds)),
        ),
        issuers_file=Path(issuers) if issuers else None,
        dev_issuer=_flag("HUB_DEV_ISSUER", env.get("HUB_DEV_ISSUER", "false")),
        telemetry_exporter=exporter,
        otlp_endpoint=env.get("HUB_OTLP_ENDPOINT") or None,
        graphiql=_flag("HUB_GRAPHIQL", env.get("HUB_GRAPHIQL", "true")),
        ingest_max_bytes=_int("HUB_INGEST_MAX_BYTES",
                              env.get("HUB_INGEST_MAX_BYTES", str(base.ingest_max_bytes)), 1),
        max_subscriptions=_int("HUB_MAX_SUBSCRIPTIONS", env.get(
            "HUB_MAX_SUBSCRIPTIONS", str(base.max_subscriptions)), 1),
        subscription_queue=_int("HUB_SUBSCRIPTION_QUEUE", env.get(
            "HUB_SUBSCRIPTION_QUEUE", str(base.subscription_queue)), 1),
        patterns_on_ingest=_flag("HUB_PATTERNS_ON_INGEST", env.get("HUB_PATTERNS_ON_INGEST",
                                                                   "true")),
        patterns_interval_s=_int("HUB_PATTERNS_INTERVAL_SECONDS", env.get(
            "HUB_PATTERNS_INTERVAL_SECONDS", str(base.patterns_interval_s))),
        alert_poll_s=_seconds("HUB_ALERT_POLL_SECONDS", env.get(
            "HUB_ALERT_POLL_SECONDS", str(base.alert_poll_s))),
        workers=_int("HUB_WORKERS", env.get("HUB_WORKERS", str(base.workers)), 1),
    )


def neo4j_test_uri(environ: Mapping[str, str] | None = None) -> str | None:
    """The Neo4j server the store contract tests may use, if any (``HUB_TEST_NEO4J_URI``)."""
    env = os.environ if environ is None else environ
    return env.get("HUB_TEST_NEO4J_URI") or None


