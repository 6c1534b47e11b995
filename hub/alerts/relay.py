"""The cross-process alert relay: polls the graph for alert changes and announces them locally.

Every serving process runs one (``hub serve --workers N``, or several hubs behind a load
balancer): an alert changed through another process reaches this process's subscribers within
about one poll interval. It reads ids and versions only; each subscriber re-reads the alert
under its own visibility at delivery, so what a subscriber receives is decided exactly as for a
change made through its own process. A change this process already announced (same alert,
same version) is not announced again: the bus remembers the last version it announced.

Each poll looks back :data:`LOOKBACK_MS` from now at ``changed_at``, the writer's clock when it
made the change, so a change committed a little after its writer read the clock, or written by
a host whose clock is a little behind, is still seen. Hosts whose clocks differ by more than
that can miss each other's changes.
"""

from __future__ import annotations

import asyncio
import logging

from hub.alerts.bus import AlertBus
from hub.alerts.form import instant_text, now_ms
from hub.errors import HubError
from hub.graph.cypher.alerts import CHANGED_SINCE
from hub.graph.store import GraphStore

log = logging.getLogger("hub.alerts.relay")

LOOKBACK_MS = 30_000
"""How far back in ``changed_at`` each poll looks (write latency and clock skew)."""
MAX_PER_POLL = 1_000
"""Changes read per poll, newest first; more changes than this within the look-back window
announce only the newest (a subscriber is told of the others when they change again)."""


class AlertRelay:
    """Announces on ``bus`` the alert changes the graph holds that the bus has not announced."""

    def __init__(self, store: GraphStore, bus: AlertBus, *, lookback_ms: int = LOOKBACK_MS,
                 limit: int = MAX_PER_POLL) -> None:
        self._store = store
        self._bus = bus
        self._lookback_ms = lookback_ms
        self._limit = limit

    async def poll(self) -> int:
        """Read the recent changes once and announce the new ones; returns how many were new.

        Called by :meth:`every` (and tests). Raises HubError when the graph cannot be read.
        """
        rows = await self._store.run(CHANGED_SINCE, {
            "since": instant_text(now_ms() - self._lookback_ms), "limit": self._limit})
        announced = 0
        for row in reversed(rows):  # oldest first, as they happened
            if self._bus.publish(str(row["id"]), int(row["version"])):
                announced += 1
        return announced

    async def every(self, interval_s: float) -> None:
        """Poll every ``interval_s`` seconds until cancelled (the app's lifespan runs this).

        A poll that fails is logged and retried at the next interval.
        """
        while True:
            try:
                await self.poll()
            except HubError as exc:
                log.warning("alert relay: the graph could not be read (%s); retrying", exc.code)
            await asyncio.sleep(interval_s)
