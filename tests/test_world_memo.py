"""The per-world memo of derived figures is exact and bounded by bytes."""

from __future__ import annotations

import numpy as np

from mockserver.world import world as world_module
from tests import strategies as S


def test_memo_returns_the_same_object_and_stays_within_its_budget(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(world_module, "MEMO_BYTES", 1 << 20)
    world = world_module.build_world(S.book().catalog, 0)
    calls = []

    def big(i: int) -> np.ndarray:
        calls.append(i)
        return np.zeros(40_000)  # 320 kB

    first = world.memo(("big", 0), lambda: big(0))
    assert world.memo(("big", 0), lambda: big(0)) is first and calls == [0]
    for i in range(1, 10):
        world.memo(("big", i), lambda i=i: big(i))
    assert world._memo.size <= 1 << 20
    assert ("big", 0) not in world._memo.entries, "the oldest entries go first"
    assert ("big", 9) in world._memo.entries
