"""What an ingest run did: counts of source records and graph records, and the rejections."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

MAX_LISTED = 1_000
"""Rejections listed in the report itself; all of them are always in the rejected folder."""


@dataclass(frozen=True, slots=True)
class Rejection:
    """One rejected source record (or the unreadable rest of a file) and why."""

    origin: str
    position: str
    reason: str
    source_ref: str | None = None


@dataclass(slots=True)
class IngestReport:
    """Counts of one run.

    ``read`` counts source records (declarations, certificates, messages, rows), each either
    ``accepted`` or ``rejected``; a file that breaks off mid-way counts one rejection for its
    unreadable rest. ``written`` and ``unchanged`` count graph records (nodes and edges):
    created or changed, and already exactly as given. A node or edge repeated within the run
    (the same operator in many declarations) is written once and counted unchanged after that.
    ``patterns`` is what the pattern rules did after the ingest (counts, or the error code of a
    failed pass: the ingest stands either way), or that a pass was queued in the background;
    None when they did not run. ``followups`` names the follow-up steps queued in the
    background (:mod:`hub.ingest.followups`; the HTTP endpoint's), None when none was.
    """

    run_id: str
    connector: str
    files: int = 0
    skipped_files: list[str] = field(default_factory=list)
    bytes_read: int = 0
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    written: int = 0
    unchanged: int = 0
    nodes: int = 0
    edges: int = 0
    dangling_edges: int = 0
    foreign: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    rejected_dir: Path | None = None
    patterns: dict[str, Any] | None = None
    followups: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when nothing was rejected."""
        return self.rejected == 0

    def note(self, rejection: Rejection) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_LISTED:
            self.rejections.append(rejection)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for the HTTP endpoint and ``--json`` output)."""
        data = asdict(self)
        data["rejected_dir"] = str(self.rejected_dir) if self.rejected_dir else None
        data["ok"] = self.ok
        return data


def print_summary(console: Console, report: IngestReport, shown: int = 20) -> None:
    """Print the run's counts as a table, then the first ``shown`` rejections, one a line."""
    table = Table(title=f"ingest {report.connector} (run {report.run_id})")
    for column in ("files", "read", "accepted", "written", "unchanged", "rejected"):
        table.add_column(column, justify="right")
    table.add_row(*(str(n) for n in (report.files, report.read, report.accepted, report.written,
                                      report.unchanged, report.rejected)))
    console.print(table)
    lines = [f"rejected: {r.origin} {r.position}: {r.reason}" for r in report.rejections[:shown]]
    if report.rejected > len(lines):
        lines.append(f"... and {report.rejected - len(lines)} more")
    if report.rejected_dir is not None:
        lines.append(f"rejected records and reasons are in {report.rejected_dir}")
    if report.skipped_files:
        lines.append(f"skipped (not this format): {', '.join(report.skipped_files)}")
    if report.foreign:
        lines.append(f"{report.foreign} record(s) left as they were: another agency owns them")
    if report.dangling_edges:
        lines.append(f"{report.dangling_edges} edge(s) pointed at nodes not in the graph")
    for line in lines:
        console.print(line, soft_wrap=True, markup=False, highlight=False)
    if report.patterns is not None:
        console.print(str(report.patterns["summary"]), soft_wrap=True, markup=False,
                      highlight=False,
                      style=None if report.patterns.get("ok", True) else "bold yellow")
