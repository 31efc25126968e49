"""batch_norm requests, forward and backward, as jobs for the engine."""

from __future__ import annotations

import math

from app.ops.job import Job, Outputs, parameters_of
from app.schemas import BatchNormBackwardRequest, BatchNormRequest, SpecKind, TensorSpec
from app.settings import Settings
from app.tensors import BATCH, VECTOR, resolve, resolve_optional
from engine.frames import batch_norm_backward_frames, batch_norm_frames, frame_count
from engine.norm import batch_norm, batch_norm_backward

FRESH_LAYER: dict[str, SpecKind] = {
    "running_mean": "zeros",
    "running_var": "ones",
}  # torch.nn.BatchNorm2d's initial state


def batch_norm_job(body: BatchNormRequest, settings: Settings) -> Job:
    x = resolve(body.input, "input", settings, BATCH)
    channels = int(x.shape[1])
    stats = {}
    for name, kind in FRESH_LAYER.items():
        given = getattr(body, name)
        value = TensorSpec(shape=[channels], kind=kind) if given is None else given
        stats[name] = resolve(value, name, settings, VECTOR)
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
