"""/static: Starlette's StaticFiles, with small files kept in memory after their first request.

Every page load asks for the stylesheet and several scripts. StaticFiles answers each request
with a stat, an open, reads and a close, each a hop to the thread pool; under load those hops
queue behind computations. The files only change when the app is deployed again (which restarts
the server), so after the first full answer a file's bytes and headers (ETag, Last-Modified,
type, length) are kept and served from memory, conditional requests (304) included.

Confinement is untouched: a path is only ever cached after StaticFiles itself served it from
inside the folder; Range requests and anything else unusual go to StaticFiles every time.
"""

from __future__ import annotations

import os
from pathlib import Path

import anyio
from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

# The whole static folder is about 600 kB; this bound keeps a stray large file out of memory.
MAX_CACHED_FILE_BYTES = 1 << 20


class CachedStaticFiles(StaticFiles):
    """StaticFiles serving repeat requests for a file of at most MAX_CACHED_FILE_BYTES from memory."""

    def __init__(self, *, directory: str | os.PathLike[str]) -> None:
        super().__init__(directory=directory)
        self._files: dict[str, tuple[bytes, dict[str, str]]] = {}

    async def get_response(self, path: str, scope: Scope) -> Response:
        request_headers = Headers(scope=scope)
        cached = self._files.get(path)
        if cached is None or scope["method"] not in ("GET", "HEAD") or "range" in request_headers:
            response = await super().get_response(path, scope)
            if cached is None and isinstance(response, FileResponse) and response.status_code == 200:
                await self._remember(path, response)
            return response
        body, headers = cached
        if self.is_not_modified(Headers(headers), request_headers):
            return NotModifiedResponse(Headers(headers))
        # The stored headers carry the file's own Content-Length, also right for a HEAD request.
        return Response(body if scope["method"] == "GET" else b"", headers=headers)

    async def _remember(self, path: str, response: FileResponse) -> None:
        size = response.stat_result.st_size if response.stat_result is not None else None
        if size is None or size > MAX_CACHED_FILE_BYTES:
            return
        body = await anyio.to_thread.run_sync(Path(response.path).read_bytes)
        if len(body) == size:  # unchanged since the stat, so the headers describe these bytes
            self._files[path] = (body, dict(response.headers))
