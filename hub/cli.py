"""The ``hub`` command: serve, migrate, seed, ingest, token, policy, audit, export-schema, ..."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from hub.errors import HubError
from hub.settings import Settings, load_settings

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


def _run(job: Callable[[], Awaitable[T]]) -> T:
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


@app.command("export-schema")
def export_schema(
    output: Annotated[Path, typer.Option(help="Where to write the SDL")] = Path("schema/hub.graphql"),
) -> None:
    """Write the GraphQL schema (SDL) to schema/hub.graphql."""
    from hub.api.schema import schema_sdl

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(schema_sdl(), encoding="utf-8")
    console.print(f"wrote {output}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
