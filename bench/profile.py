"""The operator-profile workload: one GraphQL query and the statements it sends."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.graph.cypher import bench as baseline
from hub.graph.cypher import reads
from hub.graph.reader import GraphReader
from hub.graph.store import GraphStore
from hub.principal import Principal, Role
from hub.visibility import Visibility

PROFILE_QUERY = """
query Profile($id: ID!) {
  node(id: $id) {
    id
    ... on Operator {
      name nameLatin taxId country legalForm
      addresses(first: 5) { edges { node { ... on Address { text city } } } }
      contacts(first: 5) { edges { node { ... on Contact { channel value } } } }
      aeoAuthorisations(first: 5) { edges { node { ... on AeoAuthorisation { number status } } } }
      exporterOf(first: 10) {
        totalCount
        edges { node { ... on Consignment { reference declaredAt hsCodes } } }
      }
      alerts(first: 5) { edges { node { ... on RiskAlert { title priority } } } }
    }
  }
}
"""

_SCHEMA = build_schema()
CALLER = Principal("bench-analyst", "RS", "RS-CUS", "customs", frozenset({Role.ANALYST}), "bench")


@functools.cache
def caller_visibility() -> Visibility:
    """The RS customs analyst's visibility, from the real policy files (computed once)."""
    from hub.policy import CasbinPolicy
    from hub.settings import Settings

    return CasbinPolicy(Settings().policy_dir).visibility(CALLER)


async def sample_operators(store: GraphStore, limit: int) -> list[str]:
    rows = await store.run(baseline.SAMPLE_OPERATORS, {"limit": limit})
    return [row["id"] for row in rows]


async def profile_graphql(store: GraphStore, operator_id: str) -> Any:
    vis = caller_visibility()
    ctx = RequestContext(principal=CALLER, visibility=vis, reader=GraphReader(store, vis))
    result = await _SCHEMA.execute(PROFILE_QUERY, variable_values={"id": operator_id},
                                   context_value=ctx)
    assert not result.errors, result.errors
    return result.data


async def profile_direct(store: GraphStore, operator_id: str, filtered: bool) -> list[Any]:
    """The statements the profile query sends, run directly and concurrently like resolvers."""
    vis = caller_visibility().as_params()
    page = {"id": operator_id, "after": "", "vis": vis}
    if filtered:
        node, out, out_count, incoming = (reads.NODE_BY_ID, reads.LINKS_OUT,
                                          reads.LINKS_OUT_COUNT, reads.LINKS_IN)
    else:
        node, out, out_count, incoming = (baseline.UNFILTERED_NODE_BY_ID,
                                          baseline.UNFILTERED_LINKS_OUT,
                                          baseline.UNFILTERED_LINKS_OUT_COUNT,
                                          baseline.UNFILTERED_LINKS_IN)
    first = await store.run(node, {"id": operator_id, "vis": vis})
    if not first:
        return []
    return list(await asyncio.gather(
        store.run(out["LOCATED_AT"], {**page, "limit": 6}),
        store.run(out["REACHABLE_AT"], {**page, "limit": 6}),
        store.run(out["HOLDS"], {**page, "limit": 6}),
        store.run(out["EXPORTER_OF"], {**page, "limit": 11}),
        store.run(out_count["EXPORTER_OF"], {"id": operator_id, "vis": vis}),
        store.run(incoming["CONCERNS"], {**page, "limit": 6}),
    ))
