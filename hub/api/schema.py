"""The GraphQL schema: root query fields, limits, caches and error mapping."""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Any, Optional

import strawberry
from graphql.error import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.printer import print_schema
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError

from hub.api.audit import PersonalDataAudit
from hub.api.context import RequestContext
from hub.api.errors import public_error
from hub.api.limits import limit_extensions
from hub.api.telemetry import OperationMetrics
from hub.api.types import (
    NODE_TYPES,
    SCALAR_MAP,
    Node,
    NodeConnection,
    NodeEdge,
    PageInfo,
    decode_cursor,
    encode_cursor,
    to_node,
)
from hub.errors import LimitError
from hub.model import NODE_KINDS, NodeKind
from hub.settings import Settings

log = logging.getLogger("hub.api")

MAX_IDS = 100


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _plural(label: str) -> str:
    base = label[0].lower() + label[1:]
    if base.endswith("y") and not base.endswith("ey"):
        return base[:-1] + "ies"
    if base.endswith(("s", "x")):
        return base + "es"
    return base + "s"


def _where_type(kind: NodeKind) -> type:
    namespace: dict[str, Any] = {
        "__annotations__": {f: Optional[str] for f in kind.lookups},  # noqa: UP045
        "__module__": __name__,
    }
    namespace.update({f: None for f in kind.lookups})
    cls = type(kind.label + "Where", (), namespace)
    return strawberry.input(cls, description=f"Equality filters on {kind.label} lookup fields.")


def _list_resolver(kind: NodeKind,
                   where_type: type | None) -> Callable[..., Awaitable[NodeConnection]]:
    async def resolve(info: strawberry.Info, first: int, after: Optional[str] = None,  # noqa: UP045
                      where: Any = None) -> NodeConnection:
        ctx: RequestContext = info.context
        filters = {k: v for k, v in vars(where).items() if v is not None} if where else {}
        page = await ctx.reader.list(kind.label, filters, first, decode_cursor(after))
        edges = [NodeEdge(cursor=encode_cursor(row["id"]), node=to_node(row, ctx))
                 for row in page.rows]

        async def count() -> int:
            return await ctx.reader.count(kind.label, filters)

        return NodeConnection(edges=edges, count=count, page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None))

    resolve.__annotations__ = {
        "info": strawberry.Info, "first": int, "after": Optional[str],  # noqa: UP045
        "where": Optional[where_type], "return": NodeConnection,  # noqa: UP045
    }
    if where_type is None:
        async def resolve_all(info: strawberry.Info, first: int,
                              after: Optional[str] = None) -> NodeConnection:  # noqa: UP045
            return await resolve(info, first, after)

        return resolve_all
    return resolve


def _list_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for kind in NODE_KINDS:
        name = _plural(kind.label)
        fields[name] = strawberry.field(
            resolver=_list_resolver(kind, _where_type(kind) if kind.lookups else None), name=name,
            description=f"{kind.description}: a keyset page (first: 1-100) of the visible ones.",
        )
    return fields


@strawberry.type(description="The caller, as the hub sees it.")
class Viewer:
    subject: str
    agency: str
    party: str
    agency_type: str
    roles: list[str]
    readable_kinds: list[str]
    distribution_levels: list[str]


async def _node(info: strawberry.Info, id: strawberry.ID) -> Optional[Node]:  # noqa: UP045
    ctx: RequestContext = info.context
    row = await ctx.reader.node(str(id))
    return to_node(row, ctx) if row else None


async def _nodes(info: strawberry.Info, ids: list[strawberry.ID]) -> list[Optional[Node]]:  # noqa: UP045
    ctx: RequestContext = info.context
    if len(ids) > MAX_IDS:
        raise LimitError(f"ids: at most {MAX_IDS} per request, not {len(ids)}")
    found = await ctx.reader.nodes([str(i) for i in ids])
    return [to_node(found[str(i)], ctx) if str(i) in found else None for i in ids]


def _viewer(info: strawberry.Info) -> Viewer:
    ctx: RequestContext = info.context
    p = ctx.principal
    return Viewer(subject=p.subject, agency=p.agency, party=p.party, agency_type=p.agency_type,
                  roles=sorted(r.value for r in p.roles),
                  readable_kinds=list(ctx.visibility.kinds),
                  distribution_levels=list(ctx.visibility.records.levels))


QUERY_MODULES: tuple[str, ...] = ("hub.api.audit", "hub.api.alerts", "hub.api.risk",
                                 "hub.api.checks", "hub.api.links")
"""API modules that add root query fields: each has ``query_fields() -> dict[str, field]``."""

MUTATION_MODULES: tuple[str, ...] = ("hub.api.sharing", "hub.api.alerts", "hub.api.risk",
                                    "hub.api.checks", "hub.api.resolution")
"""API modules that add mutations: each has ``mutation_fields() -> dict[str, field]``."""

SUBSCRIPTION_MODULES: tuple[str, ...] = ("hub.api.alerts",)
"""API modules that add subscriptions: each has ``subscription_fields() -> dict[str, field]``."""


def _contributed(modules: tuple[str, ...], function: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in modules:
        contributed = getattr(importlib.import_module(name), function)()
        clash = set(contributed) & set(fields)
        if clash:
            raise ValueError(f"{name} redefines root fields {sorted(clash)}")
        fields.update(contributed)
    return fields


def _mutation_type() -> type | None:
    fields = _contributed(MUTATION_MODULES, "mutation_fields")
    if not fields:
        return None
    return strawberry.type(type("Mutation", (), {"__module__": __name__, **fields}))


def _subscription_type() -> type | None:
    fields = _contributed(SUBSCRIPTION_MODULES, "subscription_fields")
    if not fields:
        return None
    return strawberry.type(type("Subscription", (), {"__module__": __name__, **fields}))


def _query_type() -> type:
    namespace: dict[str, Any] = {"__module__": __name__}
    namespace["node"] = strawberry.field(
        resolver=_node, description="The record with this id, or null if none is visible to you.")
    namespace["nodes"] = strawberry.field(
        resolver=_nodes, description="Records by id (at most 100), null where none is visible.")
    namespace["viewer"] = strawberry.field(resolver=_viewer, description="Who you are to the hub.")
    namespace.update(_list_fields())
    namespace.update(_contributed(QUERY_MODULES, "query_fields"))
    return strawberry.type(type("Query", (), namespace))


class HubSchema(strawberry.Schema):
    """Maps every error once to its public form; logs unexpected ones by type only."""

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        result = await super().execute(*args, **kwargs)
        if result.errors:
            result.errors = [public_error(error) for error in result.errors]
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> StreamResult:
        # Websocket operations (subscriptions, and queries/mutations sent over a socket) come
        # through here, not execute(): map their errors the same way. Errors raised before
        # execution describe the client's own document; they stay as they are, so the
        # transport can still close on a syntax error as its protocol says.
        return _public_stream(await super().stream(*args, **kwargs))

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            original = error.original_error
            if original is not None and not hasattr(original, "code"):
                log.error("unexpected %s at %s", type(original).__name__, error.path)


async def _public_stream(source: StreamResult) -> StreamResult:
    async with aclosing(source):
        async for result in source:
            if (isinstance(result, ExecutionResult) and not isinstance(result, PreExecutionError)
                    and result.errors):
                result.errors = [public_error(error) for error in result.errors]
            yield result


_SPACES = re.compile(r"\n{3,}")


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The schema with the hub's limits, caches, error mapping and telemetry."""
    settings = settings or Settings()
    return HubSchema(
        query=_query_type(),
        mutation=_mutation_type(),
        subscription=_subscription_type(),
        types=list(NODE_TYPES.values()),
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        extensions=[
            OperationMetrics,
            PersonalDataAudit,
            *limit_extensions(settings),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )


def schema_sdl() -> str:
    """The SDL as ``hub export-schema`` writes it (schema/hub.graphql)."""
    return _SPACES.sub("\n\n", print_schema(build_schema())).strip() + "\n"
