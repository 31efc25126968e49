"""conv2d and conv_transpose2d with their backward passes against torch, the loop references and
finite differences: each check written once (:mod:`tests.engine.conv.cases`), run for both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from engine.conv import conv2d_reference, conv_transpose2d_reference
from tests.engine.conv.cases import (
    CONV2D,
    TRANSPOSE,
    Case,
    Op,
    check_against_torch,
    check_block_sizes,
    check_finite_differences,
    draw_conv_case,
    draw_transpose_case,
)
from tests.engine.oracle import assert_close

OPS: dict[str, tuple[Op, Callable[[int], Case], Callable[..., Any]]] = {
    "conv2d": (CONV2D, draw_conv_case, conv2d_reference),
    "conv_transpose2d": (TRANSPOSE, draw_transpose_case, conv_transpose2d_reference),
}


@pytest.mark.parametrize(
    ("op", "seed"), [("conv2d", s) for s in range(160)] + [("conv_transpose2d", s) for s in range(120)]
)
def test_output_and_gradients_match_torch(op: str, seed: int) -> None:
    function, draw, _ = OPS[op]
    check_against_torch(function, draw(seed), seed)


# Per op: input, weight and bias shapes and the settings of a batch of five small images.
BLOCK_CASES: dict[str, tuple[tuple[int, ...], tuple[int, ...], int, dict[str, Any]]] = {
    "conv2d": (
        (5, 2, 6, 5),
        (4, 1, 2, 3),
        4,
        {"stride": (2, 1), "padding": 1, "dilation": 1, "groups": 2, "padding_mode": "reflect"},
    ),
    "conv_transpose2d": (
        (5, 2, 4, 5),
        (2, 1, 2, 3),
        2,
        {"stride": (2, 1), "padding": 1, "output_padding": (1, 0), "groups": 2, "dilation": 1},
    ),
}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("block_elements", [1, 150, 500])
def test_any_block_size_gives_the_same_result(
    op: str, block_elements: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(block_elements)
    x_shape, weight_shape, channels, params = BLOCK_CASES[op]
    case = Case(
        rng.standard_normal(x_shape), rng.standard_normal(weight_shape), rng.standard_normal(channels), params
    )
    check_block_sizes(OPS[op][0], case, block_elements, monkeypatch)


@pytest.mark.parametrize(
    ("op", "seed"), [("conv2d", s) for s in range(40)] + [("conv_transpose2d", s) for s in range(30)]
)
def test_reference_loops_match_vectorised(op: str, seed: int) -> None:
    function, draw, reference = OPS[op]
    case = draw(seed + 500)
    assert_close(
        reference(case.x, case.weight, case.bias, **case.params),
        function.forward(case.x, case.weight, case.bias, **case.params),
    )


# Per op: the generator's seed, the input shape, the weight shape for groups g, the bias size.
FINITE_DIFFERENCE_CASES = {
    "conv2d": (7, (1, 2, 5, 4), lambda g: (2, 2 // g, 2, 3), 2),
    "conv_transpose2d": (11, (1, 2, 3, 4), lambda g: (2, 4 // g, 3, 2), 4),
}


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("conv2d", {"stride": 1, "padding": 1, "dilation": 1, "groups": 1, "padding_mode": "zeros"}),
        (
            "conv2d",
            {"stride": (2, 1), "padding": (2, 1), "dilation": 1, "groups": 2, "padding_mode": "reflect"},
        ),
        (
            "conv2d",
            {"stride": 1, "padding": "same", "dilation": (1, 2), "groups": 1, "padding_mode": "replicate"},
        ),
        (
            "conv2d",
            {
                "stride": (1, 3),
                "padding": (1, 3),
                "dilation": (2, 1),
                "groups": 2,
                "padding_mode": "circular",
            },
        ),
        ("conv_transpose2d", {"stride": 1, "padding": 0, "output_padding": 0, "groups": 1, "dilation": 1}),
        (
            "conv_transpose2d",
            {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2), "groups": 2, "dilation": 1},
        ),
        (
            "conv_transpose2d",
            {"stride": 1, "padding": 1, "output_padding": (1, 0), "groups": 1, "dilation": (2, 1)},
        ),
    ],
)
def test_backward_matches_finite_differences(op: str, params: dict[str, Any]) -> None:
    seed, x_shape, weight_shape, channels = FINITE_DIFFERENCE_CASES[op]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    weight = rng.standard_normal(weight_shape(params["groups"]))
    check_finite_differences(OPS[op][0], Case(x, weight, rng.standard_normal(channels), params), rng)
