"""Max and average pooling against torch.nn.functional, the loop references and finite differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.pool import (
    avg_pool2d,
    avg_pool2d_backward,
    avg_pool2d_reference,
    max_pool2d,
    max_pool2d_backward,
    max_pool2d_reference,
)
from tests.engine.oracle import assert_close, numerical_gradient

SEEDS = range(15)


def maybe_pair(rng: np.random.Generator, pair: tuple[int, int]) -> int | tuple[int, int]:
    """Give equal pairs as a plain int half of the time, so both argument forms are exercised."""
    return pair[0] if pair[0] == pair[1] and rng.random() < 0.5 else pair


@dataclass
class Case:
    shape: tuple[int, ...]
    params: dict[str, Any]


def draw_case(
    rng: np.random.Generator, *, ceil_mode: bool, padded: bool, dilated: bool, average: bool = False
) -> dict[str, Any]:
    """Pooling arguments drawn freely within PyTorch's padding rule (padding <= kernel // 2)."""
    kernel = (int(rng.integers(1 + padded, 5)), int(rng.integers(1, 5)))
    pads = [int(rng.integers(0, k // 2 + 1)) for k in kernel]
    if padded and max(pads) == 0:
        pads[0] = int(rng.integers(1, kernel[0] // 2 + 1))
    params: dict[str, Any] = {
        "kernel_size": maybe_pair(rng, kernel),
        "stride": None if rng.random() < 0.2 else maybe_pair(rng, tuple(rng.integers(1, 4, 2).tolist())),
        "padding": maybe_pair(rng, (pads[0], pads[1])),
        "ceil_mode": ceil_mode,
    }
    if dilated:
        params["dilation"] = maybe_pair(rng, tuple(rng.integers(1, 4, 2).tolist()))
    if average:
        params["count_include_pad"] = bool(rng.random() < 0.5)
    return params


def as_pair(value: int | tuple[int, int] | None, default: tuple[int, int]) -> tuple[int, int]:
    if value is None:
        return default
    return (value, value) if isinstance(value, int) else value


def window_exceeds_padded_input(shape: tuple[int, ...], params: dict[str, Any]) -> bool:
    """The engine's one extra refusal: in ceil_mode PyTorch accepts a window reaching past the padded
    input (its last window may hang over), the engine asks for a window that fits at least once."""
    kernel = as_pair(params["kernel_size"], (1, 1))
    pads = as_pair(params.get("padding", 0), (0, 0))
    dilation = as_pair(params.get("dilation"), (1, 1))
    return any(
        d * (k - 1) + 1 > n + 2 * p for k, p, d, n in zip(kernel, pads, dilation, shape[-2:], strict=True)
    )


def draw_accepted(rng: np.random.Generator, torch_pool: Any, **flags: bool) -> Case:
    """Redraw until PyTorch accepts the configuration, the window fits the padded input, and every
    window covers an input cell."""
    while True:
        batch = (int(rng.integers(1, 3)),) if rng.random() < 0.8 else ()
        shape = (*batch, int(rng.integers(1, 4)), int(rng.integers(1, 10)), int(rng.integers(1, 10)))
        params = draw_case(rng, **flags)
        if window_exceeds_padded_input(shape, params):
            continue
        try:
            out = torch_pool(torch.zeros(shape, dtype=torch.float64), **params)
        except RuntimeError:
            continue
        values = out[0] if isinstance(out, tuple) else out
        if torch.isfinite(values).all():
            return Case(shape, params)


def torch_max(x: torch.Tensor, **params: Any) -> tuple[torch.Tensor, torch.Tensor]:
    return F.max_pool2d(x, return_indices=True, **params)


def ties_input(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray[Any, Any]:
    """Small integers, so most windows hold their maximum more than once; sometimes a constant plane."""
    x = rng.integers(0, 3, shape).astype(np.float64)
    if rng.random() < 0.2:
        x[..., :, :] = 1.0
    return x


FLAGS = [
    pytest.param(ceil, padded, dilated, id=f"ceil{int(ceil)}-pad{int(padded)}-dil{int(dilated)}")
    for ceil in (False, True)
    for padded in (False, True)
    for dilated in (False, True)
]
AVG_FLAGS = [
    pytest.param(ceil, padded, include, id=f"ceil{int(ceil)}-pad{int(padded)}-include{int(include)}")
    for ceil in (False, True)
    for padded in (False, True)
    for include in (False, True)
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("ceil_mode", "padded", "dilated"), FLAGS)
def test_max_pool2d_matches_torch(seed: int, ceil_mode: bool, padded: bool, dilated: bool) -> None:
    rng = np.random.default_rng([1, seed, int(ceil_mode), int(padded), int(dilated)])
    case = draw_accepted(rng, torch_max, ceil_mode=ceil_mode, padded=padded, dilated=dilated)
    x = rng.standard_normal(case.shape)
    expected, expected_indices = torch_max(torch.from_numpy(x), **case.params)
    output, indices = max_pool2d(x, **case.params)
    assert_close(output, expected)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices, expected_indices.numpy())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("ceil_mode", "padded", "dilated"), FLAGS)
def test_max_pool2d_ties_and_backward_match_torch(
    seed: int, ceil_mode: bool, padded: bool, dilated: bool
) -> None:
    """With ties everywhere the switch must still be PyTorch's (the first maximum), and so must
    the gradient, which overlapping windows add up at shared switches."""
    rng = np.random.default_rng([2, seed, int(ceil_mode), int(padded), int(dilated)])
    case = draw_accepted(rng, torch_max, ceil_mode=ceil_mode, padded=padded, dilated=dilated)
    x = ties_input(rng, case.shape)
    x_torch = torch.from_numpy(x).requires_grad_(True)
    expected, expected_indices = torch_max(x_torch, **case.params)
    grad_output = rng.standard_normal(tuple(expected.shape))
    expected.backward(torch.from_numpy(grad_output))
    output, indices = max_pool2d(x, **case.params)
    np.testing.assert_array_equal(output, expected.detach().numpy())
    np.testing.assert_array_equal(indices, expected_indices.numpy())
    assert_close(max_pool2d_backward(grad_output, indices, x.shape), x_torch.grad)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("ceil_mode", "padded", "count_include_pad"), AVG_FLAGS)
def test_avg_pool2d_forward_and_backward_match_torch(
    seed: int, ceil_mode: bool, padded: bool, count_include_pad: bool
) -> None:
    rng = np.random.default_rng([3, seed, int(ceil_mode), int(padded), int(count_include_pad)])
    case = draw_accepted(rng, F.avg_pool2d, ceil_mode=ceil_mode, padded=padded, dilated=False, average=True)
    case.params["count_include_pad"] = count_include_pad
    x = rng.standard_normal(case.shape)
    x_torch = torch.from_numpy(x).requires_grad_(True)
    expected = F.avg_pool2d(x_torch, **case.params)
    grad_output = rng.standard_normal(tuple(expected.shape))
    expected.backward(torch.from_numpy(grad_output))
    assert_close(avg_pool2d(x, **case.params), expected)
    assert_close(avg_pool2d_backward(grad_output, x.shape, **case.params), x_torch.grad)


@pytest.mark.parametrize("seed", range(80))
def test_engine_refuses_what_torch_refuses(seed: int) -> None:
    """Unfiltered draws: whatever PyTorch rejects the engine rejects too, and conversely, except
    windows made only of padding, which PyTorch fills with -inf and the engine refuses."""
    rng = np.random.default_rng([4, seed])
    shape = (1, 1, int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    kernel = int(rng.integers(1, 4))
    params: dict[str, Any] = {
        "kernel_size": kernel,
        "stride": int(rng.integers(1, 3)),
        "padding": int(rng.integers(0, kernel // 2 + 2)),  # up to one more than PyTorch allows
        "dilation": int(rng.integers(1, 3)),
        "ceil_mode": bool(rng.random() < 0.5),
    }
    x = rng.standard_normal(shape)
    try:
        expected, _ = torch_max(torch.from_numpy(x), **params)
    except RuntimeError:
        with pytest.raises(ValueError, match=r"padding|larger than"):
            max_pool2d(x, **params)
        return
    if window_exceeds_padded_input(shape, params):
        with pytest.raises(ValueError, match="larger than the padded input"):
            max_pool2d(x, **params)
        return
    if not torch.isfinite(expected).all():
        with pytest.raises(ValueError, match="reads only padding"):
            max_pool2d(x, **params)
        return
    assert_close(max_pool2d(x, **params)[0], expected)


@pytest.mark.parametrize("seed", range(24))
def test_loop_references_equal_fast_versions(seed: int) -> None:
    rng = np.random.default_rng([5, seed])
    flags = {"ceil_mode": bool(seed % 2), "padded": bool(seed % 3 == 0)}
    case = draw_accepted(rng, torch_max, dilated=True, **flags)
    x = ties_input(rng, case.shape)
    fast, fast_indices = max_pool2d(x, **case.params)
    slow, slow_indices = max_pool2d_reference(x, **case.params)
    np.testing.assert_array_equal(slow, fast)
    np.testing.assert_array_equal(slow_indices, fast_indices)
    case = draw_accepted(rng, F.avg_pool2d, dilated=False, average=True, **flags)
    x = rng.standard_normal(case.shape)
    assert_close(avg_pool2d_reference(x, **case.params), avg_pool2d(x, **case.params), 1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_max_pool2d_backward_finite_differences(seed: int) -> None:
    """Distinct values at least 0.01 apart, so a 1e-6 nudge never moves a switch."""
    rng = np.random.default_rng([6, seed])
    case = draw_accepted(rng, torch_max, ceil_mode=bool(seed % 2), padded=bool(seed % 3), dilated=True)
    x = rng.permutation(np.prod(case.shape)).reshape(case.shape) * 0.01
    _, indices = max_pool2d(x, **case.params)
    weights = rng.standard_normal(indices.shape)
    analytic = max_pool2d_backward(weights, indices, x.shape)
    numeric = numerical_gradient(lambda v: float((max_pool2d(v, **case.params)[0] * weights).sum()), x)
    assert_close(analytic, numeric, 1e-6)


@pytest.mark.parametrize("seed", range(10))
def test_avg_pool2d_backward_finite_differences(seed: int) -> None:
    rng = np.random.default_rng([7, seed])
    case = draw_accepted(
        rng, F.avg_pool2d, ceil_mode=bool(seed % 2), padded=bool(seed % 3), dilated=False, average=True
    )
    x = rng.standard_normal(case.shape)
    weights = rng.standard_normal(avg_pool2d(x, **case.params).shape)
    analytic = avg_pool2d_backward(weights, x.shape, **case.params)
    numeric = numerical_gradient(lambda v: float((avg_pool2d(v, **case.params) * weights).sum()), x)
    assert_close(analytic, numeric, 1e-6)


def test_overlapping_windows_add_gradients_at_a_shared_switch() -> None:
    """A single peak at the centre of a 3x3 plane is the switch of all four 2x2 windows at stride 1."""
    x = np.zeros((1, 3, 3))
    x[0, 1, 1] = 5.0
    output, indices = max_pool2d(x, 2, stride=1)
    np.testing.assert_array_equal(indices, np.full((1, 2, 2), 4))
    grad = max_pool2d_backward(np.array([[[1.0, 2.0], [3.0, 4.0]]]), indices, x.shape)
    assert grad[0, 1, 1] == 10.0
    assert np.count_nonzero(grad) == 1
    np.testing.assert_array_equal(output, np.full((1, 2, 2), 5.0))


def test_dtypes_and_rank_follow_the_input() -> None:
    rng = np.random.default_rng(8)
    x32 = rng.standard_normal((3, 6, 6)).astype(np.float32)
    output, indices = max_pool2d(x32, 2)
    assert output.dtype == np.float32
    assert indices.dtype == np.int64
    assert output.shape == indices.shape == (3, 3, 3)
    assert avg_pool2d(x32, 3, 1, 1).dtype == np.float32
    assert max_pool2d_backward(output, indices, x32.shape).dtype == np.float32
    assert avg_pool2d_backward(output, x32.shape, 2).shape == (3, 6, 6)
    integers = rng.integers(0, 9, (1, 2, 4, 4))
    assert max_pool2d(integers, 2)[0].dtype == np.float64
    assert avg_pool2d(integers, 2).dtype == np.float64
    expected, _ = torch_max(torch.from_numpy(x32), kernel_size=2)
    np.testing.assert_array_equal(output, expected.numpy())


def test_ceil_mode_window_larger_than_the_padded_input_is_refused() -> None:
    """PyTorch pools a 2x2 plane with a 3x3 window in ceil_mode (one window hanging over); the
    engine names the window size instead, in both modes, as for convolution."""
    x = np.ones((1, 1, 2, 2))
    assert F.max_pool2d(torch.from_numpy(x), 3, ceil_mode=True).shape == (1, 1, 1, 1)
    with pytest.raises(ValueError, match="kernel 3 is larger than the padded input 2"):
        max_pool2d(x, 3, ceil_mode=True)
    with pytest.raises(ValueError, match="kernel 3 is larger than the padded input 2"):
        avg_pool2d(x, 3, ceil_mode=True)


def test_pooling_never_mutates_its_input() -> None:
    x = np.random.default_rng(9).standard_normal((2, 2, 5, 5))
    kept = x.copy()
    max_pool2d(x, 3, 2, 1, ceil_mode=True)
    avg_pool2d(x, 3, 2, 1, ceil_mode=True)
    np.testing.assert_array_equal(x, kept)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: max_pool2d(x, 0), "kernel_size 0 must be at least 1"),
        (lambda x: max_pool2d(x, 2, stride=0), "stride 0 must be at least 1"),
        (lambda x: max_pool2d(x, 2, dilation=(1, 0)), "dilation 0 must be at least 1"),
        (lambda x: max_pool2d(x, 3, padding=-1), "padding -1 must not be negative"),
        (lambda x: max_pool2d(x, 3, padding=2), "pooling padding 2 must be at most half the kernel size 3"),
        (lambda x: avg_pool2d(x, 9), "kernel 9 is larger than the padded input 5"),
        (lambda x: max_pool2d(x, 3, dilation=3), r"dilated kernel 7 \(kernel 3, dilation 3\) is larger"),
        (lambda x: max_pool2d(x[0, 0], 2), r"\(N, C, H, W\) or \(C, H, W\), got shape \(5, 5\)"),
        (lambda x: max_pool2d(x[None], 2), "got shape"),
        (lambda x: max_pool2d(np.where(x > 0, np.nan, x), 2), "NaN or infinity"),
        (lambda x: avg_pool2d(np.where(x > 0, np.inf, x), 2), "NaN or infinity"),
        (lambda x: max_pool2d(x, 2, ceil_mode=1), "ceil_mode must be True or False"),  # type: ignore[arg-type]
        (lambda x: avg_pool2d(x, 2, count_include_pad="yes"), "count_include_pad must be True or False"),  # type: ignore[arg-type]
        (lambda x: max_pool2d(x, 2.0), "kernel_size must be an int or a pair of ints"),  # type: ignore[arg-type]
        (
            lambda x: max_pool2d(np.zeros((1, 1, 1, 3)), (2, 1), padding=(1, 0), dilation=2),
            "reads only padding",
        ),
    ],
)
def test_invalid_arguments_are_named(call: Any, message: str) -> None:
    x = np.random.default_rng(10).standard_normal((1, 2, 5, 5))
    with pytest.raises(ValueError, match=message):
        call(x)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda g, i: max_pool2d_backward(g, i[..., :1], (1, 2, 4, 4)),
            "indices must have grad_output's shape",
        ),
        (
            lambda g, i: max_pool2d_backward(g, i + 16, (1, 2, 4, 4)),
            "index 31 lies outside the input plane of 4x4 = 16",
        ),
        (lambda g, i: max_pool2d_backward(g, i - 6, (1, 2, 4, 4)), "index -1 lies outside"),
        (lambda g, i: max_pool2d_backward(g, i * 1.0, (1, 2, 4, 4)), "indices must be integers"),
        (lambda g, i: max_pool2d_backward(g, i, (1, 3, 4, 4)), "leading sizes"),
        (lambda g, i: max_pool2d_backward(g, i, (2, 4, 4)), "must have 4 dimensions"),
        (lambda g, i: max_pool2d_backward(g * np.nan, i, (1, 2, 4, 4)), "NaN or infinity"),
        (
            lambda g, i: avg_pool2d_backward(g, (1, 2, 6, 6), 2),
            r"grad_output must have the output's shape \(1, 2, 3, 3\), got shape \(1, 2, 2, 2\)",
        ),
        (lambda g, i: avg_pool2d_backward(g[0], (1, 2, 4, 4), 2), "must have 3 dimensions"),
        (lambda g, i: avg_pool2d_backward(g, (1, 2, 4, 0), 2), "empty dimension"),
    ],
)
def test_invalid_backward_arguments_are_named(call: Any, message: str) -> None:
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    grad_output, indices = max_pool2d(x, 2)
    with pytest.raises(ValueError, match=message):
        call(grad_output, indices)


# Curriculum, section 3: pooling forgives small shifts, but only within a window.


def digit_one(columns: list[int], rows: range) -> np.ndarray[Any, Any]:
    """A 16x16 single-channel image of a vertical stroke, the simplest digit "1"."""
    image = np.zeros((1, 16, 16))
    image[0, rows.start : rows.stop, columns] = 1.0
    return image


def test_shift_inside_the_windows_leaves_the_pooled_map_unchanged() -> None:
    """A one-pixel stroke in column 6, rows 4-11. The 2x2 windows pair columns (6, 7) and rows
    (4, 5) ... (10, 11), so the stroke lights pooled column 6 // 2 = 3, pooled rows 2..5. Moved
    right to column 7 it is still in the same windows: the 8x8 map cannot change."""
    expected = np.zeros((1, 8, 8))
    expected[0, 2:6, 3] = 1.0
    original, _ = max_pool2d(digit_one([6], range(4, 12)), 2)
    shifted, _ = max_pool2d(digit_one([7], range(4, 12)), 2)
    np.testing.assert_array_equal(original, expected)
    np.testing.assert_array_equal(shifted, original)


def test_shift_across_a_window_boundary_changes_the_pooled_map() -> None:
    """Moved left to column 5 the stroke leaves the windows of columns (6, 7) for those of
    (4, 5): pooled column 3 goes dark and column 2 lights up. Moved down a row, row 12 enters
    the windows of rows (12, 13), so pooled row 6 lights up too."""
    original, _ = max_pool2d(digit_one([6], range(4, 12)), 2)
    left, _ = max_pool2d(digit_one([5], range(4, 12)), 2)
    down, _ = max_pool2d(digit_one([6], range(5, 13)), 2)
    np.testing.assert_array_equal(left[0, :, 3], np.zeros(8))
    np.testing.assert_array_equal(left[0, :, 2], original[0, :, 3])
    np.testing.assert_array_equal(down[0, 6], original[0, 5])
    assert not np.array_equal(left, original)
    assert not np.array_equal(down, original)


def test_a_two_pixel_stroke_straddling_a_boundary_always_changes() -> None:
    """Columns 7-8 sit in two windows ((6, 7) and (8, 9)); any sideways shift leaves one of them."""
    original, _ = max_pool2d(digit_one([7, 8], range(3, 13)), 2)
    for columns in ([6, 7], [8, 9]):
        shifted, _ = max_pool2d(digit_one(columns, range(3, 13)), 2)
        assert not np.array_equal(shifted, original)
        assert shifted[0].any(axis=0).sum() == 1  # now inside a single pooled column
    assert original[0].any(axis=0).sum() == 2


@pytest.mark.parametrize("seed", range(6))
def test_bias_after_pooling_equals_bias_before(seed: int) -> None:
    """Seed 002 adds the bias after pooling: max(x + b) = max(x) + b and mean(x + b) = mean(x) + b,
    one bias per channel. It fails for averages that count zero padding, where b is diluted."""
    rng = np.random.default_rng([11, seed])
    x = rng.standard_normal((2, 3, 7, 6))
    bias = rng.standard_normal(3)[:, None, None]
    assert_close(
        max_pool2d(x + bias, 3, 2, 1, ceil_mode=True)[0], max_pool2d(x, 3, 2, 1, ceil_mode=True)[0] + bias
    )
    assert_close(avg_pool2d(x + bias, 2, ceil_mode=True), avg_pool2d(x, 2, ceil_mode=True) + bias)
    assert_close(
        avg_pool2d(x + bias, 3, 2, 1, count_include_pad=False),
        avg_pool2d(x, 3, 2, 1, count_include_pad=False) + bias,
    )
    diluted = avg_pool2d(x + bias, 3, 2, 1) - avg_pool2d(x, 3, 2, 1)
    corner_fraction = 4 / 9  # the corner window sees 2x2 input cells of its 3x3
    assert_close(diluted[:, :, 0, 0], np.broadcast_to(bias[:, 0, 0] * corner_fraction, (2, 3)))
