"""The in-process alert event bus: mutations publish alert ids, subscriptions take them.

An event is only an alert id: it carries no content and no audience. Each subscriber re-reads
the alert through its own visibility when it takes the event, so what it receives is decided
by the access rules at delivery time, never by the event.

Each subscriber has a bounded queue of distinct pending ids (an id already pending is not
queued twice: delivery reads the alert's current state anyway). When a slow subscriber's queue
is full, the oldest pending id is dropped and remembered as *skipped* (at most
:data:`MAX_SKIPPED`, oldest forgotten first); the next delivery hands the skipped ids over so
the subscription can tell the client which of them (visible to it) to re-read.

The bus lives in one process; :class:`hub.alerts.relay.AlertRelay` brings it the changes made
through other processes (workers, instances) by polling the graph. A change published with its
version is announced once however it arrives: a version no newer than the last one this bus
announced for that alert is not announced again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULT_QUEUE = 64
MAX_SKIPPED = 100
REMEMBERED_VERSIONS = 10_000
"""Alerts whose last announced version the bus remembers (least recently announced forgotten
first); forgetting one costs at most a repeated event, which delivery re-reads anyway."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """The next pending alert id, and the ids dropped from the queue since the last one."""

    alert_id: str
    skipped: tuple[str, ...] = ()


class Subscriber:
    """One subscription's queue. Only its own task awaits :meth:`next`."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._pending: OrderedDict[str, None] = OrderedDict()
        self._skipped: OrderedDict[str, None] = OrderedDict()
        self._ready = asyncio.Event()

    def offer(self, alert_id: str) -> None:
        """Queue an id (called by the bus, on the event loop); never blocks the publisher."""
        if alert_id in self._pending:
            return
        if len(self._pending) >= self._capacity:
            dropped, _ = self._pending.popitem(last=False)
            self._skipped[dropped] = None
            self._skipped.move_to_end(dropped)
            while len(self._skipped) > MAX_SKIPPED:
                self._skipped.popitem(last=False)
        self._pending[alert_id] = None
        self._skipped.pop(alert_id, None)
        self._ready.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def next(self) -> Delivery:
        """Wait for the next id; hands over (and forgets) the skipped ids with it."""
        while not self._pending:
            self._ready.clear()
            await self._ready.wait()
        alert_id, _ = self._pending.popitem(last=False)
        skipped = tuple(self._skipped)
        self._skipped.clear()
        return Delivery(alert_id, skipped)


class AlertBus:
    """Fan-out of alert ids to the subscribers of this process."""

    def __init__(self, queue_size: int = DEFAULT_QUEUE) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, not {queue_size}")
        self._queue_size = queue_size
        self._subscribers: set[Subscriber] = set()
        self._versions: OrderedDict[str, int] = OrderedDict()

    def publish(self, alert_id: str, version: int | None = None) -> bool:
        """Tell every subscriber that ``alert_id`` changed (raise, update, withdraw, reshare).

        Called by the alert service after a change (with the new version) and by the relay.
        Returns False, announcing nothing, when ``version`` is not newer than the last version
        announced for the alert; without a version the change is always announced.
        """
        if version is not None:
            last = self._versions.get(alert_id)
            if last is not None and version <= last:
                return False
            self._versions[alert_id] = version
            self._versions.move_to_end(alert_id)
            while len(self._versions) > REMEMBERED_VERSIONS:
                self._versions.popitem(last=False)
        for subscriber in tuple(self._subscribers):
            subscriber.offer(alert_id)
        return True

    @contextmanager
    def subscribe(self) -> Iterator[Subscriber]:
        """A subscriber for the ``with`` block; it stops receiving when the block ends."""
        subscriber = Subscriber(self._queue_size)
        self._subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self._subscribers.discard(subscriber)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)
