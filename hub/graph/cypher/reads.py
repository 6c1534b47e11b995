"""The API's read statements. Every node and edge they touch passes ``@visible``.

Lists page by keyset on ``id`` (``n.id > $after``), never SKIP. Lookups start from an indexed
property and then apply the access filter, so the filter never defeats the index.
"""

from hub.graph.statements import Statement, statement
from hub.model import NODE_KINDS, REL_KINDS

NODE_BY_ID = statement(
    "reads.node_by_id",
    """
    MATCH (n:Entity {id: $id})
    WHERE @visible(n)
    RETURN @project(n) AS n
    """,
)

NODES_BY_IDS = statement(
    "reads.nodes_by_ids",
    """
    UNWIND $ids AS wanted
    MATCH (n:Entity {id: wanted})
    WHERE @visible(n)
    RETURN @project(n) AS n
    """,
)


def _filters(label: str, lookups: tuple[str, ...], primary: str | None) -> str:
    """Equality filters on the kind's lookup fields; each is skipped when its value is null."""
    clauses = ["n.id > $after"]
    for field in lookups:
        if field == primary:
            clauses.insert(0, "n.%s = $where.%s" % (field, field))
        else:
            clauses.append("($where.%s IS NULL OR n.%s = $where.%s)" % (field, field, field))
    return "MATCH (n:`%s`) WHERE " % label + " AND ".join(clauses)


LIST: dict[tuple[str, str | None], Statement] = {}
COUNT: dict[tuple[str, str | None], Statement] = {}
for _kind in NODE_KINDS:
    for _primary in (None, *_kind.lookups):
        _suffix = _kind.label + ("" if _primary is None else ".by_" + _primary)
        _match = _filters(_kind.label, _kind.lookups, _primary)
        LIST[(_kind.label, _primary)] = statement(
            "reads.list." + _suffix,
            _match + " AND @visible(n) WITH n ORDER BY n.id LIMIT $limit RETURN @project(n) AS n",
        )
        COUNT[(_kind.label, _primary)] = statement(
            "reads.count." + _suffix,
            _match.replace("n.id > $after", "true") + " AND @visible(n) RETURN count(n) AS total",
        )

LINKS_OUT: dict[str, Statement] = {}
LINKS_IN: dict[str, Statement] = {}
LINKS_OUT_COUNT: dict[str, Statement] = {}
LINKS_IN_COUNT: dict[str, Statement] = {}
for _rel in REL_KINDS:
    for _arrow, _table, _counts in (
        ("(p)-[r:`%s`]->(m:Entity)", LINKS_OUT, LINKS_OUT_COUNT),
        ("(p)<-[r:`%s`]-(m:Entity)", LINKS_IN, LINKS_IN_COUNT),
    ):
        _direction = "out" if _table is LINKS_OUT else "in"
        _pattern = "MATCH (p:Entity {id: $id}) MATCH " + _arrow % _rel.type
        _table[_rel.type] = statement(
            "reads.links_%s.%s" % (_direction, _rel.type),
            _pattern
            + " WHERE r.id > $after AND @visible(p) AND @visible(r) AND @visible(m)"
            " WITH r, m ORDER BY r.id LIMIT $limit"
            " RETURN r {.*, type: type(r)} AS r, @project(m) AS n",
        )
        _counts[_rel.type] = statement(
            "reads.links_%s_count.%s" % (_direction, _rel.type),
            _pattern
            + " WHERE @visible(p) AND @visible(r) AND @visible(m) RETURN count(r) AS total",
        )

CASE_TOKENS = statement(
    "access.case_tokens",
    # System read for building a caller's audiences: which cases its agency is a member of.
    # It returns case ids only, for the caller's own agency, never another's.
    """
    MATCH (a:Agency {code: $agency})-[m:MEMBER_OF]->(c:Case)
    WHERE m.owner_party IS NOT NULL AND c.owner_party IS NOT NULL
    RETURN c.id AS id
    ORDER BY id
    """,
)
