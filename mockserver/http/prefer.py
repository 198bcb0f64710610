"""The ``Prefer`` request header (RFC 7240), with the keys Prism users already send.

``Prefer: scenario=incident, seed=7, code=401, example=ok, dynamic=false, delay=250``.
Unknown preferences are ignored, as RFC 7240 asks; a known one with a malformed
value is a 400 naming the accepted form. Several ``Prefer`` headers are read as
one comma-separated list; when a key repeats, the first occurrence wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Preferences", "PreferError", "parse_prefer"]

_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")  # RFC 9110 token; fullmatch only
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')  # disjoint alternatives: linear
_PLAIN = re.compile(r"[^,;\s]*")
_SPACE = " \t\r\n\x0b\x0c"
_KNOWN = ("scenario", "seed", "code", "example", "dynamic", "delay")


class PreferError(Exception):
    """A known preference with a value the sandbox cannot honour: the message says what is accepted."""


@dataclass(frozen=True, slots=True)
class Preferences:
    scenario: str | None = None
    seed: int | None = None
    code: int | None = None
    example: str | None = None
    dynamic: bool | None = None
    delay_ms: int | None = None

    def applied(self, delay_applied: int | None) -> str:
        """The ``Preference-Applied`` value: every preference honoured, as sent (delay as capped)."""
        parts = []
        if self.scenario is not None:
            parts.append(f"scenario={self.scenario}")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        if self.code is not None:
            parts.append(f"code={self.code}")
        if self.example is not None:
            parts.append(f'example="{self.example}"' if not re.fullmatch(r"[\w.-]+", self.example) else f"example={self.example}")
        if self.dynamic is not None:
            parts.append(f"dynamic={'true' if self.dynamic else 'false'}")
        if delay_applied is not None:
            parts.append(f"delay={delay_applied}")
        return ", ".join(parts)


def _split(header: str) -> list[str]:
    """Comma-separated items, commas inside quoted strings kept."""
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in header:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item for item in items if item.strip()]


def _read_item(item: str) -> tuple[str, str] | None:
    """``name[=value][;params]`` -> (lower-case name, unquoted value or ""); None when malformed."""
    text = item.strip(_SPACE)
    end = len(text)
    cut = min((i for i in (text.find("="), text.find(";")) if i >= 0), default=end)
    name = text[:cut].rstrip(_SPACE)
    if not _TOKEN.fullmatch(name):
        return None
    if cut == end or text[cut] == ";":
        return name.lower(), ""
    start = cut + 1
    while start < end and text[start] in _SPACE:
        start += 1
    quoted = _QUOTED.match(text, start)
    if quoted is not None:
        value, stop = re.sub(r"\\(.)", r"\1", quoted.group()[1:-1]), quoted.end()
    else:
        plain = _PLAIN.match(text, start)
        assert plain is not None  # the class admits the empty string
        value, stop = plain.group(), plain.end()
    rest = text[stop:].lstrip(_SPACE)
    if rest and not rest.startswith(";"):
        return None
    return name.lower(), value


def _integer(name: str, text: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise PreferError(f"Prefer: {name} must be an integer between {low} and {high}, got {text!r}") from None
    if not low <= value <= high:
        raise PreferError(f"Prefer: {name} must be an integer between {low} and {high}, got {value}")
    return value


def parse_prefer(header: str | None) -> Preferences:
    if not header:
        return Preferences()
    found: dict[str, str] = {}
    for item in _split(header):
        pair = _read_item(item)
        if pair is None:
            raise PreferError(f"Prefer: cannot read {item.strip()[:80]!r}; expected name=value pairs separated by commas")
        name, value = pair
        if name not in _KNOWN or name in found:
            continue
        found[name] = value
    for name, value in found.items():
        if value == "":
            raise PreferError(f"Prefer: {name} needs a value ({name}=...)")
    dynamic = found.get("dynamic")
    if dynamic is not None and dynamic.lower() not in ("true", "false"):
        raise PreferError(f"Prefer: dynamic must be true or false, got {dynamic!r}")
    return Preferences(
        scenario=found.get("scenario"),
        seed=_integer("seed", found["seed"], -(2**63), 2**63 - 1) if "seed" in found else None,
        code=_integer("code", found["code"], 100, 599) if "code" in found else None,
        example=found.get("example"),
        dynamic=None if dynamic is None else dynamic.lower() == "true",
        delay_ms=_integer("delay", found["delay"], 0, 2**31) if "delay" in found else None,
    )
