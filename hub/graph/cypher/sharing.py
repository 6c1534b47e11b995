"""Statements for changing who a record is shared with (owner only; checked in the query too)."""

from hub.graph.statements import Mode, statement

SHARING_OF = statement(
    "sharing.of",
    """
    MATCH (n:Entity {id: $id})
    WHERE @visible(n)
    RETURN n.kind AS kind, n.owner_agency AS owner_agency, n.owner_party AS owner_party,
           n.distribution AS distribution, n.share_with AS share_with
    """,
)

CHANGE_SHARING = statement(
    "sharing.change",
    # The owner test is repeated here so that a race with another change cannot widen a record
    # its caller does not own.
    """
    MATCH (n:Entity {id: $id})
    WHERE n.owner_agency = $agency AND n.owner_party = $party
    SET n.distribution = $distribution, n.share_with = $share_with, n.sharing_changed_at = $at
    RETURN n.id AS id
    """,
    Mode.WRITE,
)
