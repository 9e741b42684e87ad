"""Short-lived signed view tokens: the console issues one per live view or snapshot request
(who, which camera, until when), the video service checks it. HMAC-SHA256 with the settings'
secret key; compact `payload.signature`, both base64url."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULT_TTL = timedelta(minutes=2)


class Purpose(StrEnum):
    VIEW = "view"  # start a live view
    SNAPSHOT = "snapshot"  # read or take a snapshot
    CALIBRATE = "calibrate"  # take the empty-seat reference (admin)


class TokenError(ValueError):
    """The token is malformed, forged, expired, or for another camera or purpose."""


@dataclass(frozen=True, slots=True)
class Grant:
    user: str
    camera: str
    purpose: Purpose
    region_code: str | None
    expires: datetime
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: str, body: str) -> str:
    return _b64(hmac.new(key.encode(), body.encode("ascii"), hashlib.sha256).digest())


def issue(
    key: str,
    user: str,
    camera: str,
    now: datetime,
    *,
    purpose: Purpose = Purpose.VIEW,
    region_code: str | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    claims = {
        "u": user,
        "c": camera,
        "p": purpose.value,
        "r": region_code,
        "exp": int((now + ttl).timestamp()),
        "n": secrets.token_hex(6),
    }
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{body}.{_sign(key, body)}"


def verify(
    key: str, token: str, camera: str, now: datetime, purpose: Purpose = Purpose.VIEW
) -> Grant:
    body, _, sig = token.partition(".")
    if not body or not sig or not hmac.compare_digest(sig, _sign(key, body)):
        raise TokenError("invalid token signature")
    try:
        claims = json.loads(_unb64(body))
        expires = datetime.fromtimestamp(int(claims["exp"]), now.tzinfo)
        grant = Grant(
            str(claims["u"]),
            str(claims["c"]),
            Purpose(claims["p"]),
            claims.get("r"),
            expires,
            str(claims["n"]),
        )
    except (ValueError, KeyError, TypeError):
        raise TokenError("malformed token") from None
    if now >= grant.expires:
        raise TokenError("token expired")
    if grant.camera != camera:
        raise TokenError("token is for another camera")
    if grant.purpose != purpose:
        raise TokenError(f"token is for {grant.purpose.value}, not {purpose.value}")
    return grant
