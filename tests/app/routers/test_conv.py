"""conv2d and conv-transpose2d over HTTP: results against torch, streams replayed into the result."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F

from app import examples
from engine import replay_conv2d, replay_conv2d_backward, replay_conv_transpose2d

ACTIVATIONS = {"none": lambda t: t, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}

CONV_CASES: list[dict[str, Any]] = [
    {
        "input": {"shape": [1, 1, 5, 5], "seed": 3},
        "weight": {"shape": [1, 1, 3, 3], "kind": "sobel_x"},
        "padding": 1,
        "activation": "relu",
    },
    {
        "input": [[[1, 2, 0, 1], [0, 1, 3, 1], [2, 2, 1, 0], [1, 0, 0, 2]]],
        "weight": [[[[1, 0], [0, -1]]]],
        "bias": [0.5],
        "stride": 2,
    },
    {
        "input": {"shape": [1, 3, 6, 6], "seed": 1},
        "weight": {"shape": [2, 3, 3, 3], "seed": 2},
        "bias": {"shape": [2], "seed": 3},
        "padding": 1,
        "padding_mode": "reflect",
    },
    {
        "input": {"shape": [2, 4, 7, 7], "kind": "floats", "seed": 4},
        "weight": {"shape": [4, 2, 3, 3], "kind": "floats", "seed": 5},
        "groups": 2,
        "dilation": 2,
        "padding": [1, 2],
        "stride": [1, 2],
        "padding_mode": "circular",
        "activation": "tanh",
    },
    {
        "input": {"shape": [2, 5, 6], "kind": "floats", "seed": 6},
        "weight": {"shape": [3, 2, 2, 4], "kind": "floats", "seed": 7},
        "bias": {"shape": [3], "kind": "floats", "seed": 8},
        "padding": "same",
        "padding_mode": "replicate",
        "activation": "sigmoid",
    },
    {
        "input": {"shape": [1, 2, 5, 4], "seed": 9, "low": -9, "high": 9},
        "weight": {"shape": [1, 2, 3, 2], "seed": 10},
        "padding": "valid",
    },
]


def torch_conv(body: dict[str, Any], t: dict[str, Any]) -> torch.nn.Conv2d:
    """A torch Conv2d layer holding the request's weights (bias zeros when the request has none)."""
    weight = t["weight"]
    groups = body.get("groups", 1)
    layer = torch.nn.Conv2d(
        weight.shape[1] * groups,
        weight.shape[0],
        tuple(weight.shape[2:]),
        stride=body.get("stride", 1),
        padding=body.get("padding", 0),
        dilation=body.get("dilation", 1),
        groups=groups,
        padding_mode=body.get("padding_mode", "zeros"),
        dtype=torch.float64,
    )
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(t["bias"] if t.get("bias") is not None else torch.zeros(weight.shape[0]))
    return layer


@pytest.mark.parametrize("body", CONV_CASES)
def test_conv2d_matches_torch_and_its_stream(body: dict[str, Any], against_torch: Any, close: Any) -> None:
    activation = body.get("activation", "none")

    def expected(t: dict[str, Any]) -> dict[str, torch.Tensor]:
        pre = torch_conv(body, t)(t["input"])
        before = {} if activation == "none" else {"pre_activation": pre}
        return {"output": ACTIVATIONS[activation](pre), **before}

    checked = against_torch("/conv2d", body, expected)
    result, lines, output = checked.result, checked.stream, checked.expected["output"]
    if activation == "none":
        assert "pre_activation" not in result
    assert lines.header["op"] == "conv2d"
    sizes = lines.header["output_size"]
    assert [sizes["height"]["size"], sizes["width"]["size"]] == list(output.shape[-2:])
    close(replay_conv2d(lines.frames, result["shapes"]["output"]), output)


@pytest.mark.parametrize("body", CONV_CASES)
def test_conv2d_backward_matches_torch_autograd(
    body: dict[str, Any], leaves_of: Any, against_torch: Any, close: Any
) -> None:
    t = leaves_of("/api/conv2d", body)
    x = t["input"]
    layer = torch_conv(body, t)
    out = layer(x)
    grad_output = torch.linspace(-1.0, 2.0, out.numel(), dtype=torch.float64).reshape(out.shape)
    out.backward(grad_output)
    grads = {"grad_input": x.grad, "grad_weight": layer.weight.grad, "grad_bias": layer.bias.grad}
    backward = {key: body[key] for key in body if key not in ("bias", "activation")}
    backward["grad_output"] = grad_output.tolist()

    checked = against_torch("/conv2d/backward", backward, lambda _: grads)
    result, frames = checked.result, checked.stream.frames
    assert set(grads) <= {frame["stage"] for frame in frames}
    replayed = replay_conv2d_backward(frames, result["shapes"]["input"], result["shapes"]["weight"])
    for array, name in zip(replayed, grads, strict=True):
        close(array, result[name])


# The first cases are the documented examples.
TRANSPOSE_CASES: list[dict[str, Any]] = [
    *(example["value"] for example in examples.CONV_TRANSPOSE2D.values()),
    {
        "input": {"shape": [2, 4, 3, 2], "kind": "floats", "seed": 1},
        "weight": {"shape": [4, 3, 2, 3], "kind": "floats", "seed": 2},
        "bias": {"shape": [6], "kind": "floats", "seed": 3},
        "groups": 2,
        "stride": [2, 3],
        "padding": [0, 1],
        "dilation": [1, 2],
        "output_padding": [1, 0],
    },
]


def _transpose_args(body: dict[str, Any]) -> dict[str, Any]:
    return {
        key: body.get(key, default)
        for key, default in (
            ("stride", 1),
            ("padding", 0),
            ("output_padding", 0),
            ("groups", 1),
            ("dilation", 1),
        )
    }


@pytest.mark.parametrize("body", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_torch_and_its_stream(
    body: dict[str, Any], against_torch: Any, close: Any
) -> None:
    def expected(t: dict[str, Any]) -> dict[str, torch.Tensor]:
        return {"output": F.conv_transpose2d(t["input"], t["weight"], t["bias"], **_transpose_args(body))}

    checked = against_torch("/conv-transpose2d", body, expected)
    output, lines = checked.expected["output"], checked.stream
    assert lines.header["output_size"]["height"]["size"] == output.shape[-2]
    close(replay_conv_transpose2d(lines.frames, checked.result["shapes"]["output"]), output)


@pytest.mark.parametrize("body", TRANSPOSE_CASES)
def test_conv_transpose2d_backward_matches_torch_autograd(
    body: dict[str, Any], leaves_of: Any, against_torch: Any
) -> None:
    t = leaves_of("/api/conv-transpose2d", body)
    x, w = t["input"], t["weight"]
    out_channels = w.shape[1] * body.get("groups", 1)
    b = torch.zeros(out_channels, dtype=torch.float64, requires_grad=True)
    out = F.conv_transpose2d(x, w, b, **_transpose_args(body))
    grad_output = torch.linspace(-2.0, 1.0, out.numel(), dtype=torch.float64).reshape(out.shape)
    out.backward(grad_output)
    backward = {key: value for key, value in body.items() if key != "bias"}
    backward["grad_output"] = grad_output.tolist()
    grads = {"grad_input": x.grad, "grad_weight": w.grad, "grad_bias": b.grad}
    against_torch("/conv-transpose2d/backward", backward, lambda _: grads, frames=False)


def test_conv_transpose2d_backward_has_no_stream(client: Any) -> None:
    response = client.post("/api/conv-transpose2d/backward/frames", json=TRANSPOSE_CASES[0])
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_header_shows_the_floor_and_the_unvisited_rows(stream: Any) -> None:
    body = {"input": {"shape": [1, 1, 6, 7]}, "weight": {"shape": [1, 1, 3, 3]}, "stride": 2}
    header = stream("/api/conv2d/frames", body).header
    assert header["output_size"]["height"] == {
        "size": 2,
        "derivation": "(6 - 3) / 2 + 1 = 2.5 -> 2",
        "exact": False,
        "unvisited": [5],
    }
    assert header["output_size"]["width"]["derivation"] == "(7 - 3) / 2 + 1 = 3"
    assert header["parameters"] == {
        "stride": 2,
        "padding": 0,
        "dilation": 1,
        "groups": 1,
        "padding_mode": "zeros",
        "activation": "none",
    }
    assert header["frame_count"] == 6


def test_named_kernel_spec_is_replicated_over_input_channels(post: Any) -> None:
    body = {
        "input": {"shape": [1, 3, 3, 3], "kind": "ones"},
        "weight": {"shape": [2, 3, 3, 3], "kind": "box_blur"},
    }
    result = post("/api/conv2d", body)
    assert result["inputs"]["weight"][1][2] == [[1 / 27] * 3] * 3
    assert result["output"] == [[[[pytest.approx(1.0)]], [[pytest.approx(1.0)]]]]
