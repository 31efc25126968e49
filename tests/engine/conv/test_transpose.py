"""conv_transpose2d and its backward pass against torch, the loop reference and finite differences.

The checks themselves are shared with conv2d's tests (:mod:`tests.engine.conv.cases`).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.conv import (
    conv2d_backward,
    conv_transpose2d,
    conv_transpose2d_backward,
    conv_transpose2d_reference,
)
from tests.engine.conv.cases import (
    Case,
    Op,
    check_against_torch,
    check_block_sizes,
    check_finite_differences,
    check_refused,
    draw_channels,
    int_or_pair,
)
from tests.engine.oracle import assert_close


def draw_case(seed: int) -> Case:
    """A random conv_transpose2d configuration that PyTorch accepts (rejected ones are drawn again)."""
    rng = np.random.default_rng(seed)
    while True:
        in_channels, out_channels, groups = draw_channels(rng)
        shape = (int(rng.integers(1, 3)), in_channels, int(rng.integers(1, 7)), int(rng.integers(1, 7)))
        kernel = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        stride = [1, 1] if rng.random() < 0.25 else [int(v) for v in rng.integers(1, 4, 2)]
        dilation = [1, 1] if rng.random() < 0.4 else [int(v) for v in rng.integers(1, 4, 2)]
        # PyTorch's rule: output_padding must be smaller than the stride or the dilation.
        output_padding = [int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation, strict=True)]
        params = {
            "stride": int_or_pair(rng, *stride),
            "padding": int_or_pair(rng, *rng.integers(0, 3, 2)),
            "output_padding": int_or_pair(rng, *output_padding),
            "groups": groups,
            "dilation": int_or_pair(rng, *dilation),
        }
        x = rng.standard_normal(shape)
        weight = rng.standard_normal((in_channels, out_channels // groups, *kernel))
        bias = rng.standard_normal(out_channels) if rng.random() < 0.7 else None
        try:
            F.conv_transpose2d(torch.tensor(x), torch.tensor(weight), None, **params)
        except RuntimeError:
            continue
        return Case(x, weight, bias, params)


def torch_transpose(x: Any, weight: Any, bias: Any, params: dict[str, Any]) -> Any:
    return F.conv_transpose2d(x, weight, bias, **params)


TRANSPOSE = Op(
    conv_transpose2d,
    conv_transpose2d_backward,
    torch_transpose,
    lambda case: case.weight.shape[1] * case.params["groups"],
)


@pytest.mark.parametrize("seed", range(120))
def test_conv_transpose2d_and_backward_match_torch(seed: int) -> None:
    check_against_torch(TRANSPOSE, draw_case(seed), seed)


@pytest.mark.parametrize("block_elements", [1, 150, 500])
def test_any_block_size_gives_the_same_result(block_elements: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(block_elements)
    case = Case(
        rng.standard_normal((5, 2, 4, 5)),
        rng.standard_normal((2, 1, 2, 3)),
        rng.standard_normal(2),
        {"stride": (2, 1), "padding": 1, "output_padding": (1, 0), "groups": 2, "dilation": 1},
    )
    check_block_sizes(TRANSPOSE, case, block_elements, monkeypatch)


@pytest.mark.parametrize("seed", range(30))
def test_reference_loops_match_vectorised(seed: int) -> None:
    case = draw_case(seed + 500)
    assert_close(
        conv_transpose2d_reference(case.x, case.weight, case.bias, **case.params),
        conv_transpose2d(case.x, case.weight, case.bias, **case.params),
    )


@pytest.mark.parametrize("seed", range(20))
def test_transpose_is_the_input_gradient_of_conv2d(seed: int) -> None:
    """conv_transpose2d(y, w) is conv2d's input gradient for upstream gradient y, when the
    output_padding is smaller than the stride (so that conv2d maps the result back to y's size)."""
    for attempt in itertools.count():
        case = draw_case(seed * 100 + attempt + 900)
        params = dict(case.params)
        strides = np.broadcast_to(params["stride"], 2)
        params["output_padding"] = tuple(
            int(min(p, s - 1))
            for p, s in zip(np.broadcast_to(params["output_padding"], 2), strides, strict=True)
        )
        try:
            output = conv_transpose2d(case.x, case.weight, **params)
        except ValueError:  # without its output_padding this case has no output; draw another
            continue
        break
    conv_params = {key: params[key] for key in ("stride", "padding", "dilation", "groups")}
    grad_input, _, _ = conv2d_backward(case.x, np.zeros(output.shape), case.weight, **conv_params)
    assert_close(output, grad_input)


@pytest.mark.parametrize(
    "params",
    [
        {"stride": 1, "padding": 0, "output_padding": 0, "groups": 1, "dilation": 1},
        {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2), "groups": 2, "dilation": 1},
        {"stride": 1, "padding": 1, "output_padding": (1, 0), "groups": 1, "dilation": (2, 1)},
    ],
)
def test_backward_matches_finite_differences(params: dict[str, Any]) -> None:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((1, 2, 3, 4))
    weight = rng.standard_normal((2, 4 // params["groups"], 3, 2))
    check_finite_differences(TRANSPOSE, Case(x, weight, rng.standard_normal(4), params), rng)


def test_unbatched_input_keeps_its_rank_and_dtype_follows_the_input() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    weight = rng.standard_normal((3, 2, 3, 3))
    output = conv_transpose2d(x, weight, stride=2, output_padding=1)
    assert output.shape == (2, 10, 12)
    assert output.dtype == np.float32
    expected = F.conv_transpose2d(
        torch.tensor(x[None]), torch.tensor(weight, dtype=torch.float32), stride=2, output_padding=1
    )
    np.testing.assert_allclose(output, expected[0].numpy(), rtol=1e-5, atol=1e-5)
    grads = conv_transpose2d_backward(np.ones_like(output), x, weight, stride=2, output_padding=1)
    assert grads[0].shape == x.shape
    assert [g.dtype for g in grads] == [np.float32] * 3

    integers = rng.integers(-3, 4, (1, 3, 4, 5))
    int_output = conv_transpose2d(integers, weight)
    assert int_output.dtype == np.float64
    assert_close(
        int_output, F.conv_transpose2d(torch.tensor(integers, dtype=torch.float64), torch.tensor(weight))
    )


INPUT = np.zeros((1, 4, 3, 3))
WEIGHT = np.zeros((4, 2, 3, 3))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"stride": 2, "output_padding": 2},
            "output_padding 2 must be smaller than either the stride 2 or the dilation 1",
        ),
        ({"stride": 0}, "stride 0 must be at least 1"),
        ({"dilation": 0}, "dilation 0 must be at least 1"),
        ({"padding": (0, -1)}, "padding -1 must not be negative"),
        ({"output_padding": -1}, "output_padding -1 must not be negative"),
        ({"padding": "same"}, "padding must be an int or a pair of ints, got 'same'"),
        ({"padding": 3}, "padding 3 removes the whole output"),
        (
            {"weight": np.zeros((3, 2, 3, 3))},
            r"weight expects 3 input channels \(its axis 0\), but the input has 4",
        ),
        ({"groups": 3, "weight": np.zeros((4, 1, 3, 3))}, "input channels 4 are not divisible by groups 3"),
        ({"groups": -1}, "groups -1 must be an int of at least 1"),
        ({"weight": np.zeros((4, 2, 3, 3, 1))}, r"weight must have shape .* got shape \(4, 2, 3, 3, 1\)"),
        (
            {"bias": np.zeros(4)},
            r"bias must have shape \(2,\), one value per output channel, got shape \(4,\)",
        ),
        ({"input": np.full((1, 4, 3, 3), -np.inf)}, "input contains NaN or infinity"),
    ],
)
def test_invalid_arguments_are_refused_with_the_value(arguments: dict[str, Any], message: str) -> None:
    check_refused(TRANSPOSE, {"input": INPUT, "weight": WEIGHT, **arguments}, message, (1, 2, 5, 5))


def test_backward_refuses_a_grad_output_of_the_wrong_shape() -> None:
    with pytest.raises(
        ValueError, match=r"grad_output shape \(1, 2, 5, 4\) does not match the output shape \(1, 2, 5, 5\)"
    ):
        conv_transpose2d_backward(np.zeros((1, 2, 5, 4)), INPUT, WEIGHT)
