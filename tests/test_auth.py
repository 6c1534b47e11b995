"""Bearer-token authentication with real signed tokens, real key files and a real JWKS server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import ECKey, Key, OKPKey, RSAKey
from typer.testing import CliRunner

from hub.auth import (
    GENERIC_REFUSAL,
    DevIssuer,
    JwtValidator,
    TrustedIssuer,
    build_validator,
    example_tokens,
    load_issuers,
    parse_ttl,
)
from hub.auth.dev import DEV_ISSUER, KEY_DIR, KEY_FILE
from hub.auth.jwks import JwksUrl
from hub.cli import app
from hub.errors import AuthenticationError, ConfigError, InputError
from hub.principal import Principal, Role
from hub.reference import AGENCY_BY_CODE
from hub.settings import Settings

RS_ISS = "https://idp.rs.test/realms/hub"
MK_ISS = "https://login.mk.test/oauth2"
HR_ISS = "https://sso.hr.test"
AUD = "cefta-risk-hub"
REPO = Path(__file__).resolve().parents[1]


# --- keys, token helpers ---------------------------------------------------------------------

@dataclass(frozen=True)
class Keys:
    rs: RSAKey  # Serbia's IdP, RS256
    mk: ECKey  # North Macedonia's IdP, ES256
    hr: OKPKey  # Croatia's IdP, Ed25519
    attacker: RSAKey  # an attacker's key that claims Serbia's kid


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys(
        rs=RSAKey.generate_key(2048, {"kid": "rs-1"}),
        mk=ECKey.generate_key("P-256", {"kid": "mk-1"}),
        hr=OKPKey.generate_key("Ed25519", {"kid": "hr-1"}),
        attacker=RSAKey.generate_key(2048, {"kid": "rs-1"}),
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: object) -> str:
    return b64(json.dumps(value).encode())


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": RS_ISS, "aud": AUD, "sub": "user-17", "iat": now, "nbf": now, "exp": now + 300,
        "agency": "RS-CUS", "roles": ["analyst"],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(key: Key, payload: dict[str, Any], alg: str = "RS256", **header: Any) -> str:
    head = {"alg": alg, "kid": key.kid, **header}
    return jwt.encode({k: v for k, v in head.items() if v is not None}, payload, key,
                      algorithms=[alg])


def forge_hs256(secret: bytes, payload: dict[str, Any], kid: str = "rs-1") -> str:
    signing_input = f"{b64json({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{b64json(payload)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def write_jwks(path: Path, *members: Key) -> Path:
    path.write_text(json.dumps({"keys": [k.as_dict(private=False) for k in members]}))
    return path


ISSUERS_TOML = f"""
[[issuer]]
issuer = "{RS_ISS}"
audience = "{AUD}"
jwks_file = "rs.jwks.json"
parties = ["RS"]
algorithms = ["RS256"]

[[issuer]]
issuer = "{MK_ISS}"
audience = "{AUD}"
jwks_file = "mk.jwks.json"
parties = ["MK"]
agencies = ["MK-CUS", "MK-PHY"]
algorithms = ["ES256"]

[[issuer]]
issuer = "{HR_ISS}"
audience = "hub-eu"
jwks_file = "hr.jwks.json"
parties = ["HR"]
algorithms = ["Ed25519"]
"""


@pytest.fixture
def issuers_file(tmp_path: Path, keys: Keys) -> Path:
    write_jwks(tmp_path / "rs.jwks.json", keys.rs)
    write_jwks(tmp_path / "mk.jwks.json", keys.mk)
    write_jwks(tmp_path / "hr.jwks.json", keys.hr)
    path = tmp_path / "issuers.toml"
    path.write_text(ISSUERS_TOML)
    return path


@pytest.fixture
def validator(issuers_file: Path, tmp_path: Path) -> JwtValidator:
    return build_validator(Settings(issuers_file=issuers_file, data_dir=tmp_path / "data"))


async def refused(validator: JwtValidator, header: str | None,
                  caplog: pytest.LogCaptureFixture, *secrets: str) -> str:
    """Assert ``header`` is refused with the generic error only; return the logged reason."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="hub.auth"), \
            pytest.raises(AuthenticationError) as info:
        await validator.authenticate(header)
    error = info.value
    assert error.message == GENERIC_REFUSAL == str(error)
    assert error.code == "unauthenticated"
    assert error.__cause__ is None
    assert error.__context__ is None
    token = (header or "").strip()[7:]
    for secret in (header, token, *secrets):
        if secret and len(secret) > 16:  # short strings (like "Bearer ") may occur by chance
            assert secret not in str(error)
            assert secret not in caplog.text
    reasons = [r.getMessage() for r in caplog.records if r.name.startswith("hub.auth")]
    assert reasons, "a refusal must be logged at debug level"
    return reasons[-1]


# --- the attack table ------------------------------------------------------------------------

Attack = Callable[[Keys], str | None]


def _tampered(keys: Keys) -> str:
    head, _payload, signature = sign(keys.rs, claims()).split(".")
    return f"Bearer {head}.{b64json(claims(agency='RS-BP', roles=['rmwg']))}.{signature}"


def _hs256_with_public_pem(keys: Keys) -> str:
    pem = keys.rs.as_pem(private=False)
    return "Bearer " + forge_hs256(pem, claims())


def _hs256_with_public_jwk(keys: Keys) -> str:
    jwk_text = json.dumps(keys.rs.as_dict(private=False)).encode()
    return "Bearer " + forge_hs256(jwk_text, claims())


ATTACKS: list[tuple[str, Attack, str]] = [
    ("missing header", lambda k: None, "no Authorization"),
    ("empty header", lambda k: "", "no Authorization"),
    ("basic scheme", lambda k: "Basic dXNlcjpwYXNzd29yZA==", "not 'Bearer"),
    ("bearer without token", lambda k: "Bearer ", "not 'Bearer"),
    ("bearer garbage", lambda k: "Bearer not-a-jwt", "not 'Bearer"),
    ("raw jwt without scheme", lambda k: sign(k.rs, claims()), "not 'Bearer"),
    ("two tokens", lambda k: f"Bearer {sign(k.rs, claims())} {sign(k.rs, claims())}",
     "not 'Bearer"),
    ("header not json", lambda k: "Bearer " + b64(b"{oops") + "." + b64json(claims()) + ".c2ln",
     "not a compact JWS"),
    ("oversized header", lambda k: "Bearer " + "a" * 9000 + ".b.c", "too long"),
    ("alg none", lambda k: "Bearer " + b64json({"alg": "none", "kid": "rs-1"}) + "."
     + b64json(claims()) + ".", "not allowed"),
    ("alg none, no kid", lambda k: "Bearer " + b64json({"alg": "none"}) + "."
     + b64json(claims()) + ".", "no kid"),
    ("HS256 keyed with the issuer's public PEM", _hs256_with_public_pem, "not allowed"),
    ("HS256 keyed with the issuer's public JWK", _hs256_with_public_jwk, "not allowed"),
    ("PS256 where only RS256 is configured",
     lambda k: "Bearer " + sign(k.rs, claims(), alg="PS256"), "not allowed"),
    ("bad signature (attacker key, issuer's kid)",
     lambda k: "Bearer " + sign(k.attacker, claims()), "bad signature"),
    ("tampered payload", _tampered, "bad signature"),
    ("signature stripped", lambda k: "Bearer " + sign(k.rs, claims()).rsplit(".", 1)[0] + ".",
     "signature"),
    ("unknown kid", lambda k: "Bearer " + sign(k.rs, claims(), kid="rs-9"), "unknown kid"),
    ("no kid", lambda k: "Bearer " + sign(k.rs, claims(), kid=None), "no kid"),
    ("another issuer's key under its kid", lambda k: "Bearer " + sign(
        k.mk, claims(iss=RS_ISS), alg="ES256"), "not allowed"),
    ("embedded jwk header", lambda k: "Bearer " + sign(
        k.mk, claims(), alg="ES256", kid="rs-1", jwk=k.mk.as_dict(private=False)),
     "unsupported parameter"),
    ("remote jku header", lambda k: "Bearer " + sign(
        k.rs, claims(), jku="https://evil.test/jwks"), "unsupported parameter"),
    ("expired", lambda k: "Bearer " + sign(k.rs, claims(iat=int(time.time()) - 900,
                                                       exp=int(time.time()) - 120)), "expired"),
    ("not yet valid", lambda k: "Bearer " + sign(k.rs, claims(nbf=int(time.time()) + 300)),
     "not yet valid"),
    ("issued in the future", lambda k: "Bearer " + sign(k.rs, claims(iat=int(time.time()) + 300)),
     "future"),
    ("no exp", lambda k: "Bearer " + sign(k.rs, claims(exp=None)), "exp"),
    ("exp not a number", lambda k: "Bearer " + sign(k.rs, claims(exp="tomorrow")), "exp"),
    ("unknown issuer", lambda k: "Bearer " + sign(k.rs, claims(iss="https://evil.test")),
     "not trusted"),
    ("issuer as list", lambda k: "Bearer " + sign(k.rs, claims(iss=[RS_ISS])), "not trusted"),
    ("no issuer", lambda k: "Bearer " + sign(k.rs, claims(iss=None)), "not trusted"),
    ("wrong audience", lambda k: "Bearer " + sign(k.rs, claims(aud="other-service")), "aud"),
    ("no audience", lambda k: "Bearer " + sign(k.rs, claims(aud=None)), "aud"),
    ("no subject", lambda k: "Bearer " + sign(k.rs, claims(sub=None)), "sub"),
    ("blank subject", lambda k: "Bearer " + sign(k.rs, claims(sub="  ")), "subject"),
    ("unknown agency", lambda k: "Bearer " + sign(k.rs, claims(agency="RS-XYZ")),
     "unknown agency"),
    ("no agency", lambda k: "Bearer " + sign(k.rs, claims(agency=None)), "agency claim"),
    ("empty roles", lambda k: "Bearer " + sign(k.rs, claims(roles=[])), "roles claim"),
    ("no roles", lambda k: "Bearer " + sign(k.rs, claims(roles=None)), "roles claim"),
    ("roles as a string", lambda k: "Bearer " + sign(k.rs, claims(roles="analyst")),
     "roles claim"),
    ("unknown role", lambda k: "Bearer " + sign(k.rs, claims(roles=["admin"])), "unknown role"),
    ("one unknown role among known", lambda k: "Bearer " + sign(
        k.rs, claims(roles=["analyst", "superuser"])), "unknown role"),
    ("party claim disagrees with agency", lambda k: "Bearer " + sign(
        k.rs, claims(party="MK")), "party claim"),
    ("cross-party: Serbian IdP asserts a Macedonian agency", lambda k: "Bearer " + sign(
        k.rs, claims(agency="MK-CUS", party="MK")), "may not assert"),
    ("cross-party: Macedonian IdP asserts a Serbian agency", lambda k: "Bearer " + sign(
        k.mk, claims(iss=MK_ISS, agency="RS-CUS"), alg="ES256"), "may not assert"),
    ("agency outside the issuer's narrowed list", lambda k: "Bearer " + sign(
        k.mk, claims(iss=MK_ISS, agency="MK-VET"), alg="ES256"), "may not assert"),
    ("payload not an object", lambda k: "Bearer " + jwt.encode(
        {"alg": "RS256", "kid": "rs-1"}, claims(), k.rs).split(".")[0] + "."
     + b64json(["x"]) + ".c2ln", "not a JSON object"),
]


@pytest.mark.parametrize(("attack", "reason"), [(a, r) for _, a, r in ATTACKS],
                         ids=[name for name, _, _ in ATTACKS])
async def test_attack_is_refused_with_the_generic_message(
    validator: JwtValidator, keys: Keys, caplog: pytest.LogCaptureFixture,
    attack: Attack, reason: str,
) -> None:
    logged = await refused(validator, attack(keys), caplog)
    assert reason in logged  # refused by the check meant for it, not by accident


async def test_forged_hmac_secret_never_appears_in_errors_or_logs(
    validator: JwtValidator, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    pem = keys.rs.as_pem(private=False).decode()
    await refused(validator, _hs256_with_public_pem(keys), caplog, pem)
    private_d = str(keys.rs.as_dict(private=True)["d"])
    await refused(validator, "Bearer " + sign(keys.attacker, claims()), caplog, private_d)


# --- valid tokens ----------------------------------------------------------------------------

VALID: list[tuple[str, Callable[[Keys], str], Principal]] = [
    ("RS IdP, customs analyst", lambda k: sign(k.rs, claims()), Principal(
        "user-17", "RS", "RS-CUS", "customs", frozenset({Role.ANALYST}), RS_ISS)),
    ("RS IdP, phytosanitary officer and rmtt, aud list, party claim", lambda k: sign(
        k.rs, claims(agency="RS-PHY", party="RS", roles=["officer", "rmtt", "officer"],
                     aud=["account", AUD], sub="ana@uprava.rs")),
     Principal("ana@uprava.rs", "RS", "RS-PHY", "phytosanitary",
               frozenset({Role.OFFICER, Role.RMTT}), RS_ISS)),
    ("RS IdP, border police, within the leeway after exp", lambda k: sign(
        k.rs, claims(agency="RS-BP", roles=["rmwg"], exp=int(time.time()) - 10)),
     Principal("user-17", "RS", "RS-BP", "border_police", frozenset({Role.RMWG}), RS_ISS)),
    ("MK IdP, ES256, phytosanitary", lambda k: sign(
        k.mk, claims(iss=MK_ISS, agency="MK-PHY", roles=["auditor"], nbf=None, iat=None),
        alg="ES256"),
     Principal("user-17", "MK", "MK-PHY", "phytosanitary", frozenset({Role.AUDITOR}), MK_ISS)),
    ("HR IdP, Ed25519, EU customs connector", lambda k: sign(
        k.hr, claims(iss=HR_ISS, aud="hub-eu", agency="HR-CUS", roles=["connector"]),
        alg="Ed25519", typ="at+jwt"),
     Principal("user-17", "HR", "HR-CUS", "customs", frozenset({Role.CONNECTOR}), HR_ISS)),
]


@pytest.mark.parametrize(("make", "expected"), [(m, e) for _, m, e in VALID],
                         ids=[name for name, _, _ in VALID])
async def test_valid_token_maps_to_principal(
    validator: JwtValidator, keys: Keys, make: Callable[[Keys], str], expected: Principal
) -> None:
    principal = await validator.authenticate(f"Bearer {make(keys)}")
    assert principal == expected
    assert principal.agency_type == AGENCY_BY_CODE[principal.agency].type.value


async def test_scheme_is_case_insensitive_and_whitespace_tolerated(
    validator: JwtValidator, keys: Keys
) -> None:
    principal = await validator.authenticate(f"  bearer {sign(keys.rs, claims())} ")
    assert principal.agency == "RS-CUS"


@hyp_settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.one_of(
    st.text(max_size=300),
    st.builds(lambda a, b, c: f"Bearer {a}.{b}.{c}",
              *[st.text("ABCDEFabcdef0123456789-_", max_size=60)] * 3),
    st.builds(lambda h, p: f"Bearer {b64json(h)}.{b64json(p)}.c2ln",
              st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "b64"]),
                              st.one_of(st.text(max_size=8), st.integers(), st.booleans(),
                                        st.lists(st.text(max_size=4), max_size=2))),
              st.dictionaries(st.text(max_size=6), st.integers(), max_size=3)),
))
async def test_arbitrary_headers_only_ever_raise_the_generic_error(
    validator: JwtValidator, header: str
) -> None:
    with pytest.raises(AuthenticationError) as info:
        await validator.authenticate(header)
    assert info.value.message == GENERIC_REFUSAL


# --- trusted-issuers file --------------------------------------------------------------------

def test_issuers_file_is_read(issuers_file: Path) -> None:
    issuers = {i.issuer: i for i in load_issuers(issuers_file)}
    assert set(issuers) == {RS_ISS, MK_ISS, HR_ISS}
    assert issuers[MK_ISS].algorithms == {"ES256"}
    assert issuers[MK_ISS].may_assert("MK-PHY")
    assert not issuers[MK_ISS].may_assert("MK-VET")
    assert issuers[RS_ISS].may_assert("RS-VET")
    assert not issuers[RS_ISS].may_assert("MK-CUS")


def test_example_issuers_file_is_valid() -> None:
    issuers = load_issuers(REPO / "deploy" / "issuers.example.toml")
    assert [sorted(i.parties) for i in issuers] == [["RS"], ["MK"]]
    assert issuers[1].agencies == {"MK-CUS", "MK-PHY"}


def _entry(**fields: Any) -> str:
    base: dict[str, Any] = {"issuer": RS_ISS, "audience": AUD, "jwks_file": "rs.jwks.json",
                            "parties": ["RS"]}
    base.update(fields)
    lines = ["[[issuer]]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in base.items() if v is not None]
    return "\n".join(lines) + "\n"


CONFIG_ERRORS: list[tuple[str, str, str]] = [
    ("not toml", "[[issuer]\nissuer = ", "not valid TOML"),
    ("top-level typo", "[[issuers]]\nissuer = 'x'\n", "unknown top-level"),
    ("unknown key", _entry(audiance="x"), "unknown key(s) ['audiance']"),
    ("no audience", _entry(audience=None), "'audience' must be a non-empty string"),
    ("no key source", _entry(jwks_file=None), "exactly one of 'jwks_file' or 'jwks_url'"),
    ("two key sources", _entry(jwks_url="https://idp.rs.test/jwks"), "exactly one"),
    ("plain http url", _entry(jwks_file=None, jwks_url="http://idp.rs.test/jwks"),
     "must use https"),
    ("unknown party", _entry(parties=["RS", "ZZ"]), "unknown party code(s) ['ZZ']"),
    ("no parties", _entry(parties=[]), "'parties' must name at least one"),
    ("agency of another party", _entry(agencies=["MK-CUS"]), "belongs to party 'MK'"),
    ("unknown agency", _entry(agencies=["RS-XYZ"]), "unknown agency code 'RS-XYZ'"),
    ("HS256", _entry(algorithms=["RS256", "HS256"]), "unsupported algorithm(s) ['HS256']"),
    ("alg none", _entry(algorithms=["none"]), "unsupported algorithm(s) ['none']"),
    ("cache too short", _entry(jwks_file=None, jwks_url="https://idp.rs.test/jwks",
                               jwks_cache_seconds=5), "jwks_cache_seconds"),
    ("missing jwks file", _entry(jwks_file="nope.json"), "nope.json cannot be read"),
    ("duplicate issuer", _entry() + _entry(), "configured twice"),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CONFIG_ERRORS],
                         ids=[name for name, _, _ in CONFIG_ERRORS])
def test_invalid_issuers_file_names_file_and_entry(
    tmp_path: Path, keys: Keys, text: str, expected: str
) -> None:
    write_jwks(tmp_path / "rs.jwks.json", keys.rs)
    path = tmp_path / "issuers.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_issuers(path)
    assert str(path) in info.value.message
    assert expected in info.value.message
    if text.startswith("[[issuer]]\n") and "configured twice" not in expected:
        assert "entry 1" in info.value.message


def _weak_rsa() -> dict[str, Any]:
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key() \
        .public_numbers()
    return {"kty": "RSA", "kid": "weak", "e": b64(numbers.e.to_bytes(3, "big")),
            "n": b64(numbers.n.to_bytes(128, "big"))}


BAD_JWKS: list[tuple[str, Callable[[Keys], object], str]] = [
    ("private key", lambda k: {"keys": [k.rs.as_dict(private=True)]}, "private key"),
    ("symmetric key", lambda k: {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "s"}]},
     "key type 'oct'"),
    ("weak rsa", lambda k: {"keys": [_weak_rsa()]}, "under 2048 bits"),
    ("no kid", lambda k: {"keys": [{**k.mk.as_dict(), "kid": ""}]}, "no kid"),
    ("duplicate kid", lambda k: {"keys": [k.rs.as_dict(), k.attacker.as_dict()]}, "twice"),
    ("only encryption keys", lambda k: {"keys": [{**k.mk.as_dict(), "use": "enc"}]},
     "no signing key"),
    ("not a key set", lambda k: [1, 2], "not a JSON Web Key Set"),
]


@pytest.mark.parametrize(("document", "expected"), [(d, e) for _, d, e in BAD_JWKS],
                         ids=[name for name, _, _ in BAD_JWKS])
def test_unusable_jwks_file_is_a_config_error_without_key_material(
    tmp_path: Path, keys: Keys, document: Callable[[Keys], object], expected: str
) -> None:
    (tmp_path / "rs.jwks.json").write_text(json.dumps(document(keys)))
    path = tmp_path / "issuers.toml"
    path.write_text(_entry())
    with pytest.raises(ConfigError) as info:
        load_issuers(path)
    assert expected in info.value.message
    assert "rs.jwks.json" in info.value.message
    assert str(keys.rs.as_dict(private=True)["d"]) not in info.value.message


def test_no_trusted_issuer_at_all_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="HUB_ISSUERS_FILE"):
        build_validator(Settings(data_dir=tmp_path))


# --- JWKS from a real local HTTP server ------------------------------------------------------

class JwksServer:
    """A real HTTP server on 127.0.0.1 that serves whatever key set the test puts in it."""

    def __init__(self) -> None:
        self.document: object = {"keys": []}
        self.status = 200
        self.hits = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                body = json.dumps(server.document).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def publish(self, *members: Key) -> None:
        self.document = {"keys": [k.as_dict(private=False) for k in members]}


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    server.thread.join(timeout=5)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_jwks_url_from_issuers_file(tmp_path: Path, keys: Keys,
                                          jwks_server: JwksServer) -> None:
    jwks_server.publish(keys.rs)
    path = tmp_path / "issuers.toml"
    path.write_text(_entry(jwks_file=None, jwks_url=jwks_server.url, jwks_cache_seconds=120))
    validator = build_validator(Settings(issuers_file=path, data_dir=tmp_path))
    assert jwks_server.hits == 0  # fetched on first use, not at start-up
    principal = await validator.authenticate("Bearer " + sign(keys.rs, claims()))
    assert principal.agency == "RS-CUS"
    await validator.authenticate("Bearer " + sign(keys.rs, claims(agency="RS-VET")))
    assert jwks_server.hits == 1  # cached


async def test_key_rotation_refetches_at_most_once_a_minute(
    keys: Keys, jwks_server: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    source = JwksUrl(jwks_server.url, ttl=300, min_refetch=60, clock=clock)
    validator = JwtValidator([TrustedIssuer(RS_ISS, AUD, source, frozenset({"RS256"}),
                                            frozenset({"RS"}))])
    old = keys.rs
    new = RSAKey.generate_key(2048, {"kid": "rs-2"})
    jwks_server.publish(old)
    assert (await validator.authenticate("Bearer " + sign(old, claims()))).agency == "RS-CUS"
    assert jwks_server.hits == 1

    jwks_server.publish(old, new)  # the issuer rotates: a new kid appears
    clock.now += 10
    await refused(validator, "Bearer " + sign(new, claims()), caplog)
    assert jwks_server.hits == 1  # the first fetch was 10 s ago: no refetch yet

    clock.now += 51
    assert (await validator.authenticate("Bearer " + sign(new, claims()))).agency == "RS-CUS"
    assert jwks_server.hits == 2  # unknown kid, a minute passed: refetched once

    for _ in range(3):  # forged kids cannot make the hub hammer the issuer
        await refused(validator, "Bearer " + sign(new, claims(), kid="forged"), caplog)
    assert jwks_server.hits == 2

    jwks_server.publish(new)  # the old key is withdrawn; noticed when the cache expires
    clock.now += 301
    await refused(validator, "Bearer " + sign(old, claims()), caplog)
    assert jwks_server.hits == 3


async def test_jwks_outage_keeps_last_good_keys_and_refuses_without_any(
    keys: Keys, jwks_server: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    issuer = TrustedIssuer(RS_ISS, AUD, JwksUrl(jwks_server.url, ttl=300, clock=clock),
                           frozenset({"RS256"}), frozenset({"RS"}))
    validator = JwtValidator([issuer])
    token = "Bearer " + sign(keys.rs, claims())
    jwks_server.status = 500
    await refused(validator, token, caplog)
    assert "JWKS fetch" in caplog.text
    assert "500" in caplog.text

    jwks_server.status = 200
    jwks_server.publish(keys.rs)
    clock.now += 6  # failures are retried after a few seconds
    assert (await validator.authenticate(token)).agency == "RS-CUS"

    jwks_server.status = 500
    clock.now += 301  # stale, and the refresh fails: the last good keys still verify
    assert (await validator.authenticate(token)).agency == "RS-CUS"


async def test_jwks_server_serving_a_private_key_is_not_trusted(
    keys: Keys, jwks_server: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    jwks_server.document = {"keys": [keys.rs.as_dict(private=True)]}
    issuer = TrustedIssuer(RS_ISS, AUD, JwksUrl(jwks_server.url), frozenset({"RS256"}),
                           frozenset({"RS"}))
    await refused(JwtValidator([issuer]), "Bearer " + sign(keys.rs, claims()), caplog,
                  str(keys.rs.as_dict(private=True)["d"]))
    assert "private key" in caplog.text


# --- development issuer ----------------------------------------------------------------------

async def test_dev_issuer_is_off_by_default(
    issuers_file: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert Settings().dev_issuer is False
    token = DevIssuer.load_or_create(tmp_path).mint("RS-CUS", [Role.ANALYST])
    validator = build_validator(Settings(issuers_file=issuers_file, data_dir=tmp_path))
    assert DEV_ISSUER not in validator.issuers
    assert "not trusted" in await refused(validator, f"Bearer {token}", caplog)


async def test_dev_issuer_when_enabled_may_assert_any_agency(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, dev_issuer=True)
    validator = build_validator(settings)
    signer = DevIssuer.load_or_create(tmp_path)
    for agency in ("XK-BP", "HR-CUS", "MD-VET"):
        token = signer.mint(agency, ["rmtt", Role.ANALYST], timedelta(minutes=5), "tester")
        principal = await validator.authenticate(f"Bearer {token}")
        assert principal == Principal("tester", agency[:2], agency,
                                      AGENCY_BY_CODE[agency].type.value,
                                      frozenset({Role.RMTT, Role.ANALYST}), DEV_ISSUER)


async def test_dev_issuer_alongside_issuers_file(issuers_file: Path, tmp_path: Path,
                                                 keys: Keys) -> None:
    validator = build_validator(Settings(issuers_file=issuers_file, data_dir=tmp_path,
                                         dev_issuer=True))
    assert set(validator.issuers) == {RS_ISS, MK_ISS, HR_ISS, DEV_ISSUER}
    dev_token = DevIssuer.load_or_create(tmp_path).mint("AL-CUS", ["officer"])
    assert (await validator.authenticate(f"Bearer {dev_token}")).party == "AL"
    assert (await validator.authenticate("Bearer " + sign(keys.rs, claims()))).party == "RS"


def test_dev_key_is_private_to_the_owner_and_reused(tmp_path: Path) -> None:
    first = DevIssuer.load_or_create(tmp_path)
    path = tmp_path / KEY_DIR / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert DevIssuer.load_or_create(tmp_path).kid == first.kid


def test_dev_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    DevIssuer.load_or_create(tmp_path)
    path = tmp_path / KEY_DIR / KEY_FILE
    os.chmod(path, 0o644)
    secret = json.loads(path.read_text())["d"]
    with pytest.raises(ConfigError, match="chmod 600") as info:
        DevIssuer.load_or_create(tmp_path)
    assert secret not in info.value.message


async def test_dev_tokens_expire(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    validator = build_validator(Settings(data_dir=tmp_path, dev_issuer=True))
    past = time.time() - 3600
    signer = DevIssuer(DevIssuer.load_or_create(tmp_path)._key, now=lambda: past)
    token = signer.mint("RS-CUS", ["analyst"], timedelta(minutes=10))
    assert "expired" in await refused(validator, f"Bearer {token}", caplog)


@pytest.mark.parametrize(("agency", "roles", "ttl", "expected"), [
    ("RS-XYZ", ["analyst"], timedelta(hours=1), "unknown agency 'RS-XYZ'"),
    ("RS-CUS", [], timedelta(hours=1), "at least one role"),
    ("RS-CUS", ["boss"], timedelta(hours=1), "unknown role 'boss'"),
    ("RS-CUS", ["analyst"], timedelta(days=8), "between 1 second and 7 days"),
    ("RS-CUS", ["analyst"], timedelta(0), "between 1 second and 7 days"),
])
def test_dev_mint_rejects_bad_input(tmp_path: Path, agency: str, roles: list[str],
                                    ttl: timedelta, expected: str) -> None:
    with pytest.raises(InputError, match=expected.replace("(", r"\(")):
        DevIssuer.load_or_create(tmp_path).mint(agency, roles, ttl)


@pytest.mark.parametrize(("text", "expected"), [
    ("90s", timedelta(seconds=90)), ("30m", timedelta(minutes=30)), ("8h", timedelta(hours=8)),
    ("2d", timedelta(days=2)), ("600", timedelta(minutes=10)), (" 1H ", timedelta(hours=1)),
])
def test_parse_ttl(text: str, expected: timedelta) -> None:
    assert parse_ttl(text) == expected


@pytest.mark.parametrize("text", ["", "8 hours", "-5m", "1.5h", "h"])
def test_parse_ttl_rejects(text: str) -> None:
    with pytest.raises(InputError, match="not like"):
        parse_ttl(text)


async def test_example_tokens_cover_parties_and_agency_types(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, dev_issuer=True)
    validator = build_validator(settings)
    examples = example_tokens(settings)
    principals = [await validator.authenticate(f"Bearer {token}") for _, _, token in examples]
    assert [(p.agency, sorted(p.roles)) for p in principals] == [
        (agency, [Role(role)]) for agency, role, _ in examples
    ]
    assert len({p.party for p in principals}) >= 5
    assert len({p.agency_type for p in principals}) >= 4
    assert {AGENCY_BY_CODE[p.agency].party for p in principals} >= {"RS", "MK", "HR"}
    with pytest.raises(ConfigError, match="HUB_DEV_ISSUER"):
        example_tokens(Settings(data_dir=tmp_path))


# --- the `hub token` command -----------------------------------------------------------------

async def test_cli_token_prints_a_token_that_validates(tmp_path: Path) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path), "HUB_DEV_ISSUER": "true"}
    result = CliRunner().invoke(app, ["token", "--agency", "MK-PHY", "--role", "officer",
                                      "--role", "rmtt", "--ttl", "30m", "--subject", "ivana"],
                                env=env)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    validator = build_validator(Settings(data_dir=tmp_path, dev_issuer=True))
    principal = await validator.authenticate(f"Bearer {token}")
    assert principal == Principal("ivana", "MK", "MK-PHY", "phytosanitary",
                                  frozenset({Role.OFFICER, Role.RMTT}), DEV_ISSUER)
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert payload["exp"] - payload["iat"] == 30 * 60


@pytest.mark.parametrize(("args", "env", "expected"), [
    (["--agency", "RS-CUS", "--role", "analyst"], {}, "HUB_DEV_ISSUER=true"),
    (["--agency", "ZZ-CUS", "--role", "analyst"], {"HUB_DEV_ISSUER": "1"}, "unknown agency"),
    (["--agency", "RS-CUS", "--role", "analyst", "--ttl", "30d"], {"HUB_DEV_ISSUER": "1"},
     "7 days"),
])
def test_cli_token_refuses_clearly(tmp_path: Path, args: list[str], env: dict[str, str],
                                   expected: str) -> None:
    result = CliRunner().invoke(app, ["token", *args],
                                env={"HUB_DATA_DIR": str(tmp_path), "HUB_DEV_ISSUER": "false",
                                     **env})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert expected in " ".join(result.output.split())
