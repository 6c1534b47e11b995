"""The GraphQL read API on the real embedded FalkorDB, called through ``schema.execute``."""

from __future__ import annotations

from typing import Any

import pytest

from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.writer import GraphWriter
from hub.model import (
    Distribution,
    EdgeRecord,
    NodeRecord,
    Provenance,
    Record,
    Sharing,
    stable_id,
)
from hub.policy.audit import AuditTrail
from hub.principal import Principal, Role
from hub.visibility import Audience, Visibility

SOURCE = Provenance("test", "api", 1_700_000_000_000)
RS_PARTY = Sharing("RS-CUS", "RS", Distribution.PARTY)
RS_ONLY = Sharing("RS-CUS", "RS", Distribution.ORIGINATOR)
CEFTA = Sharing("MK-CUS", "MK", Distribution.CEFTA_CUSTOMS)
ALL_KINDS = ("Operator", "Consignment", "Person", "Vehicle", "EXPORTER_OF", "DRIVEN_BY",
             "TRANSPORTED_BY")

SCHEMA = build_schema()


def _vis(agency: str, party: str, levels: tuple[str, ...] = (), personal: bool = False,
         kinds: tuple[str, ...] = ALL_KINDS) -> Visibility:
    records = Audience(agency=agency, parties=(party,), levels=levels,
                       tokens=(f"agency:{agency}", f"party:{party}"))
    return Visibility(records=records, personal=records if personal else Audience.nobody(),
                      kinds=kinds)


def _ctx(store: FalkorStore, vis: Visibility, audited: bool = True) -> RequestContext:
    principal = Principal("user-1", vis.records.parties[0], vis.records.agency, "customs",
                          frozenset({Role.ANALYST}), "test")
    return RequestContext(principal=principal, visibility=vis, reader=GraphReader(store, vis),
                          audit=AuditTrail(store) if audited else None, purpose="case 42")


async def _run(store: FalkorStore, vis: Visibility, query: str, **variables: Any) -> Any:
    result = await SCHEMA.execute(query, variable_values=variables,
                                  context_value=_ctx(store, vis))
    if result.errors:
        return {"errors": [{"message": e.message, "code": (e.extensions or {}).get("code")}
                           for e in result.errors]}
    return result.data


OP_A = stable_id("Operator", "RS", "PIB", "100000001")
OP_B = stable_id("Operator", "RS", "PIB", "100000002")
OP_MK = stable_id("Operator", "MK", "EDB", "4030000000001")
CONS = stable_id("Consignment", "RS", "MRN-1")
DRIVER = stable_id("Person", "RS", "driver-1")
TRUCK = stable_id("Vehicle", "RS", "BG123AB")


def _graph() -> list[Record]:
    return [
        NodeRecord("Operator", OP_A, {"name": "Alfa d.o.o.", "country": "RS"}, RS_PARTY, SOURCE),
        NodeRecord("Operator", OP_B, {"name": "Beta d.o.o.", "country": "RS"}, RS_ONLY, SOURCE),
        NodeRecord("Operator", OP_MK, {"name": "Гама ДООЕЛ", "country": "MK"}, CEFTA, SOURCE),
        NodeRecord("Consignment", CONS, {"reference": "MRN-1", "hs_codes": ["080810"]},
                   RS_PARTY, SOURCE),
        NodeRecord("Person", DRIVER, {"full_name": "Petar Petrović", "role": "driver"},
                   RS_PARTY, SOURCE),
        NodeRecord("Vehicle", TRUCK, {"plate": "BG123AB"}, RS_PARTY, SOURCE),
        EdgeRecord("EXPORTER_OF", OP_A, CONS, RS_PARTY, SOURCE),
        # An edge hidden from other parties between records they can see.
        EdgeRecord("EXPORTER_OF", OP_MK, CONS, RS_ONLY, SOURCE),
        EdgeRecord("DRIVEN_BY", CONS, DRIVER, RS_PARTY, SOURCE),
        EdgeRecord("TRANSPORTED_BY", CONS, TRUCK, RS_PARTY, SOURCE),
    ]


@pytest.fixture
async def graph(store: FalkorStore) -> FalkorStore:
    await GraphWriter(store).write(_graph())
    return store


NODE = "query($id: ID!) { node(id: $id) { id kind ... on Operator { name } } }"


async def test_node_by_id_respects_sharing(graph: FalkorStore) -> None:
    rs_phy = _vis("RS-PHY", "RS")
    mk = _vis("MK-CUS", "MK", levels=("CEFTA_CUSTOMS",))
    assert (await _run(graph, rs_phy, NODE, id=OP_A))["node"]["name"] == "Alfa d.o.o."
    assert (await _run(graph, rs_phy, NODE, id=OP_B))["node"] is None  # ORIGINATOR only
    assert (await _run(graph, _vis("RS-CUS", "RS"), NODE, id=OP_B))["node"]["name"] == "Beta d.o.o."
    assert (await _run(graph, mk, NODE, id=OP_A))["node"] is None
    assert (await _run(graph, rs_phy, NODE, id=OP_MK))["node"] is None
    hidden = await _run(graph, mk, NODE, id=OP_B)
    absent = await _run(graph, mk, NODE, id="operator:doesnotexist")
    assert hidden == absent == {"node": None}


async def test_kinds_not_granted_are_invisible(graph: FalkorStore) -> None:
    vis = _vis("RS-CUS", "RS", kinds=("Consignment",))
    assert (await _run(graph, vis, NODE, id=OP_A))["node"] is None


LIST = """query($first: Int!, $after: String) {
  operators(first: $first, after: $after) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""


async def test_lists_page_by_keyset_and_count_only_visible(graph: FalkorStore) -> None:
    vis = _vis("RS-CUS", "RS", levels=("CEFTA_CUSTOMS",))
    first = (await _run(graph, vis, LIST, first=2))["operators"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    rest = (await _run(graph, vis, LIST, first=2, after=after))["operators"]
    ids = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert sorted(ids) == sorted([OP_A, OP_B, OP_MK])
    assert ids == sorted(ids)
    assert rest["pageInfo"]["hasNextPage"] is False
    phy = (await _run(graph, _vis("RS-PHY", "RS"), LIST, first=10))["operators"]
    assert phy["totalCount"] == 1
    assert [e["node"]["id"] for e in phy["edges"]] == [OP_A]


async def test_list_filters_use_lookup_fields(graph: FalkorStore) -> None:
    vis = _vis("RS-CUS", "RS", levels=("CEFTA_CUSTOMS",))
    query = """{ operators(first: 10, where: {country: "MK"}) {
        totalCount edges { node { id } } } }"""
    data = (await _run(graph, vis, query))["operators"]
    assert data["totalCount"] == 1
    assert data["edges"][0]["node"]["id"] == OP_MK


LINKS = """query($id: ID!) { node(id: $id) { ... on Consignment {
  exporters(first: 10) { totalCount edges { relationship { type sharing { distribution } }
                                            node { id } } }
  drivers(first: 10) { edges { node { ... on Person { fullName role } } } } } } }"""


async def test_links_hide_invisible_edges_and_mask_personal_data(graph: FalkorStore) -> None:
    mk = _vis("MK-CUS", "MK", levels=("CEFTA_CUSTOMS",), kinds=ALL_KINDS)
    cons_mk = await _run(graph, mk, LINKS, id=CONS)
    assert cons_mk["node"] is None  # the consignment itself is PARTY-level RS data
    rs = await _run(graph, _vis("RS-PHY", "RS", levels=("CEFTA_CUSTOMS",)), LINKS, id=CONS)
    exporters = rs["node"]["exporters"]
    # The MK operator is visible to RS-PHY, but its EXPORTER_OF edge is ORIGINATOR (RS-CUS).
    assert exporters["totalCount"] == 1
    assert [e["node"]["id"] for e in exporters["edges"]] == [OP_A]
    driver = rs["node"]["drivers"]["edges"][0]["node"]
    assert driver == {"fullName": None, "role": "driver"}
    granted = await _run(graph, _vis("RS-CUS", "RS", personal=True), LINKS, id=CONS)
    assert granted["node"]["drivers"]["edges"][0]["node"]["fullName"] == "Petar Petrović"


async def test_personal_reads_are_audited(graph: FalkorStore) -> None:
    vis = _vis("RS-CUS", "RS", personal=True)
    ctx = _ctx(graph, vis)
    await SCHEMA.execute("query($id: ID!) { node(id: $id) { id } }",
                         variable_values={"id": DRIVER}, context_value=ctx)
    assert ctx.personal_reads == {DRIVER: "RS-CUS"}
    assert ctx.audit is not None
    page = await ctx.audit.accessed_records_of("RS-CUS")
    assert [(e.operation, e.record_ids, e.purpose) for e in page.entries] == [
        ("read_personal", (DRIVER,), "case 42")]
    masked = _ctx(graph, _vis("RS-CUS", "RS"))
    await SCHEMA.execute("query($id: ID!) { node(id: $id) { id } }",
                         variable_values={"id": DRIVER}, context_value=masked)
    assert masked.personal_reads == {}


async def test_personal_data_is_withheld_when_it_cannot_be_audited(graph: FalkorStore) -> None:
    ctx = _ctx(graph, _vis("RS-CUS", "RS", personal=True), audited=False)
    result = await SCHEMA.execute(
        "query($id: ID!) { node(id: $id) { ... on Person { fullName } } }",
        variable_values={"id": DRIVER}, context_value=ctx)
    assert result.data is None
    assert result.errors
    assert "withheld" in result.errors[0].message


@pytest.mark.parametrize(("query", "code"), [
    ("{ operators(first: 101) { edges { cursor } } }", "limit_exceeded"),
    ("{ operators(first: 0) { edges { cursor } } }", "limit_exceeded"),
    ('{ operators(first: 5, after: "bogus") { edges { cursor } } }', "bad_input"),
    ("{ operators(first: 5) { nope } }", "bad_query"),
    ("{ node(id: \"x\") { ... on Consignment { exporters(first: 1) { edges { node {"
     " ... on Operator { exporterOf(first: 1) { edges { node { ... on Consignment {"
     " exporters(first: 1) { edges { node { ... on Operator { exporterOf(first: 1) {"
     " edges { node { id } } } } } } } } } } } } } } } } } } }", "bad_query"),
])
async def test_errors_carry_stable_codes(graph: FalkorStore, query: str, code: str) -> None:
    result = await _run(graph, _vis("RS-CUS", "RS"), query)
    assert result["errors"][0]["code"] == code


ALIASES = "{ " + " ".join(f"a{i}: viewer {{ agency }}" for i in range(16)) + " }"
TOKENS = "{ viewer { " + " ".join(["agency"] * 2100) + " } }"


@pytest.mark.parametrize(("query", "needle"), [(ALIASES, "aliases"), (TOKENS, "token")])
async def test_alias_and_token_limits(graph: FalkorStore, query: str, needle: str) -> None:
    result = await _run(graph, _vis("RS-CUS", "RS"), query)
    assert result["errors"][0]["code"] == "bad_query"
    assert needle in result["errors"][0]["message"].lower()
