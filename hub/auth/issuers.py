"""Trusted token issuers: who may vouch for which parties' agencies, read from a TOML file.

The file (``HUB_ISSUERS_FILE``, see ``deploy/issuers.example.toml``) holds one ``[[issuer]]``
table per identity provider:

    issuer      required  exact ``iss`` value
    audience    required  the ``aud`` value tokens must carry for this hub
    jwks_file   one of    path of a JWKS file (relative to the issuers file)
    jwks_url    these     https URL of the issuer's JWKS (http only to a loopback host)
    parties     required  party codes whose agencies this issuer may assert, e.g. ["RS"]
    agencies    optional  narrows ``parties`` to these agency codes, e.g. ["RS-CUS"]
    algorithms  optional  allowed signature algorithms, default ["RS256", "ES256"]
    jwks_cache_seconds  optional  how long fetched keys are kept (60..86400, default 300)
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.auth.jwks import SUPPORTED_ALGORITHMS, JwksUrl, KeySource, StaticKeys, check_jwks_url
from hub.errors import ConfigError
from hub.reference import AGENCY_BY_CODE, PARTY_BY_CODE

DEFAULT_ALGORITHMS = ("RS256", "ES256")
_FIELDS = {
    "issuer", "audience", "jwks_file", "jwks_url", "parties", "agencies", "algorithms",
    "jwks_cache_seconds",
}


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """One identity provider the hub believes, within the agencies it may assert."""

    issuer: str
    audience: str
    keys: KeySource
    algorithms: frozenset[str]
    parties: frozenset[str]
    agencies: frozenset[str] = frozenset()  # empty: every agency of ``parties``

    def may_assert(self, agency_code: str) -> bool:
        """Whether a token from this issuer may name ``agency_code`` (a known agency code)."""
        agency = AGENCY_BY_CODE.get(agency_code)
        if agency is None or agency.party not in self.parties:
            return False
        return not self.agencies or agency_code in self.agencies


def load_issuers(path: Path) -> tuple[TrustedIssuer, ...]:
    """Read and validate the trusted-issuers file; JWKS files are read now, URLs on first use.

    Raises:
        ConfigError: the file is missing, not TOML, or an entry is invalid; the message names
            the file and the entry.
    """
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"issuers file {path} cannot be read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"issuers file {path} is not valid TOML: {exc}") from exc
    extra = set(document) - {"issuer"}
    if extra:
        raise ConfigError(f"issuers file {path}: unknown top-level key(s) {sorted(extra)}; "
                          "use [[issuer]] tables")
    entries = document.get("issuer", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ConfigError(f"issuers file {path}: 'issuer' must be an array of [[issuer]] tables")
    issuers: list[TrustedIssuer] = []
    for number, entry in enumerate(entries, start=1):
        issuers.append(_entry(entry, _Where(path, number, entry.get("issuer"))))
    check_unique(issuers, str(path))
    return tuple(issuers)


def check_unique(issuers: Iterable[TrustedIssuer], origin: str) -> None:
    """Refuse two trusted issuers with the same ``iss`` (a token must map to exactly one).

    Raises:
        ConfigError: the duplicated issuer, naming ``origin``.
    """
    seen: set[str] = set()
    for issuer in issuers:
        if issuer.issuer in seen:
            raise ConfigError(f"{origin}: issuer {issuer.issuer!r} is configured twice")
        seen.add(issuer.issuer)


@dataclass(frozen=True, slots=True)
class _Where:
    path: Path
    number: int
    issuer: object

    def error(self, message: str) -> ConfigError:
        name = f" ({self.issuer!r})" if isinstance(self.issuer, str) else ""
        return ConfigError(f"issuers file {self.path}, entry {self.number}{name}: {message}")


def _entry(entry: Mapping[str, Any], where: _Where) -> TrustedIssuer:
    unknown = set(entry) - _FIELDS
    if unknown:
        raise where.error(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_FIELDS)}")
    issuer = _text(entry, "issuer", where)
    audience = _text(entry, "audience", where)
    parties = _codes(entry, "parties", where, required=True)
    bad = sorted(parties - set(PARTY_BY_CODE))
    if bad:
        raise where.error(f"unknown party code(s) {bad}; known: {sorted(PARTY_BY_CODE)}")
    agencies = _codes(entry, "agencies", where, required=False)
    for code in sorted(agencies):
        agency = AGENCY_BY_CODE.get(code)
        if agency is None:
            raise where.error(f"unknown agency code {code!r}")
        if agency.party not in parties:
            raise where.error(f"agency {code!r} belongs to party {agency.party!r}, "
                              "which is not in 'parties'")
    algorithms = _codes(entry, "algorithms", where, required=False) or frozenset(DEFAULT_ALGORITHMS)
    bad = sorted(algorithms - set(SUPPORTED_ALGORITHMS))
    if bad:
        raise where.error(f"unsupported algorithm(s) {bad}; choose from "
                          f"{sorted(SUPPORTED_ALGORITHMS)}")
    return TrustedIssuer(
        issuer=issuer,
        audience=audience,
        keys=_keys(entry, where),
        algorithms=algorithms,
        parties=parties,
        agencies=agencies,
    )


def _keys(entry: Mapping[str, Any], where: _Where) -> KeySource:
    has_file, has_url = "jwks_file" in entry, "jwks_url" in entry
    if has_file == has_url:
        raise where.error("give exactly one of 'jwks_file' or 'jwks_url'")
    ttl = entry.get("jwks_cache_seconds", 300)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 60 <= ttl <= 86_400:
        raise where.error("'jwks_cache_seconds' must be a whole number from 60 to 86400")
    if has_url:
        url = _text(entry, "jwks_url", where)
        problem = check_jwks_url(url)
        if problem:
            raise where.error(f"jwks_url {url!r} {problem}")
        return JwksUrl(url, ttl=float(ttl))
    if "jwks_cache_seconds" in entry:
        raise where.error("'jwks_cache_seconds' applies only to 'jwks_url'")
    jwks_file = Path(_text(entry, "jwks_file", where))
    if not jwks_file.is_absolute():
        jwks_file = where.path.parent / jwks_file
    try:
        return StaticKeys.from_file(jwks_file)
    except ConfigError as exc:
        raise where.error(exc.message) from exc


def _text(entry: Mapping[str, Any], name: str, where: _Where) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise where.error(f"{name!r} must be a non-empty string")
    return value


def _codes(entry: Mapping[str, Any], name: str, where: _Where, *, required: bool) -> frozenset[str]:
    value = entry.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise where.error(f"{name!r} must be a list of strings")
    if required and not value:
        raise where.error(f"{name!r} must name at least one")
    return frozenset(value)
