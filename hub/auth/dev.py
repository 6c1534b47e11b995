"""The development issuer: a local ES256 key that mints tokens for any agency.

The key lives in ``<data_dir>/dev-issuer/signing-key.jwk.json`` (mode 0600, made on first use
and reused). The hub trusts this issuer only when ``HUB_DEV_ISSUER`` is true; otherwise its
tokens are refused like any other unknown issuer's.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from hub.auth.issuers import TrustedIssuer
from hub.auth.jwks import StaticKeys
from hub.errors import ConfigError, InputError
from hub.principal import Role
from hub.reference import AGENCY_BY_CODE, PARTY_BY_CODE
from hub.settings import Settings

DEV_ISSUER = "urn:cefta-risk-hub:dev-issuer"
DEV_AUDIENCE = "cefta-risk-hub"
DEV_ALGORITHM = "ES256"
KEY_DIR = "dev-issuer"
KEY_FILE = "signing-key.jwk.json"
DEFAULT_TTL = timedelta(hours=8)
MAX_TTL = timedelta(days=7)

#: Who ``example_tokens`` mints for: agencies of several types, parties and both blocs.
EXAMPLES: tuple[tuple[str, Role], ...] = (
    ("RS-CUS", Role.ANALYST),
    ("MK-CUS", Role.OFFICER),
    ("MK-PHY", Role.OFFICER),
    ("AL-BP", Role.RMTT),
    ("XK-CUS", Role.RMWG),
    ("ME-VET", Role.AUDITOR),
    ("BA-CUS", Role.CONNECTOR),
    ("HR-CUS", Role.ANALYST),
)


class DevIssuer:
    """Signs development tokens with the hub's local key."""

    def __init__(self, key: ECKey, *, now: Callable[[], float] = time.time) -> None:
        if not key.is_private or key.kid is None:
            raise ConfigError("the dev issuer needs a private EC key with a kid")
        self._key = key
        self._now = now

    @property
    def kid(self) -> str:
        return self._key.kid or ""

    @classmethod
    def load_or_create(cls, data_dir: Path) -> DevIssuer:
        """Load the key from ``data_dir``, creating it (mode 0600) on first use.

        Raises:
            ConfigError: the key file is readable by others, or unreadable; the message names
                the file and says what to do.
        """
        directory = data_dir / KEY_DIR
        path = directory / KEY_FILE
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                _create(path)
            return cls(_load(path))
        except OSError as exc:
            raise ConfigError(f"dev issuer key {path} cannot be used: {exc.strerror}") from exc

    def trusted_issuer(self) -> TrustedIssuer:
        """The issuer entry the validator uses: any agency of any party."""
        public = ECKey.import_key(self._key.as_dict(private=False))
        return TrustedIssuer(
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            keys=StaticKeys({self.kid: public}),
            algorithms=frozenset({DEV_ALGORITHM}),
            parties=frozenset(PARTY_BY_CODE),
        )

    def mint(
        self,
        agency: str,
        roles: Iterable[Role | str],
        ttl: timedelta = DEFAULT_TTL,
        subject: str | None = None,
    ) -> str:
        """A signed token for ``agency`` with ``roles``, valid for ``ttl`` from now.

        ``subject`` defaults to ``dev:<agency>:<first role>``.

        Raises:
            InputError: unknown agency or role, no role, or a ttl outside 1 s .. 7 days.
        """
        info = AGENCY_BY_CODE.get(agency)
        if info is None:
            raise InputError(f"unknown agency {agency!r}; use a code such as RS-CUS or MK-PHY")
        role_list = _roles(roles)
        if not timedelta(seconds=1) <= ttl <= MAX_TTL:
            raise InputError(f"token lifetime {ttl} must be between 1 second and 7 days")
        issued = int(self._now())
        claims = {
            "iss": DEV_ISSUER,
            "aud": DEV_AUDIENCE,
            "sub": subject or f"dev:{agency}:{role_list[0]}",
            "iat": issued,
            "nbf": issued,
            "exp": issued + int(ttl.total_seconds()),
            "jti": secrets.token_hex(16),
            "agency": info.code,
            "party": info.party,
            "roles": role_list,
        }
        header = {"alg": DEV_ALGORITHM, "kid": self.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._key, algorithms=[DEV_ALGORITHM])


def _roles(roles: Iterable[Role | str]) -> list[str]:
    names: list[str] = []
    for role in roles:
        try:
            name = Role(role).value
        except ValueError:
            raise InputError(
                f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
            ) from None
        if name not in names:
            names.append(name)
    if not names:
        raise InputError("give at least one role")
    return names


def _create(path: Path) -> None:
    key = ECKey.generate_key("P-256", {"use": "sig", "alg": DEV_ALGORITHM}, auto_kid=True)
    data = json.dumps(key.as_dict(private=True)).encode("utf-8")
    try:
        # O_EXCL: if two processes race, one creates and the other loads its key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _load(path: Path) -> ECKey:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"dev issuer key {path} is readable by others (mode {mode:o}); "
                          f"run: chmod 600 {path}")
    try:
        key = ECKey.import_key(json.loads(path.read_text(encoding="utf-8")))
    except (JoseError, ValueError, TypeError, KeyError):
        # No detail from the parser: it could quote key material.
        raise ConfigError(f"dev issuer key {path} is not a usable EC private key; "
                          "delete it and a new one is made") from None
    if not key.is_private or key.get("crv") != "P-256":
        raise ConfigError(f"dev issuer key {path} is not a P-256 private key; "
                          "delete it and a new one is made")
    key.ensure_kid()
    return key


_TTL = re.compile(r"\s*(\d+)\s*([smhd]?)\s*", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}


def parse_ttl(text: str) -> timedelta:
    """Read a lifetime such as ``90s``, ``30m``, ``8h``, ``2d`` or plain seconds.

    Raises:
        InputError: the text is not such a lifetime.
    """
    match = _TTL.fullmatch(text)
    if match is None:
        raise InputError(f"lifetime {text!r} is not like 90s, 30m, 8h or 2d")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])


def example_tokens(settings: Settings, ttl: timedelta = DEFAULT_TTL) -> list[tuple[str, str, str]]:
    """Dev tokens for a few agencies of different types and parties: (agency, role, token).

    For ``hub serve --print-tokens``.

    Raises:
        ConfigError: the dev issuer is off (its tokens would be refused) or its key unusable.
    """
    issuer = dev_issuer(settings)
    return [(agency, role.value, issuer.mint(agency, [role], ttl)) for agency, role in EXAMPLES]


def dev_issuer(settings: Settings) -> DevIssuer:
    """The dev issuer of ``settings.data_dir``, if ``settings.dev_issuer`` allows it.

    Raises:
        ConfigError: the dev issuer is off, or its key unusable.
    """
    if not settings.dev_issuer:
        raise ConfigError("the development issuer is off, so its tokens would be refused; "
                          "set HUB_DEV_ISSUER=true to use it")
    return DevIssuer.load_or_create(settings.data_dir)
