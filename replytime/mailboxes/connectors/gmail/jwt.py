"""Just enough JWT (RS256) for Google: signing service-account assertions and checking the
OIDC tokens Pub/Sub puts on push requests. Built on `cryptography`; no other JWT library."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class JwtError(ValueError):
    """A token that is malformed, badly signed, expired or meant for someone else."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json_part(value: Mapping[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM text (the `private_key` of a service-account JSON key)."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise JwtError("the private key is not a PEM RSA key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise JwtError("the private key is not an RSA key")
    return key


def sign(claims: Mapping[str, Any], private_key_pem: str, key_id: str = "") -> str:
    """A compact RS256 JWT of `claims`."""
    header: dict[str, str] = {"alg": "RS256", "typ": "JWT"}
    if key_id:
        header["kid"] = key_id
    signing_input = f"{_json_part(header)}.{_json_part(claims)}"
    key = load_private_key(private_key_pem)
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, signing input, signature) of a compact JWT, unverified."""
    try:
        head, body, sig = token.split(".")
        header = json.loads(b64url_decode(head))
        claims = json.loads(b64url_decode(body))
        signature = b64url_decode(sig)
    except (ValueError, TypeError) as exc:
        raise JwtError("not a JWT") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JwtError("not a JWT")
    return header, claims, f"{head}.{body}".encode("ascii"), signature


def public_key_from_jwk(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    n = int.from_bytes(b64url_decode(str(jwk["n"])), "big")
    e = int.from_bytes(b64url_decode(str(jwk["e"])), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def jwk_of(public_key: rsa.RSAPublicKey, key_id: str) -> dict[str, str]:
    """The JWK form of an RSA public key (what Google's certs endpoint serves)."""
    numbers = public_key.public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    return {
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": key_id,
        "n": b64url(numbers.n.to_bytes(size, "big")),
        "e": b64url(numbers.e.to_bytes(3, "big").lstrip(b"\0")),
    }


def verify(
    token: str,
    keys: Mapping[str, rsa.RSAPublicKey],
    *,
    audience: str,
    issuers: tuple[str, ...],
    leeway: int = 60,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of an RS256 token signed by one of `keys` (by `kid`), for `audience`."""
    header, claims, signing_input, signature = split(token)
    if header.get("alg") != "RS256":
        raise JwtError("unexpected signing algorithm")
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise JwtError("signed by an unknown key")
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise JwtError("bad signature") from None
    moment = time.time() if now is None else now
    if float(claims.get("exp", 0)) + leeway < moment:
        raise JwtError("expired")
    if float(claims.get("iat", moment)) - leeway > moment:
        raise JwtError("issued in the future")
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise JwtError("meant for another audience")
    if claims.get("iss") not in issuers:
        raise JwtError("unexpected issuer")
    return claims
