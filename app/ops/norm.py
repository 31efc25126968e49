"""batch_norm requests, forward and backward, as jobs for the engine."""

from __future__ import annotations

import math
from typing import Any

from app.errors import ApiError, limit_error
from app.ops.job import Job, Outputs, parameters_of
from app.schemas import (
    BatchNormBackwardRequest,
    BatchNormRequest,
    BatchNormStepsRequest,
    SpecKind,
    TensorSpec,
)
from app.settings import Settings
from app.tensors import BATCH, VECTOR, Array, resolve, resolve_optional
from engine import batch_norm_backward_frames, batch_norm_frames, frame_count
from engine.norm import batch_norm, batch_norm_backward, batch_norm_training_steps

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
    x = resolve(body.input, "input", settings, BATCH)
    channels = int(x.shape[1])
    stats = _running_stats(body, channels, settings)
    w = resolve_optional(body.weight, "weight", settings, VECTOR)
    b = resolve_optional(body.bias, "bias", settings, VECTOR)
    params = parameters_of(body, ("input", "running_mean", "running_var", "weight", "bias"))
    mean, var = stats["running_mean"], stats["running_var"]
    arrays = {"input": x, "running_mean": mean, "running_var": var, "weight": w, "bias": b}
    count = frame_count("batch_norm", **arrays, **params)

    def compute() -> Outputs:
        output, running_mean, running_var = batch_norm(x, mean, var, w, b, **params)
        return {"output": output, "running_mean": running_mean, "running_var": running_var}

    return Job(
        op="batch_norm",
        inputs=arrays,
        parameters=params,
        outputs={"output": list(x.shape), "running_mean": [channels], "running_var": [channels]},
        output_size=None,
        work=2 * math.prod(x.shape),
        compute=compute,
        frames=lambda: batch_norm_frames(x, mean, var, w, b, **params),
        frame_count=count,
    )


def batch_norm_backward_job(body: BatchNormBackwardRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, BATCH)
    g = resolve(body.grad_output, "grad_output", settings, BATCH)
    w = resolve_optional(body.weight, "weight", settings, VECTOR)
    params = parameters_of(body, ("input", "grad_output", "weight"))
    arrays = {"input": x, "grad_output": g, "weight": w}
    count = frame_count("batch_norm_backward", **arrays, **params)
    channels = int(x.shape[1])

    def compute() -> Outputs:
        grad_input, grad_weight, grad_bias = batch_norm_backward(g, x, w, **params)
        return {"grad_input": grad_input, "grad_weight": grad_weight, "grad_bias": grad_bias}

    return Job(
        op="batch_norm_backward",
        inputs=arrays,
        parameters=params,
        outputs={"grad_input": list(x.shape), "grad_weight": [channels], "grad_bias": [channels]},
        output_size=None,
        work=3 * math.prod(x.shape),
        compute=compute,
        frames=lambda: batch_norm_backward_frames(g, x, w, **params),
        frame_count=count,
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
