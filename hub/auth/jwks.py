"""Issuer signing keys: JSON Web Key Sets read from a file or fetched (and cached) from a URL.

Only public asymmetric keys are accepted (RSA of 2048 bits or more, EC, OKP): a key set that
holds a symmetric or a private key is refused whole, so an HMAC secret can never sit beside
an issuer's public keys. Each key must carry a ``kid``; tokens pick their key by ``kid``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, Key, OKPKey, RSAKey

from hub.errors import ConfigError

logger = logging.getLogger(__name__)

#: The signature algorithms a trusted issuer may be configured with, and the key each needs
#: (key type, curve). Deliberately no HS* (shared secrets), no ``none``, no ``EdDSA`` (RFC 9864
#: deprecates the polymorphic name in favour of ``Ed25519``).
SUPPORTED_ALGORITHMS: Mapping[str, tuple[str, str | None]] = {
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "Ed25519": ("OKP", "Ed25519"),
}
MIN_RSA_BITS = 2048
MAX_JWKS_BYTES = 512 * 1024


class JwksError(Exception):
    """A key set cannot be used; the message says why without quoting key material."""


class KeySource(Protocol):
    """Where one issuer's verification keys come from."""

    async def key(self, kid: str) -> Key | None:
        """The public key with this ``kid``, or None when the issuer has none.

        Called by :class:`hub.auth.validator.JwtValidator` once per token. Sources that fetch
        may refresh here; they never raise for an unknown ``kid`` (None is the answer).
        """
        ...


def key_fits(key: Key, alg: str) -> bool:
    """Whether ``key`` can verify ``alg`` (its type, curve, and its own ``alg`` if it has one)."""
    wanted = SUPPORTED_ALGORITHMS.get(alg)
    if wanted is None:
        return False
    kty, crv = wanted
    if key.key_type != kty:
        return False
    if crv is not None and key.get("crv") != crv:
        return False
    own_alg = key.get("alg")
    return own_alg is None or own_alg == alg


def parse_jwks(document: object) -> dict[str, Key]:
    """Turn a JWKS document (``{"keys": [...]}``) into public keys by ``kid``.

    Keys meant only for encryption (``use: enc``) are skipped.

    Raises:
        JwksError: not a key set, a key without kid, a duplicate kid, a symmetric, private,
            weak or unreadable key, or no signing key at all.
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksError('not a JSON Web Key Set (expected an object with a "keys" list)')
    keys: dict[str, Key] = {}
    for number, item in enumerate(document["keys"], start=1):
        if not isinstance(item, dict):
            raise JwksError(f"key {number} is not an object")
        if item.get("use", "sig") != "sig":
            continue
        kid = item.get("kid")
        if not isinstance(kid, str) or not kid:
            raise JwksError(f"key {number} has no kid")
        if kid in keys:
            raise JwksError(f"kid {kid!r} appears twice")
        keys[kid] = _public_key(item, f"key {kid!r}")
    if not keys:
        raise JwksError("holds no signing key")
    return keys


def _public_key(item: dict[str, Any], label: str) -> Key:
    if item.get("kty") not in {"RSA", "EC", "OKP"}:
        raise JwksError(f"{label} has key type {item.get('kty')!r}; only RSA, EC and OKP are used")
    if item["kty"] == "RSA" and _modulus_bits(item.get("n")) < MIN_RSA_BITS:
        # Checked before import: joserfc would only warn about a weak key.
        raise JwksError(f"{label} is an RSA key under {MIN_RSA_BITS} bits")
    try:
        key = JWKRegistry.import_key(item)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise JwksError(f"{label} cannot be read ({type(exc).__name__})") from None
    if key.is_private:
        raise JwksError(f"{label} is a private key; publish only public keys")
    if not isinstance(key, RSAKey | ECKey | OKPKey):  # pragma: no cover  # kty checked above
        raise JwksError(f"{label} has an unsupported key type")
    return key


def _modulus_bits(n: object) -> int:
    if not isinstance(n, str):
        return 0
    try:
        modulus = base64.urlsafe_b64decode(n + "=" * (-len(n) % 4))
    except ValueError:
        return 0
    return int.from_bytes(modulus, "big").bit_length()


class StaticKeys:
    """A fixed key set: a JWKS file read at start-up, or the dev issuer's own key."""

    def __init__(self, keys: Mapping[str, Key]) -> None:
        self._keys = dict(keys)

    @classmethod
    def from_file(cls, path: Path) -> StaticKeys:
        """Read a JWKS file.

        Raises:
            ConfigError: the file is missing or not a usable key set; the message names it.
        """
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"JWKS file {path} cannot be read: {exc.strerror}") from exc
        except ValueError as exc:
            raise ConfigError(f"JWKS file {path} is not valid JSON: {exc}") from exc
        try:
            return cls(parse_jwks(document))
        except JwksError as exc:
            raise ConfigError(f"JWKS file {path}: {exc}") from exc

    async def key(self, kid: str) -> Key | None:
        return self._keys.get(kid)


def check_jwks_url(url: str) -> str | None:
    """Why ``url`` is not an acceptable JWKS URL, or None when it is.

    HTTPS is required; plain HTTP only to a loopback host (a sidecar or a test server).
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a URL"
    if not parts.hostname:
        return "has no host"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in {"127.0.0.1", "::1", "localhost"}:
        return None
    return "must use https (plain http is allowed only to a loopback host)"


class JwksUrl:
    """A key set fetched with httpx and cached.

    The cache is refreshed when older than ``ttl`` seconds. A token whose ``kid`` is unknown
    triggers one refetch (so key rotation at the issuer works at once), but at most one fetch
    per ``min_refetch`` seconds, so forged kids cannot make the hub hammer the issuer. A failed
    fetch keeps the last good keys and is retried after ``retry`` seconds.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl: float = 300.0,
        min_refetch: float = 60.0,
        retry: float = 5.0,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._ttl = ttl
        self._min_refetch = min_refetch
        self._retry = retry
        self._timeout = timeout
        self._clock = clock
        self._keys: dict[str, Key] = {}
        self._loaded_at: float | None = None
        self._tried_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many fetches were attempted (observability and tests)

    async def key(self, kid: str) -> Key | None:
        if self._stale():
            async with self._lock:
                if self._stale():  # another request may have refreshed it meanwhile
                    await self._refresh()
        found = self._keys.get(kid)
        if found is None and self._since_tried() >= self._min_refetch:
            async with self._lock:
                found = self._keys.get(kid)
                if found is None and self._since_tried() >= self._min_refetch:
                    await self._refresh()
                    found = self._keys.get(kid)
        return found

    def _since_tried(self) -> float:
        return float("inf") if self._tried_at is None else self._clock() - self._tried_at

    def _stale(self) -> bool:
        fresh = self._loaded_at is not None and self._clock() - self._loaded_at < self._ttl
        return not fresh and self._since_tried() >= self._retry

    async def _refresh(self) -> None:
        self._tried_at = self._clock()
        self.fetches += 1
        try:
            keys = await self._fetch()
        except (httpx.HTTPError, JwksError, ValueError) as exc:
            # An issuer outage must not leak into answers: log it for operators; requests
            # keep using the last good keys, or are refused when there are none.
            logger.warning("JWKS fetch from %s failed: %s", self.url, exc)
            return
        self._keys = keys
        self._loaded_at = self._clock()
        logger.debug("JWKS from %s loaded: %d key(s)", self.url, len(keys))

    async def _fetch(self) -> dict[str, Key]:
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            response = await client.get(self.url, headers={"Accept": "application/json"})
        response.raise_for_status()
        if len(response.content) > MAX_JWKS_BYTES:
            raise JwksError(f"response larger than {MAX_JWKS_BYTES} bytes")
        return parse_jwks(response.json())
