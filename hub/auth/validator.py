"""Bearer-token authentication: an ``Authorization`` header in, a :class:`Principal` out.

Every refusal raises the same :class:`AuthenticationError` (``GENERIC_REFUSAL``); the precise
reason is logged at debug level on the ``hub.auth.validator`` logger, never with the token.

The check, in order: ``Bearer <jwt>`` header → compact JWS with only the header parameters
``alg``, ``kid``, ``typ``, ``x5t``, ``x5t#S256`` (so no embedded or remote keys, no ``crit``)
→ the unverified ``iss`` picks one trusted issuer → ``alg`` must be one that issuer is
configured with (the token alone never chooses it) → the ``kid`` picks the issuer's key,
which must fit the algorithm → signature → registered claims → agency, party and roles.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from joserfc import jws
from joserfc.errors import JoseError

from hub.auth.claims import TokenRefusedError, check_registered_claims, principal_from_claims
from hub.auth.dev import DevIssuer
from hub.auth.issuers import TrustedIssuer, check_unique, load_issuers
from hub.auth.jwks import key_fits
from hub.errors import AuthenticationError, ConfigError
from hub.principal import Principal
from hub.settings import Settings

logger = logging.getLogger(__name__)

GENERIC_REFUSAL = (
    "authentication failed: send a valid, unexpired bearer token from a trusted issuer "
    "in the Authorization header"
)
MAX_TOKEN_LENGTH = 8_192
_HEADER_PARAMETERS = frozenset({"alg", "kid", "typ", "x5t", "x5t#S256"})
_BEARER = re.compile(r"Bearer ([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)", re.IGNORECASE)


class TokenValidator(Protocol):
    """Turns the ``Authorization`` header of a request into the calling principal."""

    async def authenticate(self, authorization: str | None) -> Principal:
        """Authenticate one request.

        Called by the HTTP layer for every GraphQL request with the raw header value (None
        when absent). Async because an issuer's key set may have to be fetched.

        Returns:
            The principal the token vouches for.

        Raises:
            AuthenticationError: always with the same message, whatever failed.
        """
        ...


class JwtValidator:
    """Validates JWT bearer tokens against a fixed set of trusted issuers (joserfc)."""

    def __init__(
        self, issuers: Iterable[TrustedIssuer], *, now: Callable[[], float] = time.time
    ) -> None:
        self._issuers = {issuer.issuer: issuer for issuer in issuers}
        self._now = now

    @property
    def issuers(self) -> tuple[str, ...]:
        """The ``iss`` values this validator trusts (for start-up logs)."""
        return tuple(self._issuers)

    async def authenticate(self, authorization: str | None) -> Principal:
        try:
            return await self._authenticate(authorization)
        except TokenRefusedError as exc:
            logger.debug("bearer token refused: %s", exc)
        # Raised outside the except block so no cause or context (with the library's detail)
        # travels with the error to whoever renders it.
        raise AuthenticationError(GENERIC_REFUSAL)

    async def _authenticate(self, authorization: str | None) -> Principal:
        token = _bearer_token(authorization)
        try:
            signed = jws.extract_compact(token.encode("ascii"))
        except (JoseError, ValueError) as exc:
            raise TokenRefusedError(f"not a compact JWS ({type(exc).__name__})") from None
        header = signed.headers()
        alg, kid = _checked_header(header)
        claims = _json_object(signed.payload)
        iss = claims.get("iss")
        issuer = self._issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise TokenRefusedError("issuer is not trusted")
        if alg not in issuer.algorithms:
            raise TokenRefusedError(
                f"algorithm {alg[:16]!r} not allowed for issuer {issuer.issuer}"
            )
        key = await issuer.keys.key(kid)
        if key is None:
            raise TokenRefusedError(f"unknown kid {kid[:64]!r} for issuer {issuer.issuer}")
        if not key_fits(key, alg):
            raise TokenRefusedError(
                f"key {kid[:64]!r} of issuer {issuer.issuer} does not fit {alg}"
            )
        try:
            valid = jws.validate_compact(signed, key, algorithms=[alg])
        except JoseError as exc:
            raise TokenRefusedError(f"signature check failed: {exc}") from None
        if not valid:
            raise TokenRefusedError(f"bad signature (issuer {issuer.issuer}, kid {kid[:64]!r})")
        check_registered_claims(claims, issuer.issuer, issuer.audience, lambda: int(self._now()))
        return principal_from_claims(claims, issuer.issuer, issuer.may_assert)


def _bearer_token(authorization: str | None) -> str:
    if authorization is None or not authorization.strip():
        raise TokenRefusedError("no Authorization header")
    if len(authorization) > MAX_TOKEN_LENGTH:
        raise TokenRefusedError("Authorization header too long")
    match = _BEARER.fullmatch(authorization.strip())
    if match is None:
        raise TokenRefusedError("Authorization header is not 'Bearer <jwt>'")
    return match.group(1)


def _checked_header(header: dict[str, Any]) -> tuple[str, str]:
    extra = set(header) - _HEADER_PARAMETERS
    if extra:
        raise TokenRefusedError(f"token header has unsupported parameter(s) {sorted(extra)[:5]}")
    alg, kid = header.get("alg"), header.get("kid")
    if not isinstance(alg, str):
        raise TokenRefusedError("token header has no alg")
    if not isinstance(kid, str) or not kid:
        raise TokenRefusedError("token header has no kid")
    return alg, kid


def _json_object(payload: bytes | None) -> dict[str, Any]:
    try:
        claims = json.loads(payload or b"")
    except ValueError:
        raise TokenRefusedError("payload is not JSON") from None
    if not isinstance(claims, dict):
        raise TokenRefusedError("payload is not a JSON object")
    return claims


def build_validator(settings: Settings) -> JwtValidator:
    """The validator for ``settings``: the issuers file, plus the dev issuer when enabled.

    Raises:
        ConfigError: the issuers file is invalid, the dev issuer's key cannot be made, or no
            issuer at all is trusted (every request would be refused).
    """
    issuers: list[TrustedIssuer] = []
    if settings.issuers_file is not None:
        issuers.extend(load_issuers(settings.issuers_file))
    if settings.dev_issuer:
        issuers.append(DevIssuer.load_or_create(settings.data_dir).trusted_issuer())
    if not issuers:
        raise ConfigError("no trusted token issuer: set HUB_ISSUERS_FILE to an issuers file, "
                          "or HUB_DEV_ISSUER=true for local development")
    check_unique(issuers, "trusted issuers (issuers file and dev issuer)")
    return JwtValidator(issuers)
