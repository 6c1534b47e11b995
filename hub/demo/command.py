"""The body of ``hub seed``: open the store, seed with a rich progress bar, compact the
embedded store, print a summary by kind."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from hub.demo.scales import get_scale
from hub.demo.seeding import SeedProgress, SeedReport, entity_count, seed
from hub.graph.connect import compact_embedded, open_store
from hub.graph.migrations import migrate
from hub.model import NODE_KIND_BY_LABEL
from hub.settings import Settings


class _Bar:
    """Turns SeedProgress updates into a rich progress bar over consignments."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress, self._task = progress, task

    def __call__(self, update: SeedProgress) -> None:
        rate = update.records / update.seconds if update.seconds > 0 else 0.0
        self._progress.update(self._task, completed=update.consignments,
                              description=update.stage, records=update.records, rate=rate)


def summary(report: SeedReport) -> Table:
    """Records per kind: nodes first, then relationships, with totals."""
    table = Table(title=f"demo dataset {report.scale}, seed {report.seed}")
    table.add_column("kind")
    table.add_column("records", justify="right")
    kinds = sorted(report.by_kind, key=lambda k: (k not in NODE_KIND_BY_LABEL, k))
    for kind in kinds:
        table.add_row(kind, f"{report.by_kind[kind]:,}")
    table.add_section()
    table.add_row("nodes / edges", f"{report.write.nodes:,} / {report.write.edges:,}")
    table.add_row("changed (rest unchanged)", f"{report.written:,}")
    table.add_row("seconds", f"{report.seconds:,.1f}")
    table.add_row("records per second", f"{report.records / max(report.seconds, 1e-9):,.0f}")
    return table


async def seed_command(settings: Settings, scale: str, seed_value: int, *, reset: bool,
                       if_empty: bool, console: Console) -> SeedReport | None:
    """Run ``hub seed``; returns None when ``if_empty`` found data and did nothing."""
    spec = get_scale(scale)  # fail on a bad scale before starting the store
    columns = (SpinnerColumn(), TextColumn("{task.description:<12}"), BarColumn(16),
               MofNCompleteColumn(), TextColumn("{task.fields[records]:>10,} rec"),
               TextColumn("{task.fields[rate]:>7,.0f}/s"), TimeElapsedColumn())
    async with open_store(settings) as store:
        if reset:
            await store.clear()
        await migrate(store)
        if if_empty and await entity_count(store) > 0:
            console.print("the graph already holds data; nothing seeded (--if-empty)")
            return None
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("starting", total=spec.consignments, records=0, rate=0.0)
            report = await seed(store, spec.name, seed_value, progress=_Bar(progress, task),
                                truth_dir=settings.data_dir)
        if report.written and await compact_embedded(settings):
            console.print("compacted the embedded store's append-only file")
    console.print(summary(report))
    if report.truth_path is not None:
        console.print(f"ground truth: {report.truth_path}")
    return report
