"""conv2d and its backward pass against torch.nn.functional, the loop reference and finite differences.

The checks themselves are shared with conv_transpose2d's tests (:mod:`tests.engine.conv.cases`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.conv import conv2d, conv2d_backward
from tests.engine.conv.cases import CONV2D, check_refused
from tests.engine.oracle import assert_close


def test_unbatched_input_keeps_its_rank() -> None:
    rng = np.random.default_rng(3)
    x, weight = rng.standard_normal((3, 6, 7)), rng.standard_normal((4, 3, 3, 2))
    output = conv2d(x, weight, padding=(1, 0), padding_mode="reflect")
    assert output.shape == (4, 6, 6)
    assert_close(output, conv2d(x[None], weight, padding=(1, 0), padding_mode="reflect")[0])
    grad_output = rng.standard_normal(output.shape)
    grad_input, grad_weight, grad_bias = conv2d_backward(
        grad_output, x, weight, padding=(1, 0), padding_mode="reflect"
    )
    batched = conv2d_backward(grad_output[None], x[None], weight, padding=(1, 0), padding_mode="reflect")
    assert grad_input.shape == x.shape
    assert_close(grad_input, batched[0][0])
    assert_close(grad_weight, batched[1])
    assert_close(grad_bias, batched[2])


def test_float32_stays_float32_and_integers_become_float64() -> None:
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 2, 6, 6)).astype(np.float32)
    weight = rng.standard_normal((3, 2, 3, 3))
    output = conv2d(x, weight, np.ones(3), padding=1)
    assert output.dtype == np.float32
    expected = F.conv2d(torch.tensor(x), torch.tensor(weight, dtype=torch.float32), torch.ones(3), padding=1)
    np.testing.assert_allclose(output, expected.numpy(), rtol=1e-5, atol=1e-5)
    grads = conv2d_backward(np.ones_like(output), x, weight, padding=1)
    assert [g.dtype for g in grads] == [np.float32] * 3

    integers, int_weight = rng.integers(-3, 4, (1, 2, 5, 5)), rng.integers(-3, 4, (3, 2, 3, 3))
    int_output = conv2d(integers, int_weight)
    assert int_output.dtype == np.float64
    expected = F.conv2d(
        torch.tensor(integers, dtype=torch.float64), torch.tensor(int_weight, dtype=torch.float64)
    )
    assert_close(int_output, expected)


def test_seed_002_binary_image_gives_a_3x3_map() -> None:
    image = np.array(
        [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=float
    )
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
    output = conv2d(image[None], kernel[None, None], np.array([0.5]))
    assert output.shape == (1, 3, 3)
    expected = F.conv2d(
        torch.tensor(image[None, None]),
        torch.tensor(kernel[None, None]),
        torch.tensor([0.5], dtype=torch.float64),
    )
    assert_close(output, expected[0])


def test_seed_000_stride_3_windows_do_not_overlap() -> None:
    x = np.random.default_rng(0).standard_normal((1, 9, 9))
    output = conv2d(x, np.ones((1, 1, 3, 3)), stride=3)
    assert output.shape == (1, 3, 3)
    grad_input, _, _ = conv2d_backward(np.ones((1, 3, 3)), x, np.ones((1, 1, 3, 3)), stride=3)
    # With unit weights and unit upstream gradients, each input cell counts the windows reading it.
    np.testing.assert_array_equal(grad_input, np.ones((1, 9, 9)))


INPUT = np.zeros((1, 4, 5, 5))
WEIGHT = np.zeros((2, 4, 3, 3))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"weight": np.zeros((2, 4, 7, 7))}, "kernel 7 is larger than the padded input 5"),
        ({"dilation": 3}, r"dilated kernel 7 \(kernel 3, dilation 3\) is larger than the padded input 5"),
        ({"stride": 0}, "stride 0 must be at least 1"),
        ({"dilation": (1, -2)}, "dilation -2 must be at least 1"),
        ({"padding": -1}, "padding -1 must not be negative"),
        ({"groups": 3, "weight": np.zeros((3, 1, 3, 3))}, "input channels 4 are not divisible by groups 3"),
        ({"groups": 2, "weight": np.zeros((3, 2, 3, 3))}, "output channels 3 .* not divisible by groups 2"),
        ({"groups": 0}, "groups 0 must be an int of at least 1"),
        ({"weight": np.zeros((2, 3, 3, 3))}, "weight expects 3 input channels .* but the input has 4"),
        ({"weight": np.zeros((2, 4, 3))}, r"weight must have shape .* got shape \(2, 4, 3\)"),
        (
            {"bias": np.zeros(3)},
            r"bias must have shape \(2,\), one value per output channel, got shape \(3,\)",
        ),
        ({"input": np.full((1, 4, 5, 5), np.nan)}, "input contains NaN or infinity"),
        ({"weight": np.full((2, 4, 3, 3), np.inf)}, "weight contains NaN or infinity"),
        (
            {"input": np.zeros((4, 5))},
            r"input must have shape \(N, C, H, W\) or \(C, H, W\), got shape \(4, 5\)",
        ),
        ({"input": np.zeros((1, 4, 0, 5))}, r"input shape \(1, 4, 0, 5\) has an empty dimension"),
        ({"padding_mode": "mirror"}, "padding_mode 'mirror' is not one of"),
        ({"padding": "same", "stride": 2}, r"padding 'same' needs stride 1, got stride \(2, 2\)"),
        ({"padding": "full"}, "padding 'full' must be an int, a pair, 'same' or 'valid'"),
        ({"padding": 5, "padding_mode": "reflect"}, r"reflect padding \(5, 5, 5, 5\) needs each pad smaller"),
        (
            {"padding": 6, "padding_mode": "circular"},
            r"circular padding \(6, 6, 6, 6\) can wrap at most once",
        ),
    ],
)
def test_invalid_arguments_are_refused_with_the_value(arguments: dict[str, Any], message: str) -> None:
    check_refused(CONV2D, {"input": INPUT, "weight": WEIGHT, **arguments}, message, (1, 2, 3, 3))


@pytest.mark.parametrize("shape", [(1, 2, 3, 4), (1, 3, 3), (2, 2, 3, 3), (2, 3, 3)])
def test_backward_refuses_a_grad_output_of_the_wrong_shape(shape: tuple[int, ...]) -> None:
    with pytest.raises(
        ValueError, match=r"grad_output shape .* does not match the output shape \(1, 2, 3, 3\)"
    ):
        conv2d_backward(np.zeros(shape), INPUT, WEIGHT)


def test_backward_refuses_non_finite_grad_output() -> None:
    with pytest.raises(ValueError, match="grad_output contains NaN or infinity"):
        conv2d_backward(np.full((1, 2, 3, 3), np.inf), INPUT, WEIGHT)
