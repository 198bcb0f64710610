"""The rendered-response cache is bounded by entries and by bytes (README, "Limits")."""

from __future__ import annotations

from mockserver.http.dispatch import ResponseCache
from mockserver.http.reply import Reply


def _reply(size: int) -> Reply:
    return Reply(200, b"x" * size)


def test_bytes_are_bounded_and_the_oldest_go_first() -> None:
    cache = ResponseCache(capacity=1000, max_bytes=8000)
    for i in range(40):
        cache.put(b"k%02d" % i, _reply(500))
    assert cache.size <= 8000
    assert cache.get(b"k00") is None, "the oldest entries are evicted"
    assert cache.get(b"k39") is not None and cache.get(b"k39").body == b"x" * 500  # type: ignore[union-attr]


def test_a_reply_over_an_eighth_of_the_budget_is_served_but_not_kept() -> None:
    cache = ResponseCache(capacity=1000, max_bytes=8000)
    cache.put(b"small", _reply(100))
    cache.put(b"huge", _reply(1001))
    assert cache.get(b"huge") is None
    assert cache.get(b"small") is not None, "a huge reply does not flush the small ones"


def test_entries_are_bounded_and_a_hit_refreshes_an_entry() -> None:
    cache = ResponseCache(capacity=3, max_bytes=1 << 20)
    for key in (b"a", b"b", b"c"):
        cache.put(key, _reply(1))
    assert cache.get(b"a") is not None  # now the most recent
    cache.put(b"d", _reply(1))
    assert cache.get(b"b") is None and cache.get(b"a") is not None and cache.get(b"d") is not None
    assert cache.size == 3 * 2


def test_a_zero_capacity_cache_keeps_nothing() -> None:
    cache = ResponseCache(capacity=0, max_bytes=1 << 20)
    cache.put(b"a", _reply(1))
    assert cache.get(b"a") is None and cache.size == 0
