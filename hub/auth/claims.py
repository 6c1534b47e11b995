"""The token claims the hub reads, and how verified claims become a :class:`Principal`.

Claim names (RFC 7519 registered ones plus three of the hub's own):

    iss     required  exact issuer string of a trusted issuer
    aud     required  the issuer's configured audience (string, or a list holding it)
    sub     required  the identity provider's id of the user or client, non-empty
    exp     required  expiry (NumericDate); 30 s of clock-skew leeway
    nbf     optional  not before (NumericDate); same leeway
    iat     optional  issued at; refused when in the future beyond the leeway
    agency  required  agency code from hub.reference, e.g. "RS-CUS"
    roles   required  non-empty list of role names: analyst officer rmwg rmtt auditor connector
    party   optional  party code; when present it must be the agency's party

The party and agency type are never taken from the token: they come from the reference data
for the agency. A claim with an unexpected type or value refuses the whole token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE

LEEWAY_SECONDS = 30
MAX_SUBJECT_LENGTH = 256
MAX_ROLES = 16

AGENCY_CLAIM = "agency"
ROLES_CLAIM = "roles"
PARTY_CLAIM = "party"


class TokenRefusedError(Exception):
    """Why one token was refused; internal: logged at debug level, then replaced by the
    generic AuthenticationError, so it never reaches a caller."""


def check_registered_claims(
    claims: Mapping[str, Any], issuer: str, audience: str, now: Callable[[], int]
) -> None:
    """Check iss, aud, sub, exp (all required) and nbf, iat (if present).

    Raises:
        TokenRefusedError: a claim is missing, of the wrong type, or out of its time window.
    """
    registry = JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        sub={"essential": True},
        exp={"essential": True},
    )
    try:
        registry.validate(dict(claims))
    except JoseError as exc:
        raise TokenRefusedError(f"registered claims rejected: {exc}") from None


def principal_from_claims(
    claims: Mapping[str, Any], issuer: str, assertable: Callable[[str], bool]
) -> Principal:
    """Map verified claims to a Principal.

    ``assertable(agency_code)`` says whether the issuer may vouch for that agency.

    Raises:
        TokenRefusedError: the subject, agency, party or roles are missing, unknown or not
            the issuer's to assert.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
        raise TokenRefusedError("subject is empty or too long")
    agency_code = claims.get(AGENCY_CLAIM)
    if not isinstance(agency_code, str):
        raise TokenRefusedError("agency claim missing or not a string")
    agency = AGENCY_BY_CODE.get(agency_code)
    if agency is None:
        raise TokenRefusedError(f"unknown agency {agency_code[:32]!r}")
    party = claims.get(PARTY_CLAIM, agency.party)
    if party != agency.party:
        raise TokenRefusedError(f"party claim does not match agency {agency.code}")
    if not assertable(agency.code):
        raise TokenRefusedError(f"issuer may not assert agency {agency.code}")
    return Principal(
        subject=subject,
        party=agency.party,
        agency=agency.code,
        agency_type=agency.type.value,
        roles=_roles(claims.get(ROLES_CLAIM)),
        issuer=issuer,
    )


def _roles(raw: object) -> frozenset[Role]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_ROLES:
        raise TokenRefusedError("roles claim missing, empty or not a list")
    roles = set()
    for name in raw:
        try:
            roles.add(Role(name))
        except ValueError:
            # One unknown role refuses the token: a typo in an IdP mapper must not quietly
            # hand out fewer (or, after a rename, other) rights than intended.
            raise TokenRefusedError("roles claim holds an unknown role") from None
    return frozenset(roles)
