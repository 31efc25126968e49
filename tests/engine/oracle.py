"""Comparison helpers the engine tests share: closeness to the torch oracle and finite differences."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

TOLERANCE = 1e-7


def assert_close(actual: Any, expected: Any, tolerance: float = TOLERANCE) -> None:
    """Same shape, and equal within ``tolerance`` (absolute and relative); ``expected`` may be a tensor."""
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    assert np.shape(actual) == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance)


def numeric_gradient(loss: Callable[[], float], array: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """Central differences of ``loss()`` over every entry of ``array`` (changed in place, then restored)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + step
        above = loss()
        array[index] = original - step
        below = loss()
        array[index] = original
        grad[index] = (above - below) / (2 * step)
    return grad


def numerical_gradient(
    loss: Callable[[np.ndarray], float], value: np.ndarray, step: float = 1e-6
) -> np.ndarray:
    """Central differences of ``loss(value)``, one cell at a time, on copies of ``value``."""
    grad = np.zeros_like(value)
    for position in np.ndindex(value.shape):
        shifted = value.copy()
        shifted[position] += step
        up = loss(shifted)
        shifted[position] -= 2 * step
        grad[position] = (up - loss(shifted)) / (2 * step)
    return grad


def peak_elements(call: Callable[[], Any]) -> float:
    """The peak memory ``call()`` allocates while it runs (as NumPy reports it to tracemalloc), in
    8-byte elements."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        call()
        return tracemalloc.get_traced_memory()[1] / 8
    finally:
        tracemalloc.stop()
