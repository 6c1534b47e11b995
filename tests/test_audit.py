"""The audit trail on the real embedded FalkorDB: append, verify, tamper, originator's query."""

from __future__ import annotations

import itertools

import pytest

from hub.errors import InputError, LimitError
from hub.graph.falkor import FalkorStore
from hub.graph.statements import Mode, statement
from hub.policy.audit import GENESIS, AuditEntry, AuditTrail, canonical_hash
from hub.principal import Principal, Role

ANALYST = Principal("user-17", "RS", "RS-CUS", "customs", frozenset({Role.ANALYST}), "rs-idp")
OFFICER = Principal("user-4", "MK", "MK-CUS", "customs", frozenset({Role.OFFICER}), "mk-idp")

ALTER_SUBJECT = statement(
    "tests.audit_alter_subject",
    "MATCH (e:AuditEntry {seq: $seq}) SET e.subject = $subject",
    Mode.WRITE,
)
DELETE_ENTRY = statement(
    "tests.audit_delete_entry",
    "MATCH (e:AuditEntry {seq: $seq}) DELETE e",
    Mode.WRITE,
)
SWAP_SEQ = statement(
    "tests.audit_swap_seq",
    """
    MATCH (a:AuditEntry {seq: $a}) MATCH (b:AuditEntry {seq: $b})
    SET a.seq = $b, b.seq = $a
    """,
    Mode.WRITE,
)
REHASH = statement(
    "tests.audit_rehash",
    "MATCH (e:AuditEntry {seq: $seq}) SET e.subject = $subject, e.hash = $hash",
    Mode.WRITE,
)
ENTRY = statement(
    "tests.audit_entry",
    "MATCH (e:AuditEntry {seq: $seq}) RETURN e {.*} AS e",
)
ENTITY_LABELS = statement(
    "tests.audit_entry_labels",
    "MATCH (e:AuditEntry) RETURN labels(e) AS labels, e.owner_agency AS owner",
)


def _clock() -> itertools.count[int]:
    return itertools.count(1_700_000_000_000, 1000)


async def _fill(trail: AuditTrail) -> None:
    await trail.record(ANALYST, "read_personal", [("person:a", "RS-CUS"), ("person:b", "MK-CUS")],
                       "case 2024/17: driver check")
    await trail.record(OFFICER, "write", [("control:1", "MK-CUS")], None)
    await trail.record(ANALYST, "read_personal", [("person:c", "MK-CUS")], "follow-up")
    await trail.record(OFFICER, "read_personal", [("person:a", "RS-CUS")], "joint action")


async def test_appended_entries_verify_and_chain(store: FalkorStore) -> None:
    clock = _clock()
    trail = AuditTrail(store, clock=lambda: next(clock))
    first = await trail.record(ANALYST, "write", [("alert:1", "RS-CUS"), ("alert:1", "RS-CUS")],
                               "raise\x00 alert\n  now")
    second = await trail.record(OFFICER, "write", [("control:1", "MK-CUS")])
    assert first is not None
    assert second is not None
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev == GENESIS
    assert second.prev == first.hash
    assert first.records == (("alert:1", "RS-CUS"),)  # duplicates dropped
    assert first.purpose == "raise alert now"  # control characters never reach the trail
    assert first.hash == canonical_hash(first.content())
    report = await trail.verify()
    assert report.ok
    assert report.entries == 2
    assert report.head_hash == second.hash


async def test_a_new_trail_continues_the_chain_from_the_graph(store: FalkorStore) -> None:
    await _fill(AuditTrail(store))
    later = AuditTrail(store)  # a restarted process: takes the last hash from the graph
    entry = await later.record(ANALYST, "write", [("alert:9", "RS-CUS")])
    assert entry is not None
    assert entry.seq == 5
    report = await later.verify(page_size=2)  # several pages
    assert report.ok
    assert report.entries == 5


async def test_a_second_writer_never_forks_the_chain(store: FalkorStore) -> None:
    one, two = AuditTrail(store), AuditTrail(store)
    await one.record(ANALYST, "write", [("alert:1", "RS-CUS")])
    await two.record(OFFICER, "write", [("control:1", "MK-CUS")])
    # `one` still believes the head is entry 1; its append must notice and follow entry 2.
    third = await one.record(ANALYST, "write", [("alert:2", "RS-CUS")])
    assert third is not None
    assert third.seq == 3
    assert (await one.verify()).ok


async def test_nothing_is_recorded_for_no_records_and_names_are_checked(
        store: FalkorStore) -> None:
    trail = AuditTrail(store)
    assert await trail.record(ANALYST, "read_personal", []) is None
    with pytest.raises(InputError, match="audit operation"):
        await trail.record(ANALYST, "Read personal data of Marko", [("person:a", "RS-CUS")])
    with pytest.raises(LimitError):
        await trail.record(ANALYST, "write", [(f"x:{i}", "RS-CUS") for i in range(10_001)])
    assert (await trail.verify()).entries == 0


@pytest.mark.parametrize(
    ("tamper", "params", "seq", "message"),
    [
        (ALTER_SUBJECT, {"seq": 2, "subject": "someone-else"}, 2, "entry 2 was altered"),
        (DELETE_ENTRY, {"seq": 3}, 3, "entry 3 is missing"),
        (SWAP_SEQ, {"a": 2, "b": 3}, 2, "entry 2 was altered"),
        (DELETE_ENTRY, {"seq": 4}, 4, "entries at the end were removed"),
    ],
    ids=["altered", "removed", "reordered", "truncated"],
)
async def test_verify_reports_the_first_tampered_entry(
    store: FalkorStore, tamper: object, params: dict[str, object], seq: int, message: str
) -> None:
    trail = AuditTrail(store)
    await _fill(trail)
    assert (await trail.verify()).ok
    await store.run(tamper, params)  # type: ignore[arg-type]
    report = await trail.verify()
    assert not report.ok
    assert report.problem_seq == seq
    assert report.problem is not None
    assert message in report.problem


async def test_rehashing_an_altered_entry_breaks_the_next_link(store: FalkorStore) -> None:
    trail = AuditTrail(store)
    await _fill(trail)
    rows = await store.run(ENTRY, {"seq": 2})
    forged = AuditEntry.from_row({**rows[0]["e"], "subject": "forger"})
    await store.run(REHASH, {"seq": 2, "subject": "forger",
                             "hash": canonical_hash(forged.content())})
    report = await trail.verify()
    assert report.problem_seq == 3
    assert report.problem is not None
    assert "does not follow entry 2" in report.problem


async def test_an_originator_sees_only_entries_about_its_own_records(store: FalkorStore) -> None:
    trail = AuditTrail(store)
    await _fill(trail)
    mk = await trail.accessed_records_of("MK-CUS", first=10)
    assert [e.seq for e in mk.entries] == [1, 2, 3]
    # Entry 1 also touched an RS-CUS record: MK-CUS sees only its own record's id.
    assert mk.entries[0].record_ids == ("person:b",)
    assert (mk.entries[0].subject, mk.entries[0].agency) == ("user-17", "RS-CUS")
    assert mk.entries[0].purpose == "case 2024/17: driver check"
    rs = await trail.accessed_records_of("RS-CUS", first=1)
    assert [e.seq for e in rs.entries] == [1]
    assert rs.has_next
    rest = await trail.accessed_records_of("RS-CUS", after_seq=rs.last_seq, first=1)
    assert [(e.seq, e.record_ids) for e in rest.entries] == [(4, ("person:a",))]
    assert not rest.has_next
    assert (await trail.accessed_records_of("AL-CUS")).entries == ()


async def test_audit_entries_are_invisible_to_domain_reads(store: FalkorStore) -> None:
    trail = AuditTrail(store)
    await _fill(trail)
    rows = await store.run(ENTITY_LABELS)
    assert len(rows) == 4
    assert all(r["labels"] == ["AuditEntry"] and r["owner"] is None for r in rows)


async def test_a_graph_that_does_not_exist_yet_verifies_empty(bare_store: FalkorStore) -> None:
    report = await AuditTrail(bare_store).verify()
    assert report.ok
    assert (report.entries, report.head_hash) == (0, GENESIS)
