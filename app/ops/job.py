"""A prepared request and its two answers: the JSON result, or the NDJSON stream of its frames.

Each operation module turns a request body into a :class:`Job`. Preparing checks everything
that can be checked from shapes (the engine's own rules through ``frame_count``, and the limits),
so the plain endpoint and the stream refuse the same requests with the same messages, and a
stream never has to fail after its first line.

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
import math
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from numpy.typing import NDArray
from pydantic import BaseModel
from starlette.responses import JSONResponse, StreamingResponse

from app.errors import ApiError, error_content, limit_error
from app.settings import Settings
from app.tensors import Layouts, as_list, resolve_optional, shape_of
from engine import Frame, OutputSize

logger = logging.getLogger("convscope")

Array = NDArray[Any]
Inputs = dict[str, Any]  # field name -> array (None for an omitted optional tensor)
Compute = Callable[..., Array | tuple[Array, ...]]
Frames = Callable[..., Iterator[Frame]]

NDJSON = "application/x-ndjson"
CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class Job:
    """Everything an endpoint needs to answer.

    ``op``: the frames' op name ("conv2d", "max_pool2d_backward", ...). ``inputs``: arrays as the
    engine receives them (None for an absent bias). ``outputs``: result name -> expected shape.
    ``work``: multiply-adds (or window reads) from shapes. ``compute`` is the vectorised engine
    function and ``frames`` the frame generator (None for an operation without frames); both
    are called with the inputs and the parameters as keywords (the fields have PyTorch's names),
    and ``compute`` returns the outputs in the order of ``outputs``. ``frame_count`` comes from
    shapes, before anything is computed.
    """

    op: str
    inputs: Inputs
    parameters: dict[str, Any]
    outputs: dict[str, list[int]]
    output_size: dict[str, dict[str, Any]] | None
    work: int
    compute: Compute
    frames: Frames | None = None
    frame_count: int | None = None

    def shapes(self) -> dict[str, list[int] | None]:
        return {name: shape_of(array) for name, array in self.inputs.items()} | dict(self.outputs)

    def header(self) -> dict[str, Any]:
        """The first line of a stream: what is coming, before any of it is computed."""
        return {
            "type": "header",
            "op": self.op,
            "frame_count": self.frame_count,
            "parameters": self.parameters,
            "shapes": self.shapes(),
            "output_size": self.output_size,
            "inputs": {name: as_list(array) for name, array in self.inputs.items()},
        }

    def start_frames(self) -> Iterator[Frame]:
        """The frame generator, started: its argument checks run now, its frames as they are read."""
        assert self.frames is not None
        return self.frames(**self.inputs, **self.parameters)

    def result(self) -> dict[str, Any]:
        """The plain endpoint's answer (and a stream's last line): run the engine, serialise."""
        computed = self.compute(**self.inputs, **self.parameters)
        arrays = computed if isinstance(computed, tuple) else (computed,)
        content: dict[str, Any] = {
            "op": self.op,
            "shapes": self.shapes(),
            "inputs": {name: as_list(array) for name, array in self.inputs.items()},
        }
        content.update({name: array.tolist() for name, array in zip(self.outputs, arrays, strict=True)})
        return content


def axis_sizes(rows: OutputSize, cols: OutputSize) -> dict[str, dict[str, Any]]:
    """Both output axes with their derivations, JSON-ready."""
    return {
        name: {
            "size": axis.size,
            "derivation": axis.derivation,
            "exact": axis.exact,
            "unvisited": list(axis.unvisited),
        }
        for name, axis in (("height", rows), ("width", cols))
    }


def pair_of(value: int | Sequence[int]) -> tuple[int, int]:
    """A request's int-or-pair field as (rows, cols); the schema has checked its form."""
    if isinstance(value, int):
        return value, value
    return int(value[0]), int(value[1])


def check_limits(job: Job, settings: Settings, *, stream: bool) -> None:
    """Refuse (413) a job whose results, work or stream would pass a limit, before any of it runs."""
    checks: list[tuple[int, str, str]] = []
    for name, shape in job.outputs.items():
        values = math.prod(shape)
        what = f"the result {name} would have {values:,} values (shape {shape}), more than"
        checks.append((values, "max_tensor_elements", what))
    checks.append((job.work, "max_work", f"this {job.op} needs about {job.work:,} multiply-adds, more than"))
    if stream:
        frames = job.frame_count or 0  # every job with a stream knows its frame count
        checks.append((frames, "max_frames", f"this {job.op} stream would have {frames:,} frames, more than"))
        shown = (
            f"this {job.op} stream would show {job.work:,} multiply-adds, each with its operands, more than"
        )
        checks.append((job.work, "max_stream_work", shown))
    for amount, name, what in checks:
        limit: int = getattr(settings, name)
        if amount > limit:
            raise limit_error(what, name, limit)


def prepare(body: BaseModel, settings: Settings, **layouts: Layouts) -> tuple[Inputs, dict[str, Any]]:
    """The body's tensor fields as the engine takes them, and its other fields (the parameters).

    ``layouts`` names each tensor field with the ranks it accepts; lists are checked and specs
    generated (``app.tensors``) in that order, and an omitted optional tensor stays None. The
    parameters go to the engine under their own names too, as the fields are PyTorch's.
    """
    inputs = {
        name: resolve_optional(getattr(body, name), name, settings, layout)
        for name, layout in layouts.items()
    }
    return inputs, parameters_of(body, inputs)


def parameters_of(body: BaseModel, tensors: Collection[str]) -> dict[str, Any]:
    """The request's non-tensor fields, as given (the engine takes them under the same names)."""
    params: dict[str, Any] = body.model_dump(exclude=set(tensors))
    return params


# Answers


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
        # The last line is the plain endpoint's answer, from the same vectorised computation: the
        # frames come from the loop reference, whose sums run in another order, so values rebuilt
        # from them can differ from it in the last bits.
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
    frames = job.start_frames()
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
