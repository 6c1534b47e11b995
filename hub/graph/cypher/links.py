"""Link-analysis statements: frontier scans, edges by their ends, shared identifiers, timelines.

Every node and edge these statements touch passes ``@visible`` inside the query, including
the frontier nodes they start from. Scans start from the indexed ``Entity.id`` and bind the
frontier node in its own ``WITH`` before the traversal: FalkorDB 4.16 otherwise plans an
undirected pattern ``(f)-[r]-(m)`` as a scan of every ``m``. A scan stops after ``$budget``
rows (``WITH ... LIMIT`` before the aggregation), so a super-node costs at most the budget;
the caller sees that the budget was reached and splits the frontier (hub.analysis.links).

Time windows: date properties hold ISO 8601 text (``2026-03-14`` or ``2026-03-14T07:15:00Z``,
always UTC) or epoch milliseconds. Comparing text with a number gives null on both engines,
so :func:`within` tests both forms against bounds computed in Python (``$q.since_ms`` ...).
"""


from hub.graph.statements import Statement, statement
from hub.model import ANY, NODE_KINDS, REL_KINDS

EDGE_TIME = "coalesce(%s.at, %s.since)"
"""The time of an edge: when a consignment crossed, since when a party recognises AEOs."""

NODE_TIME = "coalesce(%s.declared_at, %s.controlled_at, %s.issued_at, %s.valid_from, %s.opened_at)"
"""The date of a node: declared, controlled, issued, valid from, opened."""


def within(value: str, window: str = "$q") -> str:
    """A predicate: ``value`` is null, or inside the window ``window`` (a parameter map).

    The map holds ``timed`` (false: no window), ``since_ms``/``until_ms`` for epoch values,
    ``since_iso``/``until_iso`` for text and ``since_day`` so that a date-only text value on
    the first day of the window counts as inside it.
    """
    args = {"t": value, "w": window}
    return (
        "(%(w)s.timed = false OR %(t)s IS NULL"
        " OR (%(t)s >= %(w)s.since_ms AND %(t)s <= %(w)s.until_ms)"
        " OR ((%(t)s >= %(w)s.since_iso OR %(t)s = %(w)s.since_day) AND %(t)s <= %(w)s.until_iso))"
    ) % args


def _time(template: str, var: str) -> str:
    return template % ((var,) * template.count("%s"))


LABEL_FIELDS: dict[str, tuple[str, ...]] = {
    "Party": ("name", "code"), "Agency": ("code", "name"), "BorderCrossingPoint": ("name", "code"),
    "Operator": ("name_latin", "name", "tax_id"), "Address": ("text", "city"),
    "Contact": ("value",), "Vehicle": ("plate_display", "plate"),
    "Consignment": ("reference",), "Lpco": ("number", "lpco_type"), "AeoAuthorisation": ("number",),
    "RiskAlert": ("title",), "RiskProfile": ("name",), "Case": ("title",),
}
"""The fields that name a node for display, first present wins (Person and ControlResult aside)."""


def _label(var: str) -> str:
    """A display label computed in the query: masked names stay masked (``@personal``)."""
    branches = " ".join(
        "WHEN '%s' THEN coalesce(%s)" % (kind, ", ".join("%s.%s" % (var, f) for f in fields))
        for kind, fields in LABEL_FIELDS.items()
    )
    return (
        "CASE %(v)s.kind %(b)s"
        " WHEN 'Person' THEN CASE WHEN @personal(%(v)s) THEN %(v)s.full_name END"
        " WHEN 'ControlResult' THEN %(v)s.control_type + coalesce(' / ' + %(v)s.outcome, '')"
        " END" % {"v": var, "b": branches}
    )


def summary(var: str) -> str:
    """A small projection of a node for link analysis: id, kind, sharing, label and date."""
    return (
        "%(v)s {.id, .kind, .owner_agency, .owner_party, .distribution, .share_with,"
        " label: %(label)s, time: %(time)s}" % {"v": var, "label": _label(var),
                                                 "time": _time(NODE_TIME, var)}
    )


EDGE_FIELDS = ("id", "owner_agency", "owner_party", "distribution", "share_with")
"""What a scan returns of each edge it lists, after the link itself: sharing and time."""


def _edge_fields(var: str) -> str:
    return ", ".join("%s.%s" % (var, f) for f in EDGE_FIELDS[1:]) + ", " + _time(EDGE_TIME, var)


_NEIGHBOUR_TESTS = """($q.members IS NULL OR m.id IN $q.members)
      AND ($q.kinds IS NULL OR m.kind IN $q.kinds OR m.id IN $q.admit) AND @visible(m)
      AND (m.id IN $q.admit OR """ + within(_time(NODE_TIME, "m")) + ")"
"""What a neighbour ``m`` of a frontier scan must pass: $q.members, $q.kinds and the node's
date (null means any; $q.admit ids pass whatever their kind and date), and the access filter."""

_LINK_TESTS = ("($q.types IS NULL OR type(r) IN $q.types) AND @visible(r) AND "
               + within(_time(EDGE_TIME, "r")))
"""What a link ``r`` of a frontier scan must pass: $q.types, the edge's time, the access filter."""

_FRONTIER = """
    UNWIND $frontier AS fid
    MATCH (f:Entity {id: fid})
    WITH f
    WHERE @visible(f)
"""
"""The start of a frontier scan: each visible node ``f`` of $frontier."""


def _frontier_links(pattern: str) -> str:
    """A frontier scan up to its links: ``r`` to neighbours ``m`` of each frontier node ``f``
    that pass the neighbour and link tests (node tests first: FalkorDB stops a WHERE at its
    first false term). FalkorDB reads the edge of every row a pattern naming ``r`` walks,
    whatever the tests: naming the types in the pattern is what makes that cheaper."""
    return (_FRONTIER + "MATCH " + pattern + "\nWHERE " + _NEIGHBOUR_TESTS + " AND "
            + _LINK_TESTS + "\n")


NEIGHBOURS = statement(
    "links.neighbours",
    # One row per frontier node: how many visible links it has (up to the budget, counted over
    # the whole frontier) and the first $k of them, links to $q.known nodes first. A link is
    # [edge id, type, outgoing?, neighbour id, neighbour kind] and, when $q.detail, the edge's
    # [owner agency, owner party, distribution, share list, time]. Only the listed links are
    # read beyond their ids (collect keeps references, not properties).
    _frontier_links("(f)-[r]-(m)") + """
    WITH f, r, m LIMIT $budget
    WITH f, r, m, CASE WHEN m.id IN $q.known THEN 0 ELSE 1 END AS fresh
    ORDER BY f.id, fresh, r.id
    WITH f, count(r) AS total, collect([r, m]) AS pairs
    RETURN f.id AS id, total,
           [p IN pairs[0..$k] | [p[0].id, type(p[0]), startNode(p[0]) = f, p[1].id, p[1].kind]
                                 + CASE WHEN $q.detail THEN [""" + _edge_fields("p[0]") + """]
                                   ELSE [] END] AS links
    """,
)

# The neighbours-only form of NEIGHBOURS for searches: one row per visible frontier node with
# the visible neighbours it reaches through at least one visible link (the same filters), up
# to the budget over the whole frontier, and how many. Neighbours come grouped by kind,
# [kind, [id, ...]], so a kind travels once per group; no edge is listed, ordered or
# projected, which is what makes it cheaper than NEIGHBOURS.
_REACH = """
    WITH DISTINCT f, m LIMIT $budget
    WITH f, m.kind AS kind, collect(m.id) AS ids, count(m) AS n
    RETURN f.id AS id, sum(n) AS total, collect([kind, ids]) AS groups
"""

REACH = statement("links.reach", _frontier_links("(f)-[r]-(m)") + _REACH)

MEET = statement(
    "links.meet",
    # The visible neighbours among $members of each visible frontier node, through visible
    # links (REACH's tests), up to the budget: where a search's two sides meet. The
    # neighbours are found by adjacency first and tested as nodes; a link is read only
    # between a frontier node and a member that passed, and only a pair with a visible link
    # leaves the statement. FalkorDB reads the edge of every row a pattern naming ``r``
    # walks: read in one pattern, the few members cost as much as every neighbour (3 times
    # this on the 1M-consignment demo).
    _FRONTIER + """
    MATCH (f)--(m)
    WHERE m.id IN $members AND """ + _NEIGHBOUR_TESTS + """
    WITH DISTINCT f, m
    MATCH (f)-[r]-(m)
    WHERE """ + _LINK_TESTS + """
    WITH DISTINCT f, m LIMIT $budget
    RETURN f.id AS id, count(m) AS total, collect(m.id) AS ids
    """,
)

TYPED_REACH_MAX = 6
"""Relationship types up to which naming them beats an untyped pattern. FalkorDB finds the
edges between two nodes of an untyped pattern by looking in every relationship type; naming
a few is cheaper (a vehicle's 4 types, undirected: 2.5 times), naming a dozen (a
consignment's) is not."""

LINK_HEAVY = ("Operator",)
"""Kinds whose nodes have many links (an operator: dozens to thousands of consignments). Their
REACH reads outgoing and incoming links in two directed patterns that each name their types,
joined by UNION ALL: 1.65 times as fast as one untyped pattern on the 1M-consignment demo.
A consignment has eight links or so: for it, two patterns cost what one does."""


def _types_from(kind: str) -> tuple[str, ...]:
    """The relationship types the model lets a node of ``kind`` start."""
    return tuple(rel.type for rel in REL_KINDS if kind in rel.sources or rel.sources == ANY)


def _types_into(kind: str) -> tuple[str, ...]:
    """The relationship types the model lets a node of ``kind`` end."""
    return tuple(rel.type for rel in REL_KINDS if kind in rel.targets or rel.targets == ANY)


def _reach_by_kind(kind: str) -> Statement | None:
    """REACH for a frontier of one kind, when naming its relationship types is cheaper than
    the untyped pattern: a kind whose links all point one way (a vehicle, a driver, an
    address, a contact) names them in a directed pattern (FalkorDB reads the edge of a
    directed pattern in half the time), a link-heavy kind reads each direction in its own
    pattern (two rows per node), and a kind with few types names them."""
    out, into = _types_from(kind), _types_into(kind)
    if not out or not into:
        pattern = "(f)-[r:%s]->(m)" % "|".join(out) if out else "(f)<-[r:%s]-(m)" % "|".join(into)
        return statement("links.reach." + kind, _frontier_links(pattern) + _REACH)
    if kind in LINK_HEAVY:  # one row per direction: Scanner.reach merges them
        return statement("links.reach." + kind, " UNION ALL ".join(
            _frontier_links(pattern) + _REACH for pattern in (
                "(f)-[r:%s]->(m)" % "|".join(out), "(f)<-[r:%s]-(m)" % "|".join(into))))
    either = tuple(dict.fromkeys(out + into))
    if len(either) <= TYPED_REACH_MAX:
        return statement("links.reach." + kind,
                         _frontier_links("(f)-[r:%s]-(m)" % "|".join(either)) + _REACH)
    return None


REACH_BY_KIND: dict[str, Statement] = {
    kind.label: reach for kind in NODE_KINDS if (reach := _reach_by_kind(kind.label))
}
"""REACH for a frontier of one kind, where a pattern naming types is cheaper (see
:func:`_reach_by_kind`). The writer only stores edges the model allows, so no edge of
another type or direction can be missed."""

BETWEEN = statement(
    "links.between",
    # The visible edges between pairs of nodes, both directions, as NEIGHBOURS lists a link
    # seen from the pair's first node (with the edge's sharing fields and time), for the
    # types and edge time window of $q. Both ends are looked up by their indexed id and the
    # edges found between them, without scanning either end's other edges.
    """
    UNWIND $pairs AS pair
    MATCH (a:Entity {id: pair[0]})
    WITH a, pair
    MATCH (b:Entity {id: pair[1]})
    WITH a, b
    WHERE @visible(a) AND @visible(b)
    MATCH (a)-[r]-(b)
    WHERE ($q.types IS NULL OR type(r) IN $q.types) AND @visible(r)
      AND """ + within(_time(EDGE_TIME, "r")) + """
    RETURN a.id AS id, [r.id, type(r), startNode(r) = a, b.id, b.kind, """ + _edge_fields("r")
    + """] AS link
    """,
)

NODES = statement(
    "links.nodes",
    """
    UNWIND $ids AS wanted
    MATCH (n:Entity {id: wanted})
    WHERE @visible(n)
    RETURN """ + summary("n") + """ AS n
    """,
)

# ---- shared identifiers --------------------------------------------------------------------------

USERS = ("EXPORTER_OF", "IMPORTER_OF", "CARRIER_OF")
"""The parts in a consignment that use its vehicle, driver and documents (a declarant does not)."""
TRADERS = ("EXPORTER_OF", "IMPORTER_OF")
INTERMEDIARIES = ("DECLARANT_OF", "CARRIER_OF")
DIRECT = ("LOCATED_AT", "REACHABLE_AT", "ISSUED_TO")
"""Identifiers linked to the operator itself: addresses, contacts, documents issued to it."""
CARRIED = ("TRANSPORTED_BY", "DRIVEN_BY", "COVERED_BY")
"""Identifiers linked to its consignments: vehicles, drivers, documents."""


def _names(types: tuple[str, ...]) -> str:
    return "[" + ", ".join("'%s'" % t for t in types) + "]"


_ITEM_DETAIL = "CASE i.kind WHEN 'Contact' THEN i.channel WHEN 'Address' THEN i.city END"

IDENTIFIERS = statement(
    "links.identifiers",
    # The identifiers each operator of $ids uses, as distinct (operator, item, via) rows: via is
    # the relationship that reaches the item (LOCATED_AT, REACHABLE_AT, ISSUED_TO for the
    # operator's own, TRANSPORTED_BY, DRIVEN_BY, COVERED_BY through the consignments it
    # exports, imports or carries, and DECLARANT_OF / CARRIER_OF for the intermediaries of the
    # consignments it trades).
    # Each branch stops after $budget rows; the caller splits $ids when one did.
    """
    UNWIND $ids AS oid
    MATCH (o:Entity {id: oid})
    WITH o
    WHERE o.kind = 'Operator' AND @visible(o)
    MATCH (o)-[r]-(i)
    WHERE type(r) IN %(direct)s AND @visible(r) AND @visible(i)
    WITH DISTINCT o, i, type(r) AS via LIMIT $budget
    RETURN 'direct' AS branch, o.id AS operator, i.id AS item, i.kind AS kind, via,
           %(detail)s AS detail
    UNION ALL
    UNWIND $ids AS oid
    MATCH (o:Entity {id: oid})
    WITH o
    WHERE o.kind = 'Operator' AND @visible(o)
    MATCH (o)-[r1]->(c)
    WHERE type(r1) IN %(users)s AND @visible(r1) AND @visible(c)
    WITH o, r1, c
    MATCH (c)-[r2]-(i)
    WHERE (type(r2) IN %(carried)s
           OR (type(r1) IN %(traders)s AND type(r2) IN %(intermediaries)s))
      AND i.id <> o.id AND @visible(r2) AND @visible(i)
    WITH DISTINCT o, i, type(r2) AS via LIMIT $budget
    RETURN 'carried' AS branch, o.id AS operator, i.id AS item, i.kind AS kind, via,
           %(detail)s AS detail
    """ % {"direct": _names(DIRECT), "users": _names(USERS), "carried": _names(CARRIED),
           "traders": _names(TRADERS), "intermediaries": _names(INTERMEDIARIES),
           "detail": _ITEM_DETAIL},
)

ITEM_OPERATORS = statement(
    "links.item_operators",
    # The visible operators that use each identifier of $items, the reverse of IDENTIFIERS:
    # distinct (item, operator) rows, each branch stopping after $budget rows.
    """
    UNWIND $items AS iid
    MATCH (i:Entity {id: iid})
    WITH i
    WHERE @visible(i)
    MATCH (i)-[r]-(o)
    WHERE type(r) IN %(direct)s AND o.kind = 'Operator' AND @visible(r) AND @visible(o)
    WITH DISTINCT i, o LIMIT $budget
    RETURN 'direct' AS branch, i.id AS item, o.id AS operator
    UNION ALL
    UNWIND $items AS iid
    MATCH (i:Entity {id: iid})
    WITH i
    WHERE @visible(i)
    MATCH (i)-[r2]-(c)
    WHERE (type(r2) IN %(carried)s OR (type(r2) IN %(intermediaries)s AND startNode(r2) = i))
      AND c.kind = 'Consignment' AND @visible(r2) AND @visible(c)
    WITH i, r2, c
    MATCH (c)<-[r1]-(o)
    WHERE o.kind = 'Operator' AND o.id <> i.id
      AND (type(r1) IN %(traders)s OR (type(r1) IN %(users)s AND type(r2) IN %(carried)s))
      AND @visible(r1) AND @visible(o)
    WITH DISTINCT i, o LIMIT $budget
    RETURN 'carried' AS branch, i.id AS item, o.id AS operator
    """ % {"direct": _names(DIRECT), "users": _names(USERS), "carried": _names(CARRIED),
           "traders": _names(TRADERS), "intermediaries": _names(INTERMEDIARIES)},
)

# ---- timelines -----------------------------------------------------------------------------------

_SUBJECTS = """
    MATCH (e:Entity {id: $id})
    WITH e
    WHERE @visible(e)
    OPTIONAL MATCH (e)-[r]-(c)
    WHERE c.kind = 'Consignment' AND @visible(r) AND @visible(c)
    WITH e, c LIMIT $budget
    WITH e, collect(DISTINCT c) AS cs
    UNWIND [e] + cs AS s
    WITH DISTINCT s
"""
"""The subjects of a timeline: the entity and the consignments one visible link away (at most
$budget of them; TIMELINE_SELF counts them so the caller can say when the budget cut)."""


def _after(name: str, time: str, key: str) -> str:
    """Keyset condition: after the class's cursor ($c.<name>_t, $c.<name>_id), or all of it."""
    return ("($c.%(n)s_t IS NULL OR %(t)s > $c.%(n)s_t"
            " OR (%(t)s = $c.%(n)s_t AND %(k)s > $c.%(n)s_id))") % {"n": name, "t": time,
                                                                    "k": key}


def _timeline(name: str, body: str, *, time: str, key: str, record: str, related: str,
              carrier: str) -> str:
    """One event class: ``body`` matches from the subjects ``s``; the class's events come
    back in (time, key) order after the class's cursor, at most $first of them."""
    return (_SUBJECTS + body + " AND %(time)s IS NOT NULL AND %(within)s AND %(after)s"
            " WITH %(time)s AS t, %(key)s AS eid, %(record)s AS record_node,"
            " %(related)s AS related_node, %(carrier)s AS carrier"
            " ORDER BY t, eid LIMIT $first"
            " RETURN '%(name)s' AS class, eid, t, %(record_summary)s AS record,"
            " %(related_summary)s AS related,"
            " carrier {.id, .owner_agency, .owner_party, .distribution, .share_with} AS carrier"
            ) % {"name": name, "time": time, "within": within(time, "$w"),
                 "after": _after(name, time, key), "key": key, "record": record,
                 "related": related, "carrier": carrier,
                 "record_summary": summary("record_node"),
                 "related_summary": "CASE WHEN related_node IS NULL THEN null ELSE %s END"
                 % summary("related_node")}


_CLASSES = [
    _timeline("declared", "WITH s WHERE s.kind = 'Consignment'", time="s.declared_at",
              key="s.id", record="s", related="null", carrier="s"),
    _timeline("crossed", "MATCH (s)-[x:CROSSED]->(b) WHERE @visible(x) AND @visible(b)",
              time="x.at", key="x.id", record="s", related="b", carrier="x"),
    # Records other than the entity itself: its own dates come from TIMELINE_SELF.
    _timeline("controlled",
              "MATCH (k)-[x:OF]->(s) WHERE k.kind = 'ControlResult' AND k.id <> $id"
              " AND @visible(x) AND @visible(k)",
              time="k.controlled_at", key="k.id", record="k", related="s", carrier="k"),
    # An alert or a document may reach several subjects: one event, with the first subject.
    _timeline("alert",
              "MATCH (a)-[x:CONCERNS]->(s) WHERE a.kind = 'RiskAlert' AND a.id <> $id"
              " AND @visible(x) AND @visible(a)"
              " WITH a, collect(s)[0] AS s WHERE a.kind = 'RiskAlert'",
              time="a.valid_from", key="a.id", record="a", related="s", carrier="a"),
    *(_timeline(name,
                "MATCH (s)-[x]-(l) WHERE type(x) IN ['COVERED_BY', 'ISSUED_TO']"
                " AND l.kind = 'Lpco' AND l.id <> $id AND @visible(x) AND @visible(l)"
                " WITH l, collect(s)[0] AS s WHERE l.kind = 'Lpco'",
                time="l." + field, key="l.id", record="l", related="s", carrier="l")
      for name, field in (("lpco_issued", "issued_at"), ("lpco_expires", "valid_until"))),
]

TIMELINE_CLASSES = ("declared", "crossed", "controlled", "alert", "lpco_issued", "lpco_expires")
"""The event classes, in the order the statement lists them (ties in time break this way)."""

TIMELINE = statement(
    "links.timeline",
    # Every class in one statement (one round trip): each branch recomputes the subjects.
    " UNION ALL ".join(_CLASSES),
)

TIMELINE_SELF = statement(
    "links.timeline.self",
    # The entity itself: its summary, the dates that make events of its own, and how many
    # consignments the class statements take as subjects (at most $budget).
    """
    MATCH (e:Entity {id: $id})
    WITH e
    WHERE @visible(e)
    OPTIONAL MATCH (e)-[r]-(c)
    WHERE c.kind = 'Consignment' AND @visible(r) AND @visible(c)
    WITH e, c LIMIT $budget
    WITH e, count(DISTINCT c) AS subjects
    RETURN """ + summary("e") + """ AS n, subjects,
           e {.controlled_at, .valid_from, .issued_at, .valid_until} AS dates
    """,
)
