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
