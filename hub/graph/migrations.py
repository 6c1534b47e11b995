"""The migrations runner: versioned files in ``graph_migrations/``, applied in order, once.

File names are ``NNNN_name.cypher`` (any engine) or ``NNNN_name.<engine>.cypher`` (one engine's
variant, preferred over the common file of the same version). Statements are separated by a
``;`` at the end of a line; ``//`` lines are comments. Applied versions are recorded in the graph
with a checksum, so ``hub migrate`` twice changes nothing and an edited applied file is refused.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from hub.errors import MigrationError
from hub.graph.cypher.meta import APPLIED, RECORD
from hub.graph.store import GraphStore

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)(?:\.(falkordb|neo4j))?\.cypher$")
MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "graph_migrations"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    path: Path
    statements: tuple[str, ...]
    checksum: str


def split_statements(text: str) -> tuple[str, ...]:
    """Split a migration file into statements (``;`` at line end), dropping ``//`` comments."""
    statements, current = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("//"):
            continue
        if stripped.endswith(";"):
            current.append(stripped[:-1])
            statements.append(" ".join(current).strip())
            current = []
        else:
            current.append(stripped)
    if current:
        statements.append(" ".join(current).strip())
    return tuple(s for s in statements if s)


def discover(engine: str, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations for ``engine``, ordered by version. Raises MigrationError on a bad name."""
    chosen: dict[int, Path] = {}
    for path in sorted(directory.glob("*.cypher")):
        match = _NAME.match(path.name)
        if match is None:
            raise MigrationError(
                f"{path.name}: migration files are named NNNN_name.cypher or "
                "NNNN_name.<falkordb|neo4j>.cypher"
            )
        version, variant = int(match.group(1)), match.group(3)
        if variant is not None and variant != engine:
            continue
        if variant == engine or version not in chosen:
            chosen[version] = path
    migrations = []
    for version in sorted(chosen):
        path = chosen[version]
        text = path.read_text(encoding="utf-8")
        name = _NAME.match(path.name).group(2)  # type: ignore[union-attr]
        migrations.append(Migration(
            version=version, name=name, path=path, statements=split_statements(text),
            checksum=hashlib.sha256(text.encode()).hexdigest()[:16],
        ))
    return migrations


async def migrate(store: GraphStore, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply the pending migrations in order and return them (empty when up to date).

    Raises MigrationError naming the file and statement that failed, or an applied file that was
    edited since; nothing after a failed statement runs.
    """
    applied = {int(row["version"]): row for row in await store.run(APPLIED)}
    done = []
    for migration in discover(store.engine, directory):
        previous = applied.get(migration.version)
        if previous is not None:
            if previous["checksum"] != migration.checksum:
                raise MigrationError(
                    f"{migration.path.name} changed after it was applied; add a new migration "
                    "instead of editing an applied one"
                )
            continue
        for number, text in enumerate(migration.statements, start=1):
            await store.run_ddl(text, f"{migration.path.name} statement {number}")
        await store.run(RECORD, {
            "version": migration.version, "name": migration.name,
            "checksum": migration.checksum, "applied_at": int(time.time() * 1000),
        })
        done.append(migration)
    return done
