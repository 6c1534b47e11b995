"""The writer's statements: one batched, idempotent MERGE per node label and per edge type.

Labels and types are spliced in from the model's whitelist only. Rows carry ``id``, ``rev``
(a hash of the properties, to count unchanged records), ``ingested_at`` (set on creation only,
so re-ingesting changes nothing) and ``props``.

Only the owner edits a record: the agency that created a node or edge owns it, and a row from
another agency for the same id changes nothing (neither its properties nor its sharing). Such
rows count in ``total`` but not in ``mine``, so the writer can report them as kept.
"""

from hub.graph.statements import Mode, Statement, statement
from hub.model import NODE_KINDS, REL_KINDS

MERGE_NODES: dict[str, Statement] = {
    kind.label: statement(
        f"writer.merge_node.{kind.label}",
        """
        UNWIND $rows AS row
        MERGE (n:Entity:`%s` {id: row.id})
        ON CREATE SET n.ingested_at = row.ingested_at, n.owner_agency = row.props.owner_agency
        WITH n, row, n.owner_agency = row.props.owner_agency AS mine, n.rev = row.rev AS same
        FOREACH (_ IN CASE WHEN mine THEN [1] ELSE [] END | SET n += row.props)
        RETURN count(n) AS total, count(CASE WHEN mine THEN 1 END) AS mine,
               count(CASE WHEN mine AND same THEN 1 END) AS unchanged
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
        ON CREATE SET r.ingested_at = row.ingested_at, r.owner_agency = row.props.owner_agency
        WITH r, row, r.owner_agency = row.props.owner_agency AS mine, r.rev = row.rev AS same
        FOREACH (_ IN CASE WHEN mine THEN [1] ELSE [] END | SET r += row.props)
        RETURN count(r) AS total, count(CASE WHEN mine THEN 1 END) AS mine,
               count(CASE WHEN mine AND same THEN 1 END) AS unchanged
        """ % kind.type,
        Mode.WRITE,
    )
    for kind in REL_KINDS
}
