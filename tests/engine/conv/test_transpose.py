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
)
from tests.engine.conv.cases import TRANSPOSE, check_refused, draw_transpose_case
from tests.engine.oracle import assert_close


@pytest.mark.parametrize("seed", range(20))
def test_transpose_is_the_input_gradient_of_conv2d(seed: int) -> None:
    """conv_transpose2d(y, w) is conv2d's input gradient for upstream gradient y, when the
    output_padding is smaller than the stride (so that conv2d maps the result back to y's size)."""
    for attempt in itertools.count():
        case = draw_transpose_case(seed * 100 + attempt + 900)
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
