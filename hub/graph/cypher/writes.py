"""The writer's statements: one batched, idempotent MERGE per node label and per edge type.

Labels and types are spliced in from the model's whitelist only. Rows carry ``id``, ``rev``
(a hash of the properties, to count unchanged records), ``ingested_at`` (set on creation only,
so re-ingesting changes nothing) and ``props``.
"""

from hub.graph.statements import Mode, Statement, statement
from hub.model import NODE_KINDS, REL_KINDS

MERGE_NODES: dict[str, Statement] = {
    kind.label: statement(
        f"writer.merge_node.{kind.label}",
        """
        UNWIND $rows AS row
        MERGE (n:Entity:`%s` {id: row.id})
        ON CREATE SET n.ingested_at = row.ingested_at
        WITH n, row, n.rev = row.rev AS unchanged
        SET n += row.props
        RETURN count(CASE WHEN unchanged THEN 1 END) AS unchanged, count(n) AS total
        """ % kind.label,
        Mode.WRITE,
    )
    for kind in NODE_KINDS
}

MERGE_EDGES: dict[str, Statement] = {
    kind.type: statement(
        f"writer.merge_edge.{kind.type}",
        """
        UNWIND $rows AS row
        MATCH (a:Entity {id: row.source})
        MATCH (b:Entity {id: row.target})
        MERGE (a)-[r:`%s` {id: row.id}]->(b)
        ON CREATE SET r.ingested_at = row.ingested_at
        WITH r, row, r.rev = row.rev AS unchanged
        SET r += row.props
        RETURN count(CASE WHEN unchanged THEN 1 END) AS unchanged, count(r) AS total
        """ % kind.type,
        Mode.WRITE,
    )
    for kind in REL_KINDS
}
