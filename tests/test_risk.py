"""Risk targeting: profile criteria, explained scores under the caller's visibility, the batch
scorer, the learned model and its evaluation, and the pattern rules — on hand-built graphs."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import joblib
import pytest
from typer.testing import CliRunner

from hub.analysis.risk.evaluation import Dataset, collect, train_and_evaluate
from hub.analysis.risk.evidence import (
    AeoFact,
    AlertFact,
    AlertLink,
    ConsignmentFacts,
    ControlFact,
    Evidence,
    OperatorFacts,
)
from hub.analysis.risk.features import FEATURES, Reference, vector
from hub.analysis.risk.model import RiskModel, model_path, train
from hub.analysis.risk.patterns import run_patterns
from hub.analysis.risk.profiles import Profile, parse_criteria
from hub.analysis.risk.scorer import score_all, score_for_caller
from hub.analysis.risk.scoring import THRESHOLDS, Channel, Score, Thresholds, score
from hub.api.context import RequestContext
from hub.api.schema import build_schema
from hub.checks.lpco_rules import Document, Use
from hub.cli import app
from hub.errors import ConfigError, InputError
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.migrations import migrate
from hub.graph.reader import GraphReader
from hub.graph.statements import Mode, statement
from hub.graph.writer import GraphWriter
from hub.model import Distribution, EdgeRecord, NodeRecord, Provenance, Record, Sharing, stable_id
from hub.policy import CasbinPolicy
from hub.policy.audit import AuditTrail
from hub.principal import Role
from hub.settings import Settings
from hub.times import epoch_ms
from hub.visibility import Visibility
from tests.callers import as_caller, principal

SCHEMA = build_schema()
POLICY = CasbinPolicy(Settings().policy_dir)
SOURCE = Provenance("test", "risk", 1)
WIDE = Sharing("RS-CUS", "RS", Distribution.CEFTA_CUSTOMS)
MK_ONLY = Sharing("MK-CUS", "MK", Distribution.ORIGINATOR)


def _id(label: str, key: str) -> str:
    return stable_id(label, "risk-test", key)


C1, C0, C2, C3, C4 = (_id("Consignment", k) for k in ("c1", "c0", "c2", "c3", "c4"))
EXP, IMP, DEC, OTHER, RING = (_id("Operator", k) for k in ("exp", "imp", "dec", "other", "ring"))
TRUCK, ADDR, CERT = _id("Vehicle", "truck"), _id("Address", "addr"), _id("Lpco", "cert")
AEO_IMP, AEO_EXP = _id("AeoAuthorisation", "imp"), _id("AeoAuthorisation", "exp")
SEIZED, OWN_CONTROL = _id("ControlResult", "seized"), _id("ControlResult", "own")
CLEAN = [_id("ControlResult", f"clean{i}") for i in range(3)]
ON_EXPORTER, HIDDEN_ON_TRUCK, ON_ADDRESS, ON_RING, LATER, ON_C1, ATTACHED_LATER = (
    _id("RiskAlert", k) for k in ("exp", "truck", "addr", "ring", "later", "c1", "attached"))
TOBACCO = _id("RiskProfile", "tobacco")


def visibility(agency: str, role: Role = Role.ANALYST) -> Visibility:
    return POLICY.visibility(principal(agency, role))


class Graph:
    """Records for a hand-built graph; every node and edge carries sharing metadata."""

    def __init__(self) -> None:
        self.records: list[Record] = []

    def node(self, label: str, node_id: str, share: Sharing = WIDE, **props: Any) -> str:
        self.records.append(NodeRecord(label, node_id, props, share, SOURCE))
        return node_id

    def edge(self, rel: str, source: str, target: str, share: Sharing = WIDE,
             **props: Any) -> None:
        self.records.append(EdgeRecord(rel, source, target, share, SOURCE, props))

    async def write(self, store: FalkorStore) -> None:
        await GraphWriter(store).write(self.records)


def consignment(g: Graph, cid: str, day: str, *parties: tuple[str, str], **props: Any) -> str:
    fields = {"reference": cid[-6:], "declared_at": day + "T10:00:00Z", "hs_codes": ["240220"],
              "origin": "CN", "destination": "RS", "value_eur": 1000.0, "gross_mass_kg": 2000.0,
              "exit_office": "MK1001", "entry_office": "RS081001", "direction": "import"}
    g.node("Consignment", cid, **{**fields, **props})
    for rel, op in parties:
        g.edge(rel, op, cid)
    return cid


def control(g: Graph, kid: str, cid: str, day: str, outcome: str) -> None:
    g.node("ControlResult", kid, controlled_at=day + "T12:00:00Z", outcome=outcome,
           control_type="physical", office="RS081001")
    g.edge("OF", kid, cid)


def alert(g: Graph, aid: str, target: str, share: Sharing = WIDE, **props: Any) -> None:
    fields = {"title": "alert " + aid[-4:], "priority": "high", "status": "active",
              "valid_from": "2025-01-01", "risk_domain": "financial"}
    g.node("RiskAlert", aid, share, **{**fields, **props})
    g.edge("CONCERNS", aid, target, share)


def scene() -> Graph:
    """C1 (2025-06-10): tobacco from CN; exporter EXP (MK, revoked AEO, a seizure on C0 in May),
    importer IMP (RS, valid AEO, at ADDR shared with RING), declarant DEC (three clean
    controls), truck TRUCK, certificate CERT (expired, for apples, over quantity, issued to
    OTHER). Alerts: on EXP (high), on TRUCK (owned by MK-CUS alone), on ADDR (low, one link
    from IMP), on RING (medium, two links from IMP), on C1 but issued after it, on C1 (low)."""
    g = Graph()
    for op, country in ((EXP, "MK"), (IMP, "RS"), (DEC, "RS"), (OTHER, "RS"), (RING, "RS")):
        g.node("Operator", op, name="op " + op[-4:], country=country)
    g.node("Vehicle", TRUCK, plate="BG1234AA")
    g.node("Address", ADDR, text="Bulevar 1, Beograd")
    g.edge("LOCATED_AT", IMP, ADDR)
    g.edge("LOCATED_AT", RING, ADDR)
    g.node("AeoAuthorisation", AEO_IMP, number="RS-AEO-1", aeo_type="AEOF", status="valid",
           valid_from="2024-01-01", valid_until="2027-01-01")
    g.node("AeoAuthorisation", AEO_EXP, number="MK-AEO-9", aeo_type="AEOC", status="revoked")
    g.edge("HOLDS", IMP, AEO_IMP)
    g.edge("HOLDS", EXP, AEO_EXP)
    consignment(g, C1, "2025-06-10", ("EXPORTER_OF", EXP), ("IMPORTER_OF", IMP),
                ("DECLARANT_OF", DEC))
    g.edge("TRANSPORTED_BY", C1, TRUCK)
    consignment(g, C0, "2025-05-01", ("EXPORTER_OF", EXP), ("IMPORTER_OF", OTHER))
    control(g, SEIZED, C0, "2025-05-02", "seizure")
    control(g, OWN_CONTROL, C1, "2025-06-11", "irregularity")  # its own outcome: never counted
    for i, cid in enumerate((C2, C3, C4)):
        consignment(g, cid, f"2025-0{i + 2}-01", ("DECLARANT_OF", DEC), ("IMPORTER_OF", OTHER),
                    hs_codes=["080810"], origin="MK")
        control(g, CLEAN[i], cid, f"2025-0{i + 2}-02", "no_irregularity")
    g.node("Lpco", CERT, number="PC-77", lpco_type="phyto_certificate", status="valid",
           valid_until="2025-05-15", hs_codes=["0808"], quantity=100.0)
    g.edge("ISSUED_TO", CERT, OTHER)
    g.edge("COVERED_BY", C0, CERT, quantity=50.0)
    g.edge("COVERED_BY", C1, CERT, quantity=80.0)
    alert(g, ON_EXPORTER, EXP)
    alert(g, HIDDEN_ON_TRUCK, TRUCK, MK_ONLY, priority="medium")
    alert(g, ON_ADDRESS, ADDR, priority="low")
    alert(g, ON_RING, RING, priority="medium")
    alert(g, LATER, C1, valid_from="2025-07-01")
    alert(g, ON_C1, C1, priority="low")
    # an old alert attached to C1 only at its control, the day after its declaration
    alert(g, ATTACHED_LATER, RING, priority="low")
    g.records.append(EdgeRecord("CONCERNS", ATTACHED_LATER, C1, WIDE,
                                Provenance("test", "attached", 1_749_643_200_000)))
    g.node("RiskProfile", TOBACCO, name="Tobacco from CN",
           criteria='{"hs_prefixes": ["2402"], "origins": ["CN"]}', weight=25.0,
           status="active", version=1)
    return g


@pytest.fixture
async def graph(store: FalkorStore) -> FalkorStore:
    await scene().write(store)
    return store


def by_factor(result: Score) -> dict[str, list[tuple[float, str, tuple[str, ...]]]]:
    out: dict[str, list[tuple[float, str, tuple[str, ...]]]] = {}
    for c in result.contributions:
        out.setdefault(c.factor, []).append((c.weight, c.reason, c.record_ids))
    return out


# ---- criteria ---------------------------------------------------------------------------------

def test_valid_criteria_are_normalised_to_canonical_json() -> None:
    criteria = parse_criteria({"origins": ["cn", "TR"], "hs_prefixes": "2402",
                               "operator": {"traits": ["new_operator"]},
                               "max_value_per_kg": 2})
    assert criteria.origins == ("CN", "TR")
    assert criteria.operator is not None
    assert criteria.operator.roles == ("exporter", "importer")
    assert parse_criteria(criteria.to_json()) == criteria


@pytest.mark.parametrize(("criteria", "named"), [
    ({}, "at least one criterion"),
    ({"hs_codes": ["2402"]}, "'hs_codes'"),
    ({"hs_prefixes": ["24A2"]}, "'hs_prefixes'"),
    ({"hs_prefixes": []}, "'hs_prefixes'"),
    ({"origins": ["China"]}, "'origins'"),
    ({"max_value_per_kg": -1}, "'max_value_per_kg'"),
    ({"max_value_per_kg": True}, "'max_value_per_kg'"),
    ({"operator": {"traits": ["shady"]}}, "'operator.traits'"),
    ({"operator": {"roles": ["owner"], "traits": ["no_aeo"]}}, "'operator.roles'"),
    ({"operator": {"traits": ["no_aeo"], "colour": "red"}}, "'operator'"),
    ("[1, 2]", "JSON object"),
    ("{not json", "not valid JSON"),
])
def test_invalid_criteria_name_the_offending_criterion(criteria: Any, named: str) -> None:
    with pytest.raises(InputError) as info:
        parse_criteria(criteria)
    assert named in info.value.message


# ---- explained scores -------------------------------------------------------------------------

async def test_every_contribution_kind_appears_with_the_right_sign(graph: FalkorStore) -> None:
    result = await score_for_caller(graph, visibility("RS-CUS"), C1)
    assert result is not None
    factors = by_factor(result)
    assert set(factors) == {"profile", "alert", "control_history", "aeo", "lpco"}
    assert [w for w, _, ids in factors["profile"]] == [25.0]
    alerts = {ids[0]: w for w, _, ids in factors["alert"]}
    # high on the exporter (0 links), low on C1 itself, low on ADDR (1 link), medium on RING (2);
    # ATTACHED_LATER counts through RING (2 links) only: its link to C1 came after declaration
    assert alerts == {ON_EXPORTER: 30.0, ON_C1: 10.0, ON_ADDRESS: 5.0, ON_RING: 5.0,
                      ATTACHED_LATER: 2.5}
    history = {ids[0]: w for w, _, ids in factors["control_history"]}
    assert history[EXP] == 15.0  # the seizure on C0; C1's own irregularity does not count
    assert history[DEC] == -2.5  # three clean controls, at half weight for a declarant
    assert OWN_CONTROL not in {i for c in result.contributions for i in c.record_ids}
    aeo = {ids[0]: w for w, _, ids in factors["aeo"]}
    assert aeo == {IMP: -15.0, EXP: 20.0}
    reasons = sorted(r for _, r, _ in factors["lpco"])
    assert [w for w, _, _ in factors["lpco"]]
    assert all(w > 0 for w, _, _ in factors["lpco"])
    assert any("had expired" in r for r in reasons)
    assert any("does not cover" in r for r in reasons)
    assert any("quantity is exceeded" in r for r in reasons)
    assert any("issued to none" in r for r in reasons)
    assert result.score == pytest.approx(sum(c.weight for c in result.contributions))
    assert result.channel is THRESHOLDS.channel(result.score) is Channel.RED


def test_facts_dated_after_the_declaration_never_count() -> None:
    c = ConsignmentFacts(id="consignment:d", reference="D", declared_at="2025-06-10T10:00:00Z",
                         direction="import", hs_codes=("080810",), origin="MK",
                         destination="RS", exit_office=None, entry_office=None,
                         presentation_office=None, value_eur=None, gross_mass_kg=None,
                         owner_party="RS", parties=(("importer", "operator:i"),),
                         lpcos=("lpco:l",))
    aeo = AeoFact("aeo:a", "revoked", "AEOC", "2024-01-01", "2025-07-01",
                  ("2024-01-01 valid", "2025-07-01 revoked"))
    later_control = ControlFact("control:k", "consignment:other", "2025-06-12T08:00:00Z",
                                "seizure")
    operator = OperatorFacts("operator:i", "RS", "2024-03-01", (aeo,), (later_control,))
    lpco = Document("lpco:l", "IL/1", "import_licence", "revoked", status_changed_at="2025-08-01",
                    valid_until="2025-06-20", hs_codes=("0808",), quantity=1000.0,
                    holders=("operator:i",),
                    uses=(Use("consignment:d", epoch_ms(c.declared_at), "import", 10.0),))

    def link(aid: str, **props: Any) -> AlertLink:
        fact = AlertFact(aid, "t", "high", None, props.pop("status", "active"), "2025-01-01",
                         None, **props)
        return AlertLink(fact, 0, c.id, "Consignment", c.id, "Consignment")

    alerts = (link("alert:raised-later", raised_at="2025-06-10T12:00:00Z"),
              link("alert:withdrawn-before", status="withdrawn",
                   withdrawn_at="2025-06-01T00:00:00Z"),
              link("alert:withdrawn-after", status="withdrawn",
                   withdrawn_at="2025-06-20T00:00:00Z", raised_at="2025-05-01T00:00:00Z"),
              link("alert:candidate", status="candidate"))
    result = score(Evidence(c, {"operator:i": operator}, {"lpco:l": lpco}, alerts), [])
    assert [(x.factor, x.weight, x.record_ids[0]) for x in result.contributions] == [
        ("alert", 30.0, "alert:withdrawn-after"), ("aeo", -15.0, "operator:i")]


def test_an_undated_consignment_scores_on_what_needs_no_date() -> None:
    c = ConsignmentFacts(id="consignment:u", reference="U", declared_at=None, direction=None,
                         hs_codes=("240220",), origin="CN", destination=None, exit_office=None,
                         entry_office=None, presentation_office=None, value_eur=None,
                         gross_mass_kg=None, owner_party="RS",
                         parties=(("exporter", "operator:x"),))
    clean = tuple(ControlFact(f"control:{i}", f"consignment:{i}", "2025-01-0{i}T00:00:00Z",
                              "no_irregularity") for i in range(1, 5))
    operator = OperatorFacts("operator:x", "RS", "2025-01-01", controls=clean)
    tobacco = Profile("profile:t", "tobacco", parse_criteria({"hs_prefixes": ["2402"]}), 25.0, 1,
                      "active")
    result = score(Evidence(c, {"operator:x": operator}), [tobacco])
    assert [(x.factor, x.weight) for x in result.contributions] == [("profile", 25.0)]
    assert vector(Evidence(c, {"operator:x": operator}), [tobacco], Reference())


async def test_a_hidden_alert_neither_moves_the_score_nor_appears(graph: FalkorStore) -> None:
    rs = await score_for_caller(graph, visibility("RS-CUS"), C1)
    mk = await score_for_caller(graph, visibility("MK-CUS"), C1)
    assert rs is not None
    assert mk is not None
    rs_ids = {i for c in rs.contributions for i in c.record_ids}
    mk_ids = {i for c in mk.contributions for i in c.record_ids}
    assert HIDDEN_ON_TRUCK not in rs_ids
    assert HIDDEN_ON_TRUCK in mk_ids  # its owner sees it: 20 points (medium, on the truck)
    truck = [c for c in mk.contributions if HIDDEN_ON_TRUCK in c.record_ids]
    assert [c.weight for c in truck] == [20.0]
    assert mk.score - rs.score == pytest.approx(20.0)


async def test_a_caller_who_cannot_see_the_consignment_gets_nothing(graph: FalkorStore) -> None:
    assert await score_for_caller(graph, visibility("RS-PHY"), C1) is None


def test_channels_follow_the_thresholds() -> None:
    t = Thresholds(yellow=20, red=45)  # any bounds: the rule, not the defaults
    assert [t.channel(s) for s in (-10, 0, 19.99, 20, 44.9, 45, 300)] == [
        Channel.GREEN, Channel.GREEN, Channel.GREEN, Channel.YELLOW, Channel.YELLOW,
        Channel.RED, Channel.RED]


async def test_the_batch_scorer_agrees_with_an_all_seeing_caller(graph: FalkorStore) -> None:
    batch: dict[str, Score] = {}
    report = await score_all(graph, on_scores=lambda scores: batch.update(
        {s.consignment_id: s for s in scores}))
    assert report.scored == 5
    assert sum(report.channels.values()) == 5
    mk = await score_for_caller(graph, visibility("MK-CUS"), C1)
    rs = await score_for_caller(graph, visibility("RS-CUS"), C1)
    assert mk is not None
    assert rs is not None
    # the system sees the union of what RS-CUS and MK-CUS see here
    system_alerts = {c.record_ids[0]: c.weight for c in batch[C1].contributions
                     if c.factor == "alert"}
    caller_alerts = {c.record_ids[0]: c.weight for s in (rs, mk) for c in s.contributions
                     if c.factor == "alert"}
    assert system_alerts == caller_alerts
    assert batch[C1].score == pytest.approx(rs.score + 20.0)


# ---- the API ----------------------------------------------------------------------------------

SCORE = """query($id: ID!) { riskScore(consignmentId: $id) {
  consignmentId score channel contributions { factor weight reason recordIds } } }"""


async def test_risk_score_through_the_api(graph: FalkorStore) -> None:
    data, code = await as_caller(graph, "RS-CUS", SCORE, id=C1)
    assert code is None
    got = data["riskScore"]
    direct = await score_for_caller(graph, visibility("RS-CUS"), C1)
    assert direct is not None
    assert got["score"] == direct.score
    assert got["channel"] == direct.channel.value
    assert len(got["contributions"]) == len(direct.contributions)
    mentioned = {i for c in got["contributions"] for i in c["recordIds"]}
    assert HIDDEN_ON_TRUCK not in mentioned
    # hidden and absent consignments give the same answer
    assert (await as_caller(graph, "RS-PHY", SCORE, id=C1))[1] == "not_found"
    assert (await as_caller(graph, "RS-CUS", SCORE, id="consignment:none"))[1] == "not_found"


# ---- profile maintenance ----------------------------------------------------------------------

SAVE = """mutation($p: RiskProfileInput!) { saveRiskProfile(profile: $p) {
  id ... on RiskProfile { name criteria weight version status validUntil }
  sharing { ownerAgency distribution } } }"""
RETIRE = """mutation($id: ID!, $v: Int) { retireRiskProfile(id: $id, expectedVersion: $v) {
  id ... on RiskProfile { version status } } }"""
APPLES = {"name": "Apples from MK, new importers", "weight": 15.0,
          "criteria": {"hs_prefixes": ["0808"], "origins": ["mk"],
                       "operator": {"roles": ["importer"], "traits": ["new_operator"]}}}


async def test_rmwg_creates_updates_and_retires_a_profile(graph: FalkorStore) -> None:
    data, code = await as_caller(graph, "RS-CUS", SAVE, Role.RMWG, p=APPLES)
    assert code is None
    saved = data["saveRiskProfile"]
    assert (saved["version"], saved["status"]) == (1, "active")
    assert saved["sharing"] == {"ownerAgency": "RS-CUS", "distribution": "CEFTA_CUSTOMS"}
    assert '"origins":["MK"]' in saved["criteria"]
    changed = {**APPLES, "id": saved["id"], "weight": 18.0, "expectedVersion": 1,
               "validUntil": "2026-12-31"}
    data, code = await as_caller(graph, "RS-CUS", SAVE, Role.RMWG, p=changed)
    assert code is None
    assert data["saveRiskProfile"]["version"] == 2
    assert data["saveRiskProfile"]["weight"] == 18.0
    assert data["saveRiskProfile"]["validUntil"] == "2026-12-31"
    # a stale editor is refused, and so is a second profile with the same name
    assert (await as_caller(graph, "RS-CUS", SAVE, Role.RMWG, p=changed))[1] == "bad_input"
    assert (await as_caller(graph, "RS-CUS", SAVE, Role.RMWG, p=APPLES))[1] == "bad_input"
    # clearing validUntil removes it
    cleared = {**changed, "expectedVersion": 2, "validUntil": None}
    data, code = await as_caller(graph, "RS-CUS", SAVE, Role.RMWG, p=cleared)
    assert code is None
    assert data["saveRiskProfile"]["validUntil"] is None
    data, code = await as_caller(graph, "RS-CUS", RETIRE, Role.RMWG, id=saved["id"], v=3)
    assert code is None
    assert data["retireRiskProfile"] == {"id": saved["id"], "version": 4, "status": "retired"}
    trail = await AuditTrail(graph).accessed_records_of("RS-CUS")
    assert [e.operation for e in trail.entries] == ["save_risk_profile"] * 3 + [
        "retire_risk_profile"]


async def test_profile_writes_need_the_rmwg_role_and_ownership(graph: FalkorStore) -> None:
    assert (await as_caller(graph, "RS-CUS", SAVE, Role.ANALYST, p=APPLES))[1] == "forbidden"
    data, _ = await as_caller(graph, "RS-CUS", SAVE, Role.RMWG, p=APPLES)
    profile_id = data["saveRiskProfile"]["id"]
    other = {**APPLES, "id": profile_id, "weight": 1.0}
    assert (await as_caller(graph, "MK-CUS", SAVE, Role.RMWG, p=other))[1] == "forbidden"
    assert (await as_caller(graph, "MK-CUS", RETIRE, Role.RMWG, id=profile_id))[1] == "forbidden"
    assert (await as_caller(graph, "RS-CUS", RETIRE, Role.RMWG, id="profile:none"))[1] == \
        "not_found"


async def test_invalid_profile_input_is_refused_before_anything_is_written(
    graph: FalkorStore,
) -> None:
    bad = {**APPLES, "criteria": {"hs_prefixes": ["08x8"]}}
    p = principal("RS-CUS", Role.RMWG)
    vis = POLICY.visibility(p)
    ctx = RequestContext(principal=p, visibility=vis, reader=GraphReader(graph, vis),
                         policy=POLICY, audit=AuditTrail(graph))
    result = await SCHEMA.execute(SAVE, variable_values={"p": bad}, context_value=ctx)
    assert result.errors
    assert "'hs_prefixes'" in result.errors[0].message
    for field, value in (("weight", 500.0), ("validUntil", "31.12.2026"), ("name", "x")):
        _, code = await as_caller(graph, "RS-CUS", SAVE, Role.RMWG, p={**APPLES, field: value})
        assert code == "bad_input", field
    assert (await AuditTrail(graph).accessed_records_of("RS-CUS")).entries == ()


async def test_a_retired_profile_stops_scoring(graph: FalkorStore) -> None:
    before = await score_for_caller(graph, visibility("RS-CUS"), C1)
    assert before is not None
    assert any(c.factor == "profile" for c in before.contributions)
    await as_caller(graph, "RS-CUS", RETIRE, Role.RMWG, id=TOBACCO)
    after = await score_for_caller(graph, visibility("RS-CUS"), C1)
    assert after is not None
    assert not any(c.factor == "profile" for c in after.contributions)
    assert after.score == pytest.approx(before.score - 25.0)


# ---- the learned model ------------------------------------------------------------------------

def synthetic_dataset(n: int = 600, seed: int = 3) -> tuple[Dataset, frozenset[str]]:
    """Consignments over a year: one in ten is risky (undervalued, a new exporter, goods
    described as something else); a third of all are controlled, finding most risky ones."""
    rng = random.Random(seed)
    evidence: list[Evidence] = []
    labels: dict[str, int] = {}
    risky: set[str] = set()
    for i in range(n):
        bad = rng.random() < 0.1
        day = f"2025-{1 + i * 12 // n:02d}-{1 + i % 28:02d}"
        cid = f"consignment:s{i:04d}"
        exporter = f"operator:e{rng.randrange(40) if not bad else 100 + i}"
        per_kg = rng.lognormvariate(1.5, 0.2) * (0.2 if bad and rng.random() < 0.8 else 1.0)
        description = ("cigarettes" if bad and rng.random() < 0.5 else "raw tobacco")
        facts = ConsignmentFacts(
            id=cid, reference=cid, declared_at=day + "T08:00:00Z", direction="import",
            hs_codes=("240110",), origin="MK", destination="RS", exit_office=None,
            entry_office=None, presentation_office=None, value_eur=per_kg * 1000,
            gross_mass_kg=1000.0, owner_party="RS", goods_description=description,
            parties=(("exporter", exporter),))
        first_seen = day if bad else "2024-01-01"
        evidence.append(Evidence(facts, {exporter: OperatorFacts(exporter, "MK", first_seen)}))
        if bad:
            risky.add(cid)
        if rng.random() < 0.33:
            labels[cid] = int((bad and rng.random() < 0.85) or (not bad and rng.random() < 0.03))
    return Dataset(tuple(evidence), labels, ()), frozenset(risky)


def test_the_model_beats_random_and_the_rules_on_held_out_months() -> None:
    dataset, truth = synthetic_dataset()
    _, report = train_and_evaluate(dataset, 0.6, kinds=("logistic",), truth=truth)
    assert report.cutoff > "2025-06"  # split by time: every held-out day follows training
    rows = {(r.labels, r.method): r for r in report.results}
    model, rules, chance = (rows[("truth", m)] for m in ("model (logistic)", "rules", "random"))
    assert model.n == report.test_consignments
    at10 = {r: x.at[1] for r, x in (("model", model), ("rules", rules), ("random", chance))}
    assert at10["model"].hit_rate >= 3 * at10["random"].hit_rate
    assert at10["model"].hit_rate > at10["rules"].hit_rate
    assert model.auc is not None
    assert model.auc > 0.8
    assert report.weights
    assert {name for name, _ in report.weights} <= set(FEATURES)


def test_features_never_read_the_consignments_own_control() -> None:
    dataset, _ = synthetic_dataset(200)
    reference = Reference.fit(dataset.evidence)
    e = dataset.evidence[50]
    own = ControlFact("control:own", e.consignment.id, "2025-01-01T00:00:00Z", "seizure")
    exporter = next(iter(e.operators.values()))
    with_own = Evidence(e.consignment, {exporter.id: OperatorFacts(
        exporter.id, exporter.country, exporter.first_seen, controls=(own,))})
    assert vector(with_own, [], reference) == vector(e, [], reference)


def test_a_saved_model_loads_with_its_features_and_refuses_another_version(
    tmp_path: Path,
) -> None:
    dataset, _ = synthetic_dataset(300)
    evidence, labels = dataset.labelled(dataset.evidence)
    model = train(evidence, labels, [], "boosting")
    path = model.save(model_path(tmp_path))
    assert path == tmp_path / "models" / "risk-model.joblib"
    loaded = RiskModel.load(path)
    assert loaded.features == FEATURES
    assert loaded.meta["labels"] == len(labels)
    assert loaded.predict(evidence[:5], []) == model.predict(evidence[:5], [])
    joblib.dump({"version": 0, "features": ["x"]}, path)
    with pytest.raises(ConfigError, match="retrain"):
        RiskModel.load(path)
    with pytest.raises(InputError, match="both outcomes"):
        train(evidence[:30], [0] * 30, [])


async def test_collect_reads_every_consignment_in_time_order_with_control_labels(
    graph: FalkorStore,
) -> None:
    dataset = await collect(graph)
    days = [e.consignment.day for e in dataset.evidence]
    assert days == sorted(days)
    assert len(days) == 5
    assert dataset.labels == {C1: 1, C0: 1, C2: 0, C3: 0, C4: 0}
    assert [p.id for p in dataset.profiles] == [TOBACCO]
    assert dataset.cutoff(0.6) == "2025-05-01"
    assert [e.consignment.id for e in dataset.from_day("2025-05-01")] == [C0, C1]


# ---- pattern rules ----------------------------------------------------------------------------

RS_ONLY = Sharing("RS-CUS", "RS", Distribution.ORIGINATOR)
SEIZED_OP, NEIGHBOUR, RING_A, RING_B, RING_TRUCK, CERT2 = (
    _id("Operator", "p-seized"), _id("Operator", "p-neighbour"), _id("Operator", "p-ring-a"),
    _id("Operator", "p-ring-b"), _id("Vehicle", "p-truck"), _id("Lpco", "p-cert"))
CASE = stable_id("Case", "risk-test", "ring")
COUNT_CANDIDATES = statement(
    "tests.risk.count_candidates",
    "MATCH (a:RiskAlert) WHERE a.status = 'candidate' RETURN count(a) AS n")
DISMISS = statement(
    "tests.risk.dismiss", "MATCH (a:RiskAlert {id: $id}) SET a.status = 'dismissed'", Mode.WRITE)


def pattern_scene() -> Graph:
    g = Graph()
    shared = g.node("Address", _id("Address", "p-centre"), text="Poslovni centar 1")
    for op in (SEIZED_OP, NEIGHBOUR, RING_A, RING_B):
        g.node("Operator", op, name="op " + op[-4:], country="RS")
    g.edge("LOCATED_AT", SEIZED_OP, shared)
    g.edge("LOCATED_AT", NEIGHBOUR, shared)
    seized = consignment(g, _id("Consignment", "p-seized"), "2025-06-01",
                         ("EXPORTER_OF", SEIZED_OP))
    g.node("ControlResult", _id("ControlResult", "p-seizure"), RS_ONLY, outcome="seizure",
           controlled_at="2025-06-02T09:00:00Z", control_type="physical", office="RS081001")
    g.edge("OF", _id("ControlResult", "p-seizure"), seized, RS_ONLY)
    g.node("Case", CASE, title="ring", status="open")
    g.node("Vehicle", RING_TRUCK, plate="NS111AA")
    g.node("Lpco", CERT2, number="PC-1", lpco_type="phyto_certificate", quantity=10.0)
    for key, op, rel, day in (("p-a", RING_A, "EXPORTER_OF", "2025-06-20"),
                              ("p-b", RING_B, "IMPORTER_OF", "2025-06-25")):
        g.edge("INCLUDES", CASE, op)
        cid = consignment(g, _id("Consignment", key), day, (rel, op))
        g.edge("TRANSPORTED_BY", cid, RING_TRUCK)
        g.edge("COVERED_BY", cid, CERT2, quantity=10.0)
    return g


async def test_pattern_rules_raise_candidates_once_under_each_agencys_view(
    store: FalkorStore,
) -> None:
    await pattern_scene().write(store)
    audiences = {"RS-CUS": visibility("RS-CUS"), "MK-CUS": visibility("MK-CUS")}
    report = await run_patterns(store, audiences, "2025-06-30", audit=AuditTrail(store))
    found = {(c.agency, c.rule, c.subject_id) for c in report.candidates}
    assert found == {
        ("RS-CUS", "shared_address_seizure", NEIGHBOUR),
        ("RS-CUS", "ring_vehicle", RING_TRUCK), ("MK-CUS", "ring_vehicle", RING_TRUCK),
        ("RS-CUS", "lpco_overuse", CERT2), ("MK-CUS", "lpco_overuse", CERT2),
    }  # MK-CUS cannot see the seizure, so it gets no candidate from it
    assert report.created == 5
    seizure = next(c for c in report.candidates if c.rule == "shared_address_seizure")
    assert SEIZED_OP in seizure.evidence
    assert _id("ControlResult", "p-seizure") in seizure.evidence
    # a candidate is its owner's alone, and says what it concerns
    rs_reader = GraphReader(store, visibility("RS-CUS"))
    node = await rs_reader.node(seizure.id)
    assert node is not None
    assert (node["status"], node["owner_agency"], node["distribution"]) == (
        "candidate", "RS-CUS", "ORIGINATOR")
    assert await GraphReader(store, visibility("MK-CUS")).node(seizure.id) is None
    links = await rs_reader.links(seizure.id, "CONCERNS", True, 10, "")
    assert [row["n"]["id"] for row in links.rows] == [NEIGHBOUR]
    # idempotent, and a reviewed candidate is never reset
    await store.run(DISMISS, {"id": seizure.id})
    again = await run_patterns(store, audiences, "2025-06-30")
    assert again.created == 0
    assert {c.id for c in again.candidates} == {c.id for c in report.candidates}
    assert (await store.run(COUNT_CANDIDATES))[0]["n"] == 4
    assert (await rs_reader.node(seizure.id) or {})["status"] == "dismissed"
    trail = await AuditTrail(store).accessed_records_of("RS-CUS")
    assert [e.operation for e in trail.entries] == ["raise_candidates"]


async def test_windows_bound_the_rules_and_candidates_never_score(store: FalkorStore) -> None:
    await pattern_scene().write(store)
    later = await run_patterns(store, {"RS-CUS": visibility("RS-CUS")}, "2025-12-31")
    assert later.candidates == ()  # every fact is older than the rules' windows
    await run_patterns(store, {"RS-CUS": visibility("RS-CUS")}, "2025-06-30")
    ring_b = await score_for_caller(store, visibility("RS-CUS"), _id("Consignment", "p-b"))
    assert ring_b is not None
    assert not any(c.factor == "alert" for c in ring_b.contributions)
    with pytest.raises(InputError, match="as_of"):
        await run_patterns(store, {}, "30.06.2025")


# ---- the hub risk commands --------------------------------------------------------------------

def test_hub_risk_commands(falkor_server: EmbeddedFalkor, tmp_path: Path) -> None:
    env = {"HUB_DATA_DIR": str(falkor_server.data_dir), "HUB_GRAPH_NAME": "test_cli_risk",
           "HUB_GRAPH_URI": "embedded:", "COLUMNS": "200"}

    def graph() -> FalkorStore:  # one client per event loop
        return FalkorStore.over_socket(str(falkor_server.socket_path), "test_cli_risk",
                                       timeout_ms=30_000)

    async def setup() -> None:
        store = graph()
        await migrate(store)
        await scene().write(store)
        await store.close()

    async def drop() -> None:
        store = graph()
        await store.clear()
        await store.close()

    asyncio.run(setup())
    runner = CliRunner()
    try:
        scored = runner.invoke(app, ["risk", "score", "--top", "1"], env=env)
        assert scored.exit_code == 0, scored.output
        assert "scored 5 consignments" in scored.output
        assert C1 in scored.output  # the highest score, with its contributions
        untrained = runner.invoke(app, ["risk", "evaluate"], env=env)
        assert untrained.exit_code == 2
        assert "hub risk train" in untrained.output
        few = runner.invoke(app, ["risk", "train"], env=env)
        assert few.exit_code == 2
        assert "at least 20" in few.output
        raised = runner.invoke(app, ["risk", "patterns", "--as-of", "2025-06-30",
                                     "--agency", "RS-CUS"], env=env)
        assert raised.exit_code == 0, raised.output
        assert "1 new, 1 in all" in raised.output
        assert "lpco_overuse" in raised.output
        again = runner.invoke(app, ["risk", "patterns", "--as-of", "2025-06-30",
                                    "--agency", "RS-CUS"], env=env)
        assert "0 new, 1 in all" in again.output
    finally:
        asyncio.run(drop())
