"""GraphQL object types, generated from the domain model (hub.model is the one source of truth).

Every node kind becomes an object type implementing ``Node``, with its fields and one
connection field per relationship it takes part in. Relationship fields read through the
request's :class:`GraphReader`, so every edge and neighbour passes the access filter.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, NewType, Optional, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from hub.api.context import RequestContext
from hub.errors import InputError
from hub.model import ANY, NODE_KINDS, REL_KINDS, SYSTEM_FIELDS, NodeKind

EpochMillis = NewType("EpochMillis", int)
SCALAR_MAP: dict[object, ScalarDefinition] = {
    EpochMillis: strawberry.scalar(
        name="EpochMillis", serialize=int, parse_value=int,
        description="Milliseconds since 1970-01-01T00:00:00Z.",
    ),
}

_FIELD_TYPES: dict[str, Any] = {
    "green_lane": Optional[bool],  # noqa: UP045  (strawberry reads these at runtime)
    "parties": Optional[list[str]],  # noqa: UP045
    "hs_codes": Optional[list[str]],  # noqa: UP045
    "gross_mass_kg": Optional[float],  # noqa: UP045
    "value_eur": Optional[float],  # noqa: UP045
    "quantity": Optional[float],  # noqa: UP045
    "weight": Optional[float],  # noqa: UP045
    "indicators": Optional[JSON],  # noqa: UP045
    "criteria": Optional[JSON],  # noqa: UP045
    "seizure": Optional[JSON],  # noqa: UP045
    "findings": Optional[JSON],  # noqa: UP045
    "version": Optional[int],  # noqa: UP045
    "record_ids": Optional[list[str]],  # noqa: UP045
    "status_history": Optional[list[str]],  # noqa: UP045
    **{f"indicator_{name}": Optional[list[str]]  # noqa: UP045
       for name in ("hs_codes", "origins", "routes", "offices", "operators", "vehicles",
                    "documents")},
}

# (relationship type) -> (field name on the source kinds, field name on the target kinds)
REL_FIELD_NAMES: dict[str, tuple[str, str]] = {
    "EXPORTER_OF": ("exporterOf", "exporters"),
    "IMPORTER_OF": ("importerOf", "importers"),
    "DECLARANT_OF": ("declarantOf", "declarants"),
    "CARRIER_OF": ("carrierOf", "carriers"),
    "TRANSPORTED_BY": ("vehicles", "consignments"),
    "DRIVEN_BY": ("drivers", "drivenConsignments"),
    "CROSSED": ("crossings", "crossings"),
    "COVERED_BY": ("documents", "consignments"),
    "ISSUED_TO": ("holder", "lpcos"),
    "ISSUED_BY": ("issuedBy", "issued"),
    "HOLDS": ("aeoAuthorisations", "holders"),
    "RECOGNISES_AEO_OF": ("recognisesAeoOf", "aeoRecognisedBy"),
    "LOCATED_AT": ("addresses", "occupants"),
    "REACHABLE_AT": ("contacts", "reachableOperators"),
    "BELONGS_TO": ("party", "agencies"),
    "CONCERNS": ("concerns", "alerts"),
    "OF": ("consignment", "controlResults"),
    "FEEDBACK_ON": ("feedbackOn", "feedback"),
    "SAME_AS": ("sameAs", "sameAsOf"),
    "INCLUDES": ("includes", "cases"),
    "MEMBER_OF": ("memberOf", "members"),
    "ABOUT": ("about", "signals"),
    "MATCHES": ("matchedEntries", "matchedExits"),
}


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(("v1:" + key).encode()).decode()


def decode_cursor(cursor: str | None, argument: str = "after") -> str:
    """The key behind a cursor ('' for none). Raises InputError for a cursor we did not issue."""
    if not cursor:
        return ""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("v1:"):
        raise InputError(f"{argument}: not a cursor issued by this API; pass an endCursor back")
    return text[3:]


@strawberry.type(description="Who owns a record and how far it is shared.")
class Sharing:
    owner_agency: str | None
    owner_party: str | None
    distribution: str | None
    share_with: list[str]


@strawberry.type(description="Where a record came from.")
class Provenance:
    source: str | None
    source_ref: str | None
    ingested_at: EpochMillis | None


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.interface(description="Any record of the risk graph.")
class Node:
    id: strawberry.ID
    kind: str
    sharing: Sharing
    provenance: Provenance


@strawberry.type(description="An edge of the graph, with its own sharing metadata.")
class Relationship:
    id: strawberry.ID
    type: str
    properties: JSON
    sharing: Sharing
    provenance: Provenance


@strawberry.type
class LinkEdge:
    cursor: str
    relationship: Relationship
    node: Node


@strawberry.type
class LinkConnection:
    edges: list[LinkEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="How many visible links there are in all (one extra query).")
    async def total_count(self) -> int:
        return await self.count()


@strawberry.type
class NodeEdge:
    cursor: str
    node: Node


@strawberry.type
class NodeConnection:
    edges: list[NodeEdge]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(  # type: ignore[untyped-decorator]
        description="How many visible records match (one extra query).")
    async def total_count(self) -> int:
        return await self.count()


def _sharing(row: dict[str, Any]) -> Sharing:
    return Sharing(owner_agency=row.get("owner_agency"), owner_party=row.get("owner_party"),
                   distribution=row.get("distribution"),
                   share_with=list(row.get("share_with") or []))


def _provenance(row: dict[str, Any]) -> Provenance:
    return Provenance(source=row.get("source"), source_ref=row.get("source_ref"),
                      ingested_at=row.get("ingested_at"))


def wants_total(info: strawberry.Info[Any, Any]) -> bool:
    """True when the connection's ``totalCount`` is selected (fragments and aliases included)."""

    def names(selections: list[Any]) -> Iterator[str]:
        for selection in selections:
            if hasattr(selection, "arguments"):  # a field: its own subtree is not ours
                yield selection.name
            else:  # a fragment: its fields are the connection's
                yield from names(getattr(selection, "selections", []) or [])

    return any(field_name == "totalCount"
               for field in info.selected_fields
               for field_name in names(field.selections))


def _links_resolver(rel_type: str, outgoing: bool) -> Callable[..., Awaitable[LinkConnection]]:
    async def resolve(root: Node, info: strawberry.Info[RequestContext, None], first: int,
                      after: str | None = None) -> LinkConnection:
        ctx = info.context
        node_id = str(root.id)
        counting = None
        if wants_total(info):
            # Start the count with the page, not after it: one round trip instead of two.
            counting = asyncio.ensure_future(ctx.reader.count_links(node_id, rel_type, outgoing))
        try:
            page = await ctx.reader.links(node_id, rel_type, outgoing, first, decode_cursor(after))
        except BaseException:
            if counting is not None:
                counting.cancel()
            raise
        edges = [
            LinkEdge(cursor=encode_cursor(row["r"]["id"]), relationship=to_relationship(row["r"]),
                     node=to_node(row["n"], ctx))
            for row in page.rows
        ]

        async def count() -> int:
            if counting is not None:
                return await counting
            return await ctx.reader.count_links(node_id, rel_type, outgoing)

        return LinkConnection(
            edges=edges, count=count,
            page_info=PageInfo(has_next_page=page.has_next,
                               end_cursor=edges[-1].cursor if edges else None),
        )

    return resolve


def _rel_fields(label: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for rel in REL_KINDS:
        out_name, in_name = REL_FIELD_NAMES[rel.type]
        if label in rel.sources or rel.sources == ANY:
            fields[out_name] = strawberry.field(
                resolver=_links_resolver(rel.type, True), name=out_name,
                description=f"Outgoing {rel.type} links (first: 1-100).")
        if label in rel.targets or rel.targets == ANY:
            fields[in_name] = strawberry.field(
                resolver=_links_resolver(rel.type, False), name=in_name,
                description=f"Incoming {rel.type} links (first: 1-100).")
    return fields


def _node_type(kind: NodeKind) -> type:
    annotations = {name: _FIELD_TYPES.get(name, Optional[str]) for name in kind.fields}  # noqa: UP045
    namespace: dict[str, Any] = {"__annotations__": annotations, "__module__": __name__}
    namespace.update({name: None for name in kind.fields})
    namespace.update(_rel_fields(kind.label))
    cls = type(kind.label, (Node,), namespace)
    description = kind.description
    if kind.personal:
        description += f" Personal fields ({', '.join(kind.personal)}) are null unless shared."
    return strawberry.type(cls, description=description)


NODE_TYPES: dict[str, type] = {kind.label: _node_type(kind) for kind in NODE_KINDS}
_PERSONAL = {kind.label: kind.personal for kind in NODE_KINDS}


def to_node(row: dict[str, Any], ctx: RequestContext) -> Node:
    """A GraphQL node for a projected row; notes unmasked personal data for the audit trail."""
    label = row["kind"]
    cls = NODE_TYPES[label]
    values = {name: row.get(name) for name in cls.__annotations__ if name not in SYSTEM_FIELDS}
    if any(row.get(name) is not None for name in _PERSONAL[label]):
        ctx.personal_reads[row["id"]] = row.get("owner_agency") or ""
    node: Node = cls(id=row["id"], kind=label, sharing=_sharing(row),
                     provenance=_provenance(row), **values)
    return node


def to_relationship(row: dict[str, Any]) -> Relationship:
    properties = {k: v for k, v in row.items() if k not in SYSTEM_FIELDS and k != "type"}
    return Relationship(id=row["id"], type=row["type"], properties=cast(JSON, properties),
                        sharing=_sharing(row), provenance=_provenance(row))
