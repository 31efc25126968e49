"""batch-norm over HTTP: results against torch, streams replayed into the result."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F

from engine.frames import replay_batch_norm, replay_batch_norm_backward

CASES: list[dict[str, Any]] = [
    {"input": {"shape": [2, 2, 2, 2], "seed": 5}, "training": True},
    {
        "input": {"shape": [1, 2, 2, 2], "seed": 5},
        "running_mean": [0.5, -1],
        "running_var": [2, 1],
        "weight": [1, 2],
        "bias": [0, 0.5],
    },
    {
        "input": {"shape": [3, 3, 2, 4], "kind": "floats", "seed": 1},
        "running_mean": {"shape": [3], "kind": "floats", "seed": 2},
        "running_var": {"shape": [3], "seed": 3, "low": 1, "high": 4},
        "weight": {"shape": [3], "kind": "floats", "seed": 4},
        "bias": {"shape": [3], "kind": "floats", "seed": 5},
        "training": True,
        "momentum": 0.3,
        "eps": 0.001,
    },
]


def _torch_forward(
    body: dict[str, Any], t: dict[str, Any]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    mean, var = t["running_mean"].clone(), t["running_var"].clone()  # torch updates them in place
    output = F.batch_norm(
        t["input"],
        mean,
        var,
        t["weight"],
        t["bias"],
        training=body.get("training", False),
        momentum=body.get("momentum", 0.1),
        eps=body.get("eps", 1e-5),
    )
    return output, mean, var


@pytest.mark.parametrize("body", CASES)
def test_batch_norm_matches_torch_and_its_stream(
    body: dict[str, Any], post: Any, stream: Any, close: Any, tensors: Any
) -> None:
    result = post("/api/batch-norm", body)
    t = tensors(result)
    output, mean, var = _torch_forward(body, t)
    close(result["output"], output)
    close(result["running_mean"], mean)
    close(result["running_var"], var)
    assert result["shapes"]["running_mean"] == [t["input"].shape[1]]

    lines = stream("/api/batch-norm/frames", body)
    assert lines.result == result
    assert lines.header["output_size"] is None
    replayed = replay_batch_norm(lines.frames, result["shapes"]["input"])
    for actual, expected in zip(replayed, (output, mean, var), strict=True):
        close(actual, expected)


def test_omitted_running_statistics_are_a_fresh_layers(post: Any) -> None:
    result = post("/api/batch-norm", {"input": {"shape": [1, 3, 1, 2]}})
    assert result["inputs"]["running_mean"] == [0.0, 0.0, 0.0]
    assert result["inputs"]["running_var"] == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("body", CASES)
def test_batch_norm_backward_matches_torch_autograd(
    body: dict[str, Any], post: Any, stream: Any, close: Any, tensors: Any
) -> None:
    t = tensors(post("/api/batch-norm", body))
    x = t["input"].clone().requires_grad_(True)
    channels = x.shape[1]
    weight = (t["weight"] if t["weight"] is not None else torch.ones(channels, dtype=torch.float64)).clone()
    weight.requires_grad_(True)
    bias = torch.zeros(channels, dtype=torch.float64, requires_grad=True)
    eps = body.get("eps", 1e-5)
    out = F.batch_norm(x, None, None, weight, bias, training=True, eps=eps)
    grad_output = torch.linspace(-1.0, 2.0, out.numel(), dtype=torch.float64).reshape(out.shape) ** 2
    out.backward(grad_output)
    backward: dict[str, Any] = {"input": body["input"], "grad_output": grad_output.tolist(), "eps": eps}
    if "weight" in body:
        backward["weight"] = body["weight"]
    result = post("/api/batch-norm/backward", backward)
    close(result["grad_input"], x.grad)
    close(result["grad_weight"], weight.grad)
    close(result["grad_bias"], bias.grad)

    lines = stream("/api/batch-norm/backward/frames", backward)
    assert lines.result == result
    replayed = replay_batch_norm_backward(lines.frames, result["shapes"]["input"])
    for actual, name in zip(replayed, ("grad_input", "grad_weight", "grad_bias"), strict=True):
        close(actual, result[name])
