"""Statements of the checks (hub.checks): LPCO validation, AEO status and priority passage, SEED.

Reads for a caller apply ``@visible`` to every node and edge they touch and take ``$vis``: a
document, authorisation or recognition the caller may not see gives no signal and no answer.
Each ``checks.<name>_system`` statement is the same text with the filter off: **system tasks
only** (batch checks for the risk scorer, the SEED matcher, the AEO register sync), run by the
``hub checks`` commands and ingest hooks, never reachable from the API.
"""

from hub.graph.statements import Mode, Statement, statement


def _twins(name: str, text: str) -> tuple[Statement, Statement]:
    """The filtered statement for callers and its unfiltered system twin."""
    return (statement("checks." + name, text),
            statement("checks." + name + "_system", text, filtered=False))


# ---- LPCO ------------------------------------------------------------------------------------

LPCO_CONSIGNMENTS, LPCO_CONSIGNMENTS_SYSTEM = _twins("lpco_consignments", """
    UNWIND $ids AS wanted
    MATCH (c:Consignment {id: wanted})
    WHERE @visible(c)
    RETURN c {.id, .declared_at, .direction, .hs_codes, .gross_mass_kg,
              operators: [(o:Operator)-[r:EXPORTER_OF|IMPORTER_OF]->(c)
                          WHERE @visible(r) AND @visible(o) | o.id],
              documents: [(c)-[u:COVERED_BY]->(l:Lpco)
                          WHERE @visible(u) AND @visible(l) | [l.id, u.quantity]]} AS c
    """)

LPCO_DOCUMENTS, LPCO_DOCUMENTS_SYSTEM = _twins("lpco_documents", """
    UNWIND $ids AS wanted
    MATCH (l:Lpco {id: wanted})
    WHERE @visible(l)
    RETURN l {.id, .number, .lpco_type, .status, .status_changed_at, .issued_at, .valid_until,
              .hs_codes, .quantity, .quantity_unit,
              holders: [(l)-[t:ISSUED_TO]->(h:Operator) WHERE @visible(t) AND @visible(h)
                        | h.id],
              same_as: [(l)-[t:ISSUED_TO]->(h:Operator)-[s:SAME_AS]-(k:Operator)
                        WHERE coalesce(s.status, '') <> 'rejected' AND @visible(t)
                          AND @visible(h) AND @visible(s) AND @visible(k) | k.id],
              issuers: [(l)-[b:ISSUED_BY]->(g:Agency) WHERE @visible(b) AND @visible(g)
                        | g.code],
              uses: [(x:Consignment)-[v:COVERED_BY]->(l) WHERE @visible(v) AND @visible(x)
                     | [x.id, x.declared_at, x.direction, v.quantity]]} AS l
    """)

# ---- AEO -------------------------------------------------------------------------------------

_AEO = (".id, .number, .aeo_type, .status, .issuing_party, .valid_from, .valid_until,"
        " .status_history, .status_changed_at, .owner_agency, .owner_party, .distribution,"
        " .share_with")

AEO_OF_OPERATOR = statement("checks.aeo_of_operator", """
    MATCH (o:Operator {id: $id})
    WHERE @visible(o)
    MATCH (o)-[h:HOLDS]->(a:AeoAuthorisation)
    WHERE @visible(h) AND @visible(a)
    WITH a ORDER BY a.id
    RETURN a {%s} AS a
    """ % _AEO)

OWN_AEO_BY_NUMBER = statement("checks.own_aeo_by_number", """
    MATCH (a:AeoAuthorisation {number: $number})
    WHERE a.owner_agency = $agency AND a.owner_party IS NOT NULL
    WITH a ORDER BY a.id
    RETURN a {%s,
              holders: [(o:Operator)-[h:HOLDS]->(a) WHERE h.owner_agency = $agency | o.id]}
           AS a
    """ % _AEO)
"""The caller's own authorisation by number (only the owner records its status; another
agency's authorisation with that number is as absent), with the holders its agency linked."""

AEO_PAGE_SYSTEM = statement("checks.aeo_page_system", """
    MATCH (a:AeoAuthorisation)
    WHERE a.id > $after
    WITH a ORDER BY a.id LIMIT $limit
    RETURN a {%s, holders: [(o:Operator)-[:HOLDS]->(a) | o.id]} AS a
    """ % _AEO, filtered=False)

RECORD_AEO_STATUS = statement("checks.record_aeo_status", """
    MATCH (a:AeoAuthorisation {id: $id})
    WHERE a.owner_agency = $agency AND coalesce(a.status_history, []) = $expected
    SET a.status = $status, a.status_history = $history, a.status_changed_at = $changed_at
    RETURN a.id AS id
    """, Mode.WRITE)
"""Only the owner agency's records change, and only if nobody changed the history meanwhile."""

CROSSING = statement("checks.crossing", """
    MATCH (b:BorderCrossingPoint {code: $code})
    WHERE @visible(b)
    OPTIONAL MATCH (p:Party)-[m:RECOGNISES_AEO_OF]->(q:Party)
    WHERE p.code IN coalesce(b.parties, []) AND @visible(p) AND @visible(m) AND @visible(q)
    WITH b, collect([p.code, q.code, m.since]) AS recognitions
    RETURN b {.id, .code, .name, .parties, recognitions: recognitions} AS b
    """)
"""A crossing with the recognitions (MRAs) of its two parties that the caller may see."""

PRIORITY_PASSAGE = statement("checks.priority_passage", """
    MATCH (a:AeoAuthorisation)
    WHERE a.issuing_party IN $parties AND a.id > $after AND @visible(a)
      AND coalesce(a.valid_from, '') <= $at
      AND (a.valid_until IS NULL OR a.valid_until >= $at)
    WITH a, [h IN coalesce(a.status_history, []) WHERE substring(h, 0, 10) <= $at] AS past
    WITH a, CASE WHEN size(past) = 0 THEN a.status ELSE substring(past[-1], 11) END AS status_then
    WHERE status_then IN ['valid', 'active']
    WITH a, status_then ORDER BY a.id LIMIT $limit
    RETURN a {.id, .number, .aeo_type, .issuing_party, .valid_from, .valid_until,
              status: status_then,
              holders: [(o:Operator)-[h:HOLDS]->(a) WHERE @visible(h) AND @visible(o)
                        | o {.id, .name, .name_latin, .country}]} AS a
    """)
"""A keyset page of the authorisations of ``$parties`` in force on ``$at`` (status as of that
day from the history, validity dates around it)."""

# ---- SEED ------------------------------------------------------------------------------------

SEED_MESSAGES_SYSTEM = statement("checks.seed_messages_system", """
    MATCH (c:Consignment)
    WHERE c.declared_at >= $from AND c.declared_at < $until
      AND (c.declared_at > $from OR c.id > $after)
      AND c.direction IN ['exit', 'entry']
    WITH c ORDER BY c.declared_at, c.id LIMIT $limit
    RETURN c {.id, .reference, .direction, .declared_at, .exit_office, .entry_office,
              .gross_mass_kg, .hs_codes, .origin,
              vehicles: [(c)-[:TRANSPORTED_BY]->(v:Vehicle) | [v.vehicle_kind, v.plate]],
              parties: [(o:Operator)-[r:EXPORTER_OF|IMPORTER_OF]->(c)
                        | [r.kind, o.country, o.tax_id, o.name_latin, o.name]]} AS c
    """, filtered=False)
"""SEED exit and entry messages (ISO-text ``declared_at``) in ``[$from, $until)``: keyset pages
on (declared_at, id), starting after (``$from``, ``$after``)."""

RETRACT_SEED_SIGNALS_SYSTEM = statement("checks.retract_seed_signals_system", """
    MATCH (s:RiskSignal)
    WHERE s.check = 'seed' AND s.status = 'open'
      AND s.observed_at >= $since AND s.observed_at < $until AND NOT s.id IN $keep
    SET s.status = 'retracted'
    RETURN count(s) AS retracted
    """, Mode.WRITE, filtered=False)
"""A re-run over a window retracts the stored SEED signals it no longer finds."""

# ---- LPCO signals (system tasks: hub.checks.lpco_runs) -----------------------------------------

LPCO_OWNERS_SYSTEM = statement("checks.lpco_owners_system", """
    UNWIND $ids AS wanted
    MATCH (c:Consignment {id: wanted})
    RETURN c.id AS id, c.owner_agency AS agency
    """, filtered=False)
"""The agency that owns each consignment: it checks the consignment's documents and owns the
signals."""

LPCO_PRESENTERS_SYSTEM = statement("checks.lpco_presenters_system", """
    UNWIND $ids AS wanted
    MATCH (l:Lpco {id: wanted})<-[:COVERED_BY]-(c:Consignment)
    WITH DISTINCT c
    RETURN c.id AS id, c.owner_agency AS agency
    """, filtered=False)
"""The consignments presenting any of the given documents, with their owners."""

LPCO_PRESENTING_PAGE_SYSTEM = statement("checks.lpco_presenting_page_system", """
    MATCH (c:Consignment)-[:COVERED_BY]->(:Lpco)
    WHERE c.id > $after
    WITH DISTINCT c
    WITH c ORDER BY c.id LIMIT $limit
    RETURN c.id AS id, c.owner_agency AS agency
    """, filtered=False)
"""A keyset page of the consignments that present a document, with their owners."""

RETRACT_LPCO_SIGNALS_SYSTEM = statement("checks.retract_lpco_signals_system", """
    UNWIND $ids AS wanted
    MATCH (c:Consignment {id: wanted})<-[:ABOUT]-(s:RiskSignal)
    WHERE s.check = 'lpco' AND s.status = 'open' AND s.consignment_id = wanted
      AND NOT s.id IN $keep
    SET s.status = 'retracted', s.rev = 'retracted'
    RETURN count(s) AS retracted
    """, Mode.WRITE, filtered=False)
"""A re-check of ``$ids`` retracts their stored LPCO signals it no longer finds (``$keep``:
the ids it found). The content hash no longer matches, so a signal found again and rewritten
open counts as written."""
