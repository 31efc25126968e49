"""Seeded tensors: reproducible, of the right shape and range, and refusing impossible requests."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine.generate import KINDS, generate
from engine.kernels import named_kernel


def test_same_arguments_same_values() -> None:
    a = generate((2, 3, 4, 5), "floats", seed=7)
    b = generate([2, 3, 4, 5], "floats", seed=7)
    assert a.shape == (2, 3, 4, 5)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, generate((2, 3, 4, 5), "floats", seed=8))


def test_integers_are_small_whole_numbers_by_default() -> None:
    values = generate((1, 1, 40, 40), seed=3)
    assert values.dtype == np.float64
    np.testing.assert_array_equal(values, np.round(values))
    assert values.min() == -3
    assert values.max() == 3


def test_integer_range_is_inclusive_and_settable() -> None:
    values = generate((500,), "integers", seed=1, low=0, high=1)
    assert set(np.unique(values)) == {0.0, 1.0}
    np.testing.assert_array_equal(generate((3,), "integers", low=2, high=2), [2.0, 2.0, 2.0])


def test_integers_are_stable_across_releases() -> None:
    # PCG64 with a fixed seed is part of NumPy's stability promise; these values are the contract.
    assert generate((6,), "integers", seed=0).tolist() == [2.0, 1.0, 0.0, -2.0, -1.0, -3.0]


def test_constants() -> None:
    np.testing.assert_array_equal(generate((2, 3), "zeros"), np.zeros((2, 3)))
    np.testing.assert_array_equal(generate((4,), "ones", seed=9), np.ones(4))


@pytest.mark.parametrize(
    "name", ["identity", "box_blur", "gaussian", "sharpen", "sobel_x", "sobel_y", "laplacian", "emboss"]
)
def test_named_kernels_fill_every_output_and_act_on_the_channel_mean(name: str) -> None:
    weights = generate((2, 3, 3, 3), name)
    assert weights.shape == (2, 3, 3, 3)
    for out in range(2):
        for channel in range(3):
            np.testing.assert_allclose(weights[out, channel], named_kernel(name, 3) / 3)


def test_single_channel_kernel_is_the_kernel_itself() -> None:
    np.testing.assert_array_equal(
        generate((1, 1, 3, 3), "sobel_x")[0, 0], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    )
    assert generate((1, 1, 5, 5), "gaussian").sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("shape", "kind", "words"),
    [
        ((1, 1, 2, 2), "sobel_x", "between 3 and"),
        ((1, 1, 2, 2), "gaussian", "must be odd"),
        ((1, 1, 1, 1), "sobel_y", "between 3 and"),
        ((1, 1, 5, 5), "laplacian", "only in size 3"),
        ((1, 1, 4, 4), "box_blur", "must be odd"),
        ((1, 1, 3, 5), "sobel_x", "square weight shape [out, in, k, k]"),
        ((3, 3), "identity", "square weight shape"),
        ((1, 1, 3, 3), "blur", "kind 'blur' is not one of"),
        ((0, 3), "integers", "every size must be at least 1"),
        ((1, 2, 3, 4, 5), "integers", "1 to 4 sizes"),
        ((), "integers", "1 to 4 sizes"),
        ((1.5, 2), "integers", "must be an int"),
        ("33", "integers", "must be a list of sizes"),
    ],
)
def test_impossible_requests_are_refused(shape: object, kind: str, words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        generate(shape, kind)  # type: ignore[arg-type]


def test_bad_seed_and_range() -> None:
    with pytest.raises(ValueError, match="seed -1 must be between 0"):
        generate((2,), seed=-1)
    with pytest.raises(ValueError, match="low 3 must not be greater than high 1"):
        generate((2,), low=3, high=1)
    with pytest.raises(ValueError, match="seed must be an int"):
        generate((2,), seed=True)


def test_every_kind_is_listed() -> None:
    assert {"integers", "floats", "zeros", "ones", "sobel_x", "emboss"} <= set(KINDS)
