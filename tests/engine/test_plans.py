"""frame_count: the exact number of frames, from shapes alone, for every op."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from engine import (
    avg_pool2d_backward_frames,
    avg_pool2d_frames,
    batch_norm_backward_frames,
    batch_norm_frames,
    conv2d_backward_frames,
    conv2d_frames,
    conv_transpose2d_frames,
    frame_count,
    max_pool2d_backward_frames,
    max_pool2d_frames,
)


def assert_counted(op: str, generator: Callable[..., Iterator[Any]], **kwargs: Any) -> int:
    """frame_count from shapes only (arrays replaced by ``<name>_shape``) equals the frames yielded."""
    shapes = {
        f"{k}_shape" if isinstance(v, np.ndarray) else k: getattr(v, "shape", v) for k, v in kwargs.items()
    }
    counted = frame_count(op, **shapes)
    assert counted == sum(1 for _ in generator(**kwargs))
    return counted


@pytest.mark.parametrize("seed", range(25))
def test_conv_counts(seed: int, conv_case: Any) -> None:
    case = conv_case
    arrays = {"input": case.x, "weight": case.weight}
    bias = {} if case.bias is None else {"bias": case.bias}
    assert_counted("conv2d", conv2d_frames, **arrays, **bias, **case.params)
    last = list(conv2d_frames(case.x, case.weight, **case.params))[-1]
    upstream = np.zeros((last["n"] + 1, last["out_channel"] + 1, last["y"] + 1, last["x"] + 1))
    if case.x.ndim == 3:
        upstream = upstream[0]
    assert_counted("conv2d_backward", conv2d_backward_frames, grad_output=upstream, **arrays, **case.params)


@pytest.mark.parametrize("seed", range(25))
def test_transpose_and_pool_counts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((int(rng.integers(1, 3)), 2, int(rng.integers(2, 7)), int(rng.integers(2, 7))))
    params = {"stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 2))}
    weight = rng.standard_normal((2, 3, 2, 2))
    bias = {"bias": rng.standard_normal(3)} if seed % 2 else {}
    assert_counted("conv_transpose2d", conv_transpose2d_frames, input=x, weight=weight, **bias, **params)

    pool = {"kernel_size": 2, "ceil_mode": bool(seed % 3 == 0), **params}
    assert_counted("max_pool2d", max_pool2d_frames, input=x, dilation=1, **pool)
    last = list(max_pool2d_frames(x, **pool))[-1]
    out = np.zeros((*x.shape[:2], last["y"] + 1, last["x"] + 1))
    assert_counted("max_pool2d_backward", max_pool2d_backward_frames, grad_output=out, input=x, **pool)
    assert_counted("avg_pool2d", avg_pool2d_frames, input=x, count_include_pad=False, **pool)
    assert_counted(
        "avg_pool2d_backward", avg_pool2d_backward_frames, grad_output=out, input_shape=x.shape, **pool
    )


@pytest.mark.parametrize("training", [False, True])
def test_batch_norm_counts(training: bool) -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 4))
    stats = {"running_mean": np.zeros(3), "running_var": np.ones(3)}
    assert assert_counted("batch_norm", batch_norm_frames, input=x, training=training, **stats) == 3 * (
        1 + 16
    )
    assert_counted("batch_norm_backward", batch_norm_backward_frames, grad_output=x, input=x)


def test_arrays_or_shapes_and_hyphens_are_accepted() -> None:
    x, w = np.zeros((1, 3, 32, 32)), np.zeros((8, 3, 3, 3))
    assert frame_count("conv2d", input=x, weight=w, padding=1) == 8192
    assert frame_count("conv2d", input_shape=(1, 3, 32, 32), weight_shape=(8, 3, 3, 3), padding=1) == 8192
    assert (
        frame_count("conv-transpose2d", input_shape=(3, 4, 4), weight_shape=(3, 2, 3, 3), bias=np.zeros(2))
        == 50
    )
    # Non-zero padding: the padded plane (6x6) plus a fold per padding cell (20), per input plane.
    count = frame_count(
        "conv2d_backward",
        input_shape=(1, 1, 4, 4),
        weight_shape=(1, 1, 3, 3),
        padding=1,
        padding_mode="reflect",
    )
    assert count == (36 + 20) + 9 + 1


def test_counts_need_no_arrays_even_for_huge_requests() -> None:
    assert frame_count("max_pool2d", input_shape=(64, 512, 1024, 1024), kernel_size=2) == 64 * 512 * 512 * 512


@pytest.mark.parametrize(
    ("op", "params", "message"),
    [
        ("conv3d", {}, "op 'conv3d' is not one of"),
        ("conv2d", {"input_shape": (1, 2, 4, 4), "weight_shape": (1, 1, 3, 3)}, "input channels"),
        (
            "conv2d",
            {"input_shape": (1, 1, 4, 4), "weight_shape": (1, 1, 3, 3), "activation": "elu"},
            "activation",
        ),
        ("max_pool2d", {"input_shape": (1, 1, 4, 4), "kernel_size": 2, "padding": 2}, "at most half"),
        (
            "avg_pool2d_backward",
            {"input_shape": (1, 1, 4, 4), "kernel_size": 2, "grad_output_shape": (1, 1, 3, 3)},
            "shape",
        ),
        (
            "batch_norm",
            {
                "input_shape": (1, 2, 1, 1),
                "running_mean_shape": (2,),
                "running_var_shape": (2,),
                "training": True,
            },
            "more than 1 value",
        ),
    ],
)
def test_invalid_requests_raise_like_the_generators(op: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        frame_count(op, **params)
