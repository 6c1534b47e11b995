"""Statements of shared risk alerts: versioned writes, acknowledgements, inbox and hit rates.

Bookkeeping beside the domain graph (never ``:Entity``):

``(:AlertVersion)-[:VERSION_OF]->(:RiskAlert)``  an immutable snapshot per change. It carries
    the alert's sharing at that version and ``kind: 'RiskAlert'``, so ``@visible`` applies to
    it as to the alert: a reader sees a version only if it may see the alert now AND was in
    that version's audience.
``(:AlertAck)-[:ACK_OF]->(:RiskAlert)``  one per (alert, acknowledging agency), holding the
    highest version that agency acknowledged. Only that agency (through ``$vis.agency``) and
    the alert's owner ever read it.

Counts are done here, ratios in Python (CYPHER.md: sums and divisions differ across engines).
"""

from hub.graph.statements import Mode, statement

ALERT = statement(
    "alerts.alert",
    # The alert as the caller may see it, with the caller's own acknowledgement.
    """
    MATCH (a:RiskAlert {id: $id})
    WHERE @visible(a)
    OPTIONAL MATCH (k:AlertAck)-[:ACK_OF]->(a)
    WHERE k.agency = $vis.agency
    RETURN @project(a) AS a, k.version AS acked
    """,
)

WRITE_ALERT = statement(
    "alerts.write_alert",
    # Compare-and-set on the version: no row back means someone else changed the alert since
    # the caller read it (an alert ingested without a version counts as version 0). The
    # snapshot is MERGEd ON CREATE only, so it never changes after.
    """
    OPTIONAL MATCH (cur:RiskAlert {id: $id})
    WITH cur
    WHERE (cur IS NULL AND $expected = 0) OR coalesce(cur.version, 0) = $expected
    MERGE (a:Entity:RiskAlert {id: $id})
    ON CREATE SET a.ingested_at = $ingested_at
    SET a += $props
    MERGE (v:AlertVersion {id: $version_id})
    ON CREATE SET v += $snapshot
    MERGE (v)-[:VERSION_OF]->(a)
    RETURN a.version AS version
    """,
    Mode.WRITE,
)

CHANGED_SINCE = statement(
    "alerts.changed_since",
    # A system read for the cross-process relay (hub.alerts.relay): ids and versions only, never
    # content. Each subscriber re-reads an announced alert under its own visibility, so no
    # access filter belongs here. ``changed_at`` is fixed-width ISO text: text order is time.
    """
    MATCH (a:RiskAlert)
    WHERE a.changed_at >= $since
    WITH a ORDER BY a.changed_at DESC LIMIT $limit
    RETURN a.id AS id, coalesce(a.version, 0) AS version
    """,
)

PRUNE_CONCERNS = statement(
    "alerts.prune_concerns",
    "MATCH (a:RiskAlert {id: $id})-[r:CONCERNS]->(m:Entity)"
    " WHERE NOT r.id IN $keep"
    " WITH r DELETE r RETURN count(*) AS removed",
    Mode.WRITE,
)

VERSIONS = statement(
    "alerts.versions",
    """
    MATCH (a:RiskAlert {id: $id})
    WHERE @visible(a)
    MATCH (v:AlertVersion)-[:VERSION_OF]->(a)
    WHERE v.version > $after AND @visible(v)
    WITH v ORDER BY v.version LIMIT $limit
    RETURN @project(v) AS v
    """,
)

ACKNOWLEDGEMENTS = statement(
    "alerts.acknowledgements",
    # For the originator only: which agencies acknowledged its alert, and up to which version.
    """
    MATCH (a:RiskAlert {id: $id})
    WHERE @visible(a) AND a.owner_agency = $vis.agency
    MATCH (k:AlertAck)-[:ACK_OF]->(a)
    RETURN k.agency AS agency, k.version AS version, k.at AS at
    ORDER BY agency
    """,
)

ACKNOWLEDGE = statement(
    "alerts.acknowledge",
    # Idempotent: the stored version only moves up; ``fresh`` says whether anything changed.
    """
    MATCH (a:RiskAlert {id: $id})
    WHERE @visible(a)
    MERGE (k:AlertAck {id: $ack_id})
    ON CREATE SET k.alert_id = a.id, k.agency = $vis.agency, k.version = 0
    MERGE (k)-[:ACK_OF]->(a)
    WITH a, k, k.version < a.version AS fresh
    SET k.version = CASE WHEN fresh THEN a.version ELSE k.version END,
        k.at = CASE WHEN fresh THEN $at ELSE k.at END
    RETURN k.version AS version, fresh
    """,
    Mode.WRITE,
)

_INBOX_MATCH = """
    MATCH (a:RiskAlert)
    WHERE @visible(a)
      AND ($f.domain IS NULL OR a.risk_domain = $f.domain)
      AND ($f.type IS NULL OR a.risk_type = $f.type)
      AND ($f.status IS NULL OR a.status = $f.status)
      AND ($f.expired IS NULL
           OR (a.valid_until IS NOT NULL AND a.valid_until < $f.today) = $f.expired)
      AND ($f.since IS NULL OR a.changed_at >= $f.since)
      AND ($f.until IS NULL OR a.changed_at < $f.until)
    OPTIONAL MATCH (k:AlertAck)-[:ACK_OF]->(a)
    WHERE k.agency = $vis.agency
    WITH a, CASE WHEN a.owner_agency = $vis.agency OR k.version >= a.version THEN 0 ELSE 1 END
         AS unread, coalesce(a.changed_at, '') AS at, k.version AS acked
    WHERE ($f.unread_only = false OR unread = 1)
"""

INBOX = statement(
    "alerts.inbox",
    # Keyset over (unread DESC, at DESC, id ASC): $after is null or the last row's key.
    _INBOX_MATCH + """
      AND ($after IS NULL OR unread < $after.unread
           OR (unread = $after.unread
               AND (at < $after.at OR (at = $after.at AND a.id > $after.id))))
    WITH a, unread, at, acked ORDER BY unread DESC, at DESC, a.id LIMIT $limit
    RETURN @project(a) AS a, unread, at, acked
    """,
)

INBOX_COUNT = statement(
    "alerts.inbox_count",
    _INBOX_MATCH + " RETURN count(a) AS total",
)

_WINDOW = ("($since IS NULL OR c.controlled_at >= $since)"
           " AND ($until IS NULL OR c.controlled_at < $until)")

HIT_RATES_BY_TARGET = {
    label: statement(
        "alerts.hit_rates.%s" % label,
        """
        MATCH (c:ControlResult)-[f:FEEDBACK_ON]->(t:`%s`)
        WHERE t.id > $after AND @visible(c) AND @visible(f) AND @visible(t) AND %s
        WITH t, count(DISTINCT c.id) AS controls,
             count(DISTINCT CASE WHEN c.outcome IN $hits THEN c.id END) AS hits
        ORDER BY t.id LIMIT $limit
        RETURN t.id AS key, coalesce(t.reference, t.title, t.name) AS label, controls, hits
        """ % (label, _WINDOW),
    )
    for label in ("RiskAlert", "RiskProfile")
}

HIT_RATES_BY_PROPERTY = {
    prop: statement(
        "alerts.hit_rates.by_%s" % prop,
        """
        MATCH (c:ControlResult)
        WHERE c.%s IS NOT NULL AND c.%s > $after AND @visible(c) AND %s
        WITH c.%s AS key, count(c) AS controls,
             count(CASE WHEN c.outcome IN $hits THEN 1 END) AS hits
        ORDER BY key LIMIT $limit
        RETURN key, key AS label, controls, hits
        """ % (prop, prop, _WINDOW, prop),
    )
    for prop in ("office", "owner_party")
}
