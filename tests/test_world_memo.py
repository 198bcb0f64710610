"""The memo of derived figures is exact, bounded by bytes for all worlds together, and thread-safe."""

from __future__ import annotations

import threading

import numpy as np

from mockserver.world import world as world_module
from tests import strategies as S


def test_memo_returns_the_same_object_and_stays_within_its_budget() -> None:
    memo = world_module.Memo(max_bytes=1 << 20)
    world = world_module.build_world(S.book().catalog, 0, memo=memo)
    calls = []

    def big(i: int) -> np.ndarray:
        calls.append(i)
        return np.zeros(40_000)  # 320 kB

    first = world.memo(("big", 0), lambda: big(0))
    assert world.memo(("big", 0), lambda: big(0)) is first and calls == [0]
    for i in range(1, 10):
        world.memo(("big", i), lambda i=i: big(i))
    assert memo.size <= 1 << 20
    assert (0, "baseline", ("big", 0)) not in memo.entries, "the oldest entries go first"
    assert (0, "baseline", ("big", 9)) in memo.entries


def test_one_budget_for_every_world_of_a_book() -> None:
    """Many seeds (Prefer: seed=) must not multiply the memory held."""
    book = S.book()
    block = world_module.MEMO_BYTES // 6  # seven worlds' blocks cannot all fit
    worlds = [book.get(seed, "baseline") for seed in range(7)]
    for world in worlds:
        world.memo("block", lambda: np.zeros(block // 8))
    assert book.memo.size <= world_module.MEMO_BYTES
    assert (0, "baseline", "block") not in book.memo.entries, "the oldest world's figure went first"
    assert (6, "baseline", "block") in book.memo.entries


def test_concurrent_threads_agree_and_keep_the_accounting_exact() -> None:
    memo = world_module.Memo(max_bytes=4 << 20)
    results: list[list[float]] = [[] for _ in range(4)]

    def work(slot: int) -> None:
        for i in range(200):
            value = memo.get_or_compute(i % 50, lambda i=i: np.full(10_000, float(i % 50)))
            results[slot].append(float(value[0]))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r == [float(i % 50) for i in range(200)] for r in results)
    assert memo.size == sum(size for _, size in memo.entries.values()) <= 4 << 20
