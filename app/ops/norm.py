"""batch_norm requests, forward and backward, as jobs for the engine."""

from __future__ import annotations

import math
from typing import Any

from app.errors import ApiError, limit_error
from app.ops.job import Inputs, Job, parameters_of, prepare
from app.schemas import (
    BatchNormBackwardRequest,
    BatchNormRequest,
    BatchNormStepsRequest,
    SpecKind,
    TensorSpec,
)
from app.settings import Settings
from app.tensors import BATCH, VECTOR, Array, resolve, resolve_optional
from engine import (
    batch_norm,
    batch_norm_backward,
    batch_norm_backward_frames,
    batch_norm_frames,
    batch_norm_training_steps,
    frame_count,
)

FRESH_LAYER: dict[str, SpecKind] = {
    "running_mean": "zeros",
    "running_var": "ones",
}  # torch.nn.BatchNorm2d's initial state


def _running_stats(
    body: BatchNormRequest | BatchNormStepsRequest, channels: int, settings: Settings
) -> dict[str, Array]:
    """The request's running_mean and running_var (C,), a fresh layer's where omitted."""
    stats = {}
    for name, kind in FRESH_LAYER.items():
        given = getattr(body, name)
        value = TensorSpec(shape=[channels], kind=kind) if given is None else given
        stats[name] = resolve(value, name, settings, VECTOR)
    return stats


def batch_norm_job(body: BatchNormRequest, settings: Settings) -> Job:
    op = "batch_norm"
    x = resolve(body.input, "input", settings, BATCH)
    channels = int(x.shape[1])
    inputs: Inputs = {"input": x, **_running_stats(body, channels, settings)}
    inputs |= {
        name: resolve_optional(getattr(body, name), name, settings, VECTOR) for name in ("weight", "bias")
    }
    params = parameters_of(body, inputs)
    count = frame_count(op, **inputs, **params)
    outputs = {"output": list(x.shape), "running_mean": [channels], "running_var": [channels]}
    work = 2 * math.prod(x.shape)
    return Job(op, inputs, params, outputs, None, work, batch_norm, batch_norm_frames, count)


def batch_norm_backward_job(body: BatchNormBackwardRequest, settings: Settings) -> Job:
    op = "batch_norm_backward"
    inputs, params = prepare(body, settings, input=BATCH, grad_output=BATCH, weight=VECTOR)
    count = frame_count(op, **inputs, **params)
    shape = list(inputs["input"].shape)
    outputs = {"grad_input": shape, "grad_weight": [shape[1]], "grad_bias": [shape[1]]}
    work = 3 * math.prod(shape)
    return Job(
        op, inputs, params, outputs, None, work, batch_norm_backward, batch_norm_backward_frames, count
    )


def batch_norm_steps_result(body: BatchNormStepsRequest, settings: Settings) -> dict[str, Any]:
    """T training steps, each on the running statistics of the step before; arrays (T, C) as lists."""
    batches = []
    total = 0
    for t, value in enumerate(body.inputs):
        batch = resolve(value, f"inputs[{t}]", settings, BATCH)
        total += batch.size
        if total > settings.max_tensor_elements:
            raise limit_error(
                f"the batches hold {total:,} values together (by inputs[{t}]), beyond",
                "max_tensor_elements",
                settings.max_tensor_elements,
                "inputs",
            )
        batches.append(batch)
    channels = int(batches[0].shape[1])
    stats = _running_stats(body, channels, settings)
    try:
        steps = batch_norm_training_steps(batches, stats["running_mean"], stats["running_var"], body.momentum)
    except ValueError as error:
        message = str(error)
        field = next((name for name in FRESH_LAYER if message.startswith(name)), "inputs")
        raise ApiError(422, "invalid_value", message, field) from None
    return {
        "op": "batch_norm_steps",
        "steps": len(batches),
        "start": {name: value.tolist() for name, value in stats.items()},
        **{name: value.tolist() for name, value in steps.items()},
    }
