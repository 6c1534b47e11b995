"""Baselines for the benchmarks (bench/): the same work without the hub's layers.

``bench.raw_*`` MERGE prepared rows with no validation or change counting; ``bench.unfiltered.*``
are the operator-profile reads without the access filter. Only bench/ and tests use them; the
API never does.
"""

from hub.graph.cypher import reads
from hub.graph.statements import Mode, Statement, statement

RAW_MERGE_NODES = statement(
    "bench.raw_merge_nodes.Operator",
    "UNWIND $rows AS row MERGE (n:Entity:Operator {id: row.id}) SET n += row.props",
    Mode.WRITE,
)

RAW_MERGE_EDGES = statement(
    "bench.raw_merge_edges.LOCATED_AT",
    """
    UNWIND $rows AS row
    MATCH (a:Entity {id: row.source})
    MATCH (b:Entity {id: row.target})
    MERGE (a)-[r:LOCATED_AT {id: row.id}]->(b)
    SET r += row.props
    """,
    Mode.WRITE,
)

RAW_MERGE_ADDRESSES = statement(
    "bench.raw_merge_nodes.Address",
    "UNWIND $rows AS row MERGE (n:Entity:Address {id: row.id}) SET n += row.props",
    Mode.WRITE,
)


def _unfiltered(source: Statement) -> Statement:
    """The same statement with the access filter and personal-data masking switched off."""
    return statement("bench.unfiltered." + source.name, source.source, filtered=False)


UNFILTERED_NODE_BY_ID = _unfiltered(reads.NODE_BY_ID)
UNFILTERED_LINKS_OUT = {t: _unfiltered(reads.LINKS_OUT[t])
                        for t in ("LOCATED_AT", "REACHABLE_AT", "HOLDS", "EXPORTER_OF")}
UNFILTERED_LINKS_OUT_COUNT = {t: _unfiltered(reads.LINKS_OUT_COUNT[t]) for t in ("EXPORTER_OF",)}
UNFILTERED_LINKS_IN = {t: _unfiltered(reads.LINKS_IN[t]) for t in ("CONCERNS",)}

SAMPLE_OPERATORS = statement(
    "bench.sample_operators",
    "MATCH (n:Operator) WITH n ORDER BY n.id LIMIT $limit RETURN n.id AS id",
)
