"""Serving the app over HTTP: uvicorn with the sandbox's connection limits.

uvicorn bounds neither the size of request headers nor the time a client may
take to send them, and arms its keep-alive timer only after a first response:
a client that opens a connection and sends nothing, or drips headers forever,
keeps it open for good. :class:`GuardedProtocol` adds both bounds to uvicorn's
httptools protocol; the body has its own deadline in the dispatcher, and
uvicorn's graceful-shutdown deadline ends whatever is left on SIGTERM.
Every limit is in :class:`~mockserver.settings.Limits` and the README.

The header deadline is one timer per connection, not one per request: a request
only notes when its headers began, and the timer, when it fires, closes the
connection if headers have been arriving for longer than the deadline, or re-arms
for the request in progress. Arming and cancelling a timer for every request cost
about 5 % of a cached request.

uvicorn writes a response's head and its body with two socket writes; the
:class:`CoalescingTransport` joins the writes of one event-loop step into one, so
a response leaves as one packet (docs/benchmarks.md: a fifth more cached requests
a second).

Before serving, what startup built (the contracts, hundreds of thousands of
objects that live as long as the process) is moved out of the garbage
collector's sight with ``gc.freeze()``: otherwise every full collection walks
all of it, and under load one request in a thousand waited ~30 ms for it
(docs/benchmarks.md, hot p99.9).
"""

from __future__ import annotations

import asyncio
import gc
import signal
import socket
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.memory import share_one_arena
from mockserver.settings import Limits

__all__ = ["GuardedProtocol", "CoalescingTransport", "bind", "serve", "guarded_protocol"]


class _HeadersTooLarge(Exception):
    pass


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header size cap (431) and a header deadline (close)."""

    max_header_bytes = Limits().max_header_bytes
    header_timeout = Limits().header_timeout_s

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_bytes = 0
        self._too_large = False
        self._deadline: asyncio.TimerHandle | None = None
        self._awaiting_headers = True  # from the connection's start, or a request's first byte, to its headers' end
        self._headers_began = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
        self._headers_began = self.loop.time()
        self._arm(self._headers_began)  # a connection that never sends a request is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._awaiting_headers = True
        self._headers_began = self.loop.time()
        if self._deadline is None:
            self._arm(self._headers_began)

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False  # the timer, when it fires, finds nothing to do
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if not self._too_large:
            super().send_400_response(msg)
            return
        text = f"Request line and headers are larger than the sandbox limit of {self.max_header_bytes} bytes"
        self.transport.write(b"".join([
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(text),
            b"connection: close\r\n\r\n",
            text.encode("ascii"),
        ]))
        self.transport.close()

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            self._too_large = True
            raise _HeadersTooLarge  # httptools stops parsing; uvicorn then calls send_400_response

    def _arm(self, began: float) -> None:
        self._deadline = self.loop.call_at(began + self.header_timeout, self._expire)

    def _expire(self) -> None:
        self._deadline = None
        if not self._awaiting_headers or self.transport.is_closing():
            return  # between requests: the next request's first byte arms the timer again
        if self.loop.time() - self._headers_began >= self.header_timeout:
            self.transport.close()
        else:
            self._arm(self._headers_began)  # a later request than the one the timer was armed for


class CoalescingTransport:
    """A transport whose writes within one event-loop step leave as one write.

    The first write of a step schedules the flush with ``call_soon``; later writes of
    the same step are appended. Closing flushes first. Everything else (flow
    control, ``is_closing``, extra info) is the wrapped transport's own.
    """

    __slots__ = ("_transport", "_loop", "_pending")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self._flush)
        else:
            self._pending.append(data)

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def guarded_protocol(limits: Limits) -> type[GuardedProtocol]:
    """The protocol class with these limits (uvicorn builds one protocol object per connection)."""
    return type("GuardedProtocol", (GuardedProtocol,), {
        "max_header_bytes": limits.max_header_bytes,
        "header_timeout": limits.header_timeout_s,
    })


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is served: port 0 picks a free port, and a port in use
    fails here, as one :class:`OSError`, instead of deep inside uvicorn after the startup lines."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)  # --workers: forked processes serve the same socket
    return sock


def serve(app: Any, limits: Limits, sock: socket.socket,
          before_serving: Callable[[socket.socket], None] = lambda sock: None) -> None:
    """Serve ``app`` on an already bound socket until SIGTERM or SIGINT. ``before_serving`` runs once the
    process's startup objects are frozen and before any thread starts (it may fork the generation process)."""
    share_one_arena()  # before any generation thread exists (mockserver/memory.py)
    gc.collect()
    gc.freeze()  # startup's objects live for good: no full collection walks them again (module docstring)
    before_serving(sock)  # after the freeze: a forked child shares those pages instead of copying them
    config = uvicorn.Config(
        app,
        http=guarded_protocol(limits),
        access_log=False,
        proxy_headers=False,  # nothing reads the client address; uvicorn's X-Forwarded-* layer is one more hop per request
        log_level="warning",
        log_config=None,  # keep the sandbox's own logging (text or JSON, mockserver/logs.py)
        timeout_keep_alive=limits.keep_alive_s,
        timeout_graceful_shutdown=limits.shutdown_timeout_s,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    # uvicorn shuts down gracefully on SIGTERM / SIGINT, then raises the signal again for the handlers it found:
    # Python's defaults would end the process by that signal (or a KeyboardInterrupt traceback), where the README
    # promises exit status 0 after a clean shutdown. Handlers that do nothing let ``run`` return instead.
    with _quiet_after_shutdown():
        server.run(sockets=[sock])


@contextmanager
def _quiet_after_shutdown() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():  # signals are the main thread's to handle
        yield
        return
    earlier = {number: signal.signal(number, lambda *_: None) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in earlier.items():
            signal.signal(number, handler)
