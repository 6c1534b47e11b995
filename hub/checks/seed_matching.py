"""SEED exit/entry matching: pair each exit message with the entry message at the neighbour.

The office of exit of one party sends pre-arrival data; the office of entry of the neighbour
records the truck's arrival. A pair must be on the same lane (party of exit, party of entry) and
share at least one key — the document reference, the tractor plate or the trailer plate — and
the entry must come within ``window_hours`` after the exit (``skew_minutes`` early at most, for
clocks). Matched pairs are then compared:

    seed_weight_mismatch     gross weight differs beyond max(ratio x exit weight, kg)
    seed_hs_mismatch         HS headings (4 digits) or subheadings (6 digits) differ
    seed_consignor_mismatch  consignor differs (tax id, else name across scripts)
    seed_consignee_mismatch  consignee differs
    seed_origin_mismatch     country of origin differs
    seed_reference_mismatch  matched by plates, but the document references differ
    seed_vehicle_mismatch    matched, but the tractor or trailer plate differs
    seed_office_mismatch     the truck entered at another office than the one announced
    seed_missing_entry       no entry within the window after an exit
    seed_unannounced_entry   an entry from a SEED party with no exit message

:class:`SeedMatcher` is incremental: messages are added as they come; an index keyed by lane and
plate/reference finds candidates, so each message costs O(log n) (a heap orders the stream) and
the keys it shares, never a scan of the others. Entries wait ``skew_minutes`` before matching so
a slightly later exit is still seen; an exit whose window has passed is reported missing.
Among candidates the best score wins (reference 4, tractor 2, trailer 1), then the closest time.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.checks.seed_messages import SeedMessage, same_party
from hub.checks.signals import Severity, Signal, SignalKind, instant_text, sorted_signals
from hub.model import CEFTA_PARTIES

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
_WEIGHTS = (("reference", 4), ("tractor", 2), ("trailer", 1))


@dataclass(frozen=True, slots=True)
class MatchRules:
    """Matching window and comparison tolerances."""

    window_hours: float = 12.0
    skew_minutes: float = 30.0
    weight_ratio: float = 0.02
    weight_kg: float = 200.0
    name_threshold: float = 0.8
    seed_parties: frozenset[str] = frozenset(CEFTA_PARTIES)
    """Parties that send exit messages: an entry from elsewhere is not 'unannounced'."""

    @property
    def window_ms(self) -> int:
        return int(self.window_hours * HOUR_MS)

    @property
    def skew_ms(self) -> int:
        return int(self.skew_minutes * MINUTE_MS)


@dataclass(frozen=True, slots=True)
class SeedMatch:
    """An exit message paired with an entry message."""

    exit_id: str
    entry_id: str
    score: int
    gap_minutes: int
    matched_by: tuple[str, ...]
    observed_at: str


@dataclass(slots=True)
class MatchOutcome:
    """What a matching run found. ``pending`` exits are unmatched but still inside their
    window at the horizon: neither matched nor missing yet."""

    matches: list[SeedMatch] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    messages: int = 0


def _fmt_kg(value: float) -> str:
    return f"{value:,.0f} kg"


def compare(x: SeedMessage, e: SeedMessage, rules: MatchRules) -> list[Signal]:
    """The mismatch signals of a matched exit ``x`` and entry ``e``."""
    out: list[Signal] = []
    at = instant_text(x.at_ms)
    ids = (x.id, e.id)

    def signal(kind: SignalKind, severity: Severity, reason: str) -> None:
        out.append(Signal(kind, severity, e.id, ids, reason, at))

    if x.gross_kg is not None and e.gross_kg is not None:
        diff = abs(e.gross_kg - x.gross_kg)
        if diff > max(rules.weight_ratio * x.gross_kg, rules.weight_kg):
            severe = diff > 0.1 * x.gross_kg
            signal(SignalKind.SEED_WEIGHT, Severity.HIGH if severe else Severity.MEDIUM,
                   f"gross weight {_fmt_kg(x.gross_kg)} at exit, {_fmt_kg(e.gross_kg)} at entry "
                   f"({'+' if e.gross_kg > x.gross_kg else '-'}{_fmt_kg(diff)})")
    if x.hs_codes and e.hs_codes:
        heads_x, heads_e = {c[:4] for c in x.hs_codes}, {c[:4] for c in e.hs_codes}
        subs_x = {c[:6] for c in x.hs_codes if len(c) >= 6}
        subs_e = {c[:6] for c in e.hs_codes if len(c) >= 6}
        if heads_x != heads_e:
            signal(SignalKind.SEED_HS, Severity.HIGH,
                   f"HS headings {', '.join(sorted(heads_x))} at exit, "
                   f"{', '.join(sorted(heads_e))} at entry")
        elif subs_x and subs_e and subs_x != subs_e:
            signal(SignalKind.SEED_HS, Severity.MEDIUM,
                   f"HS subheadings {', '.join(sorted(subs_x))} at exit, "
                   f"{', '.join(sorted(subs_e))} at entry")
    for kind, role, a, b in ((SignalKind.SEED_CONSIGNOR, "consignor", x.consignor, e.consignor),
                             (SignalKind.SEED_CONSIGNEE, "consignee", x.consignee, e.consignee)):
        if same_party(a, b, rules.name_threshold) is False:
            assert a is not None
            assert b is not None
            signal(kind, Severity.HIGH,
                   f"{role} {_party_text(a)} at exit, {_party_text(b)} at entry")
    if x.origin and e.origin and x.origin != e.origin:
        signal(SignalKind.SEED_ORIGIN, Severity.HIGH,
               f"origin {x.origin} at exit, {e.origin} at entry")
    if x.reference and e.reference and x.reference != e.reference:
        signal(SignalKind.SEED_REFERENCE, Severity.LOW,
               f"document {x.reference} at exit, {e.reference} at entry (same vehicle)")
    for what, a_plate, b_plate in (("tractor", x.tractor, e.tractor),
                                   ("trailer", x.trailer, e.trailer)):
        if a_plate and b_plate and a_plate != b_plate:
            signal(SignalKind.SEED_VEHICLE, Severity.MEDIUM,
                   f"{what} {a_plate} at exit, {b_plate} at entry")
    if x.entry_office != e.entry_office:
        signal(SignalKind.SEED_OFFICE, Severity.LOW,
               f"announced for office {x.entry_office}, entered at {e.entry_office}")
    return out


def _party_text(p: object) -> str:
    name = getattr(p, "name", None) or "(no name)"
    tax = getattr(p, "tax_id", None)
    return f"{name} ({tax})" if tax else str(name)


class SeedMatcher:
    """Incremental matcher. ``add`` messages in any order within ``skew_minutes``, call
    ``advance(watermark)`` when every message up to ``watermark`` (epoch ms) has been added,
    and ``finish(horizon)`` at the end. Results accumulate in ``outcome``."""

    def __init__(self, rules: MatchRules | None = None) -> None:
        self.rules = rules or MatchRules()
        self.outcome = MatchOutcome()
        self._queue: list[tuple[int, int, int, SeedMessage]] = []
        self._seq = itertools.count()
        self._open: deque[SeedMessage] = deque()  # exits, in time order
        self._index: dict[tuple[str, str, str, str], list[SeedMessage]] = {}
        self._closed: set[str] = set()  # exits matched (lazily dropped from _open)

    def add(self, message: SeedMessage) -> None:
        self.outcome.messages += 1
        # An entry is handled skew later, so an exit stamped up to skew after it is seen first.
        delay = self.rules.skew_ms if message.direction == "entry" else 0
        heapq.heappush(self._queue, (message.at_ms + delay, 0 if message.direction == "exit"
                                     else 1, next(self._seq), message))

    def advance(self, watermark: int) -> None:
        """Handle every queued message due by ``watermark``; exits whose window has passed by
        then are reported missing."""
        while self._queue and self._queue[0][0] <= watermark:
            due, _, _, message = heapq.heappop(self._queue)
            self._expire(due)
            if message.direction == "exit":
                self._open_exit(message)
            else:
                self._enter(message)
        self._expire(watermark)

    def finish(self, horizon: int | None = None) -> MatchOutcome:
        """Handle everything queued. Exits whose window ended by ``horizon`` (default: the
        latest message) are missing; later ones stay ``pending``."""
        latest = max((item[3].at_ms for item in self._queue), default=None)
        while self._queue:
            self.advance(self._queue[0][0])
        end = horizon if horizon is not None else latest
        if end is not None:
            self._expire(end)
        self.outcome.pending = [x.id for x in self._open if x.id not in self._closed]
        self.outcome.signals = sorted_signals(self.outcome.signals)
        return self.outcome

    # ---- internals ---------------------------------------------------------------------------

    def _keys(self, m: SeedMessage) -> Iterable[tuple[str, str, str, str]]:
        lane_x, lane_e = m.lane
        for name, value in (("reference", m.reference), ("tractor", m.tractor),
                            ("trailer", m.trailer)):
            if value:
                yield name, lane_x, lane_e, value

    def _open_exit(self, x: SeedMessage) -> None:
        self._open.append(x)
        for key in self._keys(x):
            self._index.setdefault(key, []).append(x)

    def _drop(self, x: SeedMessage) -> None:
        for key in self._keys(x):
            bucket = self._index.get(key)
            if bucket is not None:
                bucket[:] = [m for m in bucket if m.id != x.id]
                if not bucket:
                    del self._index[key]

    def _expire(self, now: int) -> None:
        limit = self.rules.window_ms + self.rules.skew_ms
        while self._open and self._open[0].at_ms + limit < now:
            x = self._open.popleft()
            if x.id in self._closed:
                self._closed.discard(x.id)
                continue
            self._drop(x)
            self.outcome.signals.append(Signal(
                SignalKind.SEED_MISSING_ENTRY, Severity.MEDIUM, x.id, (x.id,),
                f"exit at {x.exit_office} on {instant_text(x.at_ms)} towards {x.entry_office}: "
                f"no entry within {self.rules.window_hours:g} h", instant_text(x.at_ms)))

    def _enter(self, e: SeedMessage) -> None:
        best: tuple[int, int] | None = None
        chosen: SeedMessage | None = None
        by: tuple[str, ...] = ()
        seen: set[str] = set()
        for key in self._keys(e):
            for x in self._index.get(key, ()):
                if x.id in seen:
                    continue
                seen.add(x.id)
                gap = e.at_ms - x.at_ms
                if gap < -self.rules.skew_ms or gap > self.rules.window_ms:
                    continue
                shared = tuple(name for name, _ in _WEIGHTS
                               if getattr(x, name) and getattr(x, name) == getattr(e, name))
                score = sum(weight for name, weight in _WEIGHTS if name in shared)
                rank = (score, -abs(gap))
                if best is None or rank > best:
                    best, chosen, by = rank, x, shared
        if chosen is None or best is None:
            if e.lane[0] in self.rules.seed_parties:
                self.outcome.signals.append(Signal(
                    SignalKind.SEED_UNANNOUNCED_ENTRY, Severity.LOW, e.id, (e.id,),
                    f"entry at {e.entry_office} on {instant_text(e.at_ms)} from "
                    f"{e.exit_office}: no exit message matches", instant_text(e.at_ms)))
            return
        self._drop(chosen)
        self._closed.add(chosen.id)
        self.outcome.matches.append(SeedMatch(
            chosen.id, e.id, best[0], (e.at_ms - chosen.at_ms) // MINUTE_MS, by,
            instant_text(chosen.at_ms)))
        self.outcome.signals.extend(compare(chosen, e, self.rules))


def match_messages(messages: Iterable[SeedMessage], rules: MatchRules | None = None,
                   horizon: int | None = None) -> MatchOutcome:
    """Match a batch of messages (any order); see :class:`SeedMatcher`."""
    matcher = SeedMatcher(rules)
    for message in messages:
        matcher.add(message)
    return matcher.finish(horizon)
