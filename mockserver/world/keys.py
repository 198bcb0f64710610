"""Stable integer keys from text and request fingerprints.

Python's ``hash()`` is salted per process; these use BLAKE2b so a name or a
request maps to the same number on every machine and every run.
"""

from __future__ import annotations

import hashlib

__all__ = ["stable_key", "request_seed"]


def stable_key(*parts: str | int) -> int:
    """A 63-bit key for a tuple of names and numbers."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") >> 1


def request_seed(seed: int, fingerprint: bytes) -> int:
    digest = hashlib.blake2b(fingerprint, digest_size=8, key=seed.to_bytes(8, "big", signed=True)).digest()
    return int.from_bytes(digest, "big")
