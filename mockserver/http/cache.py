"""Rendered replies, kept by request fingerprint: every answer is deterministic, so the cache is exact.

Two ways in, one store:

* by **reply key**, a digest of the canonical request (operation, typed parameters,
  body, seed, scenario, preferences): two spellings of one request share a reply;
* by **raw key**, a digest of the bytes as sent (method, path, query, content type,
  ``Prefer``, declared headers, body): a repeated request skips validation too.

Raw keys are aliases that point at reply keys, so the entry limit counts distinct
replies (requests), not keys, and a body-sized key never sits in memory: keys are
128-bit BLAKE2b digests (a collision needs ~2^64 distinct requests). Both maps are
LRU; the store is bounded by entries and by bytes, and a reply bigger than
1/64 of the byte budget (512 KiB by default) is served but not kept: one month of
minutes cannot flush every small reply, and a burst of multi-year hourly series
does not stay resident after it (they are rare, and regenerating one costs less
than a second). A lock makes it safe to share between the event loop and
the generation threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from hashlib import blake2b

from mockserver.http.reply import Reply

__all__ = ["ResponseCache", "digest"]

ENTRY_OVERHEAD = 200  # bytes a kept reply costs beyond its body (objects, headers, keys)
ALIASES_PER_REPLY = 4  # distinct spellings remembered per reply, on average
LARGEST_SHARE = 64  # a reply over max_bytes / 64 is not kept
COMPACT_FROM = 4096  # bodies this long are copied into an exact-size buffer when kept (see _compact)


def digest(*parts: bytes) -> bytes:
    hasher = blake2b(digest_size=16)
    for part in parts:
        hasher.update(len(part).to_bytes(8, "little"))
        hasher.update(part)
    return hasher.digest()


def _compact(reply: Reply) -> Reply:
    """The reply with its body in a buffer of exactly its size.

    orjson's ``dumps`` returns bytes whose allocation is about twice their length
    (measured: 1.04 MB held for a 452 KB body), so a cache counting body lengths would
    hold twice its budget; one copy when a reply is kept fixes the accounting.
    """
    if len(reply.body) < COMPACT_FROM:
        return reply
    return replace(reply, body=bytes(memoryview(reply.body)))


class ResponseCache:
    def __init__(self, capacity: int, max_bytes: int) -> None:
        self._replies: OrderedDict[bytes, Reply] = OrderedDict()
        self._aliases: OrderedDict[bytes, bytes] = OrderedDict()
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self.size = 0  # bytes held by kept replies

    def __len__(self) -> int:
        return len(self._replies)

    def get(self, key: bytes) -> Reply | None:
        with self._lock:
            reply = self._replies.get(key)
            if reply is not None:
                self._replies.move_to_end(key)
            return reply

    def get_raw(self, raw_key: bytes) -> Reply | None:
        with self._lock:
            key = self._aliases.get(raw_key)
            if key is None:
                return None
            reply = self._replies.get(key)
            if reply is None:
                del self._aliases[raw_key]
                return None
            self._aliases.move_to_end(raw_key)
            self._replies.move_to_end(key)
            return reply

    def put(self, key: bytes, reply: Reply, raw_key: bytes | None = None) -> None:
        cost = len(reply.body) + ENTRY_OVERHEAD
        if self._capacity <= 0 or cost > self._max_bytes // LARGEST_SHARE:
            return
        with self._lock:
            if key not in self._replies:
                self._replies[key] = _compact(reply)
                self.size += cost
            if raw_key is not None:
                self._aliases[raw_key] = key
                self._aliases.move_to_end(raw_key)
            while len(self._replies) > self._capacity or self.size > self._max_bytes:
                _, dropped = self._replies.popitem(last=False)
                self.size -= len(dropped.body) + ENTRY_OVERHEAD
            while len(self._aliases) > self._capacity * ALIASES_PER_REPLY:
                self._aliases.popitem(last=False)
