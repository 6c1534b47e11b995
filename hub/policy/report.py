"""Readable views of the policy for ``hub policy check``: a summary and one agency's grants."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from hub.model import NODE_KIND_BY_LABEL, Distribution
from hub.policy.engine import Grants, PolicySummary
from hub.visibility import Audience

_LEVEL_ORDER = [level.value for level in Distribution]


def _kinds(kinds: frozenset[str] | tuple[str, ...]) -> str:
    """Node kinds first, then relationship types, each sorted; '-' when empty."""
    nodes = sorted(k for k in kinds if k in NODE_KIND_BY_LABEL)
    rels = sorted(k for k in kinds if k not in NODE_KIND_BY_LABEL)
    return ", ".join(nodes + rels) or "-"


def _audience(audience: Audience) -> str:
    if audience == Audience.nobody():
        return "nobody"
    parts = []
    if audience.agency != Audience.nobody().agency:
        parts.append(f"own records of {audience.agency}")
    if audience.parties:
        parts.append("PARTY-level records of " + ", ".join(audience.parties))
    if audience.levels:
        parts.append("levels " + ", ".join(audience.levels))
    if audience.tokens:
        parts.append("share lists naming " + ", ".join(audience.tokens))
    return "; ".join(parts) or "nobody"


def render_summary(console: Console, summary: PolicySummary) -> None:
    """Print the row counts, grant counts and fail-closed warnings of a valid policy."""
    table = Table(title=f"policy in {summary.directory}: valid", show_header=True)
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, count in summary.rows_by_file:
        table.add_row(name, str(count))
    console.print(table)
    grants = Table(title="grants by action", show_header=True)
    grants.add_column("action")
    grants.add_column("rows", justify="right")
    for action, count in summary.grants_by_action:
        grants.add_row(action, str(count))
    console.print(grants)
    console.print(f"agencies with audiences: {summary.agencies_with_audiences} of "
                  f"{summary.agencies_total}")
    for warning in summary.warnings:
        console.print(f"[yellow]warning[/]: {warning}")


def render_grants(console: Console, grants: Grants, role: str) -> None:
    """Print what one agency acting with one role may read, see unmasked, write and share."""
    title = f"{grants.agency} ({grants.agency_type}, {grants.party}) as {role}"
    if grants.is_nobody:
        console.print(f"[bold]{title}[/]: [red]no access[/] (the agency has no audience row or "
                      "may not hold this role)")
        return
    vis = grants.visibility
    table = Table(title=title, show_header=False, show_lines=True)
    table.add_column("what", style="bold")
    table.add_column("granted")
    table.add_row("communities", ", ".join(grants.communities) or "-")
    table.add_row("record audiences", _audience(vis.records))
    table.add_row("personal data unmasked for", _audience(vis.personal)
                  + ("; and cases it is a member of" if grants.personal_listed else ""))
    table.add_row("may read", _kinds(vis.kinds))
    table.add_row("may write", _kinds(grants.writes))
    table.add_row("may distribute to",
                  ", ".join(sorted(grants.distribute, key=_LEVEL_ORDER.index)) or "-")
    table.add_row("may audit own records", "yes" if grants.audit else "no")
    console.print(table)
