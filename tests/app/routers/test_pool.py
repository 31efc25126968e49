"""max-pool2d and avg-pool2d over HTTP: results against torch, streams replayed into the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from app import examples
from engine import (
    replay_avg_pool2d,
    replay_avg_pool2d_backward,
    replay_max_pool2d,
    replay_max_pool2d_backward,
)

# The first cases are the documented examples.
MAX_CASES: list[dict[str, Any]] = [
    *(example["value"] for example in examples.MAX_POOL2D.values()),
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
    *(example["value"] for example in examples.AVG_POOL2D.values()),
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


# path -> torch's pooling, its arguments from a body, and the replay of the gradient frames
POOLS: dict[str, tuple[Callable[..., torch.Tensor], Callable[[dict[str, Any]], dict[str, Any]], Any]] = {
    "/max-pool2d": (F.max_pool2d, _max_args, replay_max_pool2d_backward),
    "/avg-pool2d": (F.avg_pool2d, _avg_args, replay_avg_pool2d_backward),
}


@pytest.mark.parametrize("body", MAX_CASES)
def test_max_pool2d_matches_torch_and_its_stream(
    body: dict[str, Any], against_torch: Any, close: Any
) -> None:
    def expected(t: dict[str, Any]) -> dict[str, torch.Tensor]:
        output, indices = F.max_pool2d(t["input"], return_indices=True, **_max_args(body))
        return {"output": output, "indices": indices}

    checked = against_torch("/max-pool2d", body, expected)
    result, indices = checked.result, checked.expected["indices"]
    assert result["indices"] == indices.tolist()
    assert result["shapes"]["output"] == result["shapes"]["indices"]
    output, switches = replay_max_pool2d(checked.stream.frames, result["shapes"]["output"])
    close(output, checked.expected["output"])
    assert switches.tolist() == result["indices"]


@pytest.mark.parametrize("body", AVG_CASES)
def test_avg_pool2d_matches_torch_and_its_stream(
    body: dict[str, Any], against_torch: Any, close: Any
) -> None:
    def expected(t: dict[str, Any]) -> dict[str, torch.Tensor]:
        return {"output": F.avg_pool2d(t["input"], **_avg_args(body))}

    checked = against_torch("/avg-pool2d", body, expected)
    output, lines = checked.expected["output"], checked.stream
    assert lines.header["output_size"]["width"]["size"] == output.shape[-1]
    close(replay_avg_pool2d(lines.frames, checked.result["shapes"]["output"]), output)


@pytest.mark.parametrize(
    ("path", "body"),
    [("/max-pool2d", body) for body in MAX_CASES] + [("/avg-pool2d", body) for body in AVG_CASES],
)
def test_pool2d_backward_matches_torch_autograd(
    path: str, body: dict[str, Any], leaves_of: Any, against_torch: Any, close: Any
) -> None:
    pool, arguments, replay = POOLS[path]
    x = leaves_of(f"/api{path}", body)["input"]
    out = pool(x, **arguments(body))
    grad_output = torch.linspace(-1.0, 3.0, out.shape.numel(), dtype=torch.float64).reshape(out.shape)
    out.backward(grad_output)
    backward = body | {"grad_output": grad_output.tolist()}
    checked = against_torch(f"{path}/backward", backward, lambda _: {"grad_input": x.grad})
    close(replay(checked.stream.frames, checked.result["shapes"]["input"]), x.grad)


def test_ceil_mode_derivation_is_in_the_header(stream: Any) -> None:
    body = {"input": {"shape": [1, 1, 5, 5]}, "kernel_size": 2, "ceil_mode": True}
    height = stream("/api/max-pool2d/frames", body).header["output_size"]["height"]
    assert height["size"] == 3
    assert height["derivation"] == "(5 - 2) / 2 + 1 = 2.5 -> ceil 3"
    assert height["unvisited"] == []


def test_ties_go_to_the_first_maximum(post: Any) -> None:
    result = post("/api/max-pool2d", {"input": [[[5, 5], [5, 5]]], "kernel_size": 2})
    assert result["indices"] == [[[0]]]
