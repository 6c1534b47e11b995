"""The deployment files (docker-compose.yml, Dockerfile) stay in step with the code they run."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app

ROOT = Path(__file__).resolve().parents[1]
DEPLOY_FILES = [ROOT / "docker-compose.yml", ROOT / "Dockerfile"]


def test_every_hub_variable_they_set_is_one_the_settings_read() -> None:
    settings_source = (ROOT / "hub" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"(HUB_[A-Z0-9_]+)"', settings_source))
    used = {name for path in DEPLOY_FILES
            for name in re.findall(r"\b(HUB_[A-Z0-9_]+)\s*[:=]", path.read_text(encoding="utf-8"))}
    assert {"HUB_GRAPH_URI", "HUB_TELEMETRY_EXPORTER", "HUB_OTLP_ENDPOINT"} <= used
    assert used - read == set(), "set in deployment files but never read by hub/settings.py"


def test_the_serve_options_they_pass_exist() -> None:
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    passed = set(re.findall(r"(--[a-z][a-z-]+)", compose + dockerfile))
    passed -= {"--build", "--yes", "--no-deps", "--interval", "--timeout", "--start-period",
               "--retries", "--system", "--uid", "--home-dir", "--shell"}
    result = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert passed, "no serve options found in the deployment files"
    missing = sorted(option for option in passed if option not in result.output)
    assert not missing, f"hub serve has no option(s) {missing}"


def test_the_collector_receives_otlp_http_where_the_hub_sends_it() -> None:
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    collector = (ROOT / "deploy" / "otel-collector.yaml").read_text(encoding="utf-8")
    assert "HUB_OTLP_ENDPOINT: http://otel-collector:4318" in compose
    assert "./deploy/otel-collector.yaml:/etc/otelcol/config.yaml" in compose
    assert re.search(r"http:\s*\n\s*endpoint: 0\.0\.0\.0:4318", collector)
    assert re.search(r"traces:\s*\n\s*receivers: \[otlp\]", collector)
