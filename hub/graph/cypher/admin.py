"""Administrative statements: emptying a graph in bounded batches (tests and ``seed --reset``)."""

from hub.graph.statements import Mode, statement

CLEAR_BATCH = statement(
    "admin.clear_batch",
    # WITH ... LIMIT before the write: a LIMIT after DETACH DELETE would not bound the delete.
    """
    MATCH (n)
    WITH n LIMIT $batch
    DETACH DELETE n
    RETURN count(n) AS deleted
    """,
    Mode.WRITE,
)
