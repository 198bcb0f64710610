"""The rendered-response cache is bounded by distinct replies and by bytes (README, "Limits")."""

from __future__ import annotations

import tracemalloc

import orjson

from mockserver.http.cache import ENTRY_OVERHEAD, ResponseCache, digest
from mockserver.http.reply import Reply, json_reply
from tests.conftest import make_client


def _reply(size: int) -> Reply:
    return Reply(200, b"x" * size)


def test_bytes_are_bounded_and_the_oldest_go_first() -> None:
    budget = 64 * (500 + ENTRY_OVERHEAD)
    cache = ResponseCache(capacity=1000, max_bytes=budget)
    for i in range(80):
        cache.put(b"k%02d" % i, _reply(500))
    assert cache.size <= budget and len(cache) == 64
    assert cache.get(b"k00") is None, "the oldest entries are evicted"
    assert cache.get(b"k39") is not None and cache.get(b"k39").body == b"x" * 500  # type: ignore[union-attr]


def test_a_reply_over_a_64th_of_the_budget_is_served_but_not_kept() -> None:
    cache = ResponseCache(capacity=1000, max_bytes=64_000)
    cache.put(b"small", _reply(100))
    cache.put(b"huge", _reply(1001 - ENTRY_OVERHEAD))
    assert cache.get(b"huge") is None
    assert cache.get(b"small") is not None, "a huge reply does not flush the small ones"


def test_a_kept_body_holds_about_its_length_not_orjsons_larger_buffer() -> None:
    """orjson over-allocates its output about twice; the cache's byte budget must be what it really holds."""
    rows = [{"time_bucket": "2026-03-02T00:00:00Z", "total_sessions": i, "escalation_rate_pct": 9.92}
            for i in range(4000)]
    cache = ResponseCache(capacity=10, max_bytes=64 << 20)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        reply = json_reply(200, rows)
        cache.put(b"rows", reply)
        del reply
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    kept = cache.get(b"rows")
    assert kept is not None and kept.body == orjson.dumps(rows)
    assert held < 1.3 * len(kept.body), "orjson's buffer is released once the compact copy is kept"


def test_entries_are_bounded_and_a_hit_refreshes_an_entry() -> None:
    cache = ResponseCache(capacity=3, max_bytes=1 << 20)
    for key in (b"a", b"b", b"c"):
        cache.put(key, _reply(1))
    assert cache.get(b"a") is not None  # now the most recent
    cache.put(b"d", _reply(1))
    assert cache.get(b"b") is None and cache.get(b"a") is not None and cache.get(b"d") is not None
    assert cache.size == 3 * (1 + ENTRY_OVERHEAD)


def test_raw_aliases_share_one_entry_and_die_with_it() -> None:
    """Two spellings of one request cost one entry; an alias never outlives its reply."""
    cache = ResponseCache(capacity=2, max_bytes=1 << 20)
    cache.put(b"reply-a", _reply(3), raw_key=b"spelling-1")
    cache.put(b"reply-a", _reply(3), raw_key=b"spelling-2")
    assert len(cache) == 1
    assert cache.get_raw(b"spelling-1") is cache.get_raw(b"spelling-2") is not None
    cache.put(b"reply-b", _reply(3), raw_key=b"spelling-3")
    cache.put(b"reply-c", _reply(3), raw_key=b"spelling-4")
    assert cache.get_raw(b"spelling-1") is None and cache.get_raw(b"spelling-4") is not None


def test_a_zero_capacity_cache_keeps_nothing() -> None:
    cache = ResponseCache(capacity=0, max_bytes=1 << 20)
    cache.put(b"a", _reply(1))
    assert cache.get(b"a") is None and cache.size == 0


def test_digests_separate_their_parts() -> None:
    assert digest(b"ab", b"c") != digest(b"a", b"bc")
    assert len(digest(b"x" * 100_000)) == 16


def test_the_server_keeps_as_many_requests_as_documented() -> None:
    """cache_entries counts requests: each request's raw and canonical keys share one entry."""
    from mockserver.settings import Limits

    with make_client(limits=Limits(cache_entries=50)) as client:
        for day in range(1, 51):
            params = {"start_date": f"2026-01-{(day - 1) % 28 + 1:02d}", "end_date": "2026-02-28",
                      "granularity": "day" if day <= 28 else "week"}
            assert client.get("/v1/analytics/sessions/escalation-rate", params=params,
                              headers={"x-api-key": "k"}).status_code == 200
        assert len(client.app.dispatcher.cache) == 50  # type: ignore[attr-defined]
