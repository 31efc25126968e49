"""NDJSON streams of frames, and plain JSON results.

A stream is one JSON object per line: ``{"type": "header", ...}`` first, sent before any frame
is computed; then ``{"type": "frame", ...}`` per step; then ``{"type": "result", ...}``, the plain
endpoint's answer. The frames are generated lazily by a plain (sync) generator, which Starlette
iterates in its thread pool, so the CPU work stays off the event loop. Lines are sent in chunks of
about 64 kB: one thread hop per chunk instead of per frame. Should anything fail after the header
(it should not: every check runs before), the stream ends with ``{"type": "error", "error": {...}}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from starlette.responses import JSONResponse, StreamingResponse

from app.errors import ApiError, error_content
from app.ops.job import Job, check_limits
from app.settings import Settings
from engine import Frame

logger = logging.getLogger("convscope")

NDJSON = "application/x-ndjson"
CHUNK_BYTES = 1 << 16


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def ndjson_lines(job: Job, frames: Iterator[Frame]) -> Iterator[bytes]:
    """Header, frames, result, each a line; frames computed only as the client reads."""
    yield _dumps(job.header()) + b"\n"
    chunk: list[bytes] = []
    size = 0
    try:
        for frame in frames:
            # Splice the type into the frame's own JSON instead of copying every frame dict.
            line = b'{"type":"frame",' + _dumps(frame)[1:] + b"\n"
            chunk.append(line)
            size += len(line)
            if size >= CHUNK_BYTES:
                yield b"".join(chunk)
                chunk, size = [], 0
        chunk.append(_dumps({"type": "result", **job.result()}) + b"\n")
        yield b"".join(chunk)
    except Exception as exc:  # the response has started: an error line is all that can be sent now
        logger.error("stream of %s failed after its header", job.op, exc_info=exc)
        message = "the stream failed part-way; this is a bug in ConvScope, not in your input"
        yield b"".join(chunk) + _dumps({"type": "error", **error_content("internal_error", message)}) + b"\n"


class NDJSONResponse(StreamingResponse):
    """A stream of JSON lines; as a route's response_class it puts the media type in the OpenAPI."""

    media_type = NDJSON


def stream_response(job: Job) -> StreamingResponse:
    """Start the frame generator here, so its argument checks still answer with a 4xx, then stream."""
    assert job.frames is not None
    frames = job.frames()
    return NDJSONResponse(
        ndjson_lines(job, frames), headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


def result_response(job: Job) -> JSONResponse:
    content = job.result()
    try:
        return JSONResponse(content)
    except ValueError:  # a value overflowed to infinity: JSON cannot carry it
        raise ApiError(
            422, "result_not_finite", f"the {job.op} result overflows to infinity; use smaller values"
        ) from None


def respond(job: Job, settings: Settings) -> JSONResponse:
    """The plain endpoint: limits, then the engine, then JSON."""
    check_limits(job, settings, stream=False)
    return result_response(job)


def respond_stream(job: Job, settings: Settings) -> StreamingResponse:
    """The frames endpoint: limits (frame count included), then the stream."""
    check_limits(job, settings, stream=True)
    return stream_response(job)
