"""The conv-family plans: the figures the app shows (shape, derivations, multiply-adds), the memory
they promise, and the frames they count, all from shapes alone."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from engine import conv2d_output_shape, conv_transpose_output_size
from engine.conv import (
    conv2d,
    conv2d_backward,
    conv2d_backward_frames,
    conv2d_frames,
    conv_plan,
    conv_transpose2d,
    transpose_plan,
)
from engine.conv.api import conv_transpose2d_frames
from tests.engine.oracle import peak_elements

SLACK = 4096  # Python objects and small temporaries besides the arrays


@pytest.mark.parametrize("seed", range(25))
def test_conv_plan_gives_the_apps_figures(seed: int, conv_case: Any) -> None:
    case = conv_case
    plan = conv_plan(
        case.x.shape, case.weight.shape, None if case.bias is None else case.bias.shape, **case.params
    )
    output = conv2d(case.x, case.weight, case.bias, **case.params)
    assert plan.output_shape == output.shape
    # The app's sums: every output value times the weights of one output channel.
    assert plan.work == math.prod(output.shape) * math.prod(case.weight.shape[1:])
    assert plan.backward_work == 2 * plan.work
    kernel, geometry = case.weight.shape[2:], {k: case.params[k] for k in ("stride", "padding", "dilation")}
    rows, cols = conv2d_output_shape(case.x.shape[-2:], kernel, **geometry)
    assert plan.output_size == (rows, cols)
    assert plan.frame_count == sum(1 for _ in conv2d_frames(case.x, case.weight, case.bias, **case.params))
    grads = conv2d_backward_frames(np.zeros(output.shape), case.x, case.weight, **case.params)
    assert plan.backward_frame_count == sum(1 for _ in grads)


@pytest.mark.parametrize(
    ("shape", "weight", "params"),
    [
        ((2, 3, 64, 64), (8, 3, 3, 3), {"padding": 1}),
        ((1, 4, 100, 100), (6, 2, 5, 5), {"stride": 2, "groups": 2, "padding": 2, "padding_mode": "reflect"}),
        ((4, 16, 32, 32), (32, 16, 1, 1), {}),
        ((1, 3, 300, 300), (16, 3, 3, 3), {"padding": "same", "dilation": 2}),
    ],
)
def test_conv_memory_is_an_upper_estimate(
    shape: tuple[int, ...], weight: tuple[int, ...], params: dict[str, Any]
) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(shape), rng.standard_normal(weight)
    plan = conv_plan(shape, weight, None, **params)
    grad = np.ones(plan.output_shape)
    assert math.prod(plan.output_shape) < plan.memory_elements
    assert peak_elements(lambda: conv2d(x, w, **params)) <= plan.memory_elements + SLACK
    assert (
        peak_elements(lambda: conv2d_backward(grad, x, w, **params)) <= plan.backward_memory_elements + SLACK
    )


@pytest.mark.parametrize(
    ("shape", "weight", "params"),
    [
        ((2, 3, 16, 16), (3, 4, 3, 3), {"stride": 2}),
        ((1, 8, 40, 40), (8, 2, 4, 4), {"stride": 2, "groups": 4, "padding": 1, "output_padding": 1}),
        ((3, 5, 6), (3, 2, 2, 3), {"stride": (1, 2), "dilation": (2, 1)}),
    ],
)
def test_transpose_plan_figures_and_memory(
    shape: tuple[int, ...], weight: tuple[int, ...], params: dict[str, Any]
) -> None:
    rng = np.random.default_rng(1)
    x, w, b = (
        rng.standard_normal(shape),
        rng.standard_normal(weight),
        rng.standard_normal(weight[1] * params.get("groups", 1)),
    )
    plan = transpose_plan(shape, weight, b.shape, **params)
    output = conv_transpose2d(x, w, b, **params)
    assert plan.output_shape == output.shape
    assert plan.work == math.prod(shape) * math.prod(weight[1:])
    pairs = {
        k: np.broadcast_to(params.get(k, d), 2)
        for k, d in (("stride", 1), ("padding", 0), ("output_padding", 0), ("dilation", 1))
    }
    sizes = tuple(
        conv_transpose_output_size(shape[a - 2], weight[a + 2], *(int(pairs[k][a]) for k in pairs))
        for a in (0, 1)
    )
    assert plan.output_size == sizes
    assert plan.frame_count == sum(1 for _ in conv_transpose2d_frames(x, w, b, **params))
    assert peak_elements(lambda: conv_transpose2d(x, w, b, **params)) <= plan.memory_elements + SLACK
