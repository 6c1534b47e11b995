"""Property-based leak test: every read path returns exactly what the sharing rules allow.

Random graphs (random owners, distribution levels and share lists on nodes AND edges, some
records stripped of their sharing metadata) and random callers; every read path of the API is
compared with an independent reference implementation of the sharing rules written from
DESIGN.md. A read path added to the API must join :data:`READ_PATHS` below.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.api.types import REL_FIELD_NAMES
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.statements import Mode, statement
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
from hub.policy import CasbinPolicy
from hub.policy.audit import AuditTrail
from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE
from hub.settings import Settings
from hub.visibility import Audience, Visibility

SCHEMA = build_schema()
SOURCE = Provenance("leak-test", "x", 1)
AGENCIES = {"RS-CUS": "RS", "RS-PHY": "RS", "MK-CUS": "MK", "AL-CUS": "AL", "HR-CUS": "HR"}
LEVELS = [d.value for d in Distribution]
NODE_LABELS = ("Operator", "Consignment", "Person", "Vehicle", "Address")
EDGES = {  # type -> (source label, target label)
    "EXPORTER_OF": ("Operator", "Consignment"),
    "DRIVEN_BY": ("Consignment", "Person"),
    "TRANSPORTED_BY": ("Consignment", "Vehicle"),
    "LOCATED_AT": ("Operator", "Address"),
}
KINDS = (*NODE_LABELS, *EDGES)
FIELDS = {"Operator": "name", "Consignment": "reference", "Person": "full_name",
          "Vehicle": "plate", "Address": "text"}

STRIP_NODE = statement(
    "tests.leaks.strip_node",
    "MATCH (n:Entity {id: $id}) REMOVE n.owner_party, n.distribution",
    Mode.WRITE,
)
STRIP_EDGE = statement(
    "tests.leaks.strip_edge",
    "MATCH ()-[r {id: $id}]->() REMOVE r.owner_party, r.distribution",
    Mode.WRITE,
)


@dataclass(frozen=True)
class Rec:
    """What the reference implementation knows of a record."""

    id: str
    kind: str
    sharing: Sharing | None  # None: stripped of its sharing metadata
    source: str = ""
    target: str = ""


def reference_visible(rec: Rec, aud: Audience, kinds: tuple[str, ...] | None) -> bool:
    """DESIGN.md "Sharing", written independently of the Cypher predicate."""
    if rec.sharing is None or (kinds is not None and rec.kind not in kinds):
        return False
    s = rec.sharing
    if s.owner_agency == aud.agency:
        return True
    if s.distribution is Distribution.PARTY and s.owner_party in aud.parties:
        return True
    if s.distribution.value in aud.levels:
        return True
    return any(token in aud.tokens for token in s.share_with)


sharings = st.builds(
    Sharing,
    owner_agency=st.sampled_from(sorted(AGENCIES)),
    owner_party=st.just(""),
    distribution=st.sampled_from(list(Distribution)),
    share_with=st.lists(st.sampled_from(["agency:RS-PHY", "party:MK", "party:AL", "agency:HR-CUS",
                                         "case:c1"]), max_size=2).map(tuple),
).map(lambda s: Sharing(s.owner_agency, AGENCIES[s.owner_agency], s.distribution, s.share_with))


@st.composite
def graphs(draw: st.DrawFn) -> list[Rec]:
    recs: list[Rec] = []
    for label in NODE_LABELS:
        for i in range(draw(st.integers(1, 3))):
            sharing = draw(st.one_of(st.none(), sharings)) if draw(st.booleans()) else draw(sharings)
            recs.append(Rec(stable_id(label, "leak", i), label, sharing))
    by_label = {label: [r for r in recs if r.kind == label] for label in NODE_LABELS}
    for rel, (src, dst) in EDGES.items():
        pairs = draw(st.lists(st.tuples(st.sampled_from(by_label[src]),
                                        st.sampled_from(by_label[dst])), max_size=4, unique=True))
        for a, b in pairs:
            sharing = draw(st.one_of(st.none(), sharings)) if draw(st.booleans()) else draw(sharings)
            edge = EdgeRecord(rel, a.id, b.id, sharing or draw(sharings), SOURCE)
            recs.append(Rec(edge.id, rel, sharing, a.id, b.id))
    return recs


POLICY = CasbinPolicy(Settings().policy_dir)


@st.composite
def policy_callers(draw: st.DrawFn) -> Visibility:
    """A real principal (agency and roles) through the real policy files."""
    agency = draw(st.sampled_from(sorted(AGENCIES)))
    info = AGENCY_BY_CODE[agency]
    roles = frozenset(draw(st.lists(st.sampled_from(list(Role)), min_size=1, max_size=2)))
    principal = Principal("p", info.party, agency, info.type.value, roles, "t")
    tokens = ("case:c1",) if draw(st.booleans()) else ()
    return POLICY.visibility(principal, extra_tokens=tokens)


@st.composite
def random_callers(draw: st.DrawFn) -> Visibility:
    agency = draw(st.sampled_from(sorted(AGENCIES)))
    party = AGENCIES[agency]

    def audience() -> Audience:
        return Audience(
            agency=agency,
            parties=(party,) if draw(st.booleans()) else (),
            levels=tuple(draw(st.lists(st.sampled_from(LEVELS[3:]), max_size=3, unique=True))),
            tokens=tuple(draw(st.lists(st.sampled_from(
                [f"agency:{agency}", f"party:{party}", "case:c1"]), max_size=3, unique=True))),
        )

    records = audience()
    personal = audience() if draw(st.booleans()) else Audience.nobody()
    kinds = tuple(draw(st.lists(st.sampled_from(KINDS), min_size=3, unique=True)))
    return Visibility(records=records, personal=personal, kinds=kinds)


async def _write(store: FalkorStore, recs: list[Rec]) -> None:
    default = Sharing("RS-CUS", "RS", Distribution.ORIGINATOR)
    records: list[Record] = []
    for rec in recs:
        if rec.kind in NODE_LABELS:
            props = {FIELDS[rec.kind]: "value of " + rec.id}
            records.append(NodeRecord(rec.kind, rec.id, props, rec.sharing or default, SOURCE))
        else:
            records.append(EdgeRecord(rec.kind, rec.source, rec.target, rec.sharing or default,
                                      SOURCE))
    await GraphWriter(store).write(records)
    for rec in recs:
        if rec.sharing is None:
            await store.run(STRIP_NODE if rec.kind in NODE_LABELS else STRIP_EDGE, {"id": rec.id})


class Api:
    def __init__(self, store: FalkorStore, vis: Visibility) -> None:
        principal = Principal("s", vis.records.parties[0] if vis.records.parties else "RS",
                              vis.records.agency, "customs", frozenset({Role.ANALYST}), "t")
        self.ctx = RequestContext(principal=principal, visibility=vis,
                                  reader=GraphReader(store, vis), audit=AuditTrail(store))

    async def __call__(self, query: str, **variables: Any) -> Any:
        result = await SCHEMA.execute(query, variable_values=variables, context_value=self.ctx)
        assert not result.errors, result.errors
        return result.data


class Expect:
    def __init__(self, recs: list[Rec], vis: Visibility) -> None:
        self.recs = recs
        self.vis = vis
        self.visible = {r.id for r in recs if reference_visible(r, vis.records, vis.kinds)}
        self.personal = {r.id for r in recs if reference_visible(r, vis.personal, None)}

    def nodes(self, label: str | None = None) -> list[str]:
        return sorted(r.id for r in self.recs if r.kind in NODE_LABELS and r.id in self.visible
                      and (label is None or r.kind == label))

    def links(self, node_id: str, rel: str, outgoing: bool) -> list[tuple[str, str]]:
        found = []
        for r in self.recs:
            if r.kind != rel or r.id not in self.visible:
                continue
            here, there = (r.source, r.target) if outgoing else (r.target, r.source)
            if here == node_id and there in self.visible and node_id in self.visible:
                found.append((r.id, there))
        return sorted(found)


def _value(node: dict[str, Any]) -> Any:
    return next((v for k, v in node.items() if k not in {"id", "kind"}), None)


async def check_node_by_id(api: Api, expect: Expect) -> None:
    query = ("query($id: ID!) { node(id: $id) { id kind ... on Operator { v: name }"
             " ... on Person { v: fullName } } }")
    for rec in expect.recs:
        if rec.kind not in NODE_LABELS:
            continue
        node = (await api(query, id=rec.id))["node"]
        assert (node is not None) == (rec.id in expect.visible), rec
        if node is not None and rec.kind == "Person":
            assert (node["v"] is not None) == (rec.id in expect.personal), rec


async def check_nodes_by_ids(api: Api, expect: Expect) -> None:
    ids = [r.id for r in expect.recs if r.kind in NODE_LABELS]
    data = (await api("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=ids))["nodes"]
    assert sorted(n["id"] for n in data if n) == expect.nodes()


async def check_lists_and_totals(api: Api, expect: Expect) -> None:
    fields = {"Operator": "operators", "Consignment": "consignments", "Person": "persons",
              "Vehicle": "vehicles", "Address": "addresses"}
    for label, field in fields.items():
        seen: list[str] = []
        after = None
        while True:
            query = ("query($after: String) { %s(first: 2, after: $after) { totalCount"
                     " edges { node { id } } pageInfo { hasNextPage endCursor } } }" % field)
            page = (await api(query, after=after))[field]
            seen += [e["node"]["id"] for e in page["edges"]]
            assert page["totalCount"] == len(expect.nodes(label))
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == expect.nodes(label)


async def check_links(api: Api, expect: Expect) -> None:
    for rec in expect.recs:
        if rec.id not in expect.visible or rec.kind not in NODE_LABELS:
            continue
        for rel, (src, dst) in EDGES.items():
            for outgoing, end in ((True, src), (False, dst)):
                if rec.kind != end:
                    continue
                name = REL_FIELD_NAMES[rel][0 if outgoing else 1]
                query = ("query($id: ID!) { node(id: $id) { ... on %s { %s(first: 100) {"
                         " totalCount edges { relationship { id } node { id } } } } } }"
                         % (rec.kind, name))
                conn = (await api(query, id=rec.id))["node"][name]
                got = sorted((e["relationship"]["id"], e["node"]["id"]) for e in conn["edges"])
                want = expect.links(rec.id, rel, outgoing)
                assert got == want, (rec, rel, outgoing)
                assert conn["totalCount"] == len(want)


ALERT_SHARINGS = (  # cycled over the risk layer's alerts and CONCERNS edges
    Sharing("RS-CUS", "RS", Distribution.CEFTA_CUSTOMS),
    Sharing("HR-CUS", "HR", Distribution.CEFTA_EU),
    Sharing("RS-PHY", "RS", Distribution.PARTY),
    Sharing("AL-CUS", "AL", Distribution.LISTED, ("party:RS",)),
    Sharing("MK-CUS", "MK", Distribution.ORIGINATOR),
)
RISK_SCORE = ("query($id: ID!) { riskScore(consignmentId: $id) {"
                   " contributions { factor weight recordIds } } }")


def _risk_layer(expect: Expect) -> list[tuple[Rec, Rec]]:
    """One alert per node of the graph, each with its CONCERNS edge; the edge's sharing is the
    alert's four times in five, another's the fifth."""
    nodes = [r for r in expect.recs if r.kind in NODE_LABELS]
    layer = []
    for i, rec in enumerate(nodes):
        alert = Rec(stable_id("RiskAlert", "leak", rec.id), "RiskAlert",
                    ALERT_SHARINGS[i % len(ALERT_SHARINGS)])
        edge = EdgeRecord("CONCERNS", alert.id, rec.id,
                          ALERT_SHARINGS[(i + i // 5) % len(ALERT_SHARINGS)], SOURCE)
        layer.append((alert, Rec(edge.id, "CONCERNS", edge.sharing, alert.id, rec.id)))
    return layer


def _expected_alerts(expect: Expect, cid: str, layer: list[tuple[Rec, Rec]],
                     vis: Visibility) -> dict[str, int]:
    """Reference for riskScore's alerts: alert id -> links from the consignment's subjects."""
    def seen(rec: Rec) -> bool:
        return reference_visible(rec, vis.records, vis.kinds)

    kinds = {r.id: r.kind for r in expect.recs}
    adjacent: dict[str, set[str]] = {}
    for r in expect.recs:
        if r.kind in EDGES and r.id in expect.visible and {r.source, r.target} <= expect.visible:
            adjacent.setdefault(r.source, set()).add(r.target)
            adjacent.setdefault(r.target, set()).add(r.source)
    hops = {s: 0 for s in adjacent.get(cid, set())}
    frontier = set(hops)
    for step in (1, 2):
        frontier = {m for n in frontier for m in adjacent.get(n, set())
                    if kinds[m] != "Consignment" and m not in hops}
        hops.update({m: step for m in frontier})
    found: dict[str, int] = {}
    for alert, edge in layer:
        if not (seen(alert) and seen(edge) and edge.target in expect.visible):
            continue
        target = edge.target
        if target == cid:
            distance = 0
        elif kinds[target] != "Consignment":
            distance = hops.get(target, 99)
        else:
            distance = min((hops[n] + 1 for n in adjacent.get(target, set()) if n in hops),
                           default=99)
        if distance <= 2:
            found[alert.id] = distance
    return found


async def check_risk_scores(api: Api, expect: Expect) -> None:
    layer = _risk_layer(expect)
    records: list[Record] = [NodeRecord("RiskAlert", a.id, {"title": "t", "priority": "high"},
                                        a.sharing or ALERT_SHARINGS[0], SOURCE)
                             for a, _ in layer]
    records += [EdgeRecord("CONCERNS", e.source, e.target, e.sharing or ALERT_SHARINGS[0],
                           SOURCE) for _, e in layer]
    await GraphWriter(api.ctx.reader.store).write(records)  # idempotent across callers
    visible = expect.visible | {r.id for pair in layer for r in pair
                                if reference_visible(r, expect.vis.records, expect.vis.kinds)}
    for rec in expect.recs:
        if rec.kind != "Consignment":
            continue
        result = await SCHEMA.execute(RISK_SCORE, variable_values={"id": rec.id},
                                      context_value=api.ctx)
        if rec.id not in expect.visible:
            assert result.errors, rec
            assert (result.errors[0].extensions or {}).get("code") == "not_found"
            continue
        assert not result.errors, result.errors
        assert result.data is not None
        contributions = result.data["riskScore"]["contributions"]
        mentioned = {i for c in contributions for i in c["recordIds"]}
        assert mentioned <= visible, (rec, mentioned - visible)
        got = {c["recordIds"][0]: c["weight"] for c in contributions if c["factor"] == "alert"}
        want = _expected_alerts(expect, rec.id, layer, expect.vis)
        assert got == {a: 30.0 * (1.0, 0.5, 0.25)[h] for a, h in want.items()}, rec


READ_PATHS: tuple[Callable[[Api, Expect], Awaitable[None]], ...] = (
    check_node_by_id,
    check_nodes_by_ids,
    check_lists_and_totals,
    check_links,
    check_risk_scores,
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(recs=graphs(),
       vis=st.lists(st.one_of(random_callers(), policy_callers()), min_size=2, max_size=3))
async def test_every_read_path_returns_exactly_what_the_rules_allow(
    store: FalkorStore, recs: list[Rec], vis: list[Visibility]
) -> None:
    await store.clear()
    await _write(store, recs)
    for caller in vis:
        api, expect = Api(store, caller), Expect(recs, caller)
        for path in READ_PATHS:
            await path(api, expect)
