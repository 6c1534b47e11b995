"""The ``hub checks`` commands' bodies: SEED matching runs, AEO history sync, LPCO checks.

System tasks: they read the whole graph (``*_system`` statements; the LPCO checks read each
consignment's documents under its owner agency's view) and write signals with the sharing the
checks give them. The CLI only parses options and calls these.
"""

from __future__ import annotations

from datetime import date, timedelta

from rich.console import Console

from hub.checks.aeo_changes import sync_aeo_history
from hub.checks.lpco_runs import LpcoRunReport, check_consignments, check_everything
from hub.checks.seed_matching import MatchRules
from hub.checks.seed_runs import SeedRunReport, run_seed_matching
from hub.checks.signals import checked_day
from hub.errors import InputError
from hub.graph.connect import open_store
from hub.policy.engine import PolicyEngine
from hub.settings import Settings
from hub.times import epoch_ms, today_utc


def _day_bounds(since: str, until: str | None) -> tuple[int, int]:
    start = date.fromisoformat(checked_day(since, "--since"))
    end = date.fromisoformat(checked_day(until, "--until")) if until else start + timedelta(1)
    low, high = epoch_ms(start.isoformat()), epoch_ms(end.isoformat())
    assert low is not None
    assert high is not None
    return low, high


async def seed_match_command(settings: Settings, since: str, until: str | None,
                             window_hours: float, console: Console) -> SeedRunReport:
    """Match the SEED messages of the days ``[since, until)`` (default: the one day ``since``)
    and print what was found."""
    low, high = _day_bounds(since, until)
    async with open_store(settings) as store:
        report = await run_seed_matching(store, low, high,
                                         rules=MatchRules(window_hours=window_hours))
    console.print(f"SEED {report.since} .. {report.until}: {report.messages} messages, "
                  f"{report.matches} matched pairs, {report.pending} exits still in their window")
    for kind, count in sorted(report.signals.items()):
        console.print(f"  {kind:<26} {count}")
    console.print(f"  written {report.written}, unchanged {report.unchanged}, "
                  f"retracted {report.retracted}"
                  + (f", {report.unowned} without a hub customs owner" if report.unowned else ""))
    return report


async def aeo_sync_command(settings: Settings, day: str | None, console: Console) -> int:
    """Record register status changes in the AEO histories; print the withdrawals."""
    on = checked_day(day, "--date") if day else today_utc()
    async with open_store(settings) as store:
        changes = await sync_aeo_history(store, on)
    console.print(f"{len(changes)} AEO status change(s) recorded as of {on}")
    for change in changes:
        mark = " (signal raised)" if change.signal else ""
        console.print(f"  {change.number}: {change.previous} -> {change.status}{mark}")
    return len(changes)


async def lpco_command(settings: Settings, policy: PolicyEngine, consignment_ids: list[str],
                       console: Console, *, everything: bool = False,
                       dry_run: bool = False) -> int:
    """Check the documents of the given consignments (or of every consignment presenting one),
    store the signals (unless ``dry_run``) and print them. Returns the number of signals."""
    if not consignment_ids and not everything:
        raise InputError("give consignment ids, or --all to check every consignment that "
                         "presents a document")
    async with open_store(settings) as store:
        if everything:
            report = await check_everything(store, policy, write=not dry_run)
        else:
            report = await check_consignments(store, policy, consignment_ids,
                                              write=not dry_run)
    print_lpco_run(report, console, dry_run=dry_run, listed=None if consignment_ids else 50)
    return len(report.signals)


def print_lpco_run(report: LpcoRunReport, console: Console, *, dry_run: bool = False,
                   listed: int | None = None) -> None:
    """The counts of an LPCO run, its signals by kind, then (the first ``listed``) signals."""
    console.print(f"{report.consignments} consignment(s), {report.documents} document(s) "
                  f"checked, {len(report.signals)} signal(s)"
                  + (f", {report.unowned} without a hub agency as owner" if report.unowned
                     else ""))
    for kind, count in sorted(report.by_kind.items()):
        console.print(f"  {kind:<26} {count}")
    shown = report.signals if listed is None else report.signals[:listed]
    for signal in shown:
        console.print(f"  {signal.consignment_id} [{signal.severity.value}] {signal.reason}",
                      markup=False, soft_wrap=True)
    if len(shown) < len(report.signals):
        console.print(f"  ... and {len(report.signals) - len(shown)} more")
    if dry_run:
        console.print("  dry run: nothing stored")
    else:
        console.print(f"  written {report.written}, unchanged {report.unchanged}, "
                      f"retracted {report.retracted}")
