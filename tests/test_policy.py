"""The data-sharing policy: table-driven rows against the real policies/ files, file validation,
hot reload, and the compiled Visibility run through the real Cypher access filter."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.errors import InputError, PolicyError
from hub.graph.falkor import FalkorStore
from hub.graph.statements import statement
from hub.graph.writer import GraphWriter
from hub.model import (
    ALL_KIND_NAMES,
    Distribution,
    NodeRecord,
    Provenance,
    Sharing,
    stable_id,
)
from hub.policy import CasbinPolicy
from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE
from hub.visibility import Audience

POLICIES = Path(__file__).resolve().parents[1] / "policies"
ALL_WIDE = ("CEFTA_CUSTOMS", "CEFTA_AGENCIES", "CEFTA_EU")
NOBODY = Audience.nobody().agency


def who(agency: str, *roles: Role, party: str | None = None, agency_type: str | None = None,
        subject: str = "user-1") -> Principal:
    info = AGENCY_BY_CODE.get(agency)
    return Principal(
        subject=subject,
        party=party or (info.party if info else agency[:2]),
        agency=agency,
        agency_type=agency_type or (info.type.value if info else "customs"),
        roles=frozenset(roles),
        issuer="test-idp",
    )


@pytest.fixture(scope="module")
def policy() -> CasbinPolicy:
    return CasbinPolicy(POLICIES)


# ---- the agreement, row by row --------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One expectation: who, the wide levels it receives, what its personal data audience is,
    kinds it must and must not read, kinds it must and must not write."""

    id: str
    principal: Principal
    levels: tuple[str, ...]
    pd_own: bool
    pd_party: bool
    pd_levels: tuple[str, ...]
    reads: tuple[str, ...]
    not_reads: tuple[str, ...]
    writes: tuple[str, ...]
    not_writes: tuple[str, ...]
    audit: bool = False


ROWS = [
    Row("cefta customs analyst", who("RS-CUS", Role.ANALYST), ALL_WIDE, True, True, (),
        ALL_KIND_NAMES, (), ("RiskAlert", "CONCERNS", "SAME_AS"),
        ("ControlResult", "Consignment", "RiskProfile", "Case", "Party")),
    Row("cefta customs officer", who("MK-CUS", Role.OFFICER), ALL_WIDE, True, True, (),
        ("Consignment", "Person", "AeoAuthorisation", "RiskProfile", "DRIVEN_BY"),
        ("Case", "INCLUDES", "SAME_AS"), ("ControlResult", "OF", "FEEDBACK_ON"), ("RiskAlert",)),
    Row("phytosanitary officer", who("MK-PHY", Role.OFFICER), ALL_WIDE[1:], False, False, (),
        ("Lpco", "Consignment", "Operator", "RiskAlert", "ControlResult", "BorderCrossingPoint",
         "COVERED_BY", "CROSSED"),
        ("AeoAuthorisation", "HOLDS", "Person", "DRIVEN_BY", "RiskProfile", "Case"),
        ("ControlResult", "OF"), ("RiskAlert", "Lpco", "Consignment")),
    Row("phytosanitary analyst raises alerts", who("AL-PHY", Role.ANALYST), ALL_WIDE[1:],
        False, False, (), ("Lpco", "Case"), ("AeoAuthorisation", "Person", "RiskProfile"),
        ("RiskAlert", "CONCERNS"), ("SAME_AS", "ControlResult")),
    Row("veterinary connector feeds certificates", who("RS-VET", Role.CONNECTOR), ALL_WIDE[1:],
        False, False, (), ("Party", "Agency", "BorderCrossingPoint"),
        ("Consignment", "Lpco", "RiskAlert"), ("Lpco", "Consignment", "COVERED_BY"),
        ("Person", "AeoAuthorisation", "RiskAlert")),
    Row("customs connector writes trade data, not alerts", who("RS-CUS", Role.CONNECTOR),
        ALL_WIDE, False, False, (), ("BorderCrossingPoint",), ("Consignment", "Person"),
        ("Consignment", "Operator", "Person", "DRIVEN_BY", "Lpco", "AeoAuthorisation", "HOLDS"),
        ("RiskAlert", "CONCERNS", "ControlResult", "RiskProfile", "Case", "Party", "Agency")),
    Row("border police officer", who("RS-BP", Role.OFFICER), ALL_WIDE[1:], True, True, (),
        ("Vehicle", "Person", "DRIVEN_BY", "RiskAlert"),
        ("Lpco", "AeoAuthorisation", "RiskProfile"), ("ControlResult",), ("Consignment",)),
    Row("auditor: everything masked, nothing written", who("ME-CUS", Role.AUDITOR), ALL_WIDE,
        False, False, (), ALL_KIND_NAMES, (), (), ALL_KIND_NAMES, audit=True),
    Row("RMWG maintains profiles", who("BA-CUS", Role.RMWG), ALL_WIDE, False, False, (),
        ("RiskProfile", "AeoAuthorisation"), ("Person", "Case"), ("RiskProfile",),
        ("RiskAlert", "Case")),
    Row("RMTT: cases and CEFTA-wide personal data", who("XK-CUS", Role.RMTT), ALL_WIDE,
        True, True, ALL_WIDE, ALL_KIND_NAMES, (), ("Case", "INCLUDES", "MEMBER_OF", "RiskAlert"),
        ("ControlResult", "Consignment")),
    Row("EU customs analyst: CEFTA_EU only", who("HR-CUS", Role.ANALYST), ("CEFTA_EU",),
        True, True, (), ("Consignment", "Person"), (), ("RiskAlert",), ("Case",)),
    Row("EU market surveillance", who("HR-MSA", Role.OFFICER), ("CEFTA_EU",), False, False, (),
        ("Lpco", "ControlResult"), ("Person", "AeoAuthorisation"), ("ControlResult",),
        ("Lpco",)),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_the_agreement(policy: CasbinPolicy, row: Row) -> None:
    principal = row.principal
    vis = policy.visibility(principal)
    assert vis.records.agency == principal.agency
    assert vis.records.parties == (principal.party,)
    assert vis.records.levels == row.levels
    assert vis.records.tokens == (f"agency:{principal.agency}", f"party:{principal.party}")
    assert (vis.personal.agency == principal.agency) is row.pd_own
    assert (vis.personal.parties == (principal.party,)) is row.pd_party
    assert vis.personal.levels == row.pd_levels
    assert set(row.reads) <= set(vis.kinds)
    assert not set(row.not_reads) & set(vis.kinds)
    assert [k for k in row.writes if not policy.may_write(principal, k)] == []
    assert [k for k in row.not_writes if policy.may_write(principal, k)] == []
    assert policy.may_audit(principal) is row.audit


@pytest.mark.parametrize("principal", [
    who("ZZ-CUS", Role.ANALYST),                                # unknown agency
    who("RS-CUS", Role.ANALYST, party="MK"),                   # claims disagree with reference
    who("RS-CUS", Role.ANALYST, agency_type="phytosanitary"),
    who("RS-CUS"),                                             # no role at all
    who("HR-CUS", Role.RMTT),                                  # a role its community may not hold
], ids=["unknown agency", "wrong party", "wrong type", "no role", "role not held"])
def test_unknown_or_inconsistent_principals_fail_closed(policy: CasbinPolicy,
                                                        principal: Principal) -> None:
    vis = policy.visibility(principal)
    assert vis.records == Audience.nobody()
    assert vis.personal == Audience.nobody()
    assert vis.kinds == ()
    assert not any(policy.may_write(principal, k) for k in ALL_KIND_NAMES)
    assert not policy.may_share(principal, None, Distribution.ORIGINATOR, ())


def test_an_eu_agency_cannot_borrow_cefta_roles(policy: CasbinPolicy) -> None:
    grants = policy.grants(who("HR-CUS", Role.ANALYST, Role.RMTT))
    assert grants.roles == ("analyst",)
    assert grants.visibility.personal.levels == ()


def test_case_tokens_widen_records_and_only_rmtt_personal_data(policy: CasbinPolicy) -> None:
    analyst = policy.visibility(who("RS-CUS", Role.ANALYST), extra_tokens=("case:c1",))
    rmtt = policy.visibility(who("RS-CUS", Role.RMTT), extra_tokens=("case:c1", "case:c1"))
    assert analyst.records.tokens[-1] == "case:c1"
    assert "case:c1" not in analyst.personal.tokens
    assert rmtt.personal.tokens == ("agency:RS-CUS", "party:RS", "case:c1")
    # the cached grants were not changed by the request's extra tokens
    assert "case:c1" not in policy.visibility(who("RS-CUS", Role.RMTT)).records.tokens
    with pytest.raises(InputError, match="case:<id>"):
        policy.visibility(who("RS-CUS", Role.ANALYST), extra_tokens=("party:MK",))


def test_every_reference_agency_has_audiences_and_no_warnings(policy: CasbinPolicy) -> None:
    summary = policy.summary()
    assert summary.agencies_with_audiences == summary.agencies_total == len(AGENCY_BY_CODE)
    assert summary.warnings == ()
    assert sum(n for _, n in summary.grants_by_action) < 100  # tens of rules, not thousands


# ---- who may change sharing -----------------------------------------------------------------

RS_RECORD = Sharing("RS-CUS", "RS", Distribution.ORIGINATOR)
MK_PHY_RECORD = Sharing("MK-PHY", "MK", Distribution.PARTY)
SHARE_ROWS = [
    ("owner widens to CEFTA_EU", who("RS-CUS", Role.ANALYST), RS_RECORD,
     Distribution.CEFTA_EU, (), True),
    ("owner lists a partner party", who("RS-CUS", Role.OFFICER), RS_RECORD,
     Distribution.LISTED, ("party:MK", "agency:HR-CUS"), True),
    ("new record of its own", who("RS-CUS", Role.CONNECTOR), None,
     Distribution.CEFTA_CUSTOMS, (), True),
    ("not the owner", who("RS-BP", Role.ANALYST), RS_RECORD, Distribution.PARTY, (), False),
    ("same type, other agency", who("MK-CUS", Role.ANALYST), RS_RECORD,
     Distribution.CEFTA_EU, (), False),
    ("auditor never shares", who("RS-CUS", Role.AUDITOR), RS_RECORD, Distribution.PARTY, (),
     False),
    ("phytosanitary: not the customs channel", who("MK-PHY", Role.OFFICER), MK_PHY_RECORD,
     Distribution.CEFTA_CUSTOMS, (), False),
    ("phytosanitary: CEFTA_EU allowed", who("MK-PHY", Role.OFFICER), MK_PHY_RECORD,
     Distribution.CEFTA_EU, (), True),
    ("market surveillance: not CEFTA_EU", who("MK-MSA", Role.ANALYST), None,
     Distribution.CEFTA_EU, (), False),
    ("border police: not CEFTA_EU", who("RS-BP", Role.OFFICER), None,
     Distribution.CEFTA_EU, (), False),
]


@pytest.mark.parametrize(("principal", "record", "level", "tokens", "allowed"),
                         [r[1:] for r in SHARE_ROWS], ids=[r[0] for r in SHARE_ROWS])
def test_who_may_share(policy: CasbinPolicy, principal: Principal, record: Sharing | None,
                       level: Distribution, tokens: tuple[str, ...], allowed: bool) -> None:
    assert policy.may_share(principal, record, level, tokens) is allowed


@pytest.mark.parametrize("token", ["party:ZZ", "agency:RS-CUZ", "group:friends", "case:"])
def test_malformed_share_tokens_are_bad_input(policy: CasbinPolicy, token: str) -> None:
    with pytest.raises(InputError, match="share-list entry"):
        policy.may_share(who("RS-CUS", Role.ANALYST), RS_RECORD, Distribution.LISTED, (token,))


# ---- validation of the files ----------------------------------------------------------------

def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICIES, target)
    return target


def _edit(directory: Path, name: str, old: str, new: str) -> int:
    """Replace one line; return its line number. Bumps the mtime so a reload sees it."""
    path = directory / name
    lines = path.read_text(encoding="utf-8").splitlines()
    number = lines.index(old) + 1
    lines[number - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))
    return number


BROKEN = [
    ("audiences.csv", "g, RS-CUS, cefta-customs", "g, RS-CUZ, cefta-customs",
     "unknown agency 'RS-CUZ'"),
    ("audiences.csv", "g, cefta-eu, CEFTA_EU", "g, cefta-eu, LISTED",
     "not a level an agency can belong to"),
    ("groups.csv", "g2, Consignment, trade", "g2, Consignmnet, trade",
     "unknown record kind 'Consignmnet'"),
    ("groups.csv", "g2, ORIGINATOR, national", "g2, ORIGINATOR, trade",
     "mixes record kinds and distribution levels"),
    ("grants.csv", "p, role:rmtt, all-levels, personal", "p, role:rmtt, CEFTA_WORLD, personal",
     "unknown distribution level"),
    ("grants.csv", "p, role:officer, controls, write", "p, role:inspector, controls, write",
     "unknown role 'role:inspector'"),
    ("grants.csv", "p, type:customs, all-kinds, read", "p, type:custom, all-kinds, read",
     "unknown agency type 'type:custom'"),
    ("grants.csv", "p, type:customs, all-kinds, read", "p, type:customs, all-kinds, peek",
     "unknown action 'peek'"),
    ("grants.csv", "p, role:analyst, national, personal", "p, role:analyst, trade, personal",
     "personal grants take distribution levels"),
    ("grants.csv", "p, role:rmwg, profiles, write", "p, role:rmwg, profile, write",
     "unknown group 'profile'"),
    ("grants.csv", "p, role:auditor, ORIGINATOR, audit", "p, role:auditor, CEFTA_EU, audit",
     "audit grants take ORIGINATOR"),
    ("grants.csv", "p, role:rmwg, profiles, write", "p, role:rmwg, profiles",
     "a p row has 3 non-empty values"),
]


@pytest.mark.parametrize(("name", "old", "new", "message"), BROKEN,
                         ids=[b[3].split("'")[0].strip() or b[3] for b in BROKEN])
def test_invalid_files_name_the_file_and_line(tmp_path: Path, name: str, old: str, new: str,
                                              message: str) -> None:
    directory = _copy(tmp_path)
    line = _edit(directory, name, old, new)
    with pytest.raises(PolicyError) as caught:
        CasbinPolicy(directory)
    assert f"{name} line {line}: " in caught.value.message
    assert message in caught.value.message


def test_a_broken_model_is_a_policy_error(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "model.conf", "r = sub, obj, act", "r = sub, obj")
    with pytest.raises(PolicyError, match=r"model\.conf"):
        CasbinPolicy(directory)


def test_an_agency_without_audience_rows_is_a_warning_and_sees_nothing(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "audiences.csv", "g, ME-VET, cefta-agencies", "# ME-VET left the hub")
    policy = CasbinPolicy(directory)
    assert policy.summary().warnings == ("agency ME-VET has no audience row: it sees nothing",)
    assert policy.visibility(who("ME-VET", Role.OFFICER)).kinds == ()


# ---- reload without restart -----------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_edited_policy_is_picked_up_after_the_check_interval(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    clock = Clock()
    policy = CasbinPolicy(directory, check_every=5, clock=clock)
    officer = who("MK-PHY", Role.OFFICER)
    assert policy.visibility(officer).records.levels == ("CEFTA_AGENCIES", "CEFTA_EU")
    _edit(directory, "audiences.csv", "g, MK-PHY, cefta-agencies", "g, MK-PHY, cefta-customs")
    clock.now += 1
    assert policy.visibility(officer).records.levels == ("CEFTA_AGENCIES", "CEFTA_EU")
    clock.now += 5
    assert policy.visibility(officer).records.levels == ALL_WIDE
    # the phytosanitary type still bounds what it may read, whatever its audiences
    assert "AeoAuthorisation" not in policy.visibility(officer).kinds


def test_a_broken_edit_keeps_the_last_good_policy(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    directory = _copy(tmp_path)
    policy = CasbinPolicy(directory, check_every=0)
    analyst = who("RS-CUS", Role.ANALYST)
    assert policy.may_write(analyst, "RiskAlert")
    line = _edit(directory, "grants.csv", "p, role:analyst, alerts, write",
                 "p, role:analyst, alert, write")
    with caplog.at_level(logging.ERROR, logger="hub.policy"):
        assert policy.refresh() is False
        assert policy.refresh() is False  # the same broken state is reported once
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert f"grants.csv line {line}: unknown group 'alert'" in errors[0]
    assert policy.may_write(analyst, "RiskAlert")
    with pytest.raises(PolicyError):
        policy.reload()
    # the administrator fixes the file and also withdraws the analysts' right to raise alerts
    _edit(directory, "grants.csv", "p, role:analyst, alert, write",
          "# p, role:analyst, alerts, write")
    assert policy.refresh() is True
    assert not policy.may_write(analyst, "RiskAlert")
    assert policy.may_write(analyst, "SAME_AS")


# ---- end to end: the compiled Visibility inside the real Cypher filter ----------------------

VISIBLE = statement(
    "tests.policy_visible",
    """
    MATCH (n:Entity)
    WHERE @visible(n)
    RETURN n.source_ref AS name, @personal(n) AS unmasked, @project(n) AS n
    ORDER BY name
    """,
)
_SOURCE = Provenance("test", "", 1_700_000_000_000)


def _record(name: str, label: str, owner: str, level: Distribution,
            share_with: tuple[str, ...] = ()) -> NodeRecord:
    props = {"full_name": "Marko Marković"} if label == "Person" else {}
    return NodeRecord(label, stable_id(label, name), props,
                      Sharing(owner, AGENCY_BY_CODE[owner].party, level, share_with),
                      Provenance("test", name, _SOURCE.ingested_at))


RECORDS = [
    _record("c1", "Consignment", "RS-CUS", Distribution.ORIGINATOR),
    _record("c2", "Consignment", "RS-CUS", Distribution.PARTY),
    _record("c3", "Consignment", "MK-CUS", Distribution.CEFTA_CUSTOMS),
    _record("c4", "Consignment", "MK-CUS", Distribution.CEFTA_AGENCIES),
    _record("c5", "Consignment", "AL-CUS", Distribution.CEFTA_EU),
    _record("c6", "Consignment", "MK-CUS", Distribution.LISTED, ("party:RS",)),
    _record("c7", "Consignment", "MK-CUS", Distribution.LISTED, ("case:k1",)),
    _record("c8", "Consignment", "RS-BP", Distribution.PARTY),
    _record("c9", "Consignment", "MK-CUS", Distribution.PARTY),
    _record("p1", "Person", "RS-CUS", Distribution.PARTY),
    _record("p2", "Person", "MK-CUS", Distribution.CEFTA_CUSTOMS),
    _record("a1", "AeoAuthorisation", "RS-CUS", Distribution.CEFTA_AGENCIES),
    _record("l1", "Lpco", "RS-PHY", Distribution.PARTY),
]

END_TO_END = [
    ("RS customs analyst", who("RS-CUS", Role.ANALYST), (),
     "a1 c1 c2 c3 c4 c5 c6 c8 l1 p1 p2", "a1 c1 c2 c8 l1 p1"),
    ("RS customs RMTT in case k1", who("RS-CUS", Role.RMTT), ("case:k1",),
     "a1 c1 c2 c3 c4 c5 c6 c7 c8 l1 p1 p2", "a1 c1 c2 c3 c4 c5 c6 c7 c8 l1 p1 p2"),
    ("RS phytosanitary officer", who("RS-PHY", Role.OFFICER), (),
     "c2 c4 c5 c6 c8 l1", ""),
    ("MK customs auditor", who("MK-CUS", Role.AUDITOR), (),
     "a1 c3 c4 c5 c6 c7 c9 p2", ""),
    ("HR customs analyst", who("HR-CUS", Role.ANALYST), (), "c5", ""),
    ("unknown agency", who("ZZ-CUS", Role.ANALYST), (), "", ""),
]


@pytest.mark.parametrize(("principal", "tokens", "visible", "unmasked"),
                         [r[1:] for r in END_TO_END], ids=[r[0] for r in END_TO_END])
async def test_the_agreement_inside_the_cypher_filter(
    store: FalkorStore, policy: CasbinPolicy, principal: Principal, tokens: tuple[str, ...],
    visible: str, unmasked: str,
) -> None:
    await GraphWriter(store).write(RECORDS)
    vis = policy.visibility(principal, extra_tokens=tokens)
    rows = await store.run(VISIBLE, {"vis": vis.as_params()})
    assert " ".join(r["name"] for r in rows) == visible
    assert " ".join(r["name"] for r in rows if r["unmasked"]) == unmasked
    for row in rows:
        if row["n"]["kind"] == "Person":
            expected = "Marko Marković" if row["unmasked"] else None
            assert row["n"]["full_name"] == expected


# ---- hub policy check -----------------------------------------------------------------------

def test_policy_check_prints_an_agencys_grants() -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    done = CliRunner().invoke(app, ["policy", "check", "--agency", "MK-PHY", "--role", "officer",
                                    "--policy-dir", str(POLICIES)], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert "MK-PHY (phytosanitary, MK) as officer" in done.output
    assert "levels CEFTA_AGENCIES, CEFTA_EU" in done.output
    assert "ControlResult, FEEDBACK_ON, OF" in done.output  # may write


def test_policy_check_fails_on_an_invalid_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    directory = _copy(tmp_path)
    line = _edit(directory, "audiences.csv", "g, RS-CUS, cefta-customs", "g, RS-CUZ, cefta-customs")
    done = CliRunner().invoke(app, ["policy", "check", "--policy-dir", str(directory)],
                              env={"COLUMNS": "300"})
    assert done.exit_code != 0
    assert f"audiences.csv line {line}: unknown agency 'RS-CUZ'" in done.output
