"""The production server's HTTP protocol: Uvicorn's h11 protocol, held against slow and hostile clients.

``app/production.py`` selects it (``http="app.server:ConvScopeProtocol"``). Uvicorn times out
only idle keep-alive connections; every other wait was unbounded, and each waiting connection
counts against ``limit_concurrency``. Per connection, this protocol adds:

- Header timeout (``request_header_timeout``): from the opening of the connection, or from the
  first byte of a later request on it, the headers must be complete within the timeout. If
  nothing at all was sent the connection is closed quietly; otherwise the answer is a 408 and
  the connection is closed.
- Body timeout (``request_body_timeout``): a request body must advance by at least
  ``PROGRESS_BYTES`` (or end) within each timeout, counted from its last advance; a body
  dribbled a byte every few seconds is cut off like a stalled one (408 if no answer has started).
  Time the server itself holds the body back (the app not reading it yet) does not count.
- Send timeout (``send_timeout``): while the server has bytes waiting to be sent, the client must
  receive ``PROGRESS_BYTES`` of them (or all there are) within each timeout, as the kernel counts
  them (acknowledged bytes); otherwise the connection is dropped at once (a reset, not a graceful
  close that would wait for the unread bytes), which frees the stream's generator and everything
  it holds.
- Bounded write buffering: the transport pauses writing above ``HIGH_WATER`` bytes, and
  Uvicorn's ``send`` then waits for it to drain before writing the next body message; a body
  message larger than ``SLICE`` bytes is handed over a slice at a time, so that wait happens
  within it too. A reader that stops holds at most about HIGH_WATER + SLICE bytes in this
  process's buffer (plus what the kernel's socket buffers take), and the app computes nothing
  more for it: a stream's generator is advanced only after the previous chunk was sent.
- Connection slots: when a request arrives on a worker holding ``limit_concurrency``
  connections, connections waiting for a request (idle or still sending headers, oldest first)
  are closed to make room; only when every connection has a request in progress, or as many
  requests are in progress, is the answer 503. So idle sockets cannot lock learners out.
- Request smuggling: a request with both Content-Length and Transfer-Encoding is refused with 400
  and the connection closed before its body is read. h11 would frame it by Transfer-Encoding
  (RFC 9112 allows that) and go on to serve whatever follows as a second request, where a proxy
  in front may have framed it by Content-Length; RFC 9112 section 6.1 lets a server refuse it.
- The server's own answers (400 for a request h11 cannot parse, 408, 503, and a 500 should the
  app fail before answering) are JSON ``{"error": {"code", "message", "field": null}}`` with the
  security headers every response carries, not Uvicorn's plain text.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import http
import itertools
import json
import re
import socket
import struct
import termios
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, cast

import h11
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle
from uvicorn.server import ServerState

from app.errors import error_content
from app.middleware import SITE_HEADERS
from app.settings import Settings, load_settings

# asyncio's own default high-water mark, set explicitly: the transport pauses writing above it.
HIGH_WATER = 64 * 1024
LOW_WATER = 16 * 1024
# The largest piece of a response body handed to the transport at once.
SLICE = 64 * 1024
# A request body must advance, and a client must read, at least this much per timeout (about
# 50 B/s at the default 20 s): any real client is faster, a dribbler or a stalled reader slower.
PROGRESS_BYTES = 1024
# Send progress is checked this many times per send_timeout, so a stalled reader is dropped
# between send_timeout and 1.25 x send_timeout after it last made progress.
SEND_CHECKS = 4

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SITE_HEADERS
)
_ECHOED_BYTES = re.compile(r":\s*(bytearray\()?b['\"].*$", re.DOTALL)
PROTOCOL_ERRORS = {400: "bad_request", 431: "headers_too_large", 501: "not_implemented"}


@dataclass(frozen=True)
class Timeouts:
    """Seconds: headers complete, body without progress, answer left unread."""

    header: float
    body: float
    send: float

    @classmethod
    def of(cls, settings: Settings) -> Timeouts:
        return cls(settings.request_header_timeout, settings.request_body_timeout, settings.send_timeout)


@functools.cache
def process_timeouts() -> Timeouts:
    """The timeouts of this process's CONVSCOPE_* settings, read once (production.py checked them)."""
    return Timeouts.of(load_settings())


def error_body(code: str, message: str) -> bytes:
    return json.dumps(error_content(code, message), separators=(",", ":")).encode()


def error_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *SECURITY_HEADERS,
    ]


def raw_response(status: int, body: bytes, extra: Iterable[tuple[bytes, bytes]] = ()) -> bytes:
    """A whole HTTP/1.1 response as bytes, for answers h11's state does not allow it to send."""
    lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}".encode()]
    lines += [name + b": " + value for name, value in (*extra, *error_headers(body))]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class StrictConnection(h11.Connection):
    """h11, refusing Content-Length together with Transfer-Encoding, and keeping why it refused."""

    refusal: tuple[int, str] = (400, "the request could not be parsed")

    def next_event(self) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as error:
            # h11 appends the offending bytes ("illegal request line: bytearray(b'...')"): not echoed.
            self.refusal = (error.error_status_hint, _ECHOED_BYTES.sub("", str(error)))
            raise
        if isinstance(event, h11.Request):
            names = {name for name, _ in event.headers}  # h11 gives them in lower case
            if b"content-length" in names and b"transfer-encoding" in names:
                self.refusal = (400, "it has both Content-Length and Transfer-Encoding, which is ambiguous")
                raise h11.RemoteProtocolError(self.refusal[1], error_status_hint=400)
        return event


class WriteCounter:
    """A transport that counts the bytes written through it and reports each write; everything
    else is the transport's own."""

    def __init__(self, transport: asyncio.Transport, on_write: Callable[[], None]) -> None:
        self.transport = transport
        self.on_write = on_write
        self.written = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.transport.write(data)
        self.written += len(data)
        self.on_write()

    def pending(self) -> int:
        """Bytes written but not yet acknowledged by the client: in the transport's buffer, and in
        the kernel's send queue (Linux; elsewhere this buffer alone).

        The kernel's queue matters: it reports the socket writable only once a large part of it
        (a third, about a megabyte) is free, so the transport's buffer alone moves in bursts far
        apart when a client reads slowly but steadily.
        """
        return self.transport.get_write_buffer_size() + kernel_unsent(self.transport)

    def delivered(self) -> int:
        return self.written - self.pending()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


def kernel_unsent(transport: asyncio.BaseTransport) -> int:
    """Bytes in the socket's kernel send queue, not yet acknowledged (SIOCOUTQ); 0 where unknown."""
    sock = transport.get_extra_info("socket")
    if sock is None or not hasattr(termios, "TIOCOUTQ"):
        return 0
    try:
        queued: int = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
    except OSError:
        return 0
    return queued


# Per worker (one ServerState each): the connections waiting for a request, oldest first.
_WAITING: weakref.WeakKeyDictionary[ServerState, dict[ConvScopeProtocol, None]] = weakref.WeakKeyDictionary()


class ConvScopeProtocol(H11Protocol):
    """Uvicorn's h11 protocol with the timeouts, bounds and JSON refusals of the module docstring."""

    # None: from this process's CONVSCOPE_* settings; tests set their own on a subclass.
    timeouts: Timeouts | None = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = self.timeouts or process_timeouts()
        size = config.h11_max_incomplete_event_size
        self.conn = StrictConnection(h11.SERVER, DEFAULT_MAX_INCOMPLETE_EVENT_SIZE if size is None else size)
        # Uvicorn's own check answers 503 in plain text and never frees a slot; guarded_app does both.
        self.max_connections = self.limit_concurrency
        self.limit_concurrency = None
        self.inner_app = self.app
        self.app = self.guarded_app
        self.waiting = _WAITING.setdefault(server_state, {})
        # Each request is checked against the limits once, when its headers have been parsed (as
        # Uvicorn does), not when its task starts: requests that arrive together must not all
        # see one another's counts. The request of ``refused`` gets the 503.
        self.checked: RequestResponseCycle | None = None
        self.refused: RequestResponseCycle | None = None
        self.counter: WriteCounter | None = None
        # The request timer: headers to arrive, or the body to advance.
        self.request_timer: asyncio.TimerHandle | None = None
        self.request_phase: Literal["header", "body"] = "header"
        self.body_progress_at = 0.0
        self.body_bytes_since = 0
        # The send watch, armed while written bytes wait in the transport's buffer.
        self.send_timer: asyncio.TimerHandle | None = None
        self.delivered_mark = 0
        self.pending_at_mark = 0
        self.send_progress_at = 0.0

    # Connection events

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)
        self.counter = WriteCounter(transport, self.on_write)
        super().connection_made(cast(asyncio.Transport, self.counter))
        self.arm_request_timer("header", self.limits.header)
        self.update_waiting()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self.cancel_timers()
        self.waiting.pop(self, None)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self.after_input(len(data))

    def on_response_complete(self) -> None:
        super().on_response_complete()  # may start a pipelined request already received
        if not self.transport.is_closing():
            self.after_input(0)

    def after_input(self, received: int) -> None:
        """Arm, advance or stop the request timer for where the request now is."""
        if self.transport.is_closing():  # the send watch stays: a close waits for unsent bytes
            self.cancel_request_timer()
            self.waiting.pop(self, None)
            return
        state = self.conn.their_state
        now = self.loop.time()
        if state is h11.IDLE:  # waiting for the headers of a request
            if self.request_timer is None and (received or self.conn.trailing_data[0]):
                self.arm_request_timer("header", self.limits.header)
        elif state is h11.SEND_BODY:
            if self.request_timer is None or self.request_phase != "body":
                self.body_progress_at, self.body_bytes_since = now, 0
                self.arm_request_timer("body", self.limits.body)
            else:
                self.body_bytes_since += received
                if self.body_bytes_since >= PROGRESS_BYTES:
                    self.body_progress_at, self.body_bytes_since = now, 0
        else:  # the request has arrived whole (or the connection is ending)
            self.cancel_request_timer()
        self.update_waiting()
        if self.cycle is not None and self.cycle is not self.checked:  # a request has just arrived
            self.checked = self.cycle
            if self.over_limit():
                self.refused = self.cycle

    def update_waiting(self) -> None:
        """Keep this connection on the worker's list of those waiting for a request, or off it."""
        if self.cycle is None or self.cycle.response_complete:
            self.waiting.setdefault(self, None)
        else:
            self.waiting.pop(self, None)

    # Request timeouts

    def arm_request_timer(self, phase: Literal["header", "body"], delay: float) -> None:
        self.cancel_request_timer()
        self.request_phase = phase
        self.request_timer = self.loop.call_later(delay, self.request_timed_out)

    def cancel_request_timer(self) -> None:
        if self.request_timer is not None:
            self.request_timer.cancel()
            self.request_timer = None

    def cancel_timers(self) -> None:
        self.cancel_request_timer()
        if self.send_timer is not None:
            self.send_timer.cancel()
            self.send_timer = None

    def request_timed_out(self) -> None:
        self.request_timer = None
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if self.request_phase == "header":
            if state is not h11.IDLE:
                return
            if not self.conn.trailing_data[0]:
                self.transport.close()  # nothing was asked: no answer is owed
                return
            timeout = self.limits.header
            self.refuse(
                408,
                "request_timeout",
                f"the request's headers did not arrive within {timeout:g} s (request_header_timeout)",
            )
            return
        if state is not h11.SEND_BODY:
            return
        cycle = self.cycle
        now = self.loop.time()
        if self.flow.read_paused or (cycle is not None and cycle.waiting_for_100_continue):
            self.body_progress_at = now  # the server holds the body back, not the client
        remaining = self.body_progress_at + self.limits.body - now
        if remaining > 0:
            self.arm_request_timer("body", remaining)
            return
        timeout = self.limits.body
        if cycle is not None and not cycle.response_complete:
            answer = not cycle.response_started
            cycle.disconnected = True  # the app's receive now says so, and its sends are dropped
            cycle.message_event.set()
            if answer:
                message = (
                    f"the request body did not advance by {PROGRESS_BYTES:,} bytes within "
                    f"{timeout:g} s (request_body_timeout)"
                )
                self.refuse(408, "request_timeout", message)
                return
        self.logger.info("Request body stalled for %g s: connection closed.", timeout)
        self.transport.close()

    def refuse(self, status: int, code: str, message: str) -> None:
        """Answer with a JSON error and close, whatever state h11 is in."""
        self.cancel_request_timer()
        self.waiting.pop(self, None)
        default = [(name, value) for name, value in self.server_state.default_headers if name == b"date"]
        self.transport.write(raw_response(status, error_body(code, message), default))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """A request h11 cannot parse (or refuses): JSON instead of Uvicorn's plain text."""
        hint, reason = getattr(self.conn, "refusal", (400, msg))
        status = hint if hint in PROTOCOL_ERRORS else 400
        self.refuse(status, PROTOCOL_ERRORS[status], f"the request is not valid HTTP/1.1: {reason}")

    # Send timeout

    def on_write(self) -> None:
        """After a write: watch for the client to take the bytes left in the buffer."""
        counter = self.counter
        if self.send_timer is None and counter is not None and counter.transport.get_write_buffer_size():
            self.mark_sent(counter)
            self.send_timer = self.loop.call_later(self.limits.send / SEND_CHECKS, self.check_send)

    def mark_sent(self, counter: WriteCounter) -> None:
        pending = counter.pending()
        self.delivered_mark, self.pending_at_mark = counter.written - pending, pending
        self.send_progress_at = self.loop.time()

    def check_send(self) -> None:
        self.send_timer = None
        counter = self.counter
        if counter is None or not counter.transport.get_write_buffer_size():
            return  # all sent (a closing connection may still have been flushing)
        now = self.loop.time()
        if counter.delivered() - self.delivered_mark >= min(PROGRESS_BYTES, self.pending_at_mark):
            self.mark_sent(counter)
        elif now - self.send_progress_at >= self.limits.send:
            self.logger.info("Client read under 1 KiB in %g s: connection dropped.", self.limits.send)
            drop(counter.transport)
            return
        self.send_timer = self.loop.call_later(self.limits.send / SEND_CHECKS, self.check_send)

    # Connection slots

    def over_limit(self) -> bool:
        """Past ``limit_concurrency``: close waiting connections to make room; True if still past it."""
        limit = self.max_connections
        if limit is None:
            return False
        excess = len(self.connections) - limit + 1
        if excess > 0:
            for other in list(itertools.islice(self.waiting, excess)):
                other.evict()
        # This request's task is already counted, unlike where Uvicorn checks.
        return len(self.connections) >= limit or len(self.tasks) > limit

    def evict(self) -> None:
        self.waiting.pop(self, None)
        self.connections.discard(self)
        self.cancel_timers()
        counter = self.counter
        if counter is not None and counter.transport.get_write_buffer_size():
            drop(counter.transport)
        else:
            self.transport.close()

    # The app, as this protocol runs it

    async def guarded_app(self, scope: Any, receive: Any, send: Any) -> None:
        """503 past the limits; body messages in slices, so flow control waits between them; a 500
        in JSON if the app fails before answering."""
        if self.refused is not None and self.refused.scope is scope:
            self.logger.warning("Exceeded concurrency limit.")
            message = "the server is handling as many connections as it can; try again in a moment"
            await send_error(send, 503, "server_busy", message)
            return
        started = False

        async def sliced_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and len(message.get("body", b"")) > SLICE:
                view = memoryview(message["body"])
                more = message.get("more_body", False)
                for start in range(0, len(view), SLICE):
                    last = start + SLICE >= len(view)
                    piece = {"type": "http.response.body", "body": view[start : start + SLICE]}
                    await send({**piece, "more_body": more or not last})
                return
            await send(message)

        try:
            await self.inner_app(scope, receive, sliced_send)
        except Exception:
            if scope["type"] == "http" and not started:
                message = "the server failed on this request; this is a bug in ConvScope, not in your input"
                await send_error(send, 500, "internal_error", message)
            raise  # Uvicorn logs it and closes the connection


def drop(transport: asyncio.Transport) -> None:
    """Close at once, discarding what is unsent here and in the kernel (a reset, not a FIN).

    ``abort()`` alone empties only this process's buffer: the kernel would keep the socket and
    its send buffer (up to megabytes) for as long as the client keeps its window shut.
    """
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def send_error(send: Any, status: int, code: str, message: str) -> None:
    body = error_body(code, message)
    await send({"type": "http.response.start", "status": status, "headers": error_headers(body)})
    await send({"type": "http.response.body", "body": body, "more_body": False})
