"""The synthetic CEFTA dataset: deterministic, valid against the model, plausible, with a
ground truth that matches what is in the graph, and loaded idempotently into FalkorDB."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from stdnum.al import nipt
from stdnum.md import idno
from stdnum.me import pib as me_pib
from stdnum.mk import edb
from stdnum.rs import pib as rs_pib
from typer.testing import CliRunner

from hub.alerts.form import AlertForm, ControlType, Outcome, alert_id
from hub.analysis.risk.profiles import profile_from_row
from hub.analysis.taxids import normalise_tax_id
from hub.cli import app
from hub.demo import SCALES, GroundTruth, generate, prepare_and_seed, seed
from hub.demo.goods import GOODS_BY_HS
from hub.demo.scales import epoch_ms
from hub.graph.falkor import FalkorStore
from hub.graph.statements import statement
from hub.graph.writer import GraphWriter, edge_row, node_row
from hub.model import (
    Distribution,
    EdgeRecord,
    NodeRecord,
    Provenance,
    Record,
    Sharing,
    stable_id,
)
from hub.reference import AGENCY_BY_CODE, PARTIES

COUNT_BY_KIND = statement(
    "tests.demo.count_by_kind",
    "MATCH (n:Entity) RETURN n.kind AS kind, count(n) AS n",
)
COUNT_EDGES = statement(
    "tests.demo.count_edges",
    "MATCH (:Entity)-[r]->(:Entity) RETURN count(r) AS n",
)

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
SHARE_ENTRY = re.compile(r"^(party:[A-Z]{2}|agency:[A-Z]{2}-[A-Z]{2,3}|case:case:[0-9a-f]{24})$")


@pytest.fixture(scope="module")
def small() -> tuple[list[Record], GroundTruth]:
    stream = generate("small", 2025)
    records = [record for chunk in stream for record in chunk]
    assert stream.exhausted
    return records, stream.truth


def _nodes(records: list[Record], label: str | None = None) -> list[NodeRecord]:
    return [r for r in records if isinstance(r, NodeRecord) and label in (None, r.label)]


def _edges(records: list[Record], rel: str | None = None) -> list[EdgeRecord]:
    return [r for r in records if isinstance(r, EdgeRecord) and rel in (None, r.type)]


def test_the_same_seed_gives_the_same_records_and_every_record_validates(small) -> None:
    records, _ = small
    again = [record for chunk in generate("small", 2025) for record in chunk]
    assert again == records  # same kinds, ids, properties, sharing and provenance, in order
    # node_row / edge_row are the writer's own validation against the model (InputError)
    rows = [node_row(r) if isinstance(r, NodeRecord) else edge_row(r) for r in records]
    assert len({row["id"] for row in rows}) == len(rows), "every record has its own id"


TINY = "Scale('tiny', 120, 80, 40, 600, 10, 20, 6, 1, 2, 6, 200)"
DIGEST = (
    "import hashlib; from hub.demo import generate; from hub.demo.scales import Scale; "
    f"print(hashlib.sha256(repr([r for c in generate({TINY}, 11) for r in c]).encode())"
    ".hexdigest())"
)


def test_another_process_with_other_hash_seeds_gives_the_same_dataset() -> None:
    runs = [subprocess.Popen([sys.executable, "-c", DIGEST], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONHASHSEED": str(n)}) for n in (1, 2)]
    digests = {run.communicate(timeout=120)[0] for run in runs}
    assert [run.returncode for run in runs] == [0, 0]
    assert len(digests) == 1
    assert len(digests.pop().strip()) == 64


def test_another_seed_gives_other_data_but_the_same_reference_nodes(small) -> None:
    records, _ = small
    other = [record for chunk in generate("small", 7) for record in chunk]
    ops, other_ops = ({r.id for r in _nodes(x, "Operator")} for x in (records, other))
    assert len(ops & other_ops) == 0
    refs = [{r.id for r in _nodes(x) if r.label in {"Party", "Agency", "BorderCrossingPoint"}}
            for x in (records, other)]
    assert refs[0] == refs[1]
    assert len(refs[0]) == len(PARTIES) + len(AGENCY_BY_CODE) + 33


def test_small_scale_has_the_documented_sizes(small) -> None:
    records, truth = small
    counts = Counter(r.label for r in _nodes(records))
    spec = SCALES["small"]
    assert counts["Consignment"] == spec.consignments == truth.consignments
    assert counts["Vehicle"] == spec.vehicles
    assert counts["Person"] == spec.drivers
    assert counts["Operator"] == spec.operators + len(truth.same_company_pairs)
    assert counts["AeoAuthorisation"] == spec.aeo
    assert counts["Case"] == spec.cases
    assert abs(counts["RiskAlert"] - spec.alerts) <= spec.alerts * 0.2
    assert counts["Party"] == len(PARTIES)
    assert counts["Agency"] == len(AGENCY_BY_CODE)


def test_tax_ids_follow_each_party_s_real_format(small) -> None:
    records, _ = small
    checks = {
        "RS": rs_pib.is_valid, "MK": edb.is_valid, "AL": nipt.is_valid, "ME": me_pib.is_valid,
        "MD": idno.is_valid,
        "BA": lambda n: normalise_tax_id("BA", "JIB", n).valid,
        "XK": lambda n: re.fullmatch(r"\d{9}", n) is not None,
    }
    seen = Counter()
    for op in _nodes(records, "Operator"):
        country, tax = op.props["country"], op.props.get("tax_id")
        if tax is None or country not in checks:
            continue
        assert checks[country](tax), f"{country} tax id {tax} is not valid"
        seen[country] += 1
    assert set(seen) == set(checks), "every CEFTA party has operators with tax ids"
    assert not rs_pib.is_valid("100000000"), "the check is not a rubber stamp"


def test_names_are_written_in_each_party_s_script_and_romanised(small) -> None:
    records, _ = small
    ops = [op for op in _nodes(records, "Operator") if op.props.get("tax_id")]
    by_party: dict[str, list[str]] = {}
    for op in ops:
        by_party.setdefault(op.props["country"], []).append(op.props["name"])
        assert op.props["name_latin"].isascii()
        assert not CYRILLIC.search(op.props["name_latin"])
    cyrillic_share = {p: sum(bool(CYRILLIC.search(n)) for n in names) / len(names)
                      for p, names in by_party.items()}
    assert 0.25 < cyrillic_share["RS"] < 0.75  # Serbian registers mix both scripts
    assert cyrillic_share["MK"] > 0.6
    assert cyrillic_share["AL"] == cyrillic_share["XK"] == cyrillic_share["MD"] == 0
    forms = {op.props["country"]: set() for op in ops}
    for op in ops:
        forms[op.props["country"]].add(op.props["legal_form"])
    assert {"д.о.о.", "d.o.o."} <= forms["RS"]
    assert {"ДООЕЛ", "ДОО"} <= forms["MK"]
    assert forms["AL"] & {"sh.p.k.", "Sh.p.k.", "SH.P.K."}
    assert "Sh.A." in forms["AL"]
    assert forms["MD"] & {"SRL", "S.R.L."}
    serbian = next(op for op in ops if op.props["country"] == "RS"
                   and CYRILLIC.search(op.props["name"]) and "ш" in op.props["name"].lower())
    assert "s" in serbian.props["name_latin"].lower()  # ш -> š -> s, not "sh"


def test_every_node_and_edge_carries_sharing_and_provenance(small) -> None:
    records, _ = small
    levels: dict[str, Counter[str]] = {}
    for record in records:
        share: Sharing = record.sharing
        assert share.owner_agency in AGENCY_BY_CODE
        assert AGENCY_BY_CODE[share.owner_agency].party == share.owner_party
        assert all(SHARE_ENTRY.match(entry) for entry in share.share_with), share.share_with
        if share.distribution is Distribution.LISTED:
            assert share.share_with
        prov: Provenance = record.provenance
        assert prov.source == "demo"
        assert prov.source_ref
        assert epoch_ms(2_300) < prov.ingested_at <= epoch_ms(-2)
        kind = record.label if isinstance(record, NodeRecord) else record.type
        levels.setdefault(kind, Counter())[share.distribution.value] += 1
    assert set(levels["Person"]) == {"PARTY"}
    assert len(levels["RiskAlert"]) >= 4
    assert levels["Consignment"].most_common(1)[0][0] == "PARTY"
    assert {"CEFTA_CUSTOMS", "CEFTA_AGENCIES"} <= set(levels["RiskAlert"])
    lpco_owners = {r.sharing.owner_agency[-3:] for r in _nodes(records, "Lpco")}
    assert {"PHY", "VET", "MSA"} <= lpco_owners


def test_dates_follow_the_hub_convention(small) -> None:
    records, _ = small
    instant = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
    day = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for cons in _nodes(records, "Consignment"):
        assert instant.match(cons.props["declared_at"])
        assert "2025-01-01" <= cons.props["declared_at"] < "2026-01-01"
    for crossed in _edges(records, "CROSSED"):
        assert instant.match(crossed.props["at"])
        assert crossed.props["direction"] in {"exit", "entry", "transit"}
    for node in _nodes(records):
        for name in ("declared_at", "issued_at", "controlled_at", "opened_at", "raised_at"):
            if node.props.get(name) is not None:
                assert instant.match(node.props[name]), (node.label, name)
        for name in ("birth_date", "valid_from", "valid_until", "status_changed_at"):
            if node.props.get(name) is not None:
                assert day.match(node.props[name]), (node.label, name)


def test_alerts_controls_profiles_and_aeo_read_back_through_the_hub_s_own_code(small) -> None:
    records, _ = small
    for alert in _nodes(records, "RiskAlert"):
        form = AlertForm.from_row(dict(alert.props)).checked()  # raises on a foreign value
        assert alert.id == alert_id(alert.sharing.owner_agency, alert.props["reference"])
        assert form.indicators.hs_codes or form.indicators.operators or (
            form.indicators.vehicles)
    for control in _nodes(records, "ControlResult"):
        assert ControlType(control.props["control_type"])
        assert Outcome(control.props["outcome"])
        assert (control.props["outcome"] == "seizure") == ("seizure" in control.props)
    active = 0
    for node in _nodes(records, "RiskProfile"):
        profile = profile_from_row({"id": node.id, **node.props})
        assert profile is not None, node.props["criteria"]
        assert -50 <= profile.weight <= 100
        active += node.props["status"] == "active"
    assert active >= 8
    statuses = Counter(a.props["status"] for a in _nodes(records, "AeoAuthorisation"))
    assert set(statuses) == {"valid", "suspended", "revoked"}
    assert statuses["valid"] > statuses["suspended"] + statuses["revoked"]


def test_the_ground_truth_names_only_existing_records_of_the_right_kind(small) -> None:
    records, truth = small
    ids = {r.id: r.label for r in _nodes(records)}
    assert all(ids[i] == "Operator" for i in truth.ring_operator_ids)
    for ring in truth.rings:
        assert all(ids[a] == "Address" for a in ring.shared_address_ids)
        assert all(ids[c] == "Contact" for c in ring.shared_contact_ids)
        assert all(ids[v] == "Vehicle" for v in ring.shared_vehicle_ids)
    for pair in truth.same_company_pairs:
        assert ids[pair.registered_id] == ids[pair.alias_id] == "Operator"
        assert pair.registered_id != pair.alias_id
    for a, b in truth.similar_distinct_pairs:
        assert ids[a] == ids[b] == "Operator"
    consignment_lists = (truth.risky_consignment_ids, truth.undervalued_consignment_ids,
                         [m.consignment_id for m in truth.misdeclarations],
                         [i.consignment_id for i in truth.phyto_interceptions],
                         [c for cs in truth.reused_certificates.values() for c in cs])
    for listed in consignment_lists:
        assert listed
        assert all(ids[c] == "Consignment" for c in listed)
    assert all(ids[c] == "Lpco" for c in truth.reused_certificates)
    assert all(ids[i.control_id] == "ControlResult" for i in truth.phyto_interceptions)


def test_the_hidden_patterns_are_really_in_the_data(small) -> None:
    records, truth = small
    by_id = {r.id: r for r in _nodes(records)}
    # rings share what the truth says they share
    located = {(e.source_id, e.target_id) for e in _edges(records, "LOCATED_AT")}
    reachable = {(e.source_id, e.target_id) for e in _edges(records, "REACHABLE_AT")}
    for ring in truth.rings:
        for address in ring.shared_address_ids:
            assert all((op, address) in located for op in ring.operator_ids)
        for contact in ring.shared_contact_ids:
            assert all((op, contact) in reachable for op in ring.operator_ids)
    # undervalued consignments are far below the norm of their HS code
    for cons_id in truth.undervalued_consignment_ids:
        props = by_id[cons_id].props
        norm = GOODS_BY_HS[props["hs_codes"][0]].norm_eur_kg
        assert props["value_eur"] / props["gross_mass_kg"] < 0.5 * norm
    # misdeclared goods: the description belongs to another HS code
    for m in truth.misdeclarations:
        props = by_id[m.consignment_id].props
        assert props["hs_codes"][0] == m.declared_hs
        assert props["goods_description"] == GOODS_BY_HS[m.true_hs].description
    # certificates used again after they expired
    covered = {(e.source_id, e.target_id) for e in _edges(records, "COVERED_BY")}
    for lpco_id, consignments in truth.reused_certificates.items():
        until = by_id[lpco_id].props["valid_until"]
        for cons_id in consignments:
            assert (cons_id, lpco_id) in covered
            assert by_id[cons_id].props["declared_at"][:10] > until
    # the risk label correlates with the patterns but is noisy
    risky = set(truth.risky_consignment_ids)
    flagged = set(truth.undervalued_consignment_ids)
    assert len(flagged & risky) / len(flagged) > 0.75
    assert 0.02 < len(risky) / truth.consignments < 0.2
    assert risky - flagged, "some risky consignments come from other patterns or noise"


def test_same_company_pairs_differ_in_script_or_spelling_and_share_evidence(small) -> None:
    records, truth = small
    by_id = {r.id: r for r in _nodes(records)}
    reachable = {(e.source_id, e.target_id) for e in _edges(records, "REACHABLE_AT")}
    difficulties = Counter()
    for pair in truth.same_company_pairs:
        registered, alias = by_id[pair.registered_id].props, by_id[pair.alias_id].props
        assert registered["country"] == alias["country"]
        assert registered["name"] != alias["name"]
        assert registered["address_text"] != alias["address_text"]
        assert not CYRILLIC.search(alias["name"])
        assert by_id[pair.alias_id].sharing.owner_agency == pair.recorded_by
        difficulties[pair.difficulty] += 1
        if pair.difficulty == "easy":
            assert alias["tax_id"] == registered["tax_id"]
        else:
            assert "tax_id" not in alias
        if pair.difficulty == "medium":
            assert any((pair.alias_id, c) in reachable and (pair.registered_id, c) in reachable
                       for c in by_id if c.startswith("contact:"))
    assert len(difficulties) == 3


def test_ground_truth_round_trips_through_json(small, tmp_path: Path) -> None:
    _, truth = small
    path = truth.write(tmp_path / "truth.json")
    again = GroundTruth.read(path)
    assert again == truth
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["ring_operator_ids"] == truth.ring_operator_ids
    assert set(data["patterns"]) >= {"rings", "same_company", "undervaluation", "risky"}


async def test_seeding_small_writes_every_record_once_and_twice_changes_nothing(
    store: FalkorStore, small, tmp_path: Path
) -> None:
    records, _ = small
    updates = []
    report = await seed(store, "small", 2025, progress=updates.append, truth_dir=tmp_path)
    nodes = Counter(r.label for r in _nodes(records))
    assert report.write.dangling_edges == 0
    assert report.write.nodes == sum(nodes.values())
    assert report.write.edges == len(_edges(records))
    in_graph = {row["kind"]: row["n"] for row in await store.run(COUNT_BY_KIND)}
    assert in_graph == dict(nodes)
    assert (await store.run(COUNT_EDGES))[0]["n"] == len(_edges(records))
    assert updates[-1].consignments == updates[-1].consignments_total == 5_000
    assert [u.records for u in updates] == sorted(u.records for u in updates)
    assert report.truth_path == tmp_path / "demo-truth-small-2025.json"
    assert GroundTruth.read(report.truth_path).risky_consignment_ids == (
        report.truth.risky_consignment_ids)

    again = await seed(store, "small", 2025)
    assert again.written == 0
    assert again.write.unchanged == report.records


async def test_if_empty_leaves_a_graph_with_data_alone(store: FalkorStore) -> None:
    share = Sharing("RS-CUS", "RS", Distribution.PARTY)
    await GraphWriter(store).write([NodeRecord(
        "Party", stable_id("Party", "RS"), {"code": "RS"}, share, Provenance("t", "t", 1))])
    assert await prepare_and_seed(store, "small", if_empty=True) is None
    assert {row["kind"]: row["n"] for row in await store.run(COUNT_BY_KIND)} == {"Party": 1}


def test_the_command_refuses_an_unknown_scale_before_starting_anything(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["seed", "--scale", "huge"],
                                env={"HUB_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert "unknown demo scale 'huge'" in result.output
    assert not any(tmp_path.iterdir())


def test_scales_grow_and_large_streams() -> None:
    small_, medium, large = SCALES["small"], SCALES["medium"], SCALES["large"]
    assert small_.consignments < medium.consignments < large.consignments == 1_000_000
    assert large.operators >= 50_000
    assert large.vehicles >= 80_000
    assert all(s.chunk_consignments <= 2_000 for s in SCALES.values())
