"""Realistic leaf values chosen by format and field name.

A generic mock that answers ``"email": "string"`` teaches a frontend nothing; one
that answers ``"email": "maria.lopez@example.org"`` lets a developer see the page
as users will. All draws come from the caller's seeded generators, and dates come
from a fixed range (never the clock), so the same request yields the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from functools import lru_cache
from typing import Any, Callable

from faker import Faker

__all__ = ["ValueSource", "EPOCH_START", "EPOCH_END"]

EPOCH_START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
EPOCH_END = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
_SPAN_SECONDS = int((EPOCH_END - EPOCH_START).total_seconds())

_TIMEZONES = ("UTC", "America/New_York", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles")
_CHANNELS = ("api", "sms", "voice", "email")
_MODELS = ("gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "gemini-2.0-flash")


class ValueSource:
    """Leaf values for one response: one ``random.Random`` and one seeded Faker."""

    def __init__(self, faker: Faker, seed: int) -> None:
        self.rng = random.Random(seed)
        self.faker = faker
        faker.seed_instance(seed)

    # -- formats -----------------------------------------------------------------
    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def datetime(self) -> str:
        moment = EPOCH_START + dt.timedelta(seconds=self.rng.randrange(_SPAN_SECONDS))
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def date(self) -> str:
        return self.datetime()[:10]

    def time(self) -> str:
        # JSON Schema's "time" is RFC 3339 full-time, which requires an offset.
        return f"{self.rng.randrange(24):02d}:{self.rng.randrange(60):02d}:00Z"

    def by_format(self, fmt: str) -> str | None:
        maker = _FORMAT_MAKERS.get(fmt)
        return maker(self) if maker else None

    def url(self) -> str:
        return f"https://{self.faker.domain_name()}/{self.faker.slug()}"

    # -- names -------------------------------------------------------------------
    def string_for(self, name: str) -> str:
        rule = _rule_for(name.lower())
        return _STRING_RULES[rule][1](self) if rule >= 0 else self.faker.word()

    def phone(self) -> str:
        return "+1" + "".join(str(self.rng.randrange(10)) for _ in range(10))

    def integer_for(self, name: str, low: int, high: int) -> int:
        lowered = name.lower()
        if lowered.endswith(("_ms", "latency", "duration")):
            low, high = max(low, 20), min(high, 2500)
        elif lowered.endswith(("_seconds", "_secs")):
            low, high = max(low, 1), min(high, 3600)
        elif "count" in lowered or lowered.startswith(("total", "num_")) or lowered.endswith(("_total", "tokens")):
            low, high = max(low, 0), min(high, 500)
        elif lowered in ("limit", "page_size"):
            low, high = max(low, 1), min(high, 50)
        elif lowered in ("offset", "page", "index", "position", "rank"):
            low, high = max(low, 0), min(high, 20)
        else:
            low, high = max(low, 0), min(high, 100)
        return self.rng.randint(low, high) if low <= high else low

    def number_for(self, name: str, low: float, high: float) -> float:
        lowered = name.lower()
        if lowered.endswith(("_pct", "percentage", "percent")):
            low, high = max(low, 0.0), min(high, 100.0)
        elif lowered.endswith(("rate", "ratio", "score", "confidence", "probability")):
            low, high = max(low, 0.0), min(high, 1.0)
        elif lowered.endswith(("_ms", "latency")):
            low, high = max(low, 5.0), min(high, 2500.0)
        else:
            low, high = max(low, 0.0), min(high, 1000.0)
        if low > high:
            return low
        return round(self.rng.uniform(low, high), 2)

    def choice(self, options: list[Any]) -> Any:
        return options[self.rng.randrange(len(options))]


_FORMAT_MAKERS: dict[str, Callable[[ValueSource], str]] = {
    "uuid": lambda v: v.uuid(), "date-time": lambda v: v.datetime(), "date": lambda v: v.date(),
    "time": lambda v: v.time(), "email": lambda v: v.faker.email(), "uri": lambda v: v.url(), "url": lambda v: v.url(),
}

# A field name's last word picks its maker: (names it ends with, maker). Only the maker that matches is called,
# so the values drawn depend on the name alone, not on the table's length.
_STRING_RULES: tuple[tuple[tuple[str, ...], Callable[[ValueSource], str]], ...] = (
    (("email",), lambda v: v.faker.email()),
    (("first_name",), lambda v: v.faker.first_name()),
    (("last_name",), lambda v: v.faker.last_name()),
    (("full_name", "display_name", "contact_name", "user_name", "username", "author", "assignee"),
     lambda v: v.faker.name()),
    (("phone", "phone_number", "from_number", "to_number", "caller_number"), lambda v: v.phone()),
    (("url", "uri", "link", "webhook_url", "callback_url", "endpoint"), lambda v: v.url()),
    (("domain", "hostname"), lambda v: v.faker.domain_name()),
    (("slug", "nickname_slug", "key", "code"), lambda v: v.faker.slug().replace("-", "_")),
    (("company", "organization", "org_name", "vendor"), lambda v: v.faker.company()),
    (("city",), lambda v: v.faker.city()),
    (("country",), lambda v: v.faker.country_code()),
    (("timezone", "tz"), lambda v: v.rng.choice(_TIMEZONES)),
    (("channel",), lambda v: v.rng.choice(_CHANNELS)),
    (("model", "model_name"), lambda v: v.rng.choice(_MODELS)),
    (("language", "locale"), lambda v: v.rng.choice(("en", "es", "de", "fr"))),
    (("currency",), lambda v: v.rng.choice(("USD", "EUR", "GBP"))),
    (("version",), lambda v: f"{v.rng.randint(1, 4)}.{v.rng.randint(0, 20)}.{v.rng.randint(0, 9)}"),
    (("title", "subject", "headline"), lambda v: v.faker.sentence(nb_words=4).rstrip(".")),
    (("name", "nickname", "label"), lambda v: f"{v.faker.word().title()} {v.faker.word().title()}"),
    (("description", "summary", "notes", "reason", "message", "content", "text", "body", "prompt",
      "instructions", "comment", "answer", "question", "feedback"), lambda v: v.faker.sentence()),
    (("status", "state"), lambda v: v.rng.choice(("active", "pending", "completed"))),
    (("type", "kind", "category"), lambda v: v.faker.word()),
)


@lru_cache(maxsize=4096)
def _rule_for(lowered: str) -> int:
    """The first rule whose names ``lowered`` is or ends with (after an underscore); -1 for none. Cached: a
    contract has a bounded set of field names, and this is asked for every string in every generated body."""
    for position, (suffixes, _) in enumerate(_STRING_RULES):
        if any(lowered == s or lowered.endswith("_" + s) for s in suffixes):
            return position
    return -1
