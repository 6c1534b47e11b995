"""Running the pattern rules unattended: after an ingest, and every so often in ``hub serve``.

A run never undoes what triggered it. The ingest has landed (its writes are committed batch by
batch) before the rules start, and whatever goes wrong in the rules — the graph, the policy
files, a bug — is caught and turned into a :class:`PatternRun` carrying the error's code, for
the ingest report and the log. A run's summary holds counts only (per rule), never ids, names
or values, so it may be logged and returned to any client that may ingest.

The rules themselves are idempotent (:mod:`hub.analysis.risk.patterns`): running them after
every ingest and on a schedule raises each candidate once. One :class:`PatternRunner` runs one
pass at a time, so passes never race over the same candidates. After an ingest the pass is one
of the follow-ups (:mod:`hub.ingest.followups`): ``hub ingest`` waits for it and prints it; the
HTTP endpoint queues the follow-ups in the background and answers at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.analysis.risk.patterns import after_ingest
from hub.errors import error_code
from hub.graph.store import GraphStore
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.times import today_utc

log = logging.getLogger("hub.risk.patterns")

RETRY_HINT = "the ingest itself has landed; run `hub risk patterns` to raise the candidates"


@dataclass(frozen=True, slots=True)
class PatternRun:
    """What one unattended pass did: candidates found and newly raised, per rule, or why it
    failed (``error`` is the error's stable code, ``internal`` for anything not a HubError)."""

    trigger: str
    as_of: str
    candidates: int = 0
    created: int = 0
    created_by_rule: Mapping[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (the ingest report's ``patterns``)."""
        data: dict[str, Any] = {
            "ok": self.ok, "trigger": self.trigger, "as_of": self.as_of,
            "candidates": self.candidates, "created": self.created,
            "created_by_rule": dict(sorted(self.created_by_rule.items())),
            "seconds": round(self.seconds, 3), "summary": self.summary()}
        if self.error is not None:
            data["error"] = self.error
        return data

    def summary(self) -> str:
        """One line for a console or a log."""
        if self.error is not None:
            hint = f": {RETRY_HINT}" if self.trigger == "ingest" else ""
            return f"pattern rules failed ({self.error}){hint}"
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.created_by_rule.items()))
        return (f"pattern rules as of {self.as_of}: {self.created} new alert candidate(s)"
                + (f" ({rules})" if rules else "") + f", {self.candidates} in all")


class PatternRunner:
    """Runs every pattern rule for every analysis agency, one pass at a time.

    ``policy`` is called when a pass starts (so a policy that cannot load fails the pass, not
    whatever triggered it); ``today`` gives the day the rules look back from.
    """

    def __init__(self, policy: Callable[[], PolicyEngine],
                 agencies: Sequence[str] | None = None,
                 today: Callable[[], str] | None = None) -> None:
        self._policy = policy
        self._agencies = agencies
        self._today = today or today_utc
        self._lock = asyncio.Lock()
        self.passes = 0
        self.last: PatternRun | None = None
        """The latest pass's outcome (what a background pass did is also logged)."""

    async def run(self, store: GraphStore, audit: AuditTrail | None,
                  trigger: str) -> PatternRun:
        """One pass. Never raises (except cancellation): a failure is in the result."""
        async with self._lock:
            self.last = run = await self._pass(store, audit, trigger)
            self.passes += 1
        return run

    async def _pass(self, store: GraphStore, audit: AuditTrail | None,
                    trigger: str) -> PatternRun:
        as_of = self._today()
        started = time.perf_counter()
        try:
            report = await after_ingest(store, self._policy(), audit, as_of,
                                        self._agencies)
        except Exception as exc:  # any failure is reported, never raised
            code = error_code(exc)
            # the message and traceback may name records: kept out of the normal log
            log.warning("pattern rules failed after %s (%s: %s); %s", trigger, code,
                        type(exc).__name__, RETRY_HINT if trigger == "ingest"
                        else "the next pass will try again")
            log.debug("pattern rules failure", exc_info=True)
            return PatternRun(trigger, as_of, seconds=time.perf_counter() - started,
                              error=code)
        created = Counter(c.rule for c in report.candidates if c.new)
        run = PatternRun(trigger, as_of, len(report.candidates), report.created, dict(created),
                         time.perf_counter() - started)
        log.info("%s (after %s, %.1f s)", run.summary(), trigger, run.seconds)
        return run

    async def every(self, store: GraphStore, audit: AuditTrail | None,
                    interval_s: float) -> None:
        """Run a pass every ``interval_s`` seconds, the first one after the first interval,
        until cancelled (``hub serve`` with ``HUB_PATTERNS_INTERVAL_SECONDS``)."""
        while True:
            await asyncio.sleep(interval_s)
            await self.run(store, audit, "schedule")
