"""Output-size arithmetic: the curriculum's worked examples, and agreement with PyTorch's shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.shapes import (
    conv2d_output_shape,
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
    resolve_conv_padding,
)


def test_seed_004_chain_200_99_97_97() -> None:
    """Input 200, conv 5 P1 S2 -> 99 (floor of 99.5), pool 3 S1 -> 97, conv 3 P1 S1 -> 97."""
    first = conv_output_size(200, 5, stride=2, padding=1)
    assert first.size == 99
    assert first.derivation == "(200 + 2*1 - 5) / 2 + 1 = 99.5 -> 99"
    assert not first.exact
    second = pool_output_size(first.size, 3, stride=1)
    assert second.size == 97
    assert second.derivation == "(99 - 3) / 1 + 1 = 97"
    third = conv_output_size(second.size, 3, stride=1, padding=1)
    assert third.size == 97
    assert third.exact


def test_unvisited_columns_are_reported() -> None:
    """Floor drops the last column when stride 3 does not divide 10 - 3."""
    result = conv_output_size(10, 3, stride=3)
    assert result.size == 3
    assert result.unvisited == (9,)
    assert result.derivation.endswith("-> 3")


def test_stride_three_windows_do_not_overlap() -> None:
    """Seed 000: a 3x3 kernel at stride 3 on 9 pixels visits each pixel exactly once."""
    result = conv_output_size(9, 3, stride=3)
    assert result.size == 3
    assert result.exact
    assert result.unvisited == ()


def test_dilation_skips_taps() -> None:
    result = conv_output_size(7, 3, stride=2, dilation=2)
    assert result.size == 2
    assert result.unvisited == (1, 3, 5)
    assert "2*(3 - 1) - 1" in result.derivation


def test_kernel_larger_than_padded_input_is_named() -> None:
    with pytest.raises(ValueError, match="kernel 7 is larger than the padded input 5"):
        conv_output_size(3, 7, padding=1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"stride": 0}, "stride 0 must be at least 1"),
        ({"dilation": 0}, "dilation 0 must be at least 1"),
        ({"padding": -1}, "padding -1 must not be negative"),
    ],
)
def test_bad_arguments_name_value_and_rule(args: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        conv_output_size(8, 3, **args)


def test_pool_padding_over_half_the_kernel() -> None:
    with pytest.raises(ValueError, match="pooling padding 2 must be at most half the kernel size 3"):
        pool_output_size(8, 3, padding=2)


@pytest.mark.parametrize("seed", range(120))
def test_conv_sizes_match_torch(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k, s, p, d = (
        int(v)
        for v in (
            rng.integers(1, 12),
            rng.integers(1, 5),
            *rng.integers(1, 4, 1),
            rng.integers(0, 3),
            rng.integers(1, 3),
        )
    )
    if d * (k - 1) + 1 > n + 2 * p:
        with pytest.raises(ValueError, match="larger than the padded input"):
            conv_output_size(n, k, s, p, d)
        return
    x = torch.zeros(1, 1, n, n, dtype=torch.float64)
    w = torch.zeros(1, 1, k, k, dtype=torch.float64)
    expected = F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-1]
    assert conv_output_size(n, k, s, p, d).size == expected


@pytest.mark.parametrize("seed", range(120))
def test_pool_sizes_match_torch_including_ceil_mode(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    k = int(rng.integers(1, 5))
    n = int(rng.integers(k, 13))
    s = int(rng.integers(1, 4))
    p = int(rng.integers(0, k // 2 + 1))
    ceil = bool(rng.integers(0, 2))
    x = torch.zeros(1, 1, n, n, dtype=torch.float64)
    expected = F.max_pool2d(x, k, stride=s, padding=p, ceil_mode=ceil).shape[-1]
    assert pool_output_size(n, k, s, p, ceil_mode=ceil).size == expected


def test_ceil_mode_drops_a_window_that_would_start_in_the_padding() -> None:
    # (6 + 2 - 2) / 2 + 1 = 4 exactly; (5 + 2 - 2)/2 = 2.5 -> ceil 3, +1 = 4: the 4th window would
    # start at 6 = N + P, inside the right padding only, so PyTorch drops it.
    result = pool_output_size(5, 2, stride=2, padding=1, ceil_mode=True)
    x = torch.zeros(1, 1, 5, 5)
    assert result.size == F.max_pool2d(x, 2, 2, 1, ceil_mode=True).shape[-1]
    assert "ceil" in result.derivation


@pytest.mark.parametrize("seed", range(80))
def test_transpose_sizes_match_torch(seed: int) -> None:
    rng = np.random.default_rng(2000 + seed)
    n, k, s, d = (
        int(rng.integers(1, 6)),
        int(rng.integers(1, 5)),
        int(rng.integers(1, 4)),
        int(rng.integers(1, 3)),
    )
    p = int(rng.integers(0, 3))
    op = int(rng.integers(0, max(s, d)))
    x = torch.zeros(1, 1, n, n, dtype=torch.float64)
    w = torch.zeros(1, 1, k, k, dtype=torch.float64)
    try:
        expected = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d).shape[-1]
    except RuntimeError:
        with pytest.raises(ValueError, match="removes the whole output"):
            conv_transpose_output_size(n, k, s, p, op, d)
        return
    assert conv_transpose_output_size(n, k, s, p, op, d).size == expected


def test_same_padding_is_asymmetric_for_even_kernels() -> None:
    # PyTorch puts the smaller half first: total 3 -> (1, 2).
    assert resolve_conv_padding("same", (4, 3), (1, 1), (1, 1)) == (1, 2, 1, 1)
    rows, cols = conv2d_output_shape((6, 5), (4, 3), padding="same")
    assert (rows.size, cols.size) == (6, 5)


def test_same_padding_rejects_strides() -> None:
    with pytest.raises(ValueError, match="padding 'same' needs stride 1"):
        resolve_conv_padding("same", (3, 3), (2, 1), (1, 1))
