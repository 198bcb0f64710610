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
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl

from mockserver.spec.model import SecurityScheme

__all__ = ["Credentials", "Authenticator"]


@dataclass(frozen=True, slots=True)
class Credentials:
    api_keys: frozenset[str] = frozenset()
    basic: frozenset[tuple[str, str]] = frozenset()
    bearer_tokens: frozenset[str] = frozenset()


class Authenticator:
    def __init__(self, credentials: Credentials) -> None:
        # Compared as bytes: a header arrives as bytes (decoded latin-1 by the dispatcher, so
        # re-encoding gives them back exactly) and a configured key may be any Unicode text,
        # which clients send as UTF-8. hmac.compare_digest refuses non-ASCII str.
        self._api_keys = tuple(key.encode("utf-8") for key in sorted(credentials.api_keys))
        self._basic = credentials.basic
        self._tokens = tuple(token.encode("utf-8") for token in sorted(credentials.bearer_tokens))

    def check(self, schemes: tuple[SecurityScheme, ...], headers: dict[str, str],
              query_string: bytes = b"") -> tuple[SecurityScheme | None, str | None]:
        """``(scheme, None)`` when accepted; ``(scheme, reason)`` when refused."""
        if not schemes:
            return None, None
        reason: str | None = "no credentials"
        for scheme in schemes:
            if scheme.kind == "mutualTLS":
                return scheme, None
            value = _carried(scheme, headers, query_string)
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
            return "unknown API key" if not _known(value, self._api_keys) else None
        if scheme.kind == "http":
            name, _, given = value.partition(" ")
            return None if name.lower() == scheme.parameter and given.strip() else f"malformed {scheme.parameter} credentials"
        if scheme.kind == "basic":
            user_pass = _basic_pair(value)
            if user_pass is None:
                return "malformed Basic credentials"
            if self._basic and user_pass not in self._basic:
                return "unknown Basic credentials"
            return None
        token = value[7:].strip() if value[:7].lower() == "bearer " else ""
        if not token:
            return "malformed Bearer token"
        return "unknown Bearer token" if not _known(token, self._tokens) else None


def _known(value: str, configured: tuple[bytes, ...]) -> bool:
    """Any non-empty value in sandbox mode (nothing configured), else one of the configured ones."""
    sent = value.encode("latin-1", "replace")
    return not configured or any(hmac.compare_digest(sent, known) for known in configured)


def _carried(scheme: SecurityScheme, headers: dict[str, str], query_string: bytes) -> str | None:
    """The credential as the request carries it for this scheme, or None when absent."""
    if scheme.location == "header":
        return headers.get(scheme.header)
    if scheme.location == "query":
        for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
            if key == scheme.parameter:
                return value
        return None
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = cookies.get(scheme.parameter)
    return None if morsel is None else morsel.value


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
