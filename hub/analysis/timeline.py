"""The timeline of an entity: its declarations, crossings, controls, alerts and documents in time.

The events of an entity are those of the entity itself and of the consignments one visible
link away: declarations (Consignment.declared_at), crossings (CROSSED.at), controls
(ControlResult.controlled_at), alerts (RiskAlert.valid_from), documents issued and expiring
(Lpco.issued_at, valid_until). Each class is one branch of one statement that returns its
events in (time, id) order after the class's own cursor position; the classes are merged
here. The
cursor holds one position per class, so a page never skips or repeats an event even when
times are ties or when classes store time differently (ISO text or epoch milliseconds).
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hub.analysis.links import (
    Scanner,
    Window,
    check_range,
    display_label,
    visible_because,
)
from hub.errors import InputError, NotFoundError
from hub.graph.cypher.links import TIMELINE, TIMELINE_CLASSES, TIMELINE_SELF
from hub.times import epoch_ms

MAX_FIRST = 100
SUBJECT_BUDGET = 5_000
"""Consignments of one entity a timeline looks at (a border crossing has far more)."""

CLASSES = TIMELINE_CLASSES
_SELF_FIELDS = {"ControlResult": (("controlled", "controlled_at"),),
                "RiskAlert": (("alert", "valid_from"),),
                "Lpco": (("lpco_issued", "issued_at"), ("lpco_expires", "valid_until"))}

Position = tuple[Any, str]
"""A class's cursor position: the raw time value and the event key of the last event read."""


@dataclass(frozen=True, slots=True)
class Ref:
    """A record an event is about, as the caller may see it."""

    id: str
    kind: str
    label: str
    personal: bool


@dataclass(frozen=True, slots=True)
class Event:
    """One event: ``type`` is its class, ``time`` the stored value, ``at`` epoch ms (None when
    the stored text is not a date), ``key`` the record or edge id the event comes from."""

    type: str
    key: str
    time: Any
    at: int | None
    record: Ref
    related: Ref | None
    visible_because: str
    record_owner: str | None = None
    related_owner: str | None = None

    @property
    def id(self) -> str:
        return f"{self.type}:{self.key}"


@dataclass(frozen=True, slots=True)
class TimelinePage:
    events: tuple[Event, ...]
    has_next: bool
    positions: Mapping[str, Position]
    notes: tuple[str, ...]


def _ref(row: Mapping[str, Any]) -> Ref:
    label = display_label(row)
    return Ref(id=row["id"], kind=row["kind"], label=label,
               personal=row["kind"] == "Person" and row.get("label") is not None)


def _sort_key(event: Event, rank: int) -> tuple[int, int, str]:
    return (event.at if event.at is not None else 2**62, rank, event.key)


async def timeline(scanner: Scanner, entity: str, *, window: Window | None = None,
                   first: int = 50, after: Mapping[str, Position] | None = None) -> TimelinePage:
    """A page of the events of ``entity`` in time order: ``first`` (1-100) events after the
    positions ``after`` (from the previous page). Raises LimitError, NotFoundError."""
    check_range("first", first, 1, MAX_FIRST)
    window = window or Window()
    after = dict(after or {})
    unknown = set(after) - set(CLASSES)
    if unknown:
        raise InputError("after: not a cursor issued by this API; pass an endCursor back")
    vis = scanner.vis
    cursor: dict[str, Any] = {}
    for name in CLASSES:
        cursor[name + "_t"], cursor[name + "_id"] = after.get(name, (None, ""))
    own, rows = await asyncio.gather(
        scanner.store.run(TIMELINE_SELF, {"id": entity, "budget": SUBJECT_BUDGET, "vis": vis}),
        scanner.store.run(TIMELINE, {"id": entity, "budget": SUBJECT_BUDGET, "first": first + 1,
                                     "w": window.params(), "c": cursor, "vis": vis}))
    if not own:
        raise NotFoundError(f"no record with id {entity!r} is visible to you")
    streams: list[list[Event]] = []
    for name in CLASSES:
        events = [_event(scanner, name, row) for row in rows if row["class"] == name]
        own_events = _own_events(scanner, name, own[0], window, after.get(name))
        if own_events:
            # Own events join their class in the order the query uses: (raw time, key).
            events = sorted(events + own_events, key=lambda e: (_raw(e.time), e.key))
        # (Rows of one class arrive in the query's (time, key) order.)
        streams.append(events[:first + 1])
    merged = heapq.merge(*(_ranked(stream, rank) for rank, stream in enumerate(streams)))
    page: list[Event] = []
    positions = dict(after)
    for _, _, event in merged:
        if len(page) == first:
            break
        page.append(event)
        positions[event.type] = (event.time, event.key)
    consumed = {name: sum(1 for e in page if e.type == name) for name in CLASSES}
    has_next = any(len(stream) > consumed[name] for name, stream in zip(CLASSES, streams,
                                                                         strict=True))
    notes = () if int(own[0]["subjects"]) < SUBJECT_BUDGET else (
        f"only {SUBJECT_BUDGET} of the consignments of {entity} were looked at; "
        "narrow the time window or look at a consignment",)
    return TimelinePage(tuple(page), has_next, positions, notes)


def _ranked(stream: list[Event], rank: int) -> Iterator[tuple[tuple[int, int, str], int, Event]]:
    for index, event in enumerate(stream):
        yield _sort_key(event, rank), index, event


def _event(scanner: Scanner, name: str, row: Mapping[str, Any]) -> Event:
    return Event(type=name, key=row["eid"], time=row["t"], at=epoch_ms(row["t"]),
                 record=_ref(row["record"]),
                 related=_ref(row["related"]) if row["related"] else None,
                 visible_because=visible_because(row["carrier"], scanner.visibility),
                 record_owner=row["record"].get("owner_agency"),
                 related_owner=(row["related"] or {}).get("owner_agency"))


def _own_events(scanner: Scanner, name: str, own: Mapping[str, Any], window: Window,
                after: Position | None) -> list[Event]:
    """Events of the entity's own dates (a control, an alert, a document) in class ``name``."""
    node, dates = own["n"], own["dates"]
    events = []
    for cls, field in _SELF_FIELDS.get(node["kind"], ()):
        value = dates.get(field)
        if cls != name or value is None or not _inside(value, window):
            continue
        if after is not None and not _later((value, node["id"]), after):
            continue
        events.append(Event(type=cls, key=node["id"], time=value, at=epoch_ms(value),
                            record=_ref(node), related=None,
                            visible_because=visible_because(node, scanner.visibility),
                            record_owner=node.get("owner_agency")))
    return events


def _raw(value: Any) -> tuple[int, Any]:
    """Order like Cypher: text before numbers."""
    return (0, value) if isinstance(value, str) else (1, value)


def _later(position: Position, after: Position) -> bool:
    """(time, key) after the cursor, comparing like the query (false when types differ)."""
    try:
        return bool(position > after)
    except TypeError:
        return False


def _inside(value: Any, window: Window) -> bool:
    """The ``within`` predicate of hub.graph.cypher.links, for a value read here."""
    bounds = window.params()
    if not bounds["timed"]:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return bool(bounds["since_ms"] <= value <= bounds["until_ms"])
    if isinstance(value, str):
        return bool((value >= bounds["since_iso"] or value == bounds["since_day"])
                    and value <= bounds["until_iso"])
    return False
