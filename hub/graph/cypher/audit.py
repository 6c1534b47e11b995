"""The audit trail's statements: append to the hash chain, walk it, and the originator's query.

Entries are ``:AuditEntry`` nodes, never ``:Entity``, and carry no sharing metadata, so no
domain read (all of which start from ``:Entity`` or a domain label and pass ``@visible``) can
reach them. One ``:AuditHead`` node holds the last sequence number and hash: appending checks
and moves it in the same statement, so two writers can never fork the chain.
"""

from hub.graph.statements import Mode, statement

HEAD = statement(
    "audit.head",
    """
    MATCH (h:AuditHead {name: 'chain'})
    RETURN h.seq AS seq, h.hash AS hash
    """,
)

APPEND = statement(
    "audit.append",
    # Setting claimed_at before the check takes the head's write lock on Neo4j, so the check
    # sees the last committed head; FalkorDB runs writes one at a time anyway. No row comes
    # back when the head has moved: the caller re-reads it and tries again.
    """
    MERGE (h:AuditHead {name: 'chain'})
    ON CREATE SET h.seq = 0, h.hash = $genesis
    SET h.claimed_at = $at
    WITH h
    WHERE h.seq = $prev_seq AND h.hash = $prev
    CREATE (e:AuditEntry {seq: $seq, at: $at, subject: $subject, issuer: $issuer,
                          agency: $agency, operation: $operation, purpose: $purpose,
                          record_ids: $record_ids, record_owners: $record_owners,
                          prev: $prev, hash: $hash})
    SET h.seq = $seq, h.hash = $hash
    RETURN e.seq AS seq
    """,
    Mode.WRITE,
)

CHAIN_PAGE = statement(
    "audit.chain_page",
    """
    MATCH (e:AuditEntry)
    WHERE e.seq > $after
    WITH e ORDER BY e.seq LIMIT $limit
    RETURN e {.seq, .at, .subject, .issuer, .agency, .operation, .purpose, .record_ids,
              .record_owners, .prev, .hash} AS e
    """,
)

COUNT = statement(
    "audit.count",
    "MATCH (e:AuditEntry) RETURN count(e) AS total",
)

ACCESSED_RECORDS_OF = statement(
    "audit.accessed_records_of",
    # Only the ids of the agency's own records leave the database: an entry that also names
    # other agencies' records is returned with those ids filtered out.
    """
    MATCH (e:AuditEntry)
    WHERE e.seq > $after AND $agency IN e.record_owners
    WITH e ORDER BY e.seq LIMIT $limit
    RETURN e {.seq, .at, .subject, .issuer, .agency, .operation, .purpose,
              record_ids: [i IN range(0, size(e.record_ids) - 1)
                           WHERE e.record_owners[i] = $agency | e.record_ids[i]]} AS e
    """,
)
