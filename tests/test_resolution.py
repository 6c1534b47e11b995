"""Entity resolution: the matcher on hand-made tricky pairs, blocking limits, evaluation, and the
SAME_AS links it writes to (and analysts review on) the real embedded FalkorDB."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.analysis.resolution import (
    MatchConfig,
    MatchProposal,
    OperatorView,
    candidate_pairs,
    evaluate,
    find_matches,
    prepare,
    score_pair,
)
from hub.analysis.resolution.service import (
    Decision,
    job_principal,
    link_sharing,
    load_operators,
    propose_links,
    review_link,
)
from hub.analysis.taxids import normalise_tax_id
from hub.cli import app
from hub.errors import InputError, NotFoundError
from hub.graph.embedded import EmbeddedFalkor
from hub.graph.falkor import FalkorStore
from hub.graph.statements import statement
from hub.graph.writer import GraphWriter
from hub.model import (
    ALL_KIND_NAMES,
    Distribution,
    EdgeRecord,
    NodeRecord,
    Provenance,
    Record,
    Sharing,
    stable_id,
)
from hub.principal import Principal, Role
from hub.visibility import Audience, Visibility


def op(op_id: str, name: str, country: str, *ids: tuple[str, str], city: str | None = None,
       contacts: tuple[str, ...] = (), address: str | None = None,
       owner: str | None = None) -> OperatorView:
    return OperatorView(
        op_id, name, country, tuple(normalise_tax_id(country, s, v) for s, v in ids),
        address=address, city=city, contacts=contacts, owner_party=owner or country,
    )


# ---- the matcher on a hand-made labelled set -----------------------------------------------------

TRICKY = [
    # same company, Cyrillic vs Latin, with and without legal form
    op("rs:1", "Млекара Север д.о.о.", "RS", ("PIB", "101134702"), city="Суботица"),
    op("rs:2", "Mlekara Sever", "RS", city="Subotica"),
    op("rs:3", "MLEKARA SEVER DOO", "RS", ("PIB", "RS 101134702")),
    # a different dairy of the same name in another city, and one with another valid PIB
    op("rs:4", "Mlekara Sever d.o.o.", "RS", city="Niš"),
    op("rs:5", "Mlekara Sever d.o.o.", "RS", ("PIB", "100000024"), city="Subotica"),
    # Macedonian: official romanisation (zh) vs Cyrillic, seat after the form
    op("mk:1", "Жито Лукс АД Скопје", "MK", ("EDB", "4030000375897")),
    op("mk:2", "Zhito Luks AD Skopje", "MK", ("VAT", "MK4030000375897")),
    op("mk:3", "Alkaloid DOOEL", "MK", ("EDB", "МК 4057009501106"), city="Skopje"),
    op("mk:4", "Алкалоид ДООЕЛ", "MK", ("EDB", "4057009501106")),
    # Bosnian JIB and the PDV number derived from it
    op("ba:1", "Raiffeisen Bank d.d. Bosna i Hercegovina", "BA", ("JIB", "4200344670009"),
       city="Sarajevo"),
    op("ba:2", "RAIFFEISEN BANK DD BOSNA I HERCEGOVINA", "BA", ("PDV", "200344670009")),
    # Albanian, shared phone, no tax id on one side
    op("al:1", "Alba Trade Sh.p.k.", "AL", ("NIPT", "J91402501L"), city="Tiranë",
       contacts=("+355 4 222 3333",)),
    op("al:2", "ALBA TRADE SHPK", "AL", city="Tirana", contacts=("04 222 3333",)),
    op("al:3", "Alba Transport Sh.p.k.", "AL", city="Tiranë"),
    # Kosovo: the same company as L.L.C. and Sh.p.k., one fiscal number with the XK prefix
    op("xk:1", "Kosova Fresh L.L.C.", "XK", ("NF", "600123456"), city="Prishtinë"),
    op("xk:2", "Kosova Fresh Sh.p.k.", "XK", ("NF", "XK600123456"), city="Pristina"),
    # Moldova: an LLC and a sole trader of one name are two persons
    op("md:1", "Agro Nord S.R.L.", "MD", ("IDNO", "1008600038413"), city="Chișinău"),
    op("md:2", "Agro Nord I.I.", "MD", city="Chisinau"),
    op("md:3", "AGRO NORD SRL", "MD", ("IDNO", "1008600038413")),
    # generic names
    op("rs:6", "Trade d.o.o.", "RS", city="Beograd"),
    op("rs:7", "Best Trade d.o.o.", "RS", city="Beograd"),
    # a typo
    op("me:1", "Jadran Promet d.o.o.", "ME", ("PIB", "02655284"), city="Bar"),
    op("me:2", "Jadran Promte", "ME", city="Bar"),
]
SAME = [("rs:1", "rs:3"), ("mk:1", "mk:2"), ("mk:3", "mk:4"), ("ba:1", "ba:2"),
        ("al:1", "al:2"), ("xk:1", "xk:2"), ("md:1", "md:3"), ("me:1", "me:2")]
DIFFERENT = [("rs:1", "rs:4"), ("rs:1", "rs:5"), ("rs:3", "rs:5"), ("rs:2", "rs:4"),
             ("al:1", "al:3"), ("md:1", "md:2"), ("rs:6", "rs:7"),
             ("rs:3", "rs:4")]  # rs:3 has rs:1's PIB, so rs:1's city: Subotica, not Niš


def _pair(a: str, b: str) -> tuple[str, str]:
    return (min(a, b), max(a, b))


def test_the_matcher_finds_the_tricky_same_pairs_and_only_those() -> None:
    run = find_matches(TRICKY)
    proposed = {p.pair for p in run.proposals}
    for a, b in SAME:
        assert _pair(a, b) in proposed, (a, b)
    for a, b in DIFFERENT:
        assert _pair(a, b) not in proposed, (a, b)
    assert all(p.score >= 0.7 for p in run.proposals)
    precision, recall, _ = evaluate(run.proposals, SAME)
    assert (precision, recall) == (1.0, 1.0)


def test_an_operator_resembling_two_rivals_equally_is_not_linked_to_either() -> None:
    # "Mlekara Sever, Subotica" without a tax id resembles two Subotica dairies whose PIBs
    # differ: a coin toss, so both links fall under the threshold and say why.
    proposed = {p.pair for p in find_matches(TRICKY).proposals}
    assert not {("rs:1", "rs:2"), ("rs:2", "rs:5")} & proposed
    low = {p.pair: p for p in find_matches(TRICKY, MatchConfig(threshold=0.3)).proposals}
    assert low[("rs:1", "rs:2")].score == low[("rs:2", "rs:5")].score < 0.5
    assert low[("rs:2", "rs:5")].explanation[-1] == (
        "ambiguous: 'Млекара Север д.о.о.' resembles it as well or better and has a different PIB")


def test_the_clearly_better_of_two_rivals_keeps_its_score() -> None:
    rivals = [
        op("x", "Mlekara Sever", "RS", city="Subotica", contacts=("024 555 1234",)),
        op("y", "Mlekara Sever d.o.o.", "RS", ("PIB", "101134702"), city="Subotica",
           contacts=("+381 24 555 1234",)),
        op("z", "Mlekara Sever d.o.o.", "RS", ("PIB", "100000024"), city="Subotica"),
    ]
    proposals = {p.pair: p for p in find_matches(rivals, MatchConfig(threshold=0.1)).proposals}
    assert proposals[("x", "y")].score > 0.9
    assert not any(line.startswith("ambiguous") for line in proposals[("x", "y")].explanation)
    assert proposals[("x", "z")].score < 0.5
    assert proposals[("x", "z")].explanation[-1].startswith("ambiguous: 'Mlekara Sever d.o.o.'")


def _score(a: OperatorView, b: OperatorView) -> MatchProposal:
    proposal = score_pair(prepare(a), prepare(b))
    assert proposal is not None
    return proposal


def test_explanations_name_the_evidence() -> None:
    by_id = {o.id: o for o in TRICKY}
    proposal = _score(by_id["rs:1"], by_id["rs:3"])
    assert proposal.explanation[0] == "same PIB 101134702"
    assert proposal.explanation[1] == (
        "names match after transliteration: 'Млекара Север д.о.о.' ~ 'MLEKARA SEVER DOO' (1.00)")
    assert proposal.method == "tax_id+name"

    different = _score(op("a", "Mlekara Sever", "RS", city="Niš"),
                       op("b", "Mlekara Sever", "RS", city="Novi Sad"))
    assert "different cities: Niš vs Novi Sad" in different.explanation
    assert different.score < 0.5

    conflict = _score(by_id["rs:1"], by_id["rs:5"])
    assert conflict.explanation[0] == "different PIB: 101134702 vs 100000024"
    assert conflict.score < 0.1

    derived = _score(by_id["ba:1"], by_id["ba:2"])
    assert derived.explanation[0] == "same JIB 4200344670009 (written as PDV 200344670009)"

    kinds = _score(by_id["md:1"], by_id["md:2"])
    assert "different kinds of company: SRL vs II" in kinds.explanation


def test_explanations_never_show_contacts_addresses_or_personal_numbers() -> None:
    a = op("a", "Marko Marković PR", "BA", ("JIB", "0101990170003"), city="Tuzla",
           contacts=("+387 61 123 456", "marko@example.ba"), address="Bosanska 9, Tuzla")
    b = op("b", "Marko Markovic preduzetnik", "BA", ("JIB", "0101990170003"), city="Tuzla",
           contacts=("061 123 456", "MARKO@example.ba"), address="Bosanska 9 Tuzla")
    proposal = _score(a, b)
    text = " ".join(proposal.explanation)
    assert "0101990170003" not in text
    assert "123" not in text
    assert "marko@" not in text.lower()
    assert "Bosanska" not in text
    assert "shared e-mail address and phone number" in proposal.explanation
    assert "same address" in proposal.explanation
    assert proposal.method == "tax_id+name+city+address+contact"


def test_scores_do_not_depend_on_order() -> None:
    a, b = TRICKY[0], TRICKY[1]
    assert _score(a, b) == _score(b, a)
    assert _score(a, b).left_id == "rs:1"


def test_a_floor_drops_pairs_that_cannot_reach_it() -> None:
    a, b = prepare(TRICKY[0]), prepare(TRICKY[3])  # same name, different cities
    assert score_pair(a, b, floor=0.7) is None
    assert score_pair(a, b, floor=0.1) is not None


def test_threshold_is_configurable() -> None:
    low = find_matches(TRICKY, MatchConfig(threshold=0.2))
    high = find_matches(TRICKY, MatchConfig(threshold=0.99))
    assert len(high.proposals) < len(find_matches(TRICKY).proposals) < len(low.proposals)
    assert all(p.score >= 0.99 for p in high.proposals)


@pytest.mark.parametrize("bad", [
    {"threshold": 0.0}, {"threshold": 1.5}, {"max_block": 1}, {"weights": {"nonsense": 1.0}},
])
def test_bad_matcher_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(InputError):
        MatchConfig(**bad)


# ---- blocking keeps the work near-linear ---------------------------------------------------------

def test_a_super_common_word_does_not_make_blocking_quadratic() -> None:
    rng = random.Random(3)
    syllables = ["ka", "ri", "mo", "ta", "le", "ni", "so", "ve", "du", "pa", "ro", "zi"]
    operators = []
    for i in range(400):
        brand = "".join(rng.choice(syllables) for _ in range(4))
        operators.append(op(f"t:{i:04d}", f"{brand.capitalize()} Trade d.o.o.", "RS",
                            city=rng.choice(["Beograd", "Niš", "Novi Sad", "Subotica"])))
    operators.append(op("t:dup", f"{operators[7].name.split()[0]} Trade", "RS",
                        city=operators[7].city))
    prepared = [prepare(o) for o in operators]
    pairs, stats = candidate_pairs(prepared, MatchConfig(max_block=50))
    assert stats.oversized >= 1
    assert stats.skipped_operators >= 400
    assert len(pairs) < 401 * 400 // 2 // 20  # far from everyone against everyone
    assert (7, 400) in pairs  # the duplicate still meets its original through its brand word
    proposed = {p.pair for p in find_matches(operators, MatchConfig(max_block=50)).proposals}
    assert ("t:0007", "t:dup") in proposed


def test_oversized_identifier_blocks_are_split_by_city() -> None:
    # A placeholder tax id typed on many records must not pair them all.
    operators = [op(f"z:{i:03d}", f"Firma {i}", "RS", ("PIB", "000000000"),
                    city=["Beograd", "Niš"][i % 2]) for i in range(80)]
    pairs, stats = candidate_pairs([prepare(o) for o in operators], MatchConfig(max_block=50))
    assert stats.oversized >= 1
    assert (0, 2) in pairs
    assert (0, 1) not in pairs


# ---- evaluation ----------------------------------------------------------------------------------

def _proposal(a: str, b: str, score: float = 0.9) -> MatchProposal:
    return MatchProposal(min(a, b), max(a, b), score, "name", ())


def test_evaluate_counts_against_transitive_labels() -> None:
    labels = [("a", "b"), ("b", "c"), ("x", "y", True), ("p", "q", False)]
    proposals = [_proposal("a", "c"), _proposal("a", "b"), _proposal("x", "y"),
                 _proposal("p", "q"), _proposal("a", "x", 0.5)]
    # positives: ab ac bc xy (4); proposed: ac ab xy pq ax (5); correct: ac ab xy (3)
    precision, recall, f1 = evaluate(proposals, labels)
    assert (precision, recall) == (3 / 5, 3 / 4)
    assert f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert evaluate(proposals, labels, threshold=0.6)[0] == 3 / 4
    assert evaluate([], []) == (1.0, 1.0, 1.0)


# ---- a synthetic run of a few thousand operators -------------------------------------------------

_CYRILLIC = dict(zip("abvgdezijklmnoprstufhc", "абвгдезијклмнопрстуфхц", strict=True))


def test_a_synthetic_register_is_matched_with_high_precision_and_recall() -> None:
    rng = random.Random(11)
    # Invented brands from enough syllables that two companies rarely differ by one letter.
    syllables = [
        "ba", "ko", "ri", "ma", "te", "lu", "no", "vi", "da", "sa", "pe", "go", "ra", "mi", "tu",
        "ze", "kra", "stro", "vel", "dun", "mor", "gal", "nik", "plo", "zor", "bren", "lip"
    ]
    words = ["promet", "trgovina", "gradnja", "prevoz", "agro", "mlin", "pekara"]
    cities = ["Beograd", "Niš", "Novi Sad", "Subotica", "Kragujevac"]
    operators: list[OperatorView] = []
    labels: list[tuple[str, str]] = []
    for i in range(1500):
        brand = "".join(rng.choice(syllables) for _ in range(rng.choice((3, 4))))
        name = f"{brand} {rng.choice(words)}"
        city = rng.choice(cities)
        operators.append(op(f"s:{i:05d}", f"{name.title()} d.o.o.", "RS", city=city))
        if i % 5 == 0:
            cyrillic = "".join(_CYRILLIC.get(ch, ch) for ch in name)
            operators.append(op(f"s:{i:05d}b", f"{cyrillic.upper()} ДОО", "RS", city=city))
            labels.append((f"s:{i:05d}", f"s:{i:05d}b"))
    run = find_matches(operators)
    precision, recall, _ = evaluate(run.proposals, labels)
    assert precision >= 0.95
    assert recall >= 0.95


# ---- the graph: SAME_AS links written, re-run, reviewed ------------------------------------------

PROV = Provenance("test", "resolution", 1_700_000_000_000)
RS = Sharing("RS-CUS", "RS", Distribution.PARTY)
MK = Sharing("MK-CUS", "MK", Distribution.CEFTA_CUSTOMS)
ANALYST = Principal("analyst-1", "RS", "RS-CUS", "customs", frozenset({Role.ANALYST}), "test")

SAME_AS_LINKS = statement(
    "tests.resolution.same_as_links",
    """
    MATCH (a:Operator)-[r:SAME_AS]->(b:Operator)
    RETURN a.id AS left, b.id AS right, r {.*} AS link
    ORDER BY left, right
    """,
)


def _operator(key: str, name: str, country: str, sharing: Sharing, tax: tuple[str, str] | None,
              city: str, phone: str | None = None) -> list[Record]:
    op_id = stable_id("Operator", country, key)
    props: dict[str, Any] = {"name": name, "country": country}
    if tax:
        props.update(tax_scheme=tax[0], tax_id=tax[1])
    address_id = stable_id("Address", country, key, city)
    records: list[Record] = [
        NodeRecord("Operator", op_id, props, sharing, PROV),
        NodeRecord("Address", address_id, {"text": f"Glavna 1, {city}", "city": city}, sharing,
                   PROV),
        EdgeRecord("LOCATED_AT", op_id, address_id, sharing, PROV),
    ]
    if phone:
        contact_id = stable_id("Contact", "phone", phone)
        records += [NodeRecord("Contact", contact_id, {"channel": "phone", "value": phone},
                               sharing, PROV),
                    EdgeRecord("REACHABLE_AT", op_id, contact_id, sharing, PROV)]
    return records


async def _seed(store: FalkorStore) -> dict[str, str]:
    records: list[Record] = []
    records += _operator("sever-cyr", "Млекара Север д.о.о.", "RS", RS, ("PIB", "101134702"),
                         "Суботица", "+381 24 555 1234")
    records += _operator("sever-lat", "MLEKARA SEVER DOO", "RS", MK, None, "Subotica",
                         "024/555-1234")
    records += _operator("sever-nis", "Mlekara Sever d.o.o.", "RS", RS, None, "Niš")
    records += _operator("zito-cyr", "Жито Лукс АД", "MK", MK, ("EDB", "4030000375897"), "Скопје")
    records += _operator("zito-lat", "Zhito Luks AD", "MK", RS, ("EDB", "MK4030000375897"),
                         "Skopje")
    await GraphWriter(store).write(records)
    return {key: stable_id("Operator", country, key) for key, country in (
        ("sever-cyr", "RS"), ("sever-lat", "RS"), ("sever-nis", "RS"), ("zito-cyr", "MK"),
        ("zito-lat", "MK"))}


def _visibility(agency: str, party: str) -> Visibility:
    records = Audience(agency=agency, parties=(party,), levels=("CEFTA_CUSTOMS",),
                       tokens=(f"agency:{agency}", f"party:{party}"))
    return Visibility(records=records, personal=Audience.nobody(), kinds=ALL_KIND_NAMES)


async def _links(store: FalkorStore) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["left"], row["right"]): row["link"] for row in await store.run(SAME_AS_LINKS)}


async def test_operators_are_read_with_addresses_and_contacts_in_pages(store: FalkorStore) -> None:
    ids = await _seed(store)
    views = {v.id: v for v in await load_operators(store, page_size=2)}
    assert set(views) == set(ids.values())
    cyr = views[ids["sever-cyr"]]
    assert (cyr.name, cyr.city, cyr.contacts, cyr.owner_party) == (
        "Млекара Север д.о.о.", "Суботица", ("+381 24 555 1234",), "RS")
    assert cyr.tax_ids[0].valid
    assert cyr.tax_ids[0].match_key == ("RS", "PIB", "101134702")


async def test_proposals_are_written_as_same_as_links_and_rerun_changes_nothing(
    store: FalkorStore,
) -> None:
    ids = await _seed(store)
    first = await propose_links(store, ANALYST, now_ms=1_700_000_100_000)
    links = await _links(store)
    sever = _pair(ids["sever-cyr"], ids["sever-lat"])
    zito = _pair(ids["zito-cyr"], ids["zito-lat"])
    assert set(links) == {sever, zito}  # never the dairy in Niš
    assert first.proposals == 2
    assert first.written.edges == 2
    link = links[sever]
    assert link["status"] == "proposed"
    assert link["method"] == "name+city+address+contact"
    assert any("transliteration" in line for line in link["explanation"])
    assert (link["owner_agency"], link["distribution"]) == ("RS-CUS", "LISTED")
    assert sorted(link["share_with"]) == ["party:MK", "party:RS"]  # the two records' owners
    assert links[zito]["explanation"][0] == "same EDB 4030000375897"

    second = await propose_links(store, ANALYST, now_ms=1_700_000_200_000)
    assert second.written.unchanged == 2
    assert second.written.written == 0
    assert await _links(store) == links


async def test_a_rejected_pair_is_never_proposed_again_and_a_confirmed_one_is_kept(
    store: FalkorStore,
) -> None:
    ids = await _seed(store)
    await propose_links(store, ANALYST)
    sever = _pair(ids["sever-cyr"], ids["sever-lat"])
    zito = _pair(ids["zito-cyr"], ids["zito-lat"])
    rs_view = _visibility("RS-CUS", "RS")
    rejected = await review_link(store, sever[1], sever[0], "rejected", ANALYST, rs_view,
                                 now_ms=1_700_000_300_000)
    assert (rejected["status"], rejected["reviewed_by"], rejected["reviewed_at"]) == (
        "rejected", "RS-CUS", 1_700_000_300_000)
    await review_link(store, *zito, Decision.CONFIRMED, ANALYST, rs_view)

    again = await propose_links(store, ANALYST)
    links = await _links(store)
    assert again.kept_decisions == 2
    assert again.written.edges == 0
    assert links[sever]["status"] == "rejected"
    assert links[zito]["status"] == "confirmed"
    assert links[zito]["reviewed_party"] == "RS"


async def test_a_review_needs_a_visible_link(store: FalkorStore) -> None:
    ids = await _seed(store)
    await propose_links(store, ANALYST)
    sever = _pair(ids["sever-cyr"], ids["sever-lat"])
    outsider = Principal("a-2", "AL", "AL-CUS", "customs", frozenset({Role.ANALYST}), "test")
    with pytest.raises(NotFoundError):  # AL sees MK's record (CEFTA-wide) but not RS's
        await review_link(store, *sever, "confirmed", outsider, _visibility("AL-CUS", "AL"))
    with pytest.raises(NotFoundError):  # no link between the two dairies of different cities
        await review_link(store, ids["sever-cyr"], ids["sever-nis"], "rejected", ANALYST,
                          _visibility("RS-CUS", "RS"))
    with pytest.raises(InputError, match="confirmed' or 'rejected"):
        await review_link(store, *sever, "maybe", ANALYST, _visibility("RS-CUS", "RS"))
    assert (await _links(store))[sever]["status"] == "proposed"


def test_link_sharing_lists_the_parties_of_both_records() -> None:
    sharing = link_sharing(ANALYST, TRICKY[0], op("x", "X", "MK", owner="MK"))
    assert sharing == Sharing("RS-CUS", "RS", Distribution.LISTED, ("party:MK", "party:RS"))


def test_hub_resolve_proposes_links_for_an_agency(falkor_server: EmbeddedFalkor) -> None:
    def graph() -> FalkorStore:  # one client per event loop
        return FalkorStore.over_socket(str(falkor_server.socket_path), "test_cli_resolve",
                                       timeout_ms=30_000)

    async def seed() -> None:
        store = graph()
        await _seed(store)
        await store.close()

    asyncio.run(seed())
    env = {"HUB_DATA_DIR": str(falkor_server.data_dir), "HUB_GRAPH_NAME": "test_cli_resolve",
           "HUB_GRAPH_URI": "embedded:"}
    runner = CliRunner()
    try:
        first = runner.invoke(app, ["resolve", "--agency", "mk-cus"], env=env)
        assert first.exit_code == 0, first.output
        assert "5 operators" in first.output
        assert "2 proposals (0 already reviewed), 2 links written" in first.output
        again = runner.invoke(app, ["resolve", "--agency", "MK-CUS"], env=env)
        assert "0 links written, 2 unchanged" in again.output
        unknown = runner.invoke(app, ["resolve", "--agency", "XX-CUS"], env=env)
        assert unknown.exit_code == 2
        assert "unknown agency 'XX-CUS'" in unknown.output
    finally:

        async def drop() -> None:
            store = graph()
            links = await _links(store)
            await store.clear()
            await store.close()
            assert {link["owner_agency"] for link in links.values()} == {"MK-CUS"}

        asyncio.run(drop())


def test_job_principal_acts_for_the_agency() -> None:
    principal = job_principal("rs-cus")
    assert (principal.agency, principal.party, principal.agency_type) == (
        "RS-CUS", "RS", "customs")
