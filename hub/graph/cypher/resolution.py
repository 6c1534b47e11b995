"""Statements of entity resolution: read operators for the matcher, read and review SAME_AS links.

The two ``*_system`` reads have no access filter: they serve the matcher job only (it must see
every operator to find duplicates across agencies) and are never reachable from the API. Links
are written through the GraphWriter; an analyst's review goes through ``resolution.review``,
which applies the reviewer's access filter to both operators and the link.
"""

from hub.graph.statements import Mode, statement

OPERATORS_PAGE_SYSTEM = statement(
    "resolution.operators_page_system",
    # System read for the matcher job: one keyset page of operators with their addresses and
    # contacts. No @visible filter on purpose; never exposed through the API.
    """
    MATCH (o:Operator)
    WHERE o.id > $after
    WITH o ORDER BY o.id LIMIT $limit
    RETURN o {.id, .name, .name_latin, .legal_form, .country, .tax_id, .tax_scheme, .eori,
              .address_text, .owner_party} AS operator,
           [(o)-[:LOCATED_AT]->(a:Address) | a {.text, .city, .country}] AS addresses,
           [(o)-[:REACHABLE_AT]->(c:Contact) | c {.channel, .value}] AS contacts
    """,
)

DECISIONS_PAGE_SYSTEM = statement(
    "resolution.decisions_page_system",
    # System read for the matcher job: SAME_AS links an analyst has confirmed or rejected, so a
    # re-run never re-proposes a rejected pair nor downgrades a confirmed one.
    """
    MATCH (a:Operator)-[r:SAME_AS]->(b:Operator)
    WHERE r.id > $after AND r.status IN ['confirmed', 'rejected']
    WITH a, r, b ORDER BY r.id LIMIT $limit
    RETURN r.id AS id, a.id AS left, b.id AS right, r.status AS status
    """,
)

REVIEW = statement(
    "resolution.review",
    # An analyst confirms or rejects a link between two operators, in either direction. Nothing
    # happens unless the reviewer may see both operators and the link (invisible = not found),
    # and only the agency that owns the link reviews it (only the owner edits).
    """
    MATCH (a:Operator {id: $left})-[r:SAME_AS]-(b:Operator {id: $right})
    WHERE @visible(a) AND @visible(r) AND @visible(b) AND r.owner_agency = $agency
    SET r.status = $status, r.reviewed_by = $agency, r.reviewed_party = $party,
        r.reviewed_at = $at
    RETURN r {.id, .status, .score, .method, .explanation, .reviewed_by, .reviewed_party,
              .reviewed_at} AS link
    """,
    Mode.WRITE,
)
