"""A string matching a simple regular expression, drawn from a seeded ``random.Random``.

Contracts carry a handful of ``pattern`` keywords (phone numbers, identifiers);
this covers the regex subset they use: literals, classes, ranges, categories,
groups, alternation and bounded repeats. Callers verify the result with ``re``
and fall back to a documented value when the pattern is beyond this subset.
The pattern is walked with Python's own (private) ``re._parser``, present on
every supported Python (3.11+), rather than a regex parser of our own.
"""

from __future__ import annotations

import random
import re
import re._parser as sre_parse  # type: ignore[import-not-found]
import string
from re._constants import (  # type: ignore[import-not-found]
    ANY,
    AT,
    BRANCH,
    CATEGORY,
    CATEGORY_DIGIT,
    CATEGORY_NOT_DIGIT,
    CATEGORY_NOT_SPACE,
    CATEGORY_NOT_WORD,
    CATEGORY_SPACE,
    CATEGORY_WORD,
    IN,
    LITERAL,
    MAX_REPEAT,
    MIN_REPEAT,
    NEGATE,
    NOT_LITERAL,
    RANGE,
    SUBPATTERN,
)
from typing import Any

__all__ = ["sample_regex", "MAX_SAMPLE_LENGTH"]

_PRINTABLE = string.ascii_letters + string.digits + "_-"
_CATEGORIES = {
    CATEGORY_DIGIT: string.digits,
    CATEGORY_NOT_DIGIT: string.ascii_letters,
    CATEGORY_WORD: string.ascii_letters + string.digits + "_",
    CATEGORY_NOT_WORD: "-. ",
    CATEGORY_SPACE: " ",
    CATEGORY_NOT_SPACE: string.ascii_letters + string.digits,
}
_MAX_OPEN_REPEAT = 8


# A pattern whose shortest match is longer is beyond what is sampled (nested repeats such as
# ``((a{1000}){1000}){1000}`` would take minutes): the caller's fallback answers instead. The same limit as a
# response schema's ``minLength`` (``spec/checks.py``).
MAX_SAMPLE_LENGTH = 100_000


def sample_regex(pattern: str, rng: random.Random) -> str | None:
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    if parsed.getwidth()[0] > MAX_SAMPLE_LENGTH:
        return None
    try:
        text = _emit(list(parsed), rng)
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return text if re.search(pattern, text) else None


def _emit(tokens: list[tuple[Any, Any]], rng: random.Random) -> str:
    out: list[str] = []
    for op, arg in tokens:
        if op is LITERAL:
            out.append(chr(arg))
        elif op is NOT_LITERAL:
            out.append(rng.choice([c for c in _PRINTABLE if ord(c) != arg]))
        elif op is ANY:
            out.append(rng.choice(string.ascii_letters))
        elif op is IN:
            out.append(_from_class(arg, rng))
        elif op in (MAX_REPEAT, MIN_REPEAT):
            low, high, body = arg
            high = min(high, max(low, 1) + _MAX_OPEN_REPEAT) if high > low + _MAX_OPEN_REPEAT else high
            count = rng.randint(low, max(low, high))
            out.extend(_emit(list(body), rng) for _ in range(count))
        elif op is SUBPATTERN:
            out.append(_emit(list(arg[-1]), rng))
        elif op is BRANCH:
            out.append(_emit(list(rng.choice(arg[1])), rng))
        elif op is AT:
            continue
        elif op is CATEGORY:
            out.append(rng.choice(_CATEGORIES[arg]))
        else:
            raise ValueError(f"unsupported regex construct {op}")
    return "".join(out)


def _from_class(items: list[tuple[Any, Any]], rng: random.Random) -> str:
    allowed: list[str] = []
    negate = False
    for op, arg in items:
        if op is NEGATE:
            negate = True
        elif op is LITERAL:
            allowed.append(chr(arg))
        elif op is RANGE:
            allowed.extend(chr(c) for c in range(arg[0], arg[1] + 1))
        elif op is CATEGORY:
            allowed.extend(_CATEGORIES[arg])
    if negate:
        banned = set(allowed)
        allowed = [c for c in _PRINTABLE if c not in banned]
    return rng.choice(allowed)
