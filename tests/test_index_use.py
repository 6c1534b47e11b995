"""Lookups keep using their indexes with the access filter in place (FalkorDB plans)."""

from __future__ import annotations

import pytest

from hub.graph.cypher import reads
from hub.graph.falkor import FalkorStore
from hub.graph.statements import Statement
from hub.visibility import Audience, Visibility

VIS = Visibility(records=Audience("RS-CUS", ("RS",), ("CEFTA_CUSTOMS",), ("party:RS",)),
                 personal=Audience.nobody(), kinds=("Operator", "EXPORTER_OF", "Consignment"))
WHERE = {"tax_id": "100000001", "eori": None, "country": None}


@pytest.mark.parametrize(("statement", "params"), [
    (reads.NODE_BY_ID, {"id": "operator:x"}),
    (reads.NODES_BY_IDS, {"ids": ["operator:x"]}),
    (reads.LIST[("Operator", "tax_id")], {"where": WHERE, "after": "", "limit": 10}),
    (reads.COUNT[("Operator", "tax_id")], {"where": WHERE}),
    (reads.LINKS_OUT["EXPORTER_OF"], {"id": "operator:x", "after": "", "limit": 10}),
    (reads.LINKS_IN["EXPORTER_OF"], {"id": "consignment:x", "after": "", "limit": 10}),
], ids=lambda value: value.name if isinstance(value, Statement) else "")
async def test_filtered_lookups_start_from_an_index(
    store: FalkorStore, statement: Statement, params: dict[str, object]
) -> None:
    plan = await store.plan(statement, {**params, "vis": VIS.as_params()})
    assert "Index Scan" in plan, plan


async def test_the_alert_relay_poll_reads_an_index(store: FalkorStore) -> None:
    # Every serving process polls once a second: it must not scan every alert.
    from hub.graph.cypher.alerts import CHANGED_SINCE

    plan = await store.plan(CHANGED_SINCE, {"since": "2026-01-01T00:00:00Z", "limit": 10})
    assert "Index Scan" in plan, plan
