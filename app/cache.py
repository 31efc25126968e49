"""Answers that depend only on the request, kept as encoded bytes so a repeat costs a lookup.

Architecture tables, receptive fields and the OpenAPI document are pure functions of the URL or
the body: the same request always gets the same bytes (the limits are fixed per app, so a request
refused once is refused again, and refusals are never stored). Each worker keeps its own cache, in
memory, bounded by total size; nothing about a learner is stored, so workers stay interchangeable.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.body_guard import replay_body


class ResponseCache:
    """A least-recently-used map from a key to encoded bytes, at most ``max_bytes`` in all.

    Answers larger than ``max_entry_bytes`` are computed every time rather than crowd out the
    rest. Thread-safe: sync routes run on a thread pool. Two threads missing the same key at once
    both compute it (the results are equal), which is cheaper than making one wait on a lock.
    """

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        """The bytes for ``key``, from the cache or from ``compute()`` (whose exceptions pass through)."""
        found = self.peek(key)
        if found is not None:
            return found
        value = compute()
        self.put(key, value)
        return value

    def peek(self, key: Hashable) -> bytes | None:
        """The stored bytes for ``key`` (now the most recently used), or None; counts hits and misses."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, value: bytes) -> None:
        """Store ``value`` unless it is too large, dropping the least recently used past max_bytes."""
        if len(value) > self.max_entry_bytes:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = value
            self._size += len(value)
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._size


def json_bytes_response(body: bytes) -> Response:
    """Encoded JSON as a response, without decoding and encoding it again."""
    return Response(body, media_type="application/json")


class PostCache:
    """Pure ASGI middleware answering repeated POSTs to deterministic endpoints from a cache.

    For the listed paths, the key is the path, the content type and the exact body bytes; a 200
    JSON answer is stored, anything else (errors, streams) passes through untouched. It sits
    inside BodyGuard, so the body it reads is already bounded in size and checked.
    """

    def __init__(self, app: ASGIApp, paths: Collection[str], cache: ResponseCache) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = Headers(scope=scope).get("content-type", "")
        key = (scope["path"], content_type, body)
        found = self.cache.peek(key)
        if found is not None:
            await json_bytes_response(found)(scope, receive, send)
            return
        await self._answer_and_store(scope, replay_body(body, receive), send, key)

    async def _answer_and_store(self, scope: Scope, receive: Receive, send: Send, key: Hashable) -> None:
        storable = False
        parts: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal storable
            if message["type"] == "http.response.start":
                media = Headers(raw=message.get("headers", [])).get("content-type", "")
                storable = message["status"] == 200 and media.startswith("application/json")
            elif message["type"] == "http.response.body" and storable:
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self.cache.put(key, b"".join(parts))
            await send(message)

        await self.app(scope, receive, capture)
