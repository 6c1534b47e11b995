"""Entity resolution on the graph: the matcher job that proposes SAME_AS links, and reviews.

Links are never merges: two operator nodes stay two nodes, joined by a ``SAME_AS`` edge with
``score``, ``method``, ``status`` (proposed | confirmed | rejected) and ``explanation``. A re-run
respects analysts: a rejected pair is never proposed again, a confirmed one never downgraded.

Sharing of a proposed link (a choice, documented here): the link is a product of the hub's
entity-resolution process run at the request of one agency. It is owned by that agency and
LISTED to the parties owning the two operator records (``party:RS``, ``party:MK``): exactly the
parties who hold one of the two records learn that the other resembles it. Readers also need to
see both operators to see the link (the access filter applies to every node of a path). A caller
may pass another :class:`Sharing` instead.

Known gap: decisions are read before links are written, so an analyst confirming a link while
the job runs could see it reset to "proposed"; the job is a batch run, at quiet hours.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hub.analysis.resolution.matcher import MatchRun, find_matches
from hub.analysis.resolution.records import MatchConfig, MatchProposal, OperatorView
from hub.analysis.taxids import normalise_tax_id
from hub.errors import InputError, NotFoundError
from hub.graph.cypher.resolution import DECISIONS_PAGE_SYSTEM, OPERATORS_PAGE_SYSTEM, REVIEW
from hub.graph.store import GraphStore, Row
from hub.graph.writer import GraphWriter, WriteReport
from hub.model import Distribution, EdgeRecord, Provenance, Sharing
from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE
from hub.visibility import Visibility

SOURCE = "hub.resolution"
"""Provenance ``source`` of every link the matcher writes."""


class Decision(StrEnum):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(slots=True)
class ResolutionReport:
    """What one matcher job did."""

    operators: int = 0
    candidate_pairs: int = 0
    proposals: int = 0
    kept_decisions: int = 0
    written: WriteReport = field(default_factory=WriteReport)
    seconds: dict[str, float] = field(default_factory=dict)


def operator_view(row: Row) -> OperatorView:
    """An OperatorView from one row of ``resolution.operators_page_system``."""
    op: dict[str, Any] = row["operator"]
    country = op.get("country")
    tax_ids = []
    if op.get("tax_id"):
        tax_ids.append(normalise_tax_id(country, op.get("tax_scheme"), op["tax_id"]))
    if op.get("eori"):
        tax_ids.append(normalise_tax_id(country, "EORI", op["eori"]))
    addresses = [a for a in row.get("addresses") or [] if a]
    address = addresses[0] if addresses else {}
    return OperatorView(
        id=op["id"],
        name=op.get("name") or op.get("name_latin") or "",
        country=country,
        tax_ids=tuple(tax_ids),
        address=address.get("text") or op.get("address_text"),
        city=address.get("city"),
        contacts=tuple(sorted(
            c["value"] for c in row.get("contacts") or [] if c and c.get("value"))),
        legal_form=op.get("legal_form"),
        owner_party=op.get("owner_party"),
    )


async def load_operators(store: GraphStore, page_size: int = 2_000) -> list[OperatorView]:
    """Every operator of the graph, read in keyset pages (system read: the matcher job only)."""
    operators: list[OperatorView] = []
    after = ""
    while True:
        rows = await store.run(OPERATORS_PAGE_SYSTEM, {"after": after, "limit": page_size})
        operators.extend(operator_view(row) for row in rows)
        if len(rows) < page_size:
            return operators
        after = rows[-1]["operator"]["id"]


async def load_decisions(store: GraphStore, page_size: int = 5_000) -> dict[tuple[str, str], str]:
    """Reviewed links: unordered pair (as a sorted tuple) -> 'confirmed' or 'rejected'."""
    decisions: dict[tuple[str, str], str] = {}
    after = ""
    while True:
        rows = await store.run(DECISIONS_PAGE_SYSTEM, {"after": after, "limit": page_size})
        for row in rows:
            pair = (min(row["left"], row["right"]), max(row["left"], row["right"]))
            # A confirmation wins over a rejection if both directions were reviewed.
            if decisions.get(pair) != Decision.CONFIRMED.value:
                decisions[pair] = row["status"]
        if len(rows) < page_size:
            return decisions
        after = rows[-1]["id"]


def job_principal(agency: str) -> Principal:
    """The principal a matcher job started from the command line runs for. Raises InputError."""
    info = AGENCY_BY_CODE.get(agency.strip().upper())
    if info is None:
        raise InputError(f"unknown agency {agency!r}; use a code such as RS-CUS or MK-CUS")
    return Principal(subject="hub-resolution-job", party=info.party, agency=info.code,
                     agency_type=info.type.value, roles=frozenset({Role.ANALYST}),
                     issuer="hub-cli")


def link_sharing(requester: Principal, left: OperatorView, right: OperatorView) -> Sharing:
    """The sharing of a proposed link (see the module docstring for the choice)."""
    parties = sorted({p for p in (left.owner_party, right.owner_party) if p})
    return Sharing(requester.agency, requester.party, Distribution.LISTED,
                   tuple(f"party:{p}" for p in parties))


def link_record(proposal: MatchProposal, sharing: Sharing, now_ms: int) -> EdgeRecord:
    """The SAME_AS edge of a proposal. Its id and provenance depend only on the pair, so
    writing the same proposal again changes nothing."""
    return EdgeRecord(
        type="SAME_AS", source_id=proposal.left_id, target_id=proposal.right_id,
        sharing=sharing,
        provenance=Provenance(SOURCE, f"{proposal.left_id}|{proposal.right_id}", now_ms),
        props={"score": proposal.score, "method": proposal.method, "status": "proposed",
               "explanation": list(proposal.explanation)},
    )


async def propose_links(
    store: GraphStore,
    requester: Principal,
    config: MatchConfig | None = None,
    *,
    sharing: Sharing | None = None,
    now_ms: int | None = None,
    operators: Iterable[OperatorView] | None = None,
) -> ResolutionReport:
    """Run the matcher over every operator of the graph and write its proposals as SAME_AS links.

    ``requester`` is the principal the job runs for (it owns the links unless ``sharing`` is
    given). Pairs an analyst confirmed or rejected are left as they are. ``operators`` replaces
    the graph read (a caller that already holds them).
    """
    report = ResolutionReport()
    clock = time.perf_counter()
    views = list(operators) if operators is not None else await load_operators(store)
    decisions = await load_decisions(store)
    report.seconds["read"] = time.perf_counter() - clock

    run: MatchRun = find_matches(views, config)
    report.seconds.update(run.seconds)
    report.operators, report.candidate_pairs = run.operators, run.blocking.pairs
    report.proposals = len(run.proposals)

    by_id = {view.id: view for view in views}
    stamp = now_ms if now_ms is not None else int(time.time() * 1000)
    records = []
    for proposal in run.proposals:
        if proposal.pair in decisions:
            report.kept_decisions += 1
            continue
        edge_sharing = sharing or link_sharing(requester, by_id[proposal.left_id],
                                               by_id[proposal.right_id])
        records.append(link_record(proposal, edge_sharing, stamp))
    clock = time.perf_counter()
    report.written = await GraphWriter(store).write(records)
    report.seconds["write"] = time.perf_counter() - clock
    return report


async def review_link(  # noqa: PLR0917  (the lead wires it; every argument is required data)
    store: GraphStore,
    left_id: str,
    right_id: str,
    decision: Decision | str,
    reviewer: Principal,
    visibility: Visibility,
    now_ms: int | None = None,
) -> Row:
    """Confirm or reject the SAME_AS link between two operators; returns the updated link.

    ``visibility`` is the reviewer's access filter (from the policy package): a link the
    reviewer cannot see, or whose operators it cannot see, is not found. Authorisation (which
    roles may review) and the audit record are the caller's. Raises InputError for an unknown
    decision, NotFoundError when there is no such visible link.
    """
    try:
        status = Decision(decision)
    except ValueError:
        raise InputError(
            f"a link review is 'confirmed' or 'rejected', not {str(decision)!r}"
        ) from None
    rows = await store.run(REVIEW, {
        "left": left_id, "right": right_id, "status": status.value,
        "agency": reviewer.agency, "party": reviewer.party,
        "at": now_ms if now_ms is not None else int(time.time() * 1000),
        "vis": visibility.as_params(),
    })
    if not rows:
        raise NotFoundError(f"no SAME_AS link between {left_id} and {right_id}")
    link: Row = rows[0]["link"]
    return link
