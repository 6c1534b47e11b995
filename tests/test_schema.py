"""The exported SDL matches the code, and the GraphQL types cover the whole domain model."""

from __future__ import annotations

from pathlib import Path

from hub.api.schema import build_schema, schema_sdl
from hub.api.types import NODE_TYPES, REL_FIELD_NAMES
from hub.model import NODE_KINDS, REL_KINDS

SDL_FILE = Path(__file__).resolve().parents[1] / "schema" / "hub.graphql"


def test_exported_schema_matches_the_code() -> None:
    assert SDL_FILE.read_text(encoding="utf-8") == schema_sdl(), (
        "schema/hub.graphql drifted from the code: run `hub export-schema` and commit it"
    )


def test_every_node_kind_and_field_is_in_the_schema() -> None:
    schema = build_schema()
    for kind in NODE_KINDS:
        gql = schema.get_type_by_name(kind.label)
        assert gql is not None, kind.label
        names = {f.python_name for f in gql.fields}  # type: ignore[union-attr]
        assert set(kind.fields) <= names, (kind.label, set(kind.fields) - names)
    assert set(NODE_TYPES) == {k.label for k in NODE_KINDS}


def test_every_relationship_has_field_names() -> None:
    assert set(REL_FIELD_NAMES) == {r.type for r in REL_KINDS}
