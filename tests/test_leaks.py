"""Property-based leak test: every read path returns exactly what the sharing rules allow.

Random graphs (random owners, distribution levels and share lists on nodes AND edges, some
records stripped of their sharing metadata) and random callers; every read path of the API is
compared with an independent reference implementation of the sharing rules written from
DESIGN.md. A read path added to the API must join :data:`READ_PATHS` below.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.api.types import REL_FIELD_NAMES
from hub.graph.cypher import alerts as alerts_cypher
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.graph.statements import Mode, statement
from hub.graph.store import GraphStore
from hub.graph.writer import GraphWriter, node_row
from hub.model import (
    WIDE_LEVELS,
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
KINDS = (*NODE_LABELS, *EDGES, "RiskAlert", "ControlResult", "FEEDBACK_ON", "RiskSignal",
         "ABOUT")
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
            sharing = (draw(st.one_of(st.none(), sharings)) if draw(st.booleans())
                       else draw(sharings))
            recs.append(Rec(stable_id(label, "leak", i), label, sharing))
    by_label = {label: [r for r in recs if r.kind == label] for label in NODE_LABELS}
    for rel, (src, dst) in EDGES.items():
        pairs = draw(st.lists(st.tuples(st.sampled_from(by_label[src]),
                                        st.sampled_from(by_label[dst])), max_size=4, unique=True))
        for a, b in pairs:
            sharing = (draw(st.one_of(st.none(), sharings)) if draw(st.booleans())
                       else draw(sharings))
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
        target = edge.target  # another consignment's alert does not spread to this one
        distance = 0 if target == cid else 99 if kinds[target] == "Consignment" \
            else hops.get(target, 99)
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
        # every record an explanation names (other paths' layers included) is one the
        # caller can read by id
        mentioned = sorted({i for c in contributions for i in c["recordIds"]})
        found = (await api("query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                           ids=mentioned))["nodes"] if mentioned else []
        assert all(found), (rec, mentioned, found)
        got = {c["recordIds"][0]: c["weight"] for c in contributions if c["factor"] == "alert"}
        want = _expected_alerts(expect, rec.id, layer, expect.vis)
        assert got == {a: 30.0 * (1.0, 0.5, 0.25)[h] for a, h in want.items()}, rec


# ---- shared alerts: alert by id with versions, inbox, hit rates (hub.api.alerts) -------------

LEAK_LEVELS = (  # (level, share list) cycled over the versions of the alert layer
    (Distribution.CEFTA_CUSTOMS, ()), (Distribution.ORIGINATOR, ()),
    (Distribution.LISTED, ("party:RS", "agency:HR-CUS")), (Distribution.CEFTA_EU, ()),
    (Distribution.PARTY, ()), (Distribution.CEFTA_AGENCIES, ("case:c1",)),
)
OWNERS = sorted(AGENCIES)
OFFICES = ("MK001", "AL001", "RS001")
OUTCOMES = ("no_irregularity", "irregularity", "seizure")


@dataclass(frozen=True)
class LeakAlert:
    """An alert of the layer, its versions' sharings, and which agency acknowledged which
    version (None: the current sharing was stripped, so it must be invisible to all)."""

    rec: Rec
    versions: tuple[Sharing, ...]
    at: str
    acks: tuple[tuple[str, int], ...]
    controls: tuple[tuple[Rec, Rec, str, str], ...]  # (control, FEEDBACK_ON edge, outcome, office)


def _sharing(owner: str, k: int) -> Sharing:
    level, share = LEAK_LEVELS[k % len(LEAK_LEVELS)]
    return Sharing(owner, AGENCIES[owner], level, share)


def _ack_audience(agency: str) -> Audience:
    """Who acknowledges in the layer: an agency that sees all but others' ORIGINATOR alerts."""
    return Audience(agency=agency, parties=tuple(sorted(set(AGENCIES.values()))),
                    levels=tuple(level.value for level in WIDE_LEVELS),
                    tokens=("party:RS", "agency:HR-CUS", "case:c1"))


def _alert_layer(expect: Expect) -> list[LeakAlert]:
    """A deterministic layer of alerts (several versions each), acknowledgements, and control
    results with FEEDBACK_ON edges, derived from the drawn graph's size."""
    layer = []
    nodes = [r for r in expect.recs if r.kind in NODE_LABELS]
    for i in range(len(nodes)):
        owner = OWNERS[i % len(OWNERS)]
        versions = tuple(_sharing(owner, i + k) for k in range(1 + i % 3))
        stripped = i % 7 == 6
        rec = Rec(stable_id("RiskAlert", "leak-alert", i), "RiskAlert",
                  None if stripped else versions[-1])
        acker = OWNERS[(i + 2) % len(OWNERS)]
        acks = ((acker, 1),) if i % 2 == 0 and reference_visible(
            Rec(rec.id, "RiskAlert", versions[0]), _ack_audience(acker), ("RiskAlert",)) else ()
        controls = []
        for j in range(i % 4):
            recorder = OWNERS[(i + j) % len(OWNERS)]
            control = Rec(stable_id("ControlResult", "leak", i, j), "ControlResult",
                          _sharing(recorder, i * 3 + j))
            edge = EdgeRecord("FEEDBACK_ON", control.id, rec.id,
                              _sharing(recorder, i + 2 * j + 1), SOURCE)
            controls.append((control, Rec(edge.id, "FEEDBACK_ON", edge.sharing, control.id,
                                          rec.id), OUTCOMES[(i + j) % 3], OFFICES[(i * j) % 3]))
        at = "2025-01-01T00:00:00.000Z" if i % 4 == 0 else f"2025-01-02T00:00:{i:02d}.000Z"
        layer.append(LeakAlert(rec, versions, at, acks, tuple(controls)))
    return layer


async def _write_alert_layer(store: GraphStore, layer: list[LeakAlert]) -> None:
    """Written through the alerts' own write statements; idempotent across callers (the
    version compare-and-set refuses a second write, MERGE changes nothing)."""
    records: list[Record] = []
    for alert in layer:
        for version, sharing in enumerate(alert.versions, start=1):
            props = {"title": "leak", "risk_domain": "financial", "risk_type": "leak",
                     "status": "active", "version": version, "changed_at": alert.at}
            row = node_row(NodeRecord("RiskAlert", alert.rec.id, props, sharing, SOURCE))
            written = await store.run(alerts_cypher.WRITE_ALERT, {
                "id": alert.rec.id, "expected": version - 1, "ingested_at": 1,
                "props": row["props"], "version_id": f"{alert.rec.id}:v{version}",
                "snapshot": {**row["props"], "alert_id": alert.rec.id}})
            for agency, acked in alert.acks:
                if written and acked == version:  # a later caller's rewrite must not re-ack
                    vis = Visibility(_ack_audience(agency), Audience.nobody(), ("RiskAlert",))
                    await store.run(alerts_cypher.ACKNOWLEDGE, {
                        "id": alert.rec.id, "ack_id": f"{alert.rec.id}:{agency}", "at": "t",
                        "vis": vis.as_params()})
        for control, edge, outcome, office in alert.controls:
            assert control.sharing is not None
            assert edge.sharing is not None
            records.append(NodeRecord("ControlResult", control.id, {
                "outcome": outcome, "office": office, "controlled_at": "2025-01-03"},
                control.sharing, SOURCE))
            records.append(EdgeRecord("FEEDBACK_ON", edge.source, edge.target, edge.sharing,
                                      SOURCE))
    await GraphWriter(store).write(records)
    for alert in layer:
        if alert.rec.sharing is None:
            await store.run(STRIP_NODE, {"id": alert.rec.id})


async def _alert_layer_for(api: Api, expect: Expect) -> list[LeakAlert]:
    layer = _alert_layer(expect)
    await _write_alert_layer(api.ctx.reader.store, layer)
    return layer


def _seen(expect: Expect, rec: Rec) -> bool:
    return reference_visible(rec, expect.vis.records, expect.vis.kinds)


def _acked(alert: LeakAlert, agency: str) -> int | None:
    return next((version for who, version in alert.acks if who == agency), None)


async def check_alert_by_id(api: Api, expect: Expect) -> None:
    query = ("query($id: ID!) { alert(id: $id) { id version unread acknowledgedVersion"
             " versions(first: 10) { version sharing { distribution } }"
             " acknowledgements { agency version } } }")
    me = expect.vis.records.agency
    for alert in await _alert_layer_for(api, expect):
        got = (await api(query, id=alert.rec.id))["alert"]
        assert (got is not None) == _seen(expect, alert.rec), alert
        if got is None:
            continue
        owner = alert.versions[-1].owner_agency
        versions = [v for v, s in enumerate(alert.versions, start=1)
                    if _seen(expect, Rec("v", "RiskAlert", s))]
        assert [v["version"] for v in got["versions"]] == versions, alert
        acked = _acked(alert, me)
        assert got["acknowledgedVersion"] == acked
        assert got["unread"] == (owner != me and (acked is None or acked < len(alert.versions)))
        want_acks = [{"agency": a, "version": v} for a, v in alert.acks] if owner == me else []
        assert got["acknowledgements"] == want_acks


async def check_inbox(api: Api, expect: Expect) -> None:
    me = expect.vis.records.agency
    layer = await _alert_layer_for(api, expect)
    rows = []
    for alert in layer:
        if _seen(expect, alert.rec):
            acked = _acked(alert, me)
            unread = alert.versions[-1].owner_agency != me and (
                acked is None or acked < len(alert.versions))
            rows.append((not unread, _Desc(alert.at), alert.rec.id, unread))
    for unread_only in (False, True):
        want = [(i, u) for _, _, i, u in sorted(rows) if u or not unread_only]
        seen: list[tuple[str, bool]] = []
        after = None
        while True:
            query = ("query($after: String, $u: Boolean!) { inbox(first: 2, after: $after,"
                     " type: \"leak\", unreadOnly: $u) { totalCount edges { unread node { id } }"
                     " pageInfo { hasNextPage endCursor } } }")
            page = (await api(query, after=after, u=unread_only))["inbox"]
            seen += [(e["node"]["id"], e["unread"]) for e in page["edges"]]
            assert page["totalCount"] == len(want)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == want, unread_only


@dataclass(frozen=True)
class _Desc:
    """Sorts text in descending order."""

    text: str

    def __lt__(self, other: object) -> bool:
        assert isinstance(other, _Desc)
        return self.text > other.text


async def check_hit_rates(api: Api, expect: Expect) -> None:
    layer = await _alert_layer_for(api, expect)
    by: dict[str, dict[str, list[int]]] = {"ALERT": {}, "OFFICE": {}, "PARTY": {}}
    counted: set[str] = set()
    for alert in layer:
        for control, edge, outcome, office in alert.controls:
            if not _seen(expect, control):
                continue
            hit = int(outcome != "no_irregularity")
            if control.id not in counted:
                counted.add(control.id)
                assert control.sharing is not None
                for group, key in (("OFFICE", office), ("PARTY", control.sharing.owner_party)):
                    totals = by[group].setdefault(key, [0, 0])
                    totals[0] += 1
                    totals[1] += hit
            if _seen(expect, edge) and _seen(expect, alert.rec):
                totals = by["ALERT"].setdefault(alert.rec.id, [0, 0])
                totals[0] += 1
                totals[1] += hit
    query = ("query($by: HitRateGroup!) { hitRates(groupBy: $by, first: 100) {"
             " rows { key controls hits hitRate } } }")
    for group, want in by.items():
        rows = (await api(query, by=group))["hitRates"]["rows"]
        assert {r["key"]: [r["controls"], r["hits"]] for r in rows} == want, group
        assert [r["key"] for r in rows] == sorted(want)
        assert all(r["hitRate"] == r["hits"] / r["controls"] for r in rows)


# ---- checks: lpcoCheck, aeoStatus, priorityPassage (hub.api.checks) --------------------------

LPCO_CHECK = ("query($id: ID!) { lpcoCheck(consignmentId: $id) { documentsChecked"
              " signals { kind recordIds } } }")
AEO_STATUS = "query($id: ID!) { aeoStatus(operatorId: $id, at: \"2026-03-14\") { id } }"
PASSAGE = ("{ priorityPassage(crossing: \"LEAK-BCP\", at: \"2026-03-14\") { recognisedParties"
           " items { id issuingParty holders { id } } } }")


def _cycled(i: int) -> Sharing:
    return ALERT_SHARINGS[i % len(ALERT_SHARINGS)]


def _seen(expect: Expect, rec: Rec) -> bool:
    return reference_visible(rec, expect.vis.records, expect.vis.kinds)


DELETE_NODES = statement(
    "tests.leaks.delete_nodes",
    "UNWIND $ids AS wanted MATCH (n:Entity {id: wanted}) DETACH DELETE n",
    Mode.WRITE,
)


@asynccontextmanager
async def _layer(api: Api, nodes: list[tuple[Rec, dict[str, Any]]],
                 edges: list[Rec]) -> AsyncIterator[None]:
    """Write a layer of records for one check, and remove it after: the other read paths'
    references know only the base graph (a licence or an AEO would join its neighbourhoods)."""
    store = api.ctx.reader.store
    records: list[Record] = [NodeRecord(r.kind, r.id, props, r.sharing or _cycled(0), SOURCE)
                             for r, props in nodes]
    records += [EdgeRecord(e.kind, e.source, e.target, e.sharing or _cycled(0), SOURCE)
                for e in edges]
    await GraphWriter(store).write(records)
    try:
        yield
    finally:
        await store.run(DELETE_NODES, {"ids": [r.id for r, _ in nodes]})


def _edge(kind: str, source: str, target: str, sharing: Sharing) -> Rec:
    return Rec(EdgeRecord(kind, source, target, sharing, SOURCE).id, kind, sharing, source, target)


async def check_lpco_check(api: Api, expect: Expect) -> None:
    """Each consignment presents five expired licences issued to the first operator; the
    licence, its COVERED_BY and its ISSUED_TO edge each have their own sharing, in varied
    combinations. Signals come only through what the caller sees."""
    holder = min(r.id for r in expect.recs if r.kind == "Operator")
    layer = []
    for i, c in enumerate(r for r in expect.recs if r.kind == "Consignment"):
        for j in range(5):
            lpco = Rec(stable_id("Lpco", "leak", c.id, j), "Lpco", _cycled(i + j))
            layer.append((c, lpco, _edge("COVERED_BY", c.id, lpco.id, _cycled(i + 2 * j + 1)),
                          _edge("ISSUED_TO", lpco.id, holder, _cycled(i + 3 * j + 2))))
    async with _layer(api, [(lpco, {"lpco_type": "licence", "number": lpco.id,
                                    "status": "expired"}) for _, lpco, _, _ in layer],
                      [e for _, _, cov, iss in layer for e in (cov, iss)]):
        for c in (r for r in expect.recs if r.kind == "Consignment"):
            await _check_lpco_of(api, expect, c, holder, layer)


async def _check_lpco_of(api: Api, expect: Expect, c: Rec, holder: str,
                         layer: list[tuple[Rec, Rec, Rec, Rec]]) -> None:
    data = (await api(LPCO_CHECK, id=c.id))["lpcoCheck"]
    if c.id not in expect.visible:
        assert data is None, c
        return
    exporters = {r.source for r in expect.recs if r.kind == "EXPORTER_OF" and r.target == c.id
                 and r.id in expect.visible and r.source in expect.visible}
    presented, want = set(), set()
    for _, lpco, cov, iss in (item for item in layer if item[0] is c):
        if not (_seen(expect, cov) and _seen(expect, lpco)):
            continue
        presented.add(lpco.id)
        want.add(("lpco_expired", lpco.id))
        if _seen(expect, iss) and holder in expect.visible and exporters \
                and holder not in exporters:
            want.add(("lpco_other_holder", lpco.id))
    assert data["documentsChecked"] == len(presented), c
    assert {(s["kind"], s["recordIds"][0]) for s in data["signals"]} == want, c
    mentioned = {i for s in data["signals"] for i in s["recordIds"]}
    assert mentioned <= expect.visible | presented, c


async def check_risk_signals(api: Api, expect: Expect) -> None:
    """An open signal about each consignment (its own finding) and each operator (about the
    party as such), the signal and its ABOUT edge each with their own sharing: a consignment's
    score counts exactly the signals the caller sees about it or about an exporter it sees."""
    targets = [r for r in expect.recs if r.kind in {"Consignment", "Operator"}]
    layer = []
    for i, target in enumerate(targets):
        signal = Rec(stable_id("RiskSignal", "leak", target.id), "RiskSignal", _cycled(i))
        layer.append((target, signal,
                      _edge("ABOUT", signal.id, target.id, _cycled(i + i // 5 + 1))))
    nodes = [(signal, {"signal_kind": "seed_weight_mismatch", "severity": "high",
                       "check": "seed", "reason": "leak", "status": "open",
                       **({"consignment_id": target.id} if target.kind == "Consignment"
                          else {})}) for target, signal, _ in layer]
    async with _layer(api, nodes, [about for _, _, about in layer]):
        for c in (r for r in expect.recs if r.kind == "Consignment"):
            if c.id not in expect.visible:
                continue
            exporters = {r.source for r in expect.recs if r.kind == "EXPORTER_OF"
                         and r.target == c.id and r.id in expect.visible
                         and r.source in expect.visible}
            want = {signal.id for target, signal, about in layer
                    if _seen(expect, signal) and _seen(expect, about)
                    and (target.id == c.id or target.id in exporters)}
            contributions = (await api(RISK_SCORE, id=c.id))["riskScore"]["contributions"]
            signals = [x for x in contributions if x["factor"] == "signal"]
            assert {x["recordIds"][0]: x["weight"] for x in signals} == dict.fromkeys(
                want, 25.0), c
            mentioned = {i for x in signals for i in x["recordIds"]}
            assert mentioned <= want | expect.visible, c


async def check_aeo_status_and_priority_passage(api: Api, expect: Expect) -> None:
    """Each operator holds an AEO (issued by RS, MK or AL in turn); a crossing RS-MK; MK
    recognises AL. Authorisations, holdings, parties, the crossing and the recognition each
    have their own sharing."""
    layer = []
    for i, op in enumerate(r for r in expect.recs if r.kind == "Operator"):
        aeo = Rec(stable_id("AeoAuthorisation", "leak", op.id), "AeoAuthorisation", _cycled(i + 3))
        layer.append((op, aeo, ("RS", "MK", "AL")[i % 3],
                      _edge("HOLDS", op.id, aeo.id, _cycled(i + 4))))
    bcp = Rec(stable_id("BorderCrossingPoint", "LEAK-BCP"), "BorderCrossingPoint",
              _cycled(len(layer)))
    mk = Rec(stable_id("Party", "leak-MK"), "Party", _cycled(len(layer) + 1))
    al = Rec(stable_id("Party", "leak-AL"), "Party", _cycled(len(layer) + 2))
    mra = _edge("RECOGNISES_AEO_OF", mk.id, al.id, _cycled(len(layer) + 3))
    nodes = [*((aeo, {"number": aeo.id, "status": "valid", "issuing_party": party,
                      "valid_from": "2020-01-01"}) for _, aeo, party, _ in layer),
             (bcp, {"code": "LEAK-BCP", "parties": ["RS", "MK"]}), (mk, {"code": "MK"}),
             (al, {"code": "AL"})]
    holders = {aeo.id: [op.id] if _seen(expect, holds) and op.id in expect.visible else []
               for op, aeo, _, holds in layer}
    async with _layer(api, nodes, [mra, *(holds for *_, holds in layer)]):
        for op, aeo, _, _ in layer:
            got = [a["id"] for a in (await api(AEO_STATUS, id=op.id))["aeoStatus"]]
            assert got == ([aeo.id] if holders[aeo.id] and _seen(expect, aeo) else []), op
        result = await SCHEMA.execute(PASSAGE, context_value=api.ctx)
    if not _seen(expect, bcp):
        assert result.errors
        assert (result.errors[0].extensions or {}).get("code") == "not_found"
        return
    assert not result.errors, result.errors
    assert result.data is not None
    page = result.data["priorityPassage"]
    recognised = all(_seen(expect, r) for r in (mra, mk, al))
    assert page["recognisedParties"] == (["AL"] if recognised else [])
    want = {aeo.id: holders[aeo.id] for _, aeo, party, _ in layer
            if _seen(expect, aeo) and (party != "AL" or recognised)}
    assert {i["id"]: [h["id"] for h in i["holders"]] for i in page["items"]} == want


# ---- link analysis: expand, paths, sharedIdentifiers, timeline, network (hub.api.links) --------
# Other read paths write layers of their own (alerts, documents, AEO) into the graph: these checks
# follow the base graph's relationship types only, or compare the base graph's kinds only.

BASE_TYPES = list(EDGES)


def _base_graph(expect: Expect) -> nx.Graph:
    """The visible base graph: visible nodes, and visible edges between visible nodes."""
    graph = nx.Graph()
    graph.add_nodes_from(expect.nodes())
    for r in expect.recs:
        if r.kind in EDGES and r.id in expect.visible and {r.source, r.target} <= expect.visible:
            graph.add_edge(r.source, r.target, id=r.id)
    return graph


LINK_SHARINGS = (  # cycled over the timeline layer's controls and OF edges
    Sharing("RS-CUS", "RS", Distribution.PARTY),
    Sharing("MK-CUS", "MK", Distribution.CEFTA_CUSTOMS),
    Sharing("AL-CUS", "AL", Distribution.ORIGINATOR),
    Sharing("HR-CUS", "HR", Distribution.LISTED, ("party:RS", "agency:MK-CUS")),
    Sharing("RS-PHY", "RS", Distribution.CEFTA_EU),
)
DELETE_LINK_LAYER = statement(
    "tests.leaks.delete_link_layer",
    "UNWIND $ids AS wanted MATCH (n:Entity {id: wanted}) DETACH DELETE n",
    Mode.WRITE,
)


async def check_expand(api: Api, expect: Expect) -> None:
    base = _base_graph(expect)
    query = ("query($id: ID!, $cap: Int!, $types: [String!]) { expand(id: $id, depth: 1,"
             " perLevelCap: $cap, relTypes: $types) { levels { more moreExact }"
             " nodes { id level more visibleBecause } edges { id source target } } }")
    for seed in sorted(base, key=lambda n: (-base.degree(n), n))[:1]:
        want_edges = {d["id"] for _, _, d in base.edges(seed, data=True)}
        full = (await api(query, id=seed, cap=100, types=BASE_TYPES))["expand"]
        assert {n["id"] for n in full["nodes"]} == {seed, *base[seed]}, seed
        assert {e["id"] for e in full["edges"]} == want_edges, seed
        assert full["nodes"][0]["more"] == 0
        one = (await api(query, id=seed, cap=1, types=BASE_TYPES))["expand"]
        assert len(one["nodes"]) == 1 + min(1, len(base[seed]))
        # "and N more" counts the visible links that are not shown, nothing hidden.
        assert one["nodes"][0]["more"] == len(want_edges) - len(one["edges"])
        assert one["levels"][0]["more"] == one["nodes"][0]["more"]
        assert all(n["visibleBecause"] for n in full["nodes"] + one["nodes"])


async def check_paths(api: Api, expect: Expect) -> None:
    base = _base_graph(expect)
    query = ("query($a: ID!, $b: ID!, $types: [String!], $hops: Int!) { paths(from: $a, to: $b,"
             " limit: 10, maxHops: $hops, relTypes: $types) { length paths { nodes { id }"
             " edges { id source target } } } }")
    nodes = expect.nodes()
    # Six hops, and two: a search whose last hop (read differently) comes early.
    pairs = list(zip(nodes, reversed(nodes), strict=True))[:2]
    for (a, b), hops in itertools.product(pairs, (6, 2)):
        if a == b:
            continue
        got = (await api(query, a=a, b=b, types=BASE_TYPES, hops=hops))["paths"]
        want = (list(nx.all_shortest_paths(base, a, b)) if nx.has_path(base, a, b) else [])
        want = [p for p in want if len(p) <= hops + 1]
        assert got["length"] == (len(want[0]) - 1 if want else None), (a, b)
        if len(want) <= 10:
            assert sorted(tuple(n["id"] for n in p["nodes"]) for p in got["paths"]) == sorted(
                tuple(p) for p in want)
        for path in got["paths"]:
            ids = [n["id"] for n in path["nodes"]]
            assert set(ids) <= expect.visible
            for (left, right), e in zip(itertools.pairwise(ids), path["edges"], strict=True):
                assert e["id"] in expect.visible
                assert {e["source"], e["target"]} == {left, right}


async def check_shared_identifiers(api: Api, expect: Expect) -> None:
    operators = expect.nodes("Operator")
    if len(operators) < 2:
        return
    base = _base_graph(expect)
    query = ("query($ids: [ID!]!) { sharedIdentifiers(operatorIds: $ids, maxDegree: 1000,"
             " limit: 100) { pairs { a b items { id kind degree } } } }")
    got = {frozenset((p["a"], p["b"])): {i["id"]: i["degree"] for i in p["items"]
                                         if i["kind"] in NODE_LABELS}
           for p in (await api(query, ids=operators))["sharedIdentifiers"]["pairs"]}
    uses: dict[str, set[str]] = {o: set() for o in operators}
    for o in operators:
        for n in base[o]:
            if n in expect.nodes("Address"):
                uses[o].add(n)
            elif n in expect.nodes("Consignment"):
                uses[o].update(m for m in base[n] if m in expect.nodes("Vehicle")
                               or m in expect.nodes("Person"))
    for a, b in ((a, b) for i, a in enumerate(operators) for b in operators[i + 1:]):
        want = uses[a] & uses[b]
        assert set(got.get(frozenset((a, b)), {})) == want, (a, b)
        for item in want:  # the degree counts the visible identifier edges only
            assert got[frozenset((a, b))][item] == base.degree(item), item


async def check_timeline(api: Api, expect: Expect) -> None:
    """Each consignment (hidden ones too) gets a dated control; controls and their OF edges
    have their own sharing. A timeline shows the controls of the visible consignments one
    visible link away, in time order, page by page; the layer is removed afterwards."""
    layer = []
    for i, c in enumerate(r for r in expect.recs if r.kind == "Consignment"):
        k = Rec(stable_id("ControlResult", "leak-links", c.id), "ControlResult",
                LINK_SHARINGS[i % len(LINK_SHARINGS)])
        of = EdgeRecord("OF", k.id, c.id, LINK_SHARINGS[(i * 2 + 1) % len(LINK_SHARINGS)], SOURCE)
        at = f"2025-02-{i % 3 + 1:02d}T10:00:00Z"  # ties, so that keys break them
        layer.append((k, Rec(of.id, "OF", of.sharing, k.id, c.id), at))
    await GraphWriter(api.ctx.reader.store).write(
        [NodeRecord("ControlResult", k.id, {"controlled_at": at, "outcome": "irregularity"},
                    k.sharing or LINK_SHARINGS[0], SOURCE) for k, _, at in layer]
        + [EdgeRecord("OF", of.source, of.target, of.sharing or LINK_SHARINGS[0], SOURCE)
           for _, of, _ in layer])
    try:
        await _check_timelines(api, expect, layer)
    finally:
        await api.ctx.reader.store.run(DELETE_LINK_LAYER, {"ids": [k.id for k, _, _ in layer]})


async def _check_timelines(api: Api, expect: Expect, layer: list[tuple[Rec, Rec, str]]) -> None:
    base = _base_graph(expect)
    query = ("query($id: ID!, $first: Int!, $after: String) { timeline(id: $id, first: $first,"
             " after: $after) { edges { node { id type record { id kind } } }"
             " pageInfo { hasNextPage endCursor } } }")
    mine = {k.id for k, _, _ in layer}
    consignments = set(expect.nodes("Consignment"))
    for entity in sorted(base, key=lambda n: (-base.degree(n), n))[:1]:
        seen, after = [], None
        while True:
            page = (await api(query, id=entity, first=3, after=after))["timeline"]
            seen += [e["node"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len({e["id"] for e in seen}) == len(seen)  # no event twice across pages
        assert all(e["record"]["id"] in expect.visible for e in seen
                   if e["record"]["kind"] in NODE_LABELS)
        subjects = {entity} if entity in consignments else set(base[entity]) & consignments
        want = sorted(((at, k.id) for k, of, at in layer if of.target in subjects
                       and reference_visible(k, expect.vis.records, expect.vis.kinds)
                       and reference_visible(of, expect.vis.records, expect.vis.kinds)))
        assert [e["record"]["id"] for e in seen if e["record"]["id"] in mine] == [
            k for _, k in want], entity


async def check_network(api: Api, expect: Expect) -> None:
    base = _base_graph(expect)
    if not expect.nodes():
        return
    query = ("query($ids: [ID!]!, $types: [String!]) { network(ids: $ids, depth: 0,"
             " relTypes: $types) { components nodes { node { id } degree } edges { id } } }")
    got = (await api(query, ids=expect.nodes(), types=BASE_TYPES))["network"]
    assert sorted(n["node"]["id"] for n in got["nodes"]) == expect.nodes()
    assert sorted(e["id"] for e in got["edges"]) == sorted(d["id"] for *_, d in
                                                           base.edges(data=True))
    assert got["components"] == nx.number_connected_components(base)
    assert {n["node"]["id"]: n["degree"] for n in got["nodes"]} == dict(base.degree())


READ_PATHS: tuple[Callable[[Api, Expect], Awaitable[None]], ...] = (
    check_node_by_id,
    check_nodes_by_ids,
    check_lists_and_totals,
    check_links,
    check_risk_scores,
    check_alert_by_id,
    check_inbox,
    check_hit_rates,
    check_lpco_check,
    check_risk_signals,
    check_aeo_status_and_priority_passage,
    check_expand,
    check_paths,
    check_shared_identifiers,
    check_timeline,
    check_network,
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
