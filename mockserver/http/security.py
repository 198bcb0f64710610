"""Credential checks, run before any parameter is looked at (FastAPI's order).

openapi-core only checks that a credential is present; a contract-testing sandbox
must also refuse wrong ones, or clients that send a stale key pass CI. With no
keys configured for a scheme, any non-empty credential of the right form is
accepted ("sandbox mode"); with keys configured, only those are.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from mockserver.spec.model import SecurityScheme

__all__ = ["Credentials", "Authenticator"]


@dataclass(frozen=True, slots=True)
class Credentials:
    api_keys: frozenset[str] = frozenset()
    basic: frozenset[tuple[str, str]] = frozenset()


class Authenticator:
    def __init__(self, credentials: Credentials) -> None:
        # Compared as bytes: a header arrives as bytes (decoded latin-1 by the dispatcher, so
        # re-encoding gives them back exactly) and a configured key may be any Unicode text,
        # which clients send as UTF-8. hmac.compare_digest refuses non-ASCII str.
        self._api_keys = tuple(key.encode("utf-8") for key in sorted(credentials.api_keys))
        self._basic = credentials.basic

    def check(self, schemes: tuple[SecurityScheme, ...], headers: dict[str, str]) -> tuple[SecurityScheme | None, str | None]:
        """``(scheme, None)`` when accepted; ``(scheme, reason)`` when refused."""
        if not schemes:
            return None, None
        reason: str | None = "no credentials"
        for scheme in schemes:
            value = headers.get(scheme.header)
            if value is None:
                continue
            reason = self._refusal(scheme, value)
            if reason is None:
                return scheme, None
        return schemes[0], reason

    def _refusal(self, scheme: SecurityScheme, value: str) -> str | None:
        if scheme.kind == "apiKey":
            if not value.strip():
                return "empty API key"
            sent = value.encode("latin-1")
            if self._api_keys and not any(hmac.compare_digest(sent, key) for key in self._api_keys):
                return "unknown API key"
            return None
        if scheme.kind == "basic":
            user_pass = _basic_pair(value)
            if user_pass is None:
                return "malformed Basic credentials"
            if self._basic and user_pass not in self._basic:
                return "unknown Basic credentials"
            return None
        token = value[7:].strip() if value[:7].lower() == "bearer " else ""
        return None if token else "malformed Bearer token"


def _basic_pair(value: str) -> tuple[str, str] | None:
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip().encode("latin-1"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):  # not base64, or not UTF-8 once decoded
        return None
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        return None
    return user, password
