"""SEED exit/entry matching: the matcher on messages, and runs over the real graph."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from connectors.seed_plus import SeedPlusConnector
from hub.checks.seed_matching import MatchOutcome, MatchRules, SeedMatcher, match_messages
from hub.checks.seed_messages import message_from_json, plate_key
from hub.checks.seed_runs import run_seed_matching
from hub.checks.signals import SignalKind
from hub.cli import app
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.reader import GraphReader
from hub.ingest.pipeline import ingest_stream, sharing_for
from hub.model import Distribution, Sharing
from hub.policy import CasbinPolicy
from hub.settings import Settings
from hub.times import epoch_ms
from tests.callers import principal

POLICY = CasbinPolicy(Settings().policy_dir)
EXIT_AT = "2026-03-14T08:15:00+01:00"
ENTRY_AT = "2026-03-14T10:40:00+01:00"


def exit_message(**changes: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": "RS-SEED-1", "message_type": "exit", "exit_office": "RS054003",
        "entry_office": "MK000102",
        "document": {"type": "MRN", "reference": "26RS05400300001234"},
        "vehicle": {"plate": "BG-123-AB", "country": "RS"},
        "trailer": {"plate": "BG 987-XY", "country": "RS"},
        "gross_weight_kg": 18450.5,
        "consignor": {"name": "AGROPLOD EXPORT D.O.O.", "country": "RS", "tax_id": "101134702"},
        "consignee": {"name": "ФРУКТИ ДООЕЛ", "country": "MK", "tax_id": "MK4030003475795"},
        "hs_codes": ["080810"], "origin_country": "RS", "declared_at": EXIT_AT,
    }
    return {**message, **changes}


def entry_message(**changes: Any) -> dict[str, Any]:
    return exit_message(**{
        "message_id": "MK-SEED-1", "message_type": "entry", "declared_at": ENTRY_AT,
        "document": {"type": "MRN", "reference": "26rs05400300001234"},
        "vehicle": {"plate": "bg 123 ab", "country": "RS"},
        "trailer": {"plate": "BG-987-XY", "country": "RS"}, "gross_weight_kg": 18460,
        "consignor": {"name": "Agroplod Export d.o.o.", "country": "RS",
                      "tax_id": "RS101134702"},
        "consignee": {"name": "FRUKTI DOOEL", "country": "MK", "tax_id": "4030003475795"},
        "hs_codes": ["0808 10"], **changes})


def run(*messages: dict[str, Any], horizon: str | None = "2026-03-15T12:00:00Z",
        rules: MatchRules | None = None) -> MatchOutcome:
    parsed = [message_from_json(m) for m in messages]
    return match_messages(parsed, rules, epoch_ms(horizon) if horizon else None)


def kinds(outcome: MatchOutcome) -> list[str]:
    return sorted(s.kind.value for s in outcome.signals)


def test_an_exact_pair_matches_with_no_signal() -> None:
    outcome = run(exit_message(), entry_message())
    [match] = outcome.matches
    assert (match.exit_id, match.entry_id) == ("RS-SEED-1", "MK-SEED-1")
    assert match.matched_by == ("reference", "tractor", "trailer")
    assert match.gap_minutes == 145
    assert outcome.signals == []


def test_plate_formatting_and_script_differences_still_match() -> None:
    assert plate_key("BG-123-AB") == plate_key("bg 123ab") == plate_key("BG.123.AB") == "BG123AB"
    assert plate_key("НС 114-КП") == plate_key("NS114KP")
    outcome = run(exit_message(document={"type": "T1", "reference": "T1/1"},
                               vehicle={"plate": "НС 114-КП", "country": "RS"}, trailer=None),
                  entry_message(document={"type": "T1", "reference": "T1/2"},
                                vehicle={"plate": "ns114kp", "country": "RS"}, trailer=None))
    [match] = outcome.matches
    assert match.matched_by == ("tractor",)
    assert kinds(outcome) == ["seed_reference_mismatch"]


@pytest.mark.parametrize(("changes", "expect", "severity"), [
    ({"gross_weight_kg": 18_460 + 150}, [], None),  # within max(2 %, 200 kg)
    ({"gross_weight_kg": 19_400}, ["seed_weight_mismatch"], "medium"),
    ({"gross_weight_kg": 24_000}, ["seed_weight_mismatch"], "high"),
    ({"hs_codes": ["080890"]}, ["seed_hs_mismatch"], "medium"),
    ({"hs_codes": ["220421"]}, ["seed_hs_mismatch"], "high"),
    ({"hs_codes": ["080810", "080910"]}, ["seed_hs_mismatch"], "high"),
    ({"consignee": {"name": "Balkan Foods DOOEL", "country": "MK", "tax_id": "4080010506708"}},
     ["seed_consignee_mismatch"], "high"),
    ({"consignor": {"name": "Agroplod Eksport doo", "country": "RS"}}, [], None),  # name only
    ({"consignor": {"name": "Mlekara Sever", "country": "RS"}}, ["seed_consignor_mismatch"],
     "high"),
    ({"origin_country": "TR"}, ["seed_origin_mismatch"], "high"),
    ({"trailer": {"plate": "BG 111-ZZ", "country": "RS"}}, ["seed_vehicle_mismatch"], "medium"),
    ({"entry_office": "MK000555"}, ["seed_office_mismatch"], "low"),
], ids=["weight-within", "weight-medium", "weight-high", "hs-6", "hs-4", "hs-extra",
        "consignee", "consignor-name-same", "consignor-name-other", "origin", "trailer",
        "office"])
def test_each_mismatch_becomes_a_signal(changes: dict[str, Any], expect: list[str],
                                        severity: str | None) -> None:
    outcome = run(exit_message(), entry_message(**changes))
    assert len(outcome.matches) == 1
    assert kinds(outcome) == expect
    if severity is not None:
        [signal] = outcome.signals
        assert signal.severity.value == severity
        assert signal.consignment_id == "MK-SEED-1"
        assert signal.record_ids == ("RS-SEED-1", "MK-SEED-1")


def test_an_exit_without_entry_is_missing_once_its_window_has_passed() -> None:
    outcome = run(exit_message())
    assert kinds(outcome) == ["seed_missing_entry"]
    assert outcome.signals[0].consignment_id == "RS-SEED-1"
    early = run(exit_message(), horizon="2026-03-14T12:00:00Z")
    assert (early.signals, early.pending) == ([], ["RS-SEED-1"])


def test_an_entry_after_the_window_is_not_matched() -> None:
    late = entry_message(declared_at="2026-03-14T21:00:00+01:00")  # 12 h 45 min after exit
    outcome = run(exit_message(), late)
    assert outcome.matches == []
    assert kinds(outcome) == ["seed_missing_entry", "seed_unannounced_entry"]
    lenient = run(exit_message(), late, rules=MatchRules(window_hours=14))
    assert len(lenient.matches) == 1


def test_an_entry_from_a_party_outside_seed_is_not_unannounced() -> None:
    outcome = run(entry_message(exit_office="HR010001", entry_office="RS054003"))
    assert outcome.signals == []


def test_messages_of_another_lane_never_match() -> None:
    outcome = run(exit_message(), entry_message(exit_office="RS054003", entry_office="XK000001"))
    assert outcome.matches == []


def test_the_best_candidate_wins_and_each_message_is_used_once() -> None:
    # Two exits of the same truck an hour apart (a first attempt turned back, say): the entry
    # takes the one sharing its reference, the other is missing.
    first = exit_message(message_id="RS-SEED-0", declared_at="2026-03-14T07:15:00+01:00",
                         document={"type": "MRN", "reference": "26RS05400300009999"})
    outcome = run(first, exit_message(), entry_message())
    assert [(m.exit_id, m.entry_id) for m in outcome.matches] == [("RS-SEED-1", "MK-SEED-1")]
    assert [(s.kind, s.consignment_id) for s in outcome.signals] == [
        (SignalKind.SEED_MISSING_ENTRY, "RS-SEED-0")]


def test_an_entry_stamped_slightly_before_its_exit_still_matches() -> None:
    matcher = SeedMatcher()
    matcher.add(message_from_json(entry_message(declared_at="2026-03-14T08:05:00+01:00")))
    matcher.advance(epoch_ms("2026-03-14T07:10:00Z") or 0)  # the entry waits for late exits
    matcher.add(message_from_json(exit_message()))
    outcome = matcher.finish()
    assert len(outcome.matches) == 1
    assert outcome.signals == []


def test_streaming_in_pieces_gives_the_same_outcome_as_one_batch() -> None:
    messages = []
    for n in range(40):
        hour = 6 + n // 4
        messages.append(exit_message(message_id=f"X{n}", declared_at=f"2026-03-14T{hour:02d}:"
                                     f"{n % 4 * 10:02d}:00+01:00",
                                     document={"type": "T1", "reference": f"T1/{n}"},
                                     vehicle={"plate": f"BG-{n:03d}-AA", "country": "RS"},
                                     trailer={"plate": f"BG-{n:03d}-TT", "country": "RS"}))
        if n % 7:
            messages.append(entry_message(message_id=f"E{n}", declared_at=f"2026-03-14T"
                                          f"{hour + 2:02d}:{n % 4 * 10:02d}:00+01:00",
                                          document={"type": "T1", "reference": f"T1/{n}"},
                                          vehicle={"plate": f"BG {n:03d} AA", "country": "RS"},
                                          trailer={"plate": f"BG {n:03d} TT", "country": "RS"}))
    batch = run(*messages)
    matcher = SeedMatcher()
    parsed = sorted((message_from_json(m) for m in messages), key=lambda m: m.at_ms)
    for chunk in range(0, len(parsed), 9):
        for message in parsed[chunk:chunk + 9]:
            matcher.add(message)
        matcher.advance(parsed[min(chunk + 9, len(parsed)) - 1].at_ms - 3_600_000)
    stream = matcher.finish(epoch_ms("2026-03-15T12:00:00Z"))
    assert len(batch.matches) == 34
    assert kinds(batch) == ["seed_missing_entry"] * 6
    assert sorted(stream.matches, key=str) == sorted(batch.matches, key=str)
    assert stream.signals == batch.signals


# ---- over the graph ----------------------------------------------------------------------------

async def ingest(store: FalkorStore, agency: str, messages: list[dict[str, Any]],
                 data_dir: Path, sharing: Sharing | None = None) -> None:
    lines = "\n".join(json.dumps(m, ensure_ascii=False) for m in messages).encode()
    report = await ingest_stream(store, SeedPlusConnector(), io.BytesIO(lines), "test.jsonl",
                                 sharing or sharing_for(agency, "PARTY"), data_dir=data_dir)
    assert report.ok, report


async def signals_seen_by(store: FalkorStore, agency: str) -> list[str]:
    reader = GraphReader(store, POLICY.visibility(principal(agency)))
    page = await reader.list("RiskSignal", {}, 100, "")
    return sorted(f"{row['signal_kind']}:{row['status']}" for row in page.rows)


DAY = (epoch_ms("2026-03-14T00:00:00Z") or 0, epoch_ms("2026-03-15T00:00:00Z") or 0)
NOW = epoch_ms("2026-03-16T00:00:00Z")


async def test_a_run_over_the_graph_stores_matches_and_signals_for_both_sides(
        store: FalkorStore, tmp_path: Path) -> None:
    # SEED sends the exit data to the neighbour: the exit messages are shared with MK.
    to_mk = Sharing("RS-CUS", "RS", Distribution.LISTED, ("party:MK",))
    await ingest(store, "RS-CUS", [exit_message(), exit_message(
        message_id="RS-SEED-2", vehicle={"plate": "NI-555-XX", "country": "RS"}, trailer=None,
        document={"type": "MRN", "reference": "26RS05400300005555"})], tmp_path, to_mk)
    await ingest(store, "MK-CUS", [entry_message(gross_weight_kg=21_000)], tmp_path)
    report = await run_seed_matching(store, *DAY, now_ms=NOW)
    assert (report.messages, report.matches, report.pending) == (3, 1, 0)
    assert dict(report.signals) == {"seed_weight_mismatch": 1, "seed_missing_entry": 1}
    # Owned by the entry side's customs, shared with the exit side's; nobody else sees them.
    expected = ["seed_missing_entry:open", "seed_weight_mismatch:open"]
    assert await signals_seen_by(store, "MK-CUS") == expected
    assert await signals_seen_by(store, "RS-CUS") == expected
    assert await signals_seen_by(store, "AL-CUS") == []
    mk = GraphReader(store, POLICY.visibility(principal("MK-CUS")))
    pairs = []
    for row in (await mk.list("Consignment", {"reference": "26RS05400300001234"}, 10, "")).rows:
        if row["direction"] == "entry":
            links = await mk.links(row["id"], "MATCHES", False, 10, "")
            pairs += [(link["n"]["direction"], link["r"]["matched_by"]) for link in links.rows]
    assert pairs == [("exit", ["reference", "tractor", "trailer"])]
    # RS customs sees the pair's edge, but not MK's entry message at its end.
    rs = GraphReader(store, POLICY.visibility(principal("RS-CUS")))
    exits = (await rs.list("Consignment", {"reference": "26RS05400300001234"}, 10, "")).rows
    assert [row["direction"] for row in exits] == ["exit"]
    assert (await rs.links(exits[0]["id"], "MATCHES", True, 10, "")).rows == []
    # Running again changes nothing.
    again = await run_seed_matching(store, *DAY, now_ms=NOW)
    assert (again.written, again.retracted) == (0, 0)
    assert again.unchanged == report.written


async def test_a_corrected_message_retracts_the_signal_on_the_next_run(
        store: FalkorStore, tmp_path: Path) -> None:
    await ingest(store, "RS-CUS", [exit_message()], tmp_path)
    await ingest(store, "MK-CUS", [entry_message(origin_country="TR")], tmp_path)
    first = await run_seed_matching(store, *DAY, now_ms=NOW)
    assert dict(first.signals) == {"seed_origin_mismatch": 1}
    await ingest(store, "MK-CUS", [entry_message()], tmp_path)  # the entry office corrects it
    second = await run_seed_matching(store, *DAY, now_ms=NOW)
    assert (second.signal_count, second.retracted) == (0, 1)
    assert await signals_seen_by(store, "MK-CUS") == ["seed_origin_mismatch:retracted"]


async def test_the_window_is_read_in_keyset_pages(store: FalkorStore, tmp_path: Path) -> None:
    messages = [exit_message(message_id=f"RS-{n}", declared_at=f"2026-03-14T0{n}:00:00Z",
                             document={"type": "T1", "reference": f"T1/{n}"},
                             vehicle={"plate": f"BG-00{n}-AA", "country": "RS"}, trailer=None)
                for n in range(1, 8)]
    await ingest(store, "RS-CUS", messages, tmp_path)
    report = await run_seed_matching(store, *DAY, now_ms=NOW, page=2)
    assert report.messages == 7
    assert dict(report.signals) == {"seed_missing_entry": 7}


def test_hub_checks_commands(falkor_server: EmbeddedFalkor, tmp_path: Path) -> None:
    env = {"HUB_DATA_DIR": str(falkor_server.data_dir), "HUB_GRAPH_NAME": "test_cli_checks",
           "HUB_GRAPH_URI": "embedded:"}
    runner = CliRunner()
    exits, entries = tmp_path / "exits.jsonl", tmp_path / "entries.jsonl"
    exits.write_text(json.dumps(exit_message(), ensure_ascii=False) + "\n", encoding="utf-8")
    entries.write_text(json.dumps(entry_message(gross_weight_kg=21_000)) + "\n",
                       encoding="utf-8")
    try:
        for path, agency in ((exits, "RS-CUS"), (entries, "MK-CUS")):
            done = runner.invoke(app, ["ingest", "seed-plus", str(path), "--agency", agency],
                                 env=env)
            assert done.exit_code == 0, done.output
        args = ["checks", "seed-match", "--since", "2026-03-14"]
        first = runner.invoke(app, args, env=env)
        assert first.exit_code == 0, first.output
        assert "2 messages, 1 matched pairs" in first.output
        assert "seed_weight_mismatch" in first.output
        again = runner.invoke(app, args, env=env)
        assert "written 0" in again.output
        synced = runner.invoke(app, ["checks", "aeo-sync", "--date", "2026-03-14"], env=env)
        assert "0 AEO status change(s)" in synced.output
        clean = runner.invoke(app, ["checks", "lpco", "consignment:none"], env=env)
        assert clean.exit_code == 0, clean.output
        assert "0 consignment(s)" in clean.output
        bad = runner.invoke(app, ["checks", "seed-match", "--since", "14.03.2026"], env=env)
        assert bad.exit_code == 2
        assert "YYYY-MM-DD" in bad.output
    finally:
        graph = FalkorStore.over_socket(str(falkor_server.socket_path), "test_cli_checks",
                                        timeout_ms=30_000)

        async def drop() -> None:
            await graph.clear()
            await graph.close()

        asyncio.run(drop())
