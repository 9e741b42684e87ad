"""API keys of the ingest HTTP API: `hw_<prefix>_<secret>`, 256 random bits; only the SHA-256
of the whole key is stored. A small cache keeps the hot path off the database."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable

from ingest.validate import KeyScope
from store.repos.ingest import ApiKey

KEY_PREFIX = "hw_"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """(the key to hand out once, its public prefix, its hash to store)."""
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return secret, prefix, hash_key(secret)


def scope_of(key: ApiKey) -> KeyScope:
    return KeyScope(source=key.source, region_code=key.region_code, center_code=key.center_code)


class KeyCache:
    """Key hash → ApiKey (or None), remembered for `ttl_s`; a revoked key stops working within
    that time."""

    def __init__(self, lookup: Callable[[str], ApiKey | None], ttl_s: float = 30.0) -> None:
        self._lookup = lookup
        self._ttl = ttl_s
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._lock = threading.Lock()

    def get(self, secret: str) -> ApiKey | None:
        if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
            return None
        digest = hash_key(secret)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        key = self._lookup(digest)
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, key)
        return key
