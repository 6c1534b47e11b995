"""Who is calling: the authenticated principal, as the auth package hands it to the rest."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ANALYST = "analyst"
    OFFICER = "officer"
    RMWG = "rmwg"
    RMTT = "rmtt"
    AUDITOR = "auditor"
    CONNECTOR = "connector"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller acting for one agency of one party.

    ``subject`` is the identity provider's opaque user or client id; ``issuer`` the trusted
    issuer that vouched for the claims.
    """

    subject: str
    party: str
    agency: str
    agency_type: str
    roles: frozenset[Role]
    issuer: str

    def has(self, role: Role) -> bool:
        return role in self.roles
