"""Authentication: bearer JWTs from trusted issuers become a :class:`hub.principal.Principal`.

Public surface (the HTTP layer and the CLI use only these):

- :class:`TokenValidator` (Protocol) with ``async authenticate(authorization) -> Principal``;
  raises :class:`hub.errors.AuthenticationError` with one generic message for every failure.
- :class:`JwtValidator`, built by :func:`build_validator(settings) <build_validator>` from the
  issuers file (``HUB_ISSUERS_FILE``, TOML) plus the dev issuer when ``HUB_DEV_ISSUER`` is on.
- :class:`DevIssuer` (``mint(agency, roles, ttl, subject)``), :func:`dev_issuer`,
  :func:`example_tokens` and :func:`parse_ttl` for ``hub token`` and ``hub serve
  --print-tokens``.

Claim names are documented in :mod:`hub.auth.claims`, the issuers file in
:mod:`hub.auth.issuers`.
"""

from __future__ import annotations

from hub.auth.claims import LEEWAY_SECONDS
from hub.auth.dev import DevIssuer, dev_issuer, example_tokens, parse_ttl
from hub.auth.issuers import TrustedIssuer, load_issuers
from hub.auth.validator import GENERIC_REFUSAL, JwtValidator, TokenValidator, build_validator

__all__ = [
    "GENERIC_REFUSAL",
    "LEEWAY_SECONDS",
    "DevIssuer",
    "JwtValidator",
    "TokenValidator",
    "TrustedIssuer",
    "build_validator",
    "dev_issuer",
    "example_tokens",
    "load_issuers",
    "parse_ttl",
]
