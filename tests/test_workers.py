"""``hub serve --workers 2`` as a real process: it serves, workers share one embedded graph
server, and SIGTERM stops the workers and then the graph server."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hub.app import serve_app
from hub.auth import dev_issuer
from hub.errors import ConfigError
from hub.principal import Role
from hub.settings import Settings, load_settings
from tests.serving import free_port

ROOT = Path(__file__).resolve().parents[1]
START_S = 20.0
STOP_S = 20.0
QUERY = "{ viewer { agency } inbox(first: 5) { edges { unread } } }"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _workers(parent: int) -> list[int]:
    """The parent's children that are spawned Python workers (not the graph server, nor
    multiprocessing's resource tracker)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    found = []
    for child in children:
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in cmdline:
            found.append(int(child))
    return found


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"hub serve exited with {process.returncode} before ready")
        try:
            if httpx.get(base + "/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"hub serve was not ready within {START_S:.0f} s")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_serve_with_two_workers_serves_and_stops_its_graph_server(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "HUB_DATA_DIR": str(tmp_path), "HUB_DEV_ISSUER": "true",
           "HUB_PORT": str(port), "HUB_HOST": "127.0.0.1", "HUB_POLICY_DIR": str(ROOT / "policies"),
           "HUB_GRAPH_URI": "embedded:", "HUB_TELEMETRY_EXPORTER": "none"}
    hub = Path(sys.executable).with_name("hub")
    process = subprocess.Popen(
        [str(hub), "serve", "--migrate", "--workers", "2"], cwd=ROOT, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, process)
        db_pid = int((tmp_path / "falkordb.pid").read_text())
        assert _alive(db_pid)
        assert len(_workers(process.pid)) == 2

        token = dev_issuer(Settings(data_dir=tmp_path, dev_issuer=True)).mint(
            "MK-CUS", [Role.ANALYST])
        for _ in range(4):  # a few requests, whichever worker takes each
            response = httpx.post(base + "/graphql", json={"query": QUERY}, timeout=10.0,
                                  headers={"Authorization": "Bearer " + token})
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, body
            assert body["data"] == {"viewer": {"agency": "MK-CUS"}, "inbox": {"edges": []}}

        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=STOP_S)
        assert process.returncode == 0, stderr.decode(errors="replace")[-2000:]
        assert not _alive(db_pid), "the embedded graph server outlived hub serve"
        assert not (tmp_path / "falkordb.sock").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_worker_and_relay_settings_are_read_and_checked() -> None:
    settings = load_settings({"HUB_WORKERS": "3", "HUB_ALERT_POLL_SECONDS": "0.25"})
    assert (settings.workers, settings.alert_poll_s) == (3, 0.25)
    assert load_settings({"HUB_ALERT_POLL_SECONDS": "0"}).alert_poll_s == 0
    assert (load_settings({}).workers, load_settings({}).alert_poll_s) == (1, 1.0)
    for name, value in [("HUB_WORKERS", "0"), ("HUB_WORKERS", "two"),
                        ("HUB_ALERT_POLL_SECONDS", "-1"), ("HUB_ALERT_POLL_SECONDS", "soon"),
                        ("HUB_ALERT_POLL_SECONDS", "nan"), ("HUB_ALERT_POLL_SECONDS", "inf")]:
        with pytest.raises(ConfigError, match=name):
            load_settings({name: value})


def test_only_one_worker_runs_the_pattern_schedule(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    for name, value in {"HUB_DATA_DIR": str(tmp_path), "HUB_DEV_ISSUER": "true",
                        "HUB_POLICY_DIR": str(ROOT / "policies"),
                        "HUB_PATTERNS_INTERVAL_SECONDS": "60"}.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.INFO, logger="hub.app")
    first = serve_app()
    try:
        second = serve_app()
        assert first.state.schedule_lock is not None
        assert second.state.schedule_lock is None
        assert "another worker runs the schedule" in caplog.text
    finally:
        first.state.schedule_lock.close()
    third = serve_app()  # the schedule's worker has gone: the next one takes it over
    assert third.state.schedule_lock is not None
    third.state.schedule_lock.close()
