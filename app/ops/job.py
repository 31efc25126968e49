"""A prepared request and its two answers: the JSON result, or the NDJSON stream of its frames.

Each operation module turns a request body into a :class:`Job`, building the engine's plan for
it from the arrays' shapes and the parameters: the plan checks every rule of the operation and
gives the output shapes, the output sizes with their derivations, the work and the frame count.
With the limits checked too, the plain endpoint and the stream refuse the same requests with the
same messages, and a stream never has to fail after its first line.

A stream is one JSON object per line: ``{"type": "header", ...}`` first, sent before any frame
is computed; then ``{"type": "frame", ...}`` per step; then ``{"type": "result", ...}``, the result
the frame generator assembled from the values its frames carry (it returns it after its last
frame). That is the plain endpoint's answer up to float rounding: the plain endpoint runs the
vectorised engine, whose sums run in another order (they differ in the last bits, about 1e-15).
The frames are generated lazily by a plain (sync) generator, which Starlette iterates in its
thread pool, so the CPU work stays off the event loop. Lines are sent in chunks of about 64 kB:
one thread hop per chunk instead of per frame. Should anything fail after the header (it should
not: every check runs before), the stream ends with ``{"type": "error", "error": {...}}``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from typing import Any

from numpy.typing import NDArray
from pydantic import BaseModel
from starlette.responses import JSONResponse, StreamingResponse

from app.errors import ApiError, error_content, limit_error
from app.settings import Settings
from app.tensors import Layouts, as_list, resolve_optional, shape_of
from engine import Frames, OutputSize

logger = logging.getLogger("convscope")

Array = NDArray[Any]
Inputs = dict[str, Any]  # field name -> array (None for an omitted optional tensor)
Outputs = Array | tuple[Array, ...]  # in the order of Job.outputs
Compute = Callable[[], Outputs]
StartFrames = Callable[[], Frames[Outputs]]

NDJSON = "application/x-ndjson"
CHUNK_BYTES = 1 << 16


@dataclass(frozen=True)
class Job:
    """Everything an endpoint needs to answer.

    ``op``: the frames' op name ("conv2d", "max_pool2d_backward", ...). ``inputs``: arrays as the
    engine receives them (None for an absent bias). ``outputs``: result name -> shape, from the
    plan. ``output_size``: the plan's output axes as JSON (None for batch norm). ``work``:
    multiply-adds (or window reads), from the plan. ``compute`` runs the vectorised engine and
    ``frames`` starts the frame generator on the plan (None for an operation without frames);
    both return the outputs in the order of ``outputs``, the generator after its last frame.
    ``frame_count`` comes from the plan, before anything is computed; ``memory`` is the plan's
    estimate of the elements the pass allocates (forward or backward, as the job runs), and
    ``frames_memory`` the frame generator's (None: the same); both are read only when the limits
    are checked, so a stream never works out the fast path's buffers. ``echo``: whether the
    answer repeats the inputs (the request's ``echo_inputs``).
    """

    op: str
    inputs: Inputs
    parameters: dict[str, Any]
    outputs: dict[str, list[int]]
    output_size: dict[str, dict[str, Any]] | None
    work: int
    compute: Compute
    frames: StartFrames | None = None
    frame_count: int | None = None
    memory: Callable[[], int] = lambda: 0
    frames_memory: Callable[[], int] | None = None
    echo: bool = True

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
            "inputs": self.echoed(),
        }

    def echoed(self) -> dict[str, Any]:
        """The inputs as the answer repeats them: every one, or none without ``echo``."""
        return {name: as_list(array) for name, array in self.inputs.items()} if self.echo else {}

    def start_frames(self) -> Frames[Outputs]:
        """The frame generator, started: its frames are computed as they are read."""
        assert self.frames is not None
        return self.frames()

    def content(self, computed: Outputs) -> dict[str, Any]:
        """A result as JSON: the op, the shapes, the inputs and each output under its name."""
        arrays = computed if isinstance(computed, tuple) else (computed,)
        content: dict[str, Any] = {
            "op": self.op,
            "shapes": self.shapes(),
            "inputs": self.echoed(),
        }
        content.update({name: array.tolist() for name, array in zip(self.outputs, arrays, strict=True)})
        return content

    def result(self) -> dict[str, Any]:
        """The plain endpoint's answer: the vectorised engine, serialised."""
        return self.content(self.compute())


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


# What an answer costs in JSON, at most: a float64 written by json.dumps is at most 24 characters
# ("-1.2345678901234567e-300") plus its separator; a frame carries its indices, cells and labels
# (a few hundred bytes) and every multiply-add it shows travels with its operands.
VALUE_BYTES = 25
FRAME_BYTES = 450
SHOWN_WORK_BYTES = 90
ANSWER_BYTES = 4096  # names, shapes, parameters and output sizes


def response_bytes(job: Job, *, stream: bool) -> int:
    """An upper estimate of the answer's size in bytes, from shapes: the echoed inputs (twice in a
    stream: its header and its result line), the outputs and, in a stream, the frames."""
    echoed = sum(array.size for array in job.inputs.values() if array is not None) if job.echo else 0
    outputs = sum(math.prod(shape) for shape in job.outputs.values())
    if not stream:
        return VALUE_BYTES * (echoed + outputs) + ANSWER_BYTES
    frames = (job.frame_count or 0) * FRAME_BYTES + job.work * SHOWN_WORK_BYTES
    return VALUE_BYTES * (2 * echoed + outputs) + frames + 2 * ANSWER_BYTES


def check_limits(job: Job, settings: Settings, *, stream: bool) -> None:
    """Refuse (413) a job whose results, work or stream would pass a limit, before any of it runs."""
    checks: list[tuple[int, str, str]] = []
    for name, shape in job.outputs.items():
        values = math.prod(shape)
        what = f"the result {name} would have {values:,} values (shape {shape}), more than"
        checks.append((values, "max_tensor_elements", what))
    checks.append((job.work, "max_work", f"this {job.op} needs about {job.work:,} multiply-adds, more than"))
    memory = (job.frames_memory if stream and job.frames_memory is not None else job.memory)()
    allocates = f"this {job.op} would allocate about {memory:,} array elements (padding included), more than"
    checks.append((memory, "max_memory_elements", allocates))
    if stream:
        frames = job.frame_count or 0  # every job with a stream knows its frame count
        checks.append((frames, "max_frames", f"this {job.op} stream would have {frames:,} frames, more than"))
        shown = (
            f"this {job.op} stream would show {job.work:,} multiply-adds, each with its operands, more than"
        )
        checks.append((job.work, "max_stream_work", shown))
    size = response_bytes(job, stream=stream)
    answer = "stream" if stream else "answer"
    checks.append(
        (size, "max_response_bytes", f"this {job.op} {answer} would be about {size:,} bytes, more than")
    )
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
    params: dict[str, Any] = body.model_dump(exclude={*tensors, "echo_inputs"})
    return params


# Answers


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def ndjson_lines(job: Job, frames: Frames[Outputs]) -> Iterator[bytes]:
    """Header, frames, result, each a line; frames computed only as the client reads, and the
    result line built from what the generator returns after its last frame."""
    yield _dumps(job.header()) + b"\n"
    chunk: list[bytes] = []
    size = 0
    try:
        while True:
            try:
                frame = next(frames)
            except StopIteration as end:  # the outputs, assembled from the frames' own values
                computed: Outputs = end.value
                break
            # Splice the type into the frame's own JSON instead of copying every frame dict.
            line = b'{"type":"frame",' + _dumps(frame)[1:] + b"\n"
            chunk.append(line)
            size += len(line)
            if size >= CHUNK_BYTES:
                yield b"".join(chunk)
                chunk, size = [], 0
        chunk.append(_dumps({"type": "result", **job.content(computed)}) + b"\n")
        yield b"".join(chunk)
    except Exception as exc:  # the response has started: an error line is all that can be sent now
        logger.error("stream of %s failed after its header", job.op, exc_info=exc)
        message = "the stream failed part-way; this is a bug in ConvScope, not in your input"
        yield b"".join(chunk) + _dumps({"type": "error", **error_content("internal_error", message)}) + b"\n"


class NDJSONResponse(StreamingResponse):
    """A stream of JSON lines; as a route's response_class it puts the media type in the OpenAPI."""

    media_type = NDJSON


def stream_response(job: Job) -> StreamingResponse:
    """Create the frame generator (the plan has checked its arguments), then stream its lines."""
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


def respond(job: Job, settings: Settings, *, echo: bool = True) -> JSONResponse:
    """The plain endpoint: limits, then the engine, then JSON (the inputs repeated if ``echo``)."""
    job = replace(job, echo=echo)
    check_limits(job, settings, stream=False)
    return result_response(job)


def respond_stream(job: Job, settings: Settings, *, echo: bool = True) -> StreamingResponse:
    """The frames endpoint: limits (frame count included), then the stream."""
    job = replace(job, echo=echo)
    check_limits(job, settings, stream=True)
    return stream_response(job)
