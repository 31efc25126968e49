"""Answers that depend only on the request, kept as encoded bytes so a repeat costs a lookup.

Receptive fields are pure functions of the body, as architecture tables (app.ops.architectures,
functools.lru_cache) and the OpenAPI document (app.openapi) are of the URL: the same request always
gets the same bytes (the limits are fixed per app, so a request refused once is refused again, and
refusals are never stored). Each worker keeps its own cache, in memory, bounded by total size;
nothing about a learner is stored, so workers stay interchangeable.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import anyio
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class ResponseCache:
    """A least-recently-used map from a key to encoded bytes, at most ``max_bytes`` in all, keys
    and values counted (:func:`key_bytes`).

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
            self._size += key_bytes(key) + len(value)
            while self._size > self.max_bytes:
                old, dropped = self._entries.popitem(last=False)
                self._size -= key_bytes(old) + len(dropped)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes held, keys and values."""
        return self._size


def key_bytes(key: Hashable) -> int:
    """The bytes a key is counted as: its length as bytes or UTF-8 text, else its repr's."""
    if isinstance(key, bytes):
        return len(key)
    return len((key if isinstance(key, str) else repr(key)).encode())


def request_key(path: str, body: BaseModel) -> bytes:
    """A cache key for a validated body: the path and the SHA-256 of the model as canonical JSON,
    so bodies that differ only in spacing, key order or number spelling share one entry, and a
    key costs 32 bytes plus the path however large the body was."""
    canonical = body.model_dump_json().encode()
    return path.encode() + b"\0" + hashlib.sha256(canonical).digest()


def json_bytes_response(body: bytes) -> Response:
    """Encoded JSON as a response, without decoding and encoding it again."""
    return Response(body, media_type="application/json")


async def cached_post(request: Request, body: BaseModel, compute: Callable[[], Any]) -> Response:
    """The JSON answer to a POST whose answer depends on its body alone, from ``app.state.post_cache``.

    The key is :func:`request_key` of the validated ``body`` (never the raw bytes, which a client
    can pad with whitespace to make every request unique and large). On a miss ``compute()`` runs
    in a worker thread and its result is encoded as JSONResponse would; an error it raises (a
    refusal) passes through, so nothing is stored.
    """
    cache: ResponseCache = request.app.state.post_cache
    key = request_key(request.url.path, body)
    found = cache.peek(key)
    if found is None:
        found = await anyio.to_thread.run_sync(lambda: bytes(JSONResponse(compute()).body))
        cache.put(key, found)
    return json_bytes_response(found)
