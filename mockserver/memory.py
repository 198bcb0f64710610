"""Handing memory back to the system after bursts (glibc only; elsewhere these are no-ops).

glibc gives every thread that contends for ``malloc`` an arena of its own and
keeps freed memory in it, so after 20 heavy requests on two generation threads
the process would stay near its peak for good. Two calls keep it close to its
resting size instead (measured in docs/robustness.md):

* :func:`share_one_arena`, at server start: all threads allocate from one arena
  (``M_ARENA_MAX = 1``). Python's small objects never reach ``malloc``, and
  numpy's large buffers are ``mmap``-ed, so the shared lock costs little;
* :func:`release_free_memory`, when the generation lane falls idle after heavy
  work: ``malloc_trim(0)`` returns the free pages.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

__all__ = ["share_one_arena", "release_free_memory"]

_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _libc()


def share_one_arena() -> bool:
    """Call before any generation thread starts; whether it took effect."""
    return bool(_LIBC is not None and _LIBC.mallopt(_M_ARENA_MAX, 1))


def release_free_memory() -> None:
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
