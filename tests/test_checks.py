"""LPCO and AEO checks on the real embedded FalkorDB, through the real policy files and API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from hub.analysis.risk.scoring import LPCO_SIGNALS, lpco_problems
from hub.analysis.risk.sources import EvidenceReader
from hub.checks.aeo import effective_status, priority_passage, status_on, with_entry
from hub.checks.aeo_changes import sync_aeo_history
from hub.checks.lpco import lpco_signals
from hub.checks.lpco_rules import LpcoRules
from hub.checks.signals import SignalKind
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
from hub.principal import Role
from tests.callers import POLICY, as_caller, principal

SRC = Provenance("test", "checks", 1)
WIDE = Sharing("RS-CUS", "RS", Distribution.CEFTA_EU)
PHY_ONLY = Sharing("RS-PHY", "RS", Distribution.ORIGINATOR)

EXP = stable_id("Operator", "RS", "PIB", "101134702")
IMP = stable_id("Operator", "MK", "EDB", "4030003475795")
OTHER = stable_id("Operator", "RS", "PIB", "100000024")
TWIN = stable_id("Operator", "RS", "NAME", "agroplod")  # the exporter, as resolution decided
CONS = stable_id("Consignment", "test", "C-1")
LPCO = stable_id("Lpco", "phyto_certificate", "RS/PC/2026/000001")
DECLARED = "2026-03-14T08:00:00Z"


def reader_for(store: FalkorStore, agency: str, role: Role = Role.ANALYST) -> GraphReader:
    return GraphReader(store, POLICY.visibility(principal(agency, role)))


def node(label: str, node_id: str, props: dict[str, Any], sharing: Sharing = WIDE) -> NodeRecord:
    return NodeRecord(label, node_id, props, sharing, SRC)


def edge(rel: str, a: str, b: str, props: dict[str, Any] | None = None,
         sharing: Sharing = WIDE) -> EdgeRecord:
    return EdgeRecord(rel, a, b, sharing, SRC, props or {})


# ---- LPCO ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One row of the LPCO table: the document, the consignment, other uses, what is found."""

    name: str
    expect: tuple[SignalKind, ...]
    lpco: dict[str, Any] = field(default_factory=dict)
    consignment: dict[str, Any] = field(default_factory=dict)
    quantity: float | None = 18_000
    holder: str = EXP
    uses: tuple[tuple[str, str, float], ...] = ()  # (declared_at, direction, quantity)
    same_as: bool = False
    declarant: str | None = None


BASE_LPCO = {"lpco_type": "phyto_certificate", "number": "RS/PC/2026/000001",
             "issued_at": "2026-03-12", "valid_until": "2026-03-26", "status": "valid",
             "hs_codes": ["0808"], "quantity": 20_000, "quantity_unit": "kg"}
BASE_CONS = {"reference": "C-1", "declared_at": DECLARED, "direction": "export",
             "hs_codes": ["080810"], "gross_mass_kg": 18_000}

CASES = (
    Case("clean", ()),
    Case("expired before the declaration", (SignalKind.LPCO_EXPIRED,),
         lpco={"valid_until": "2026-03-10"}),
    Case("expired only after the declaration", (), lpco={"valid_until": "2026-03-14"}),
    Case("recorded expired without a date", (SignalKind.LPCO_EXPIRED,),
         lpco={"valid_until": None, "status": "expired"}),
    Case("issued after the declaration", (SignalKind.LPCO_NOT_YET_VALID,),
         lpco={"issued_at": "2026-03-15"}),
    Case("issued_at as epoch milliseconds", (), lpco={"issued_at": 1_773_300_000_000}),
    Case("revoked", (SignalKind.LPCO_REVOKED,), lpco={"status": "revoked"}),
    Case("suspended", (SignalKind.LPCO_SUSPENDED,),
         lpco={"status": "suspended", "status_changed_at": "2026-03-01"}),
    Case("suspended after the declaration", (),
         lpco={"status": "suspended", "status_changed_at": "2026-04-01"}),
    Case("HS code not covered", (SignalKind.LPCO_HS_NOT_COVERED,), lpco={"hs_codes": ["0809"]}),
    Case("declared at 4 digits, certificate at 6", (),
         lpco={"hs_codes": ["080810"]}, consignment={"hs_codes": ["0808"]}),
    Case("quantity exceeded by earlier uses", (SignalKind.LPCO_QUANTITY_EXCEEDED,),
         lpco={"lpco_type": "import_licence", "quantity": 30_000},
         uses=(("2026-03-01T08:00:00Z", "export", 15_000.0),)),
    Case("later uses do not count", (),
         lpco={"lpco_type": "import_licence", "quantity": 30_000},
         uses=(("2026-03-20T08:00:00Z", "export", 15_000.0),)),
    Case("certificate presented twice", (SignalKind.LPCO_OVERUSED,),
         lpco={"quantity": None}, uses=(("2026-03-12T08:00:00Z", "export", 17_000.0),)),
    Case("same certificate at export and import is one shipment", (),
         uses=(("2026-03-14T20:00:00Z", "import", 18_000.0),)),
    Case("licence used often but within quantity", (),
         lpco={"lpco_type": "import_licence", "quantity": 200_000},
         uses=tuple((f"2026-03-{d:02d}T08:00:00Z", "export", 10_000.0) for d in range(1, 10))),
    Case("recorded expired since a day after the declaration", (),
         lpco={"valid_until": None, "status": "expired", "status_changed_at": "2026-03-20"}),
    Case("two shipments, one declared on each side of the border",
         (SignalKind.LPCO_QUANTITY_EXCEEDED,),
         lpco={"lpco_type": "import_licence", "quantity": 30_000},
         uses=(("2026-03-13T08:00:00Z", "import", 15_000.0),)),
    Case("the other side's declaration of this shipment draws nothing more", (),
         lpco={"lpco_type": "import_licence", "quantity": 30_000},
         uses=(("2026-03-01T08:00:00Z", "export", 10_000.0),
               ("2026-03-13T20:00:00Z", "import", 18_000.0))),
    Case("issued to another operator", (SignalKind.LPCO_OTHER_HOLDER,), holder=OTHER),
    Case("issued to the consignment's broker, not to a trader", (SignalKind.LPCO_OTHER_HOLDER,),
         holder=OTHER, declarant=OTHER),
    Case("issued to the same operator under another record", (), holder=TWIN, same_as=True),
    Case("several problems at once",
         (SignalKind.LPCO_EXPIRED, SignalKind.LPCO_HS_NOT_COVERED, SignalKind.LPCO_OTHER_HOLDER),
         lpco={"valid_until": "2026-03-01", "hs_codes": ["2204"]}, holder=OTHER),
)


def scenario(case: Case, lpco_sharing: Sharing = WIDE) -> list[Record]:
    lpco = {k: v for k, v in {**BASE_LPCO, **case.lpco}.items() if v is not None}
    records: list[Record] = [
        node("Agency", stable_id("Agency", "RS-PHY"), {"code": "RS-PHY", "party": "RS"}),
        node("Operator", EXP, {"name": "Agroplod Export d.o.o.", "country": "RS"}),
        node("Operator", IMP, {"name": "Frukti DOOEL", "country": "MK"}),
        node("Operator", OTHER, {"name": "Drugi d.o.o.", "country": "RS"}),
        node("Operator", TWIN, {"name": "Агроплод Експорт", "country": "RS"}),
        node("Consignment", CONS, {**BASE_CONS, **case.consignment}),
        node("Lpco", LPCO, lpco, lpco_sharing),
        edge("EXPORTER_OF", EXP, CONS), edge("IMPORTER_OF", IMP, CONS),
        edge("COVERED_BY", CONS, LPCO, {"quantity": case.quantity}),
        edge("ISSUED_TO", LPCO, case.holder, sharing=lpco_sharing),
        edge("ISSUED_BY", LPCO, stable_id("Agency", "RS-PHY"), sharing=lpco_sharing),
    ]
    if case.same_as:
        records.append(edge("SAME_AS", EXP, TWIN, {"score": 0.97, "status": "confirmed"}))
    if case.declarant:
        records.append(edge("DECLARANT_OF", case.declarant, CONS))
    for n, (at, direction, quantity) in enumerate(case.uses):
        use = stable_id("Consignment", "test", f"U-{n}")
        records += [node("Consignment", use, {"reference": f"U-{n}", "declared_at": at,
                                              "direction": direction, "hs_codes": ["080810"]}),
                    edge("EXPORTER_OF", EXP, use),
                    edge("COVERED_BY", use, LPCO, {"quantity": quantity})]
    return records


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_each_lpco_problem_becomes_a_signal(store: FalkorStore, case: Case) -> None:
    await GraphWriter(store).write(scenario(case))
    system = await lpco_signals(store, [CONS])
    assert sorted(s.kind for s in system) == sorted(case.expect)
    assert all(s.consignment_id == CONS and LPCO in s.record_ids for s in system)
    # A caller who may see everything involved gets the same signals through the filter.
    caller = await lpco_signals(reader_for(store, "RS-CUS"), [CONS])
    assert caller == system
    # The risk scorer judges the document with the same rules: the kinds it weighs itself.
    vis = POLICY.visibility(principal("RS-CUS", Role.ANALYST))
    [evidence] = await EvidenceReader.for_caller(store, vis).gather([CONS])
    judged = [key for doc in evidence.lpcos.values() for key in lpco_problems(evidence, doc)]
    assert sorted(judged) == sorted(LPCO_SIGNALS[s.kind] for s in system
                                    if s.kind in LPCO_SIGNALS)


async def test_signals_name_the_problem_and_the_records(store: FalkorStore) -> None:
    case = next(c for c in CASES if c.name == "issued to another operator")
    await GraphWriter(store).write(scenario(case))
    [signal] = await lpco_signals(store, [CONS])
    assert signal.record_ids == (LPCO, OTHER)
    assert "RS/PC/2026/000001" in signal.reason
    assert signal.observed_at == "2026-03-14"


async def test_the_reuse_threshold_is_configurable(store: FalkorStore) -> None:
    case = next(c for c in CASES if c.name == "certificate presented twice")
    await GraphWriter(store).write(scenario(case))
    lenient = LpcoRules(max_uses={"phyto_certificate": 2})
    assert await lpco_signals(store, [CONS], lenient) == []
    narrow = LpcoRules(reuse_window_days=1)
    assert await lpco_signals(store, [CONS], narrow) == []


async def test_a_hidden_lpco_gives_no_signal_to_a_caller_who_cannot_see_it(
        store: FalkorStore) -> None:
    expired = next(c for c in CASES if c.name == "expired before the declaration")
    await GraphWriter(store).write(scenario(expired, lpco_sharing=PHY_ONLY))
    assert [s.kind for s in await lpco_signals(store, [CONS])] == [SignalKind.LPCO_EXPIRED]
    assert await lpco_signals(reader_for(store, "RS-CUS"), [CONS]) == []
    owner = await lpco_signals(reader_for(store, "RS-PHY", Role.OFFICER), [CONS])
    assert [s.kind for s in owner] == [SignalKind.LPCO_EXPIRED]
    query = ("query($id: ID!) { lpcoCheck(consignmentId: $id) { consignmentId documentsChecked"
             " signals { kind severity recordIds reason } } }")
    data, code = await as_caller(store, "RS-CUS", query, id=CONS)
    assert code is None
    assert data["lpcoCheck"] == {"consignmentId": CONS, "documentsChecked": 0, "signals": []}
    data, _ = await as_caller(store, "RS-PHY", query, Role.OFFICER, id=CONS)
    assert data["lpcoCheck"]["documentsChecked"] == 1
    assert [s["kind"] for s in data["lpcoCheck"]["signals"]] == ["lpco_expired"]
    assert data["lpcoCheck"]["signals"][0]["severity"] == "high"


async def test_an_invisible_consignment_has_no_check(store: FalkorStore) -> None:
    await GraphWriter(store).write([node("Consignment", CONS, BASE_CONS,
                                         Sharing("MK-CUS", "MK", Distribution.ORIGINATOR))])
    query = "query($id: ID!) { lpcoCheck(consignmentId: $id) { consignmentId } }"
    hidden, _ = await as_caller(store, "RS-CUS", query, id=CONS)
    absent, _ = await as_caller(store, "RS-CUS", query, id="consignment:nothing")
    assert hidden == absent == {"lpcoCheck": None}


async def test_a_use_the_caller_cannot_see_does_not_count(store: FalkorStore) -> None:
    case = next(c for c in CASES if c.name == "quantity exceeded by earlier uses")
    records = scenario(case)
    hidden_use = stable_id("Consignment", "test", "U-0")
    records = [r for r in records if not (isinstance(r, NodeRecord) and r.id == hidden_use)]
    records.append(node("Consignment", hidden_use, {"declared_at": "2026-03-01T08:00:00Z",
                                                    "direction": "export"},
                        Sharing("AL-CUS", "AL", Distribution.ORIGINATOR)))
    await GraphWriter(store).write(records)
    assert [s.kind for s in await lpco_signals(store, [CONS])] == [
        SignalKind.LPCO_QUANTITY_EXCEEDED]
    assert await lpco_signals(reader_for(store, "RS-CUS"), [CONS]) == []


# ---- AEO: status on a day ----------------------------------------------------------------------

def test_status_on_a_day_follows_the_history() -> None:
    history = ["2021-05-01 valid", "2025-09-01 suspended", "2026-01-15 active"]
    assert status_on(history, "valid", "2021-04-30") == "valid"  # before any entry: current
    assert status_on(history, "valid", "2025-08-31") == "valid"
    assert status_on(history, "valid", "2025-09-01") == "suspended"
    assert status_on(history, "valid", "2026-02-01") == "valid"  # "active" reads as valid
    row = {"status": "valid", "valid_from": "2021-05-01", "valid_until": "2026-12-31"}
    assert effective_status(row, "2027-01-01") == "expired"
    assert effective_status(row, "2021-01-01") == "not_yet_valid"
    assert effective_status({**row, "status": "revoked"}, "2026-01-01") == "revoked"


def test_recording_a_status_keeps_the_history_in_date_order() -> None:
    entries, changed = with_entry([], "valid", "2021-05-01", "2026-02-01", "suspended")
    assert (entries, changed) == (["2021-05-01 valid", "2026-02-01 suspended"], True)
    again, changed = with_entry(entries, "suspended", "2021-05-01", "2026-02-01", "suspended")
    assert (again, changed) == (entries, False)
    same, changed = with_entry(entries, "suspended", "2021-05-01", "2026-03-01", "suspended")
    assert (same, changed) == (entries, False)  # already suspended on that day
    earlier, changed = with_entry(entries, "suspended", "2021-05-01", "2024-01-01", "revoked")
    assert earlier == ["2021-05-01 valid", "2024-01-01 revoked", "2026-02-01 suspended"]
    assert changed


# ---- AEO: priority passage, status changes ----------------------------------------------------

AT = "2026-03-14"
CROSSING = "RSMK-PRE"


def aeo_id(number: str) -> str:
    return stable_id("AeoAuthorisation", number)


def holder_id(number: str) -> str:
    return stable_id("Operator", "holder", number)


def authorisation(number: str, party: str, status: str = "valid", **extra: Any) -> list[Record]:
    share = Sharing(f"{party}-CUS", party, Distribution.CEFTA_CUSTOMS)
    props = {"number": number, "aeo_type": "AEOC", "status": status, "issuing_party": party,
             "valid_from": "2021-01-01", **extra}
    return [node("AeoAuthorisation", aeo_id(number), props, share),
            node("Operator", holder_id(number), {"name": f"Holder {number}", "country": party},
                 share),
            edge("HOLDS", holder_id(number), aeo_id(number), sharing=share)]


def recognition(recogniser: str, recognised: str, since: str,
                level: Distribution = Distribution.CEFTA_EU) -> EdgeRecord:
    return edge("RECOGNISES_AEO_OF", stable_id("Party", recogniser), stable_id("Party", recognised),
                {"since": since}, Sharing(f"{recogniser}-CUS", recogniser, level))


def world() -> list[Record]:
    records: list[Record] = [node("Party", stable_id("Party", p), {"code": p})
                             for p in ("RS", "MK", "AL", "ME", "XK")]
    records.append(node("BorderCrossingPoint", stable_id("BorderCrossingPoint", CROSSING),
                        {"code": CROSSING, "name": "Preševo – Tabanovce", "parties": ["RS", "MK"]}))
    records += [recognition("MK", "AL", "2020-01-01"), recognition("RS", "ME", "2030-01-01"),
                recognition("MK", "XK", "2020-01-01", Distribution.ORIGINATOR)]
    records += authorisation("RS-1", "RS")
    records += authorisation("RS-2", "RS", valid_until="2025-12-31")
    records += authorisation("RS-3", "RS", "suspended",
                             status_history=["2021-01-01 valid", "2026-02-01 suspended"])
    records += authorisation("MK-1", "MK", "active")  # as the demo data writes it
    records += authorisation("MK-2", "MK", "revoked")
    records += authorisation("AL-1", "AL")
    records += authorisation("ME-1", "ME")
    records += authorisation("XK-1", "XK")
    return records


async def eligible(store: FalkorStore, agency: str, day: str = AT,
                   entering: str | None = None) -> set[str]:
    page = await priority_passage(reader_for(store, agency), CROSSING, day, entering=entering)
    return {item.number or "" for item in page.items}


async def test_priority_passage_takes_the_parties_mras_and_statuses(store: FalkorStore) -> None:
    await GraphWriter(store).write(world())
    # RS-2 expired, RS-3 suspended since February, MK-2 revoked, ME's MRA with RS not yet in
    # force, XK's recognition by MK not shared with RS customs.
    assert await eligible(store, "RS-CUS") == {"RS-1", "MK-1", "AL-1"}
    assert await eligible(store, "RS-CUS", entering="RS") == {"RS-1", "MK-1"}
    assert await eligible(store, "RS-CUS", entering="MK") == {"RS-1", "MK-1", "AL-1"}
    assert await eligible(store, "RS-CUS", day="2026-01-15") == {"RS-1", "RS-3", "MK-1", "AL-1"}
    assert await eligible(store, "MK-CUS") == {"RS-1", "MK-1", "AL-1", "XK-1"}
    page = await priority_passage(reader_for(store, "RS-CUS"), CROSSING, AT)
    basis = {item.number: item.basis for item in page.items}
    assert basis["AL-1"] == "recognised by MK (mutual recognition)"
    assert page.recognised == ("AL",)
    assert {h.id for item in page.items for h in item.holders} == {
        holder_id("RS-1"), holder_id("MK-1"), holder_id("AL-1")}


async def test_priority_passage_pages_through_300_aeos(store: FalkorStore) -> None:
    records = world()
    for n in range(300):
        records += authorisation(f"RS-BULK-{n:03d}", "RS")
    await GraphWriter(store).write(records)
    query = """query($after: String) { priorityPassage(crossing: "RSMK-PRE", at: "2026-03-14",
      first: 100, after: $after) { parties items { number basis } pageInfo { hasNextPage
      endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        data, code = await as_caller(store, "RS-CUS", query, after=after)
        assert code is None
        page = data["priorityPassage"]
        seen += [item["number"] for item in page["items"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 303
    assert page["parties"] == ["RS", "MK"]


async def test_priority_passage_errors(store: FalkorStore) -> None:
    await GraphWriter(store).write(world())
    query = "query($c: String!, $e: String) { priorityPassage(crossing: $c, at: \"2026-03-14\"," \
            " entering: $e) { crossing } }"
    assert (await as_caller(store, "RS-CUS", query, c="XX-NONE"))[1] == "not_found"
    assert (await as_caller(store, "RS-CUS", query, c=CROSSING, e="AL"))[1] == "bad_input"


RECORD = """mutation($n: String!, $s: String!, $d: String!) {
  recordAeoStatus(number: $n, status: $s, date: $d) {
    id previousStatus status changed history { date status }
    signal { kind severity recordIds reason } } }"""
STATUS = """query($id: ID!, $at: String) { aeoStatus(operatorId: $id, at: $at) {
  number status recordedStatus history { date status } } }"""


async def test_a_suspension_is_recorded_in_the_history_and_raises_a_signal(
        store: FalkorStore) -> None:
    await GraphWriter(store).write(world())
    data, code = await as_caller(store, "RS-CUS", RECORD, Role.CONNECTOR, n="RS-1", s="suspended",
                           d="2026-03-20")
    assert code is None
    change = data["recordAeoStatus"]
    assert change["previousStatus"] == "valid"
    assert change["changed"] is True
    assert change["history"] == [{"date": "2021-01-01", "status": "valid"},
                                 {"date": "2026-03-20", "status": "suspended"}]
    assert change["signal"]["kind"] == "aeo_suspended"
    assert change["signal"]["severity"] == "high"
    assert change["signal"]["recordIds"] == [aeo_id("RS-1"), holder_id("RS-1")]
    # The status on a day follows the history.
    before, _ = await as_caller(store, "RS-CUS", STATUS, id=holder_id("RS-1"), at="2026-03-19")
    after, _ = await as_caller(store, "RS-CUS", STATUS, id=holder_id("RS-1"), at="2026-03-21")
    assert before["aeoStatus"][0]["status"] == "valid"
    assert after["aeoStatus"][0]["status"] == "suspended"
    assert after["aeoStatus"][0]["recordedStatus"] == "suspended"
    # The signal is stored with the authorisation's sharing: customs elsewhere see it too.
    listed = "{ riskSignals(first: 10) { edges { node { ... on RiskSignal { signalKind } } } } }"
    seen, _ = await as_caller(store, "MK-CUS", listed)
    assert [e["node"]["signalKind"] for e in seen["riskSignals"]["edges"]] == ["aeo_suspended"]
    hidden, _ = await as_caller(store, "MK-PHY", listed, Role.OFFICER)
    assert hidden["riskSignals"]["edges"] == []
    trail = await AuditTrail(store).accessed_records_of("RS-CUS")
    assert [e.operation for e in trail.entries] == ["record_aeo_status"]
    # Recording it again changes nothing and signals nothing.
    again, _ = await as_caller(store, "RS-CUS", RECORD, Role.CONNECTOR, n="RS-1", s="suspended",
                         d="2026-03-25")
    assert again["recordAeoStatus"]["changed"] is False
    assert again["recordAeoStatus"]["signal"] is None
    assert len((await AuditTrail(store).accessed_records_of("RS-CUS")).entries) == 1
    # A revocation later is another change, with its own signal.
    revoked, _ = await as_caller(store, "RS-CUS", RECORD, Role.CONNECTOR, n="RS-1", s="revoked",
                           d="2026-04-01")
    assert revoked["recordAeoStatus"]["signal"]["kind"] == "aeo_revoked"
    # A suspended AEO is no longer eligible for priority passage.
    assert "RS-1" not in await eligible(store, "RS-CUS", day="2026-03-21")


async def test_only_the_owner_with_write_rights_records_a_status(store: FalkorStore) -> None:
    await GraphWriter(store).write(world())
    # Customs analysts may not write AEO authorisations under the policy files (connectors may).
    assert (await as_caller(store, "RS-CUS", RECORD, n="RS-1", s="revoked", d=AT))[1] == "forbidden"
    # Another agency's authorisation is as absent as one that does not exist.
    other = await as_caller(store, "MK-CUS", RECORD, Role.CONNECTOR, n="RS-1", s="revoked", d=AT)
    absent = await as_caller(store, "MK-CUS", RECORD, Role.CONNECTOR, n="NONE-1", s="revoked", d=AT)
    assert other[1] == absent[1] == "not_found"
    assert (await as_caller(store, "RS-CUS", RECORD, Role.CONNECTOR, n="RS-1", s="paused",
                      d=AT))[1] == "bad_input"
    assert (await as_caller(store, "RS-CUS", RECORD, Role.CONNECTOR, n="RS-1", s="revoked",
                      d="14.03.2026"))[1] == "bad_input"


async def test_a_register_update_is_synced_into_the_history(store: FalkorStore) -> None:
    await GraphWriter(store).write(world())
    first = await sync_aeo_history(store, "2026-03-01")
    assert first == []  # histories started, nothing changed
    rows, _ = await as_caller(store, "RS-CUS", STATUS, id=holder_id("RS-1"))
    assert rows["aeoStatus"][0]["history"] == [{"date": "2021-01-01", "status": "valid"}]
    # The register is ingested again with RS-1 revoked (the writer overwrites ``status``).
    await GraphWriter(store).write(authorisation("RS-1", "RS", "revoked"))
    signals = []
    changes = await sync_aeo_history(store, "2026-03-10", on_signal=signals.append)
    assert [(c.number, c.previous, c.status, c.day) for c in changes] == [
        ("RS-1", "valid", "revoked", "2026-03-10")]
    assert [s.kind for s in signals] == [SignalKind.AEO_REVOKED]
    assert await sync_aeo_history(store, "2026-03-11") == []
