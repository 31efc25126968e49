"""max-pool2d and avg-pool2d over HTTP: results against torch, streams replayed into the result."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F

from engine import (
    replay_avg_pool2d,
    replay_avg_pool2d_backward,
    replay_max_pool2d,
    replay_max_pool2d_backward,
)

MAX_CASES: list[dict[str, Any]] = [
    {"input": [[[1, 3, 2, 1], [4, 2, 0, 1], [1, 1, 5, 6], [0, 2, 7, 3]]], "kernel_size": 2},
    {
        "input": {"shape": [1, 1, 6, 6], "seed": 7},
        "kernel_size": 3,
        "stride": 2,
        "padding": 1,
        "ceil_mode": True,
    },
    {
        "input": {"shape": [2, 3, 7, 6], "kind": "floats", "seed": 1},
        "kernel_size": [3, 2],
        "stride": [2, 1],
        "padding": [1, 0],
        "dilation": [1, 2],
    },
    {"input": {"shape": [2, 5, 5], "seed": 2, "low": 0, "high": 1}, "kernel_size": 2, "stride": 1},
]

AVG_CASES: list[dict[str, Any]] = [
    {"input": [[[1, 3, 2, 1], [4, 2, 0, 1], [1, 1, 5, 6], [0, 2, 7, 3]]], "kernel_size": 2},
    {
        "input": {"shape": [1, 1, 5, 5], "seed": 2},
        "kernel_size": 3,
        "stride": 2,
        "padding": 1,
        "count_include_pad": False,
    },
    {
        "input": {"shape": [2, 2, 7, 6], "kind": "floats", "seed": 3},
        "kernel_size": [3, 2],
        "stride": [2, 1],
        "padding": [1, 1],
        "ceil_mode": True,
    },
    {
        "input": {"shape": [3, 5, 5], "seed": 4},
        "kernel_size": 3,
        "stride": 2,
        "ceil_mode": True,
        "padding": 1,
    },
]


def _max_args(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "kernel_size": body["kernel_size"],
        "stride": body.get("stride"),
        "padding": body.get("padding", 0),
        "dilation": body.get("dilation", 1),
        "ceil_mode": body.get("ceil_mode", False),
    }


def _avg_args(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "kernel_size": body["kernel_size"],
        "stride": body.get("stride"),
        "padding": body.get("padding", 0),
        "ceil_mode": body.get("ceil_mode", False),
        "count_include_pad": body.get("count_include_pad", True),
    }


def _upstream(shape: torch.Size) -> torch.Tensor:
    return torch.linspace(-1.0, 3.0, shape.numel(), dtype=torch.float64).reshape(shape)


@pytest.mark.parametrize("body", MAX_CASES)
def test_max_pool2d_matches_torch_and_its_stream(
    body: dict[str, Any], post: Any, stream: Any, close: Any, tensors: Any
) -> None:
    result = post("/api/max-pool2d", body)
    x = tensors(result)["input"]
    expected, indices = F.max_pool2d(x, return_indices=True, **_max_args(body))
    close(result["output"], expected)
    assert result["indices"] == indices.tolist()
    assert result["shapes"]["output"] == result["shapes"]["indices"] == list(expected.shape)

    lines = stream("/api/max-pool2d/frames", body)
    assert lines.result == result
    output, switches = replay_max_pool2d(lines.frames, result["shapes"]["output"])
    close(output, expected)
    assert switches.tolist() == result["indices"]


@pytest.mark.parametrize("body", MAX_CASES)
def test_max_pool2d_backward_matches_torch_autograd(
    body: dict[str, Any], post: Any, stream: Any, close: Any, tensors: Any
) -> None:
    x = tensors(post("/api/max-pool2d", body))["input"].requires_grad_(True)
    out = F.max_pool2d(x, **_max_args(body))
    grad_output = _upstream(out.shape)
    out.backward(grad_output)
    backward = body | {"grad_output": grad_output.tolist()}
    result = post("/api/max-pool2d/backward", backward)
    close(result["grad_input"], x.grad)

    lines = stream("/api/max-pool2d/backward/frames", backward)
    assert lines.result == result
    close(replay_max_pool2d_backward(lines.frames, result["shapes"]["input"]), x.grad)


@pytest.mark.parametrize("body", AVG_CASES)
def test_avg_pool2d_matches_torch_and_its_stream(
    body: dict[str, Any], post: Any, stream: Any, close: Any, tensors: Any
) -> None:
    result = post("/api/avg-pool2d", body)
    x = tensors(result)["input"]
    expected = F.avg_pool2d(x, **_avg_args(body))
    close(result["output"], expected)

    lines = stream("/api/avg-pool2d/frames", body)
    assert lines.result == result
    assert lines.header["output_size"]["width"]["size"] == expected.shape[-1]
    close(replay_avg_pool2d(lines.frames, result["shapes"]["output"]), expected)


@pytest.mark.parametrize("body", AVG_CASES)
def test_avg_pool2d_backward_matches_torch_autograd(
    body: dict[str, Any], post: Any, stream: Any, close: Any, tensors: Any
) -> None:
    x = tensors(post("/api/avg-pool2d", body))["input"].requires_grad_(True)
    out = F.avg_pool2d(x, **_avg_args(body))
    grad_output = _upstream(out.shape)
    out.backward(grad_output)
    backward = body | {"grad_output": grad_output.tolist()}
    result = post("/api/avg-pool2d/backward", backward)
    close(result["grad_input"], x.grad)

    lines = stream("/api/avg-pool2d/backward/frames", backward)
    assert lines.result == result
    close(replay_avg_pool2d_backward(lines.frames, result["shapes"]["input"]), x.grad)


def test_ceil_mode_derivation_is_in_the_header(stream: Any) -> None:
    body = {"input": {"shape": [1, 1, 5, 5]}, "kernel_size": 2, "ceil_mode": True}
    height = stream("/api/max-pool2d/frames", body).header["output_size"]["height"]
    assert height["size"] == 3
    assert height["derivation"] == "(5 - 2) / 2 + 1 = 2.5 -> ceil 3"
    assert height["unvisited"] == []


def test_ties_go_to_the_first_maximum(post: Any) -> None:
    result = post("/api/max-pool2d", {"input": [[[5, 5], [5, 5]]], "kernel_size": 2})
    assert result["indices"] == [[[0]]]
