"""The ``hub`` command: serve, migrate, seed, ingest, token, policy, audit, export-schema, ..."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from hub.errors import HubError
from hub.settings import Settings, load_settings

if TYPE_CHECKING:
    from hub.policy.engine import PolicyEngine

app = typer.Typer(
    help="CEFTA Risk Information Hub: shared risk graph with per-agency access control.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except HubError as exc:
        _fail(exc)
        raise  # unreachable: _fail exits


def _fail(exc: HubError) -> None:
    console.print(f"[bold red]error[/] ({exc.code}): {exc.message}")
    raise typer.Exit(code=2)


def _run(job: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run an async job, turning HubErrors into a clear message and exit code 2."""
    try:
        return asyncio.run(job())
    except HubError as exc:
        _fail(exc)
        raise  # unreachable


@app.command()
def migrate() -> None:
    """Apply pending graph migrations (idempotent: running it twice changes nothing)."""
    from hub.graph.connect import open_store
    from hub.graph.migrations import migrate as apply_migrations

    settings = _settings()

    async def job() -> None:
        async with open_store(settings) as store:
            done = await apply_migrations(store)
        if done:
            for migration in done:
                console.print(f"applied {migration.path.name}")
        else:
            console.print("graph schema is up to date")

    _run(job)


@app.command()
def token(
    agency: Annotated[str, typer.Option(help="Agency code, e.g. RS-CUS or MK-PHY")],
    role: Annotated[list[str], typer.Option(help="Role (repeatable): analyst, officer, rmwg, "
                                                 "rmtt, auditor, connector")],
    ttl: Annotated[str, typer.Option(help="Lifetime: 90s, 30m, 8h, 2d (at most 7 days)")] = "8h",
    subject: Annotated[str | None, typer.Option(help="Subject (default dev:<agency>:<role>)")]
    = None,
) -> None:
    """Print a development bearer token (needs HUB_DEV_ISSUER=true)."""
    from hub.auth import dev_issuer, parse_ttl

    settings = _settings()
    try:
        typer.echo(dev_issuer(settings).mint(agency, role, parse_ttl(ttl), subject))
    except HubError as exc:
        _fail(exc)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (HUB_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (HUB_PORT)")] = None,
    migrate_first: Annotated[bool, typer.Option(
        "--migrate", help="Apply migrations first")] = False,
    seed_if_empty: Annotated[str | None, typer.Option(
        help="Load the demo dataset at this scale when the graph is empty")] = None,
    print_tokens: Annotated[bool, typer.Option(
        help="Print development tokens for a few agencies (needs HUB_DEV_ISSUER)")] = False,
    *,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Serving processes (HUB_WORKERS); the graph and migrations are shared")] = None,
) -> None:
    """Serve the GraphQL API (GraphiQL in a browser) until Ctrl-C."""
    import logging

    import uvicorn

    from hub.app import build_app

    settings = _settings()
    settings = settings.with_(host=host or settings.host, port=port or settings.port,
                              workers=workers or settings.workers)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if settings.workers > 1:
        _serve_workers(settings, migrate_first, seed_if_empty, print_tokens)
        return
    try:
        application = build_app(settings, migrate=migrate_first, seed_scale=seed_if_empty)
    except HubError as exc:
        _fail(exc)
    _banner(settings, print_tokens)
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="info",
                lifespan="on")


def _serve_workers(settings: Settings, migrate: bool, seed_scale: str | None,
                   print_tokens: bool) -> None:
    """``hub serve --workers N``: this process starts the embedded graph server, migrates and
    seeds, then supervises N uvicorn workers (each builds ``hub.app:serve_app`` against the
    running store, settings from the environment) and stops the server after they exit."""
    import asyncio

    import uvicorn

    from hub.app import prepare_store
    from hub.auth import build_validator
    from hub.graph.connect import embedded_kept, open_store

    async def prepare() -> None:
        async with open_store(settings) as store:
            await prepare_store(store, migrate=migrate, seed_scale=seed_scale)

    try:
        with embedded_kept(settings):
            asyncio.run(prepare())
            build_validator(settings)  # creates the dev issuer's key once, before the workers
            _banner(settings, print_tokens)
            uvicorn.run("hub.app:serve_app", factory=True, workers=settings.workers,
                        host=settings.host, port=settings.port, log_level="info",
                        lifespan="on")
    except HubError as exc:
        _fail(exc)


def _banner(settings: Settings, print_tokens: bool) -> None:
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"[bold green]CEFTA Risk Information Hub[/] on {base}")
    console.print(f"  GraphQL and GraphiQL: {base}/graphql   health: {base}/health   "
                  f"readiness: {base}/ready")
    console.print(f"  graph: {settings.graph_uri}   data directory: {settings.data_dir}")
    if settings.workers > 1:
        console.print(f"  {settings.workers} worker processes")
    if print_tokens:
        _print_tokens(settings)
    console.print("  Press Ctrl-C to stop the hub and its database.")


def _print_tokens(settings: Settings) -> None:
    from hub.auth import example_tokens

    if not settings.dev_issuer:
        console.print("  [yellow]no example tokens: HUB_DEV_ISSUER is off[/]")
        return
    console.print("  Example tokens (header  Authorization: Bearer <token>):")
    for agency, role, token in example_tokens(settings):
        console.print(f"    [bold]{agency}[/] {role}:")
        console.print(f"      {token}", soft_wrap=True)


policy_app = typer.Typer(help="The data-sharing policy files (HUB_POLICY_DIR).",
                         no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail of writes and personal-data reads.",
                        no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")


@policy_app.command("check")
def policy_check(
    agency: Annotated[str | None, typer.Option(help="Show the grants of this agency, e.g. RS-CUS")]
    = None,
    role: Annotated[list[str] | None, typer.Option(help="Role (repeatable; default: every role)")]
    = None,
    policy_dir: Annotated[Path | None, typer.Option(help="Policy folder (HUB_POLICY_DIR)")] = None,
) -> None:
    """Validate the policy files; show what an agency may read, see unmasked, write and share."""
    from rich.console import Console as Out

    from hub.policy import CasbinPolicy
    from hub.policy.report import render_grants, render_summary
    from hub.principal import Role

    settings = _settings()
    out = Out()
    try:
        policy = CasbinPolicy(policy_dir or settings.policy_dir)
        if agency is None:
            render_summary(out, policy.summary())
            return
        for name in role or [r.value for r in Role]:
            render_grants(out, policy.describe(agency, name), name)
    except HubError as exc:
        _fail(exc)


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain; exit 1 at the first altered, removed or reordered entry."""
    from hub.graph.connect import open_store
    from hub.policy.audit import AuditTrail, VerifyReport

    settings = _settings()

    async def job() -> VerifyReport:
        async with open_store(settings) as store:
            return await AuditTrail(store).verify()

    report = _run(job)
    if not report.ok:
        console.print(f"[bold red]audit chain broken[/] after {report.entries} good entries: "
                      f"{report.problem}")
        raise typer.Exit(code=1)
    typer.echo(f"{report.entries} entries verified (head {report.head_hash})")


@app.command()
def ingest(
    connector: Annotated[str, typer.Argument(
        help="Format: wco-dec, ephyto, asycuda, seed-plus or aeo-register")],
    source: Annotated[str, typer.Argument(
        help="A file, a directory (its files of that format, sorted) or - for stdin")],
    agency: Annotated[str, typer.Option(help="The submitting agency, owner of the records")],
    distribution: Annotated[str, typer.Option(
        help="ORIGINATOR, PARTY, LISTED, CEFTA_CUSTOMS, CEFTA_AGENCIES or CEFTA_EU")] = "PARTY",
    share_with: Annotated[list[str] | None, typer.Option(
        "--share-with", help="Extra audience: party, agency or case:<id> (repeatable)")] = None,
    *,
    patterns: Annotated[bool | None, typer.Option(
        "--patterns/--no-patterns",
        help="Run the pattern rules afterwards if records were written "
             "(default: HUB_PATTERNS_ON_INGEST, on)")] = None,
) -> None:
    """Ingest declarations, certificates, messages or registers; exit 1 if any was rejected.

    Then the follow-ups: the AEO status sync (after a register), the LPCO checks of the
    documents ingested, the pattern rules; if one fails, the ingest still stands (the output
    says so, and which command runs it again)."""
    from connectors import connector as pick_connector
    from hub.analysis.risk.schedule import PatternRunner
    from hub.checks.lpco_runs import DocumentTap
    from hub.graph.connect import open_store
    from hub.ingest.followups import Ingested, print_followups, run_followups
    from hub.ingest.pipeline import ingest_path, sharing_for, total_size
    from hub.ingest.progress import RichProgress
    from hub.ingest.report import IngestReport, print_summary
    from hub.policy.audit import AuditTrail

    settings = _settings()
    run_patterns = settings.patterns_on_ingest if patterns is None else patterns

    def policy() -> PolicyEngine:
        from hub.policy import CasbinPolicy

        return CasbinPolicy(settings.policy_dir)

    audiences = [a for entry in share_with or () for a in entry.split(",") if a.strip()]

    async def job() -> IngestReport:
        chosen = pick_connector(connector)
        sharing = sharing_for(agency, distribution, audiences)
        total = total_size(chosen, source)
        tap = DocumentTap(chosen)
        async with open_store(settings) as store:
            with RichProgress(total, console) as progress:
                report = await ingest_path(store, tap, source, sharing,
                                           data_dir=settings.data_dir, progress=progress)
            done = await run_followups(store, policy, AuditTrail(store),
                                       Ingested.of(chosen.name, report, tap.documents),
                                       patterns=PatternRunner(policy) if run_patterns else None)
            print_followups(console, done)
            report.patterns = done.patterns.as_dict() if done.patterns is not None else None
            return report

    report = _run(job)
    print_summary(Console(), report)
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def seed(
    scale: Annotated[str, typer.Option(help="Dataset size: small, medium or large")] = "small",
    seed_value: Annotated[int, typer.Option(
        "--seed", help="Random seed: the same seed always gives the same graph")] = 2025,
    reset: Annotated[bool, typer.Option("--reset", help="Delete the whole graph first")] = False,
    if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="Do nothing when the graph already holds data")] = False,
) -> None:
    """Load the deterministic synthetic CEFTA dataset (and write its ground truth)."""
    from hub.demo.command import seed_command

    settings = _settings()
    _run(lambda: seed_command(settings, scale, seed_value, reset=reset, if_empty=if_empty,
                              console=console))


resolve_app = typer.Typer(help="Entity resolution: `hub resolve --agency RS-CUS` proposes SAME_AS "
                               "links between operator records (never merges); `hub resolve "
                               "evaluate` judges the matcher on the seeded demo graph.")
app.add_typer(resolve_app, name="resolve")


@resolve_app.callback(invoke_without_command=True)
def resolve(
    ctx: typer.Context,
    agency: Annotated[str | None, typer.Option(
        help="The agency the job runs for; it owns the links")] = None,
    threshold: Annotated[float, typer.Option(help="Lowest score proposed, 0..1")] = 0.7,
) -> None:
    """Propose SAME_AS links between operator records (entity resolution; never merges).

    `hub resolve --agency RS-CUS` runs the matcher job; `hub resolve evaluate` judges the
    matcher on a seeded demo graph."""
    if ctx.invoked_subcommand is not None:
        return
    if agency is None:
        console.print("[bold red]error[/]: give --agency (the agency the job runs for), or a "
                      "command: evaluate")
        raise typer.Exit(code=2)
    from hub.analysis.resolution import MatchConfig
    from hub.analysis.resolution.service import ResolutionReport, job_principal, propose_links
    from hub.graph.connect import open_store

    settings = _settings()

    async def job() -> ResolutionReport:
        config = MatchConfig(threshold=threshold)
        async with open_store(settings) as store:
            return await propose_links(store, job_principal(agency), config)

    report = _run(job)
    typer.echo(
        f"{report.operators} operators, {report.candidate_pairs} candidate pairs, "
        f"{report.proposals} proposals ({report.kept_decisions} already reviewed), "
        f"{report.written.written} links written, {report.written.unchanged} unchanged"
    )


@resolve_app.command("evaluate")
def resolve_evaluate(
    truth: Annotated[Path | None, typer.Option(
        help="Demo ground truth (default: the one demo-truth-*.json in HUB_DATA_DIR)")] = None,
    threshold: Annotated[float, typer.Option(help="Lowest score proposed, 0..1")] = 0.7,
) -> None:
    """Run the matcher on the seeded demo graph and report precision and recall against the
    generator's ground truth (writes nothing)."""
    from hub.analysis.resolution import MatchConfig
    from hub.analysis.resolution.scorecard import Scorecard, judge_on_graph, render
    from hub.demo.truth import GroundTruth, find_truth
    from hub.errors import InputError
    from hub.graph.connect import open_store

    settings = _settings()

    async def job() -> Scorecard:
        path = truth or find_truth(settings.data_dir)
        if path is None or not path.is_file():
            raise InputError(f"no demo ground truth at {path}" if path else
                             "no single demo-truth-*.json in the data directory; seed the demo "
                             "(hub seed) or pass --truth")
        config = MatchConfig(threshold=threshold)
        async with open_store(settings) as store:
            return await judge_on_graph(store, GroundTruth.read(path), config)

    render(_run(job), Console())


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(
        help="Where to write the SDL")] = Path("schema/hub.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) to schema/hub.graphql."""
    from hub.api.schema import schema_sdl

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(schema_sdl(), encoding="utf-8")
    console.print(f"wrote {output}")


checks_app = typer.Typer(help="Checks that raise risk signals: SEED matching, AEO, LPCO.",
                         no_args_is_help=True)
app.add_typer(checks_app, name="checks")


@checks_app.command("seed-match")
def checks_seed_match(
    since: Annotated[str, typer.Option(help="First day (YYYY-MM-DD, UTC) of exit messages")],
    until: Annotated[str | None, typer.Option(help="Day after the last (default: since + 1)")]
    = None,
    window_hours: Annotated[float, typer.Option(help="Entry at most this long after exit")]
    = 12.0,
) -> None:
    """Match SEED exit and entry messages; store pairs and mismatch signals (idempotent)."""
    from hub.checks.commands import seed_match_command

    settings = _settings()
    _run(lambda: seed_match_command(settings, since, until, window_hours, console))


@checks_app.command("aeo-sync")
def checks_aeo_sync(
    date: Annotated[str | None, typer.Option(help="Day of the changes (default: today)")] = None,
) -> None:
    """Record AEO status changes an ingested register made; signal suspensions, revocations."""
    from hub.checks.commands import aeo_sync_command

    settings = _settings()
    _run(lambda: aeo_sync_command(settings, date, console))


@checks_app.command("lpco")
def checks_lpco(
    consignment: Annotated[list[str] | None, typer.Argument(
        help="Consignment ids to check")] = None,
    everything: Annotated[bool, typer.Option(
        "--all", help="Check every consignment that presents a document")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the signals without storing them")] = False,
) -> None:
    """Check the licences, permits and certificates of consignments and store the signals
    (idempotent; signals no longer found are retracted); exit 1 on any signal."""
    from hub.checks.commands import lpco_command
    from hub.policy import CasbinPolicy

    settings = _settings()
    ids = consignment or []
    if _run(lambda: lpco_command(settings, CasbinPolicy(settings.policy_dir), ids, console,
                                 everything=everything, dry_run=dry_run)):
        raise typer.Exit(code=1)


risk_app = typer.Typer(help="Risk targeting: scores, the learned model, pattern candidates.",
                       no_args_is_help=True)
app.add_typer(risk_app, name="risk")
TruthOption = Annotated[Path | None, typer.Option(
    help="Demo ground truth to judge against (default: the one demo-truth-*.json in HUB_DATA_DIR)")]


@risk_app.command("score")
def risk_score(top: Annotated[int, typer.Option(help="How many top scores to list")] = 10) -> None:
    """Score every consignment (system task): channel split, throughput, top scores explained."""
    from hub.analysis.risk.commands import score_command

    settings = _settings()
    _run(lambda: score_command(settings, Console(), top))


@risk_app.command("train")
def risk_train(
    kind: Annotated[str, typer.Option(help="logistic or boosting")] = "logistic",
    train_share: Annotated[float, typer.Option(
        help="Share of consignments, oldest first, to learn from (1.0: all, no report)")] = 0.7,
    truth: TruthOption = None,
) -> None:
    """Train the model on control results before a cutoff, report on the rest, save it."""
    from hub.analysis.risk.commands import train_command

    settings = _settings()
    _run(lambda: train_command(settings, Console(), kind, train_share, truth))


@risk_app.command("evaluate")
def risk_evaluate(truth: TruthOption = None) -> None:
    """Judge the saved model, the rules and random selection on consignments after training."""
    from hub.analysis.risk.commands import evaluate_command

    settings = _settings()
    _run(lambda: evaluate_command(settings, Console(), truth))


@risk_app.command("patterns")
def risk_patterns(
    as_of: Annotated[str | None, typer.Option(help="Day the rules look back from (YYYY-MM-DD)")]
    = None,
    agency: Annotated[list[str] | None, typer.Option(
        help="Agency to raise candidates for (repeatable; default: CEFTA customs)")] = None,
) -> None:
    """Run every pattern rule once and print the alert candidates (new ones are stored)."""
    from hub.analysis.risk.commands import patterns_command

    settings = _settings()
    _run(lambda: patterns_command(settings, Console(), as_of, agency))


def main() -> None:
    # A plain SIGTERM would end Python without running `finally` blocks, leaving the embedded
    # database running; turning it into SystemExit stops the server cleanly (uvicorn installs
    # its own handlers for `hub serve`).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    app()


if __name__ == "__main__":
    main()
