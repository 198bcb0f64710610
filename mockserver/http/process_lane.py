"""The generation process: what the generation lane does, in a forked child process instead of beside the loop.

The thread lane (``lane.py``) keeps heavy work off the event loop, but not off its
interpreter lock: the loop and the worker take turns on it, and every numpy call
hands it over and back. Measured with wrk on 2026-12-07 (2 CPUs, one server), the
same jobs in a child process forked at startup served cold-distinct requests 27 %
faster (358 -> 455 req/s), the mixed workload 43 % (1,273 -> 1,817 req/s, p99
405 -> 326 ms) and new requests over recurring days 37 %, and a cached request
during that load waited half as long (p50 0.5 -> 0.2 ms): the loop has its core,
the generation its own.

How it works:

* **forked once, before serving** (``server.serve`` calls :func:`fork` after
  ``gc.freeze()`` and before any thread exists): the child starts with the
  contracts, the world and the validators already built, shared copy-on-write, so
  it gives the very bytes the parent would;
* **jobs by reference**: a job and its arguments go over a socket pair pickled,
  except the objects both sides hold since the fork (the dispatcher, the
  operations), which travel as their number in ``shared``
  (``pickle``'s persistent ids); answers come back pickled, each framed by its
  job number and length;
* **the same patience inside**: the child's main thread is its first worker: it
  reads the next job from the socket itself when done with the last, with no
  hand-over between threads per job (each one a switch of the interpreter lock:
  reading on one thread and running on another measured 4-10 % slower). While its
  job has run past patience, a helper thread reads and runs the jobs waiting
  behind it, as the thread lane's helpers do, so a heavy request holds cheap ones
  back no longer than on threads. The socket is the queue; the parent admits at
  most ``threads + max_waiting`` jobs at once and answers the rest 503
  (:class:`Overloaded`), as before;
* **never an error for a lost child**: if the child ends (killed, out of memory),
  the jobs it had and every later one run on threads in the parent (a
  :class:`GenerationLane` of its own, from the parent's copy of the same world), and
  the log says so once;
* **ends with the parent**: at shutdown the parent closes its end; the child
  finishes the jobs it has, and sees the end of the socket and exits. If the
  parent is killed, the kernel closes the socket for it, and the child exits the
  same way.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import pickle
import select
import signal
import socket
import struct
import threading
import time
from typing import Any, Callable, Sequence, TypeVar

from mockserver.http.lane import PATIENCE_S, TRIM_AFTER_BUSY_S, GenerationLane, Overloaded, helper_due, still_helping
from mockserver.memory import release_free_memory

__all__ = ["ProcessLane", "fork"]

log = logging.getLogger("mockserver")

T = TypeVar("T")

_FRAME = struct.Struct("!QI")  # job number, payload length
_SHARED_ID = struct.Struct("!I")


class ProcessLane:
    """The parent's side: admits jobs, sends them to the child, settles each request with its answer."""

    def __init__(self, pid: int, sock: socket.socket, shared: Sequence[object], threads: int, max_waiting: int,
                 patience_s: float) -> None:
        self.pid = pid
        self.threads = threads
        self.max_waiting = max_waiting
        self.admitted = 0
        self._sock = sock
        self._shared = {id(obj): number for number, obj in enumerate(shared)}
        self._pending: dict[int, tuple[asyncio.Future[Any], Callable[..., Any], tuple[Any, ...]]] = {}
        self._numbers = 0
        self._link: _ParentLink | None = None
        self._connecting: asyncio.Future[None] | None = None
        self._threads = GenerationLane(threads, max_waiting, patience_s)  # once the child is gone
        self._busy = 0.0  # seconds of jobs since this process last handed freed memory back
        self.lost = False

    async def run(self, job: Callable[..., T], *args: Any) -> T:
        if self.admitted >= self.threads + self.max_waiting:
            raise Overloaded
        if self.lost:
            return await self._threads.run(job, *args)
        self.admitted += 1
        started = time.perf_counter()
        try:
            link = await self._connected()
            if link is None:  # the child went away meanwhile
                return await self._threads.run(job, *args)
            self._numbers += 1
            number = self._numbers
            done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
            self._pending[number] = (done, job, args)
            try:
                payload = self._dumps((job, args))
            except Exception:  # something unpicklable: this job runs here
                del self._pending[number]
                return await self._threads.run(job, *args)
            link.send(number, payload)
            try:
                return await done
            finally:
                self._pending.pop(number, None)  # a request that went away: its answer is dropped when it comes
        finally:
            self.admitted -= 1
            self._busy += time.perf_counter() - started
            if self.admitted == 0 and self._busy >= TRIM_AFTER_BUSY_S:
                # The answers of heavy requests came through this process too (megabytes each, unpickled and
                # sent): hand the freed memory back, off the loop (malloc_trim takes a while).
                self._busy = 0.0
                threading.Thread(target=release_free_memory, name="mockserver-trim", daemon=True).start()

    def close(self) -> None:
        """At lifespan shutdown: the child finishes what it has and exits when it sees the socket end."""
        if self._link is None or not self._link.close():
            self._sock.close()
        self._threads.close()
        _reap(self.pid)

    async def _connected(self) -> _ParentLink | None:
        if self._link is not None:
            return None if self.lost else self._link
        if self._connecting is None:
            loop = asyncio.get_running_loop()
            self._connecting = loop.create_future()
            try:
                await loop.create_connection(lambda: _ParentLink(self), sock=self._sock)
            except OSError:
                self._lose("could not be reached")
            self._connecting.set_result(None)
        else:
            await asyncio.shield(self._connecting)
        return None if self.lost else self._link

    def _dumps(self, value: Any) -> bytes:
        out = io.BytesIO()
        _SharedPickler(out, self._shared).dump(value)
        return out.getvalue()

    def _answered(self, number: int, payload: bytes) -> None:
        entry = self._pending.pop(number, None)
        if entry is None or entry[0].done():
            return
        try:
            ok, value = pickle.loads(payload)
        except Exception as exc:  # an answer that does not unpickle: the request's error, not the lane's
            ok, value = False, exc
        if ok:
            entry[0].set_result(value)
        else:
            entry[0].set_exception(value)

    def _lose(self, why: str) -> None:
        """The child is gone: every job it had runs again here, on threads (jobs are pure: the same answers)."""
        if self.lost:
            return
        self.lost = True
        log.error("the generation process %s (pid %d); generating on threads in this process from now on",
                  why, self.pid)
        for done, job, args in list(self._pending.values()):
            if not done.done():
                asyncio.ensure_future(self._rerun(done, job, args))
        self._pending.clear()
        _reap(self.pid)

    async def _rerun(self, done: asyncio.Future[Any], job: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            result = await self._threads.run(job, *args)
        except BaseException as exc:
            if not done.done():
                done.set_exception(exc)
        else:
            if not done.done():
                done.set_result(result)


class _Frames(asyncio.Protocol):
    """Frames (job number, length, payload) in from a stream, whole ones handed to ``frame``."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closing = False  # closed by this side (not the other side ending)
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= _FRAME.size:
            number, length = _FRAME.unpack_from(self._buffer)
            end = _FRAME.size + length
            if len(self._buffer) < end:
                return
            payload = bytes(self._buffer[_FRAME.size:end])
            del self._buffer[:end]
            self.frame(number, payload)

    def send(self, number: int, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(_FRAME.pack(number, len(payload)) + payload)

    def close(self) -> bool:
        """Close this side; whether the transport could (not when its event loop has already closed)."""
        self.closing = True
        if self.transport is None:
            return False
        try:
            self.transport.close()
        except RuntimeError:  # its loop is closed: the caller closes the socket itself
            return False
        return True

    def frame(self, number: int, payload: bytes) -> None:
        raise NotImplementedError


class _ParentLink(_Frames):
    def __init__(self, lane: ProcessLane) -> None:
        super().__init__()
        self.lane = lane

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.lane._link = self

    def frame(self, number: int, payload: bytes) -> None:
        self.lane._answered(number, payload)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closing:
            self.lane._lose("ended")


class _SharedPickler(pickle.Pickler):
    """Objects both processes hold since the fork travel as their number."""

    def __init__(self, file: io.BytesIO, shared: dict[int, int]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.shared = shared

    def persistent_id(self, obj: Any) -> Any:
        number = self.shared.get(id(obj))
        return None if number is None else _SHARED_ID.pack(number)


class _SharedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shared: Sequence[object]) -> None:
        super().__init__(file)
        self.shared = shared

    def persistent_load(self, pid: Any) -> Any:
        return self.shared[_SHARED_ID.unpack(pid)[0]]


def fork(shared: Sequence[object], threads: int, max_waiting: int, patience_s: float = PATIENCE_S,
         close_in_child: Sequence[socket.socket] = (), in_child: Callable[[], None] = lambda: None) -> ProcessLane:
    """Fork the generation process (call before any thread starts) and return the parent's lane to it.

    ``shared``: the objects jobs refer to (both sides hold them from here on); ``close_in_child``: sockets the
    child must not keep open (the listening socket); ``in_child``: run in the child first (the dispatcher drops
    what only the parent uses)."""
    parent_end, child_end = socket.socketpair()
    pid = os.fork()
    if pid == 0:  # the child: serve jobs, then leave without running the parent's cleanup
        code = 0
        try:
            parent_end.close()
            for sock in close_in_child:
                sock.close()
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            in_child()
            _Child(child_end, shared, threads, patience_s).serve()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    child_end.close()
    return ProcessLane(pid, parent_end, shared, threads, max_waiting, patience_s)


class _Child:
    """The child's side: the first worker is the main thread, which reads the next job itself when it is done
    with the last (no hand-over between threads per job: each one costs a switch of the interpreter lock);
    while its job has run past patience, a helper thread reads and runs the jobs waiting behind it, as the
    thread lane's helpers do (``lane.py``). The socket is the queue: the parent admits at most
    ``threads + max_waiting`` jobs at once."""

    def __init__(self, sock: socket.socket, shared: Sequence[object], threads: int, patience_s: float) -> None:
        self.sock = sock
        self.shared = shared
        self.patience_s = patience_s
        self.began = [0.0] * threads  # when each worker began its current job (perf_counter); 0.0: idle
        self.ended = False
        self._buffer = bytearray()
        self._read_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._permits = threading.Semaphore(0)
        self._wake = threading.Event()
        self._watching = False
        self._busy = 0.0  # seconds of jobs since memory was last given back
        for index in range(1, threads):
            threading.Thread(target=self._help, args=(index,), name=f"mockserver-generate-{index}", daemon=True).start()
        if threads > 1:
            threading.Thread(target=self._watch, name="mockserver-generate-watch", daemon=True).start()

    def serve(self) -> None:
        """Until the parent closes its end (or is gone); jobs it sent before that still run."""
        while True:
            with self._read_lock:
                frame = self._read()
            if frame is None:
                break
            self._run(0, *frame)
        self.ended = True
        self._wake.set()
        for _ in self.began[1:]:
            self._permits.release()

    def _help(self, index: int) -> None:
        """Given a permit: take the waiting jobs while the jobs running beside it are still past patience."""
        while True:
            self._permits.acquire()
            while not self.ended:
                if not self._read_lock.acquire(blocking=False):  # the first worker is reading: it is free
                    break
                try:
                    frame = self._read() if self._waiting() else None
                finally:
                    self._read_lock.release()
                if frame is None:
                    break
                self._run(index, *frame)
                if not still_helping(self.began, index, time.perf_counter(), self.patience_s):
                    break
            if self.ended:
                return

    def _watch(self) -> None:
        """Every ``patience_s`` while jobs run, give a helper a permit if every busy worker is past patience and
        a job waits; asleep while the child is idle (the first worker wakes it when it starts a job then)."""
        while not self.ended:
            self._watching = True
            while not self.ended:
                time.sleep(self.patience_s)
                if not any(self.began):
                    break
                if helper_due(self.began, time.perf_counter(), self.patience_s) and self._waiting():
                    self._permits.release()
            self._watching = False
            if any(self.began):  # a job began as this look ended: it may not have woken us (it saw us watching)
                continue
            self._wake.wait()
            self._wake.clear()

    def _run(self, index: int, number: int, payload: bytes) -> None:
        self.began[index] = started = time.perf_counter()
        if not self._watching:  # after noting the start: the watchdog looks at ``began`` before it sleeps
            self._wake.set()
        try:
            job, args = _SharedUnpickler(io.BytesIO(payload), self.shared).load()
            result: tuple[bool, Any] = (True, job(*args))
        except Exception as exc:  # the request's own error, raised where it awaits
            result = (False, exc)
        finally:
            self.began[index] = 0.0
        try:
            answer = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            answer = pickle.dumps((False, RuntimeError(f"unpicklable answer: {exc!r}")))
        with self._send_lock:
            try:
                self.sock.sendall(_FRAME.pack(number, len(answer)) + answer)
            except OSError:  # the parent is gone: nobody awaits the answer
                pass
        self._busy += time.perf_counter() - started
        # Once every worker is idle and nothing waits (a helper finishing beside a heavy job would trim too early:
        # the heavy job's arrays are freed after it), as the thread lane does when it falls idle.
        if self._busy >= TRIM_AFTER_BUSY_S and not any(self.began) and not self._waiting():
            self._busy = 0.0
            release_free_memory()

    def _waiting(self) -> bool:
        """Whether a job's bytes have arrived that no worker has taken yet."""
        if self._buffer:
            return True
        readable, _, _ = select.select([self.sock], [], [], 0)
        return bool(readable)

    def _read(self) -> tuple[int, bytes] | None:
        """The next (job number, payload), waiting for it; None once the parent has closed its end. Under the
        read lock."""
        while True:
            if len(self._buffer) >= _FRAME.size:
                number, length = _FRAME.unpack_from(self._buffer)
                end = _FRAME.size + length
                if len(self._buffer) >= end:
                    payload = bytes(self._buffer[_FRAME.size:end])
                    del self._buffer[:end]
                    return number, payload
            try:
                data = self.sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                self.ended = True
                return None
            self._buffer += data


def _reap(pid: int) -> None:
    """Collect the child's exit status if it has ended (no zombie); one that has not is collected by whoever
    outlives it (the parent's exit hands it to init)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
