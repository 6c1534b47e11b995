"""The work that follows an ingest: the AEO status sync, the LPCO checks, the pattern rules.

:func:`run_followups` is the one place that runs them, for ``hub ingest`` (which waits and
prints what they did) and for ``POST /ingest`` (a :class:`FollowupQueue` runs them in the
background and the endpoint answers at once with what it queued). In order:

1. the AEO status sync (:func:`hub.checks.aeo_changes.sync_aeo_history`), after an
   ``aeo-register`` ingest: a register states current statuses, the history and the suspension
   and revocation signals follow from it;
2. the LPCO checks (:func:`hub.checks.lpco_runs.check_documents`) of the consignments presenting
   the documents the ingest brought (:class:`~hub.checks.lpco_runs.DocumentTap` notes them);
3. the pattern rules (:class:`hub.analysis.risk.schedule.PatternRunner`), when records were
   written and the caller runs them.

Each step is isolated: the ingest has landed before they start, and a step that fails (the
graph, the policy files, a bug) is reported by its error's code, never undoes the ingest and
never skips the steps after it. An outcome's :meth:`Followups.as_dict` and log lines hold
counts only, never ids, names or values.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.console import Console

from hub.analysis.risk.schedule import PatternRun, PatternRunner
from hub.checks.aeo import StatusChange
from hub.checks.aeo_changes import sync_aeo_history
from hub.checks.lpco_runs import LpcoRunReport, check_documents
from hub.errors import error_code
from hub.graph.store import GraphStore
from hub.ingest.report import IngestReport
from hub.policy.audit import AuditTrail
from hub.policy.engine import PolicyEngine
from hub.times import today_utc

log = logging.getLogger("hub.ingest.followups")

T = TypeVar("T")

AEO_CONNECTOR = "aeo-register"
RETRY = {"aeo_sync": "`hub checks aeo-sync` runs it again",
         "lpco_checks": "`hub checks lpco --all` runs them again"}


@dataclass(frozen=True, slots=True)
class Ingested:
    """What the follow-ups act on: the connectors that ran, the graph records written and the
    documents seen, for one ingest or for several merged into one background pass."""

    connectors: frozenset[str]
    written: int = 0
    documents: frozenset[str] = frozenset()

    @classmethod
    def of(cls, connector: str, report: IngestReport,
           documents: Iterable[str] = ()) -> Ingested:
        """One ingest: its connector's name, its report, the documents its tap saw."""
        return cls(frozenset({connector}), report.written, frozenset(documents))

    def merged(self, other: Ingested) -> Ingested:
        return Ingested(self.connectors | other.connectors, self.written + other.written,
                        self.documents | other.documents)

    def steps(self, patterns: bool) -> list[str]:
        """The steps this work calls for (``patterns``: whether the caller runs the rules)."""
        wanted = ["aeo_sync"] if AEO_CONNECTOR in self.connectors else []
        wanted += ["lpco_checks"] if self.documents else []
        return wanted + (["patterns"] if patterns and self.written > 0 else [])


@dataclass(frozen=True, slots=True)
class Step(Generic[T]):
    """One step's result, or the stable code of the error that stopped it (``internal`` for
    anything not a HubError)."""

    result: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Followups:
    """What the follow-ups of an ingest did; a step that did not run is None."""

    aeo: Step[list[StatusChange]] | None = None
    lpco: Step[LpcoRunReport] | None = None
    patterns: PatternRun | None = None

    @property
    def ok(self) -> bool:
        return all(s is None or s.ok for s in (self.aeo, self.lpco, self.patterns))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view with counts only (for a log, or a report)."""
        data: dict[str, Any] = {"ok": self.ok}
        if self.aeo is not None:
            data["aeo_sync"] = _counts(self.aeo, lambda changes: {
                "changes": len(changes),
                "signals": sum(1 for c in changes if c.signal is not None)})
        if self.lpco is not None:
            data["lpco_checks"] = _counts(self.lpco, lambda run: {
                "consignments": run.consignments, "documents": run.documents,
                "signals": len(run.signals), "written": run.written,
                "retracted": run.retracted})
        if self.patterns is not None:
            data["patterns"] = self.patterns.as_dict()
        return data

    def summary(self) -> list[str]:
        """One line per step that ran, counts only."""
        return self.check_lines() + ([self.patterns.summary()] if self.patterns else [])

    def check_lines(self, *, done_only: bool = False) -> list[str]:
        """The AEO sync's and LPCO checks' lines (``done_only``: of the steps that did not
        fail; a failed step has logged a warning already)."""
        lines = []
        if self.aeo is not None and (self.aeo.ok or not done_only):
            lines.append(_line("AEO status sync", "aeo_sync", self.aeo, lambda changes: (
                f"{len(changes)} status change(s), "
                f"{sum(1 for c in changes if c.signal is not None)} signal(s)")))
        if self.lpco is not None and (self.lpco.ok or not done_only):
            lines.append(_line("LPCO checks", "lpco_checks", self.lpco, lambda run: (
                f"{run.consignments} consignment(s), {len(run.signals)} signal(s), written "
                f"{run.written}, retracted {run.retracted}")))
        return lines


def _counts(step: Step[T], counts: Callable[[T], dict[str, int]]) -> dict[str, Any]:
    if step.result is None:
        return {"ok": False, "error": step.error}
    return {"ok": True, **counts(step.result)}


def _line(title: str, name: str, step: Step[T], counts: Callable[[T], str]) -> str:
    if step.result is None:
        return f"{title} failed ({step.error}): the ingest itself has landed; {RETRY[name]}"
    return f"{title}: {counts(step.result)}"


async def _step(name: str, job: Callable[[], Awaitable[T]]) -> Step[T]:
    try:
        return Step(await job())
    except Exception as exc:  # any failure is reported, never raised: the ingest stands
        code = error_code(exc)
        # the message and traceback may name records: kept out of the normal log
        log.warning("%s failed after an ingest (%s: %s); %s", name, code, type(exc).__name__,
                    RETRY[name])
        log.debug("%s failure", name, exc_info=True)
        return Step(error=code)


async def run_followups(store: GraphStore, policy: Callable[[], PolicyEngine],
                        audit: AuditTrail | None, work: Ingested, *,
                        patterns: PatternRunner | None = None,
                        today: Callable[[], str] = today_utc) -> Followups:
    """Run the steps ``work`` calls for (see the module docstring) and say what they did.

    ``policy`` is called when a step needs it, so a policy that cannot load fails that step,
    not the ingest; ``patterns`` None skips the pattern rules (``--no-patterns``). Never raises
    (except cancellation): a failure is in the result.
    """
    steps = work.steps(patterns is not None)
    aeo = lpco = None
    if "aeo_sync" in steps:
        aeo = await _step("aeo_sync", lambda: sync_aeo_history(store, today()))
    if "lpco_checks" in steps:
        lpco = await _step("lpco_checks",
                           lambda: check_documents(store, policy(), work.documents))
    run = None
    if patterns is not None and "patterns" in steps:
        run = await patterns.run(store, audit, "ingest")
    return Followups(aeo, lpco, run)


def print_followups(console: Console, done: Followups) -> None:
    """What ``hub ingest`` prints of the AEO sync and the LPCO checks (the pattern rules are in
    the report's summary): the status changes, the LPCO run, or why a step failed."""
    from hub.checks.commands import print_lpco_run

    if done.aeo is not None and done.aeo.result is not None:
        for change in done.aeo.result:
            console.print(f"AEO {change.number or change.id}: {change.previous} -> "
                          f"{change.status} on {change.day}", markup=False)
    elif done.aeo is not None:
        console.print(f"[yellow]AEO status sync failed ({done.aeo.error}); "
                      f"{RETRY['aeo_sync']}[/]")
    if done.lpco is not None and done.lpco.result is not None:
        console.print("LPCO checks of the documents ingested:")
        print_lpco_run(done.lpco.result, console, listed=20)
    elif done.lpco is not None:
        console.print(f"[yellow]LPCO checks failed ({done.lpco.error}); "
                      f"{RETRY['lpco_checks']}[/]")


class FollowupQueue:
    """Runs the follow-ups of ingests in the background, one pass at a time (the endpoint's).

    Passes merge: however many ingests finish while one pass runs, one more pass follows it
    and covers them all (their documents together, the AEO sync once, the pattern rules once).
    So a client posting many small files neither waits for the follow-ups nor makes them run
    once per file. What a pass did is logged (counts only) and kept in ``last``.
    """

    def __init__(self, policy: Callable[[], PolicyEngine],
                 patterns: PatternRunner | None = None,
                 today: Callable[[], str] = today_utc) -> None:
        self._policy = policy
        self._patterns = patterns
        self._today = today
        self._pending: Ingested | None = None
        self._worker: asyncio.Task[None] | None = None
        self.passes = 0
        self.last: Followups | None = None

    def queue(self, store: GraphStore, audit: AuditTrail | None,
              work: Ingested) -> dict[str, Any] | None:
        """Ask for a pass over ``work`` in the background; what to put in the ingest's report
        (the steps queued), or None when the work calls for none."""
        steps = work.steps(self._patterns is not None)
        if not steps:
            return None
        self._pending = work if self._pending is None else self._pending.merged(work)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(store, audit))
        return {"queued": steps,
                "summary": f"queued in the background: {', '.join(steps)}; the hub's log "
                           "says what they did"}

    async def _drain(self, store: GraphStore, audit: AuditTrail | None) -> None:
        while self._pending is not None:
            work, self._pending = self._pending, None
            self.last = done = await run_followups(store, self._policy, audit, work,
                                                   patterns=self._patterns, today=self._today)
            self.passes += 1
            for line in done.check_lines(done_only=True):  # the pattern runner logs its own
                log.info("%s (after ingest)", line)

    async def drained(self) -> None:
        """Wait until no background pass is queued or running."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def close(self) -> None:
        """Stop a background pass (at shutdown); what it wrote stays, the rest is not done."""
        worker, self._worker = self._worker, None
        if worker is not None and not worker.done():
            worker.cancel()
            with suppress(asyncio.CancelledError):
                await worker
