"""Statements of the migrations runner: which migrations a graph has, and recording one."""

from hub.graph.statements import Mode, statement

APPLIED = statement(
    "migrations.applied",
    """
    MATCH (m:HubMigration)
    RETURN m.version AS version, m.name AS name, m.checksum AS checksum
    ORDER BY version
    """,
)

RECORD = statement(
    "migrations.record",
    """
    MERGE (m:HubMigration {version: $version})
    SET m.name = $name, m.checksum = $checksum, m.applied_at = $applied_at
    """,
    Mode.WRITE,
)

COUNT_ENTITIES = statement(
    "meta.count_entities",
    "MATCH (n:Entity) RETURN count(n) AS n",
)
