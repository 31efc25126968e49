"""A prepared request: inputs resolved and checked, shapes known, nothing computed yet.

Each operation module turns a request body into a :class:`Job`. Preparing checks everything
that can be checked from shapes (the engine's own rules through ``frame_count``, and the limits),
so the plain endpoint and the stream refuse the same requests with the same messages, and a
stream never has to fail after its first line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from numpy.typing import NDArray

from app.errors import limit_error
from app.settings import Settings
from app.tensors import as_list, shape_of
from engine import Frame, OutputSize

Array = NDArray[Any]
Outputs = dict[str, Array]


@dataclass(frozen=True)
class Job:
    """Everything an endpoint needs to answer.

    ``op``: the frames' op name ("conv2d", "max_pool2d_backward", ...). ``inputs``: arrays as the
    engine receives them (None for an absent bias). ``outputs``: result name -> expected shape.
    ``work``: multiply-adds (or window reads) from shapes. ``compute`` runs the vectorised engine;
    ``frames`` starts the frame generator (validating, computing nothing); ``frame_count`` is
    None for operations without frames.
    """

    op: str
    inputs: dict[str, Array | None]
    parameters: dict[str, Any]
    outputs: dict[str, list[int]]
    output_size: dict[str, dict[str, Any]] | None
    work: int
    compute: Callable[[], Outputs]
    frames: Callable[[], Iterator[Frame]] | None = None
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

    def result(self) -> dict[str, Any]:
        """The plain endpoint's answer (and a stream's last line): run the engine, serialise."""
        arrays = self.compute()
        content: dict[str, Any] = {
            "op": self.op,
            "shapes": self.shapes(),
            "inputs": {name: as_list(array) for name, array in self.inputs.items()},
        }
        content.update({name: array.tolist() for name, array in arrays.items()})
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
    for name, shape in job.outputs.items():
        elements = math.prod(shape)
        if elements > settings.max_tensor_elements:
            raise limit_error(
                f"the result {name} would have {elements:,} values (shape {shape}), more than",
                "max_tensor_elements",
                settings.max_tensor_elements,
            )
    if job.work > settings.max_work:
        raise limit_error(
            f"this {job.op} needs about {job.work:,} multiply-adds, more than", "max_work", settings.max_work
        )
    if not stream:
        return
    if job.frame_count is not None and job.frame_count > settings.max_frames:
        raise limit_error(
            f"this {job.op} stream would have {job.frame_count:,} frames, more than",
            "max_frames",
            settings.max_frames,
        )
    if job.work > settings.max_stream_work:
        raise limit_error(
            f"this {job.op} stream would show {job.work:,} multiply-adds, each with its operands, more than",
            "max_stream_work",
            settings.max_stream_work,
        )


def parameters_of(body: Any, tensors: Sequence[str]) -> dict[str, Any]:
    """The request's non-tensor fields, as given (the engine takes them under the same names)."""
    params: dict[str, Any] = body.model_dump(exclude=set(tensors))
    return params
