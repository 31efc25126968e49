"""What the conv2d and conv_transpose2d tests share: random cases, and one check per property.

An :class:`Op` bundles a function of the family with its backward pass and the torch oracle, so
each check is written once and run for both operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

from tests.engine.oracle import assert_close, numeric_gradient


@dataclass
class Case:
    x: np.ndarray
    weight: np.ndarray
    bias: np.ndarray | None
    params: dict[str, Any]


@dataclass(frozen=True)
class Op:
    """A forward function, its backward, torch's forward on tensors, and its output channel count."""

    forward: Callable[..., Any]
    backward: Callable[..., Any]
    torch_forward: Callable[[Any, Any, Any, dict[str, Any]], Any]
    out_channels: Callable[[Case], int]


def int_or_pair(rng: np.random.Generator, first: Any, second: Any) -> int | tuple[int, int]:
    """(first, second), given as a plain int half of the time when both are equal, so both argument
    forms are exercised."""
    first, second = int(first), int(second)
    return first if first == second and rng.random() < 0.5 else (first, second)


def draw_channels(rng: np.random.Generator) -> tuple[int, int, int]:
    """(in_channels, out_channels, groups): ungrouped, grouped, or depthwise with a multiplier."""
    kind = rng.integers(3)
    if kind == 0:
        return int(rng.integers(1, 4)), int(rng.integers(1, 4)), 1
    if kind == 1:
        groups = int(rng.integers(2, 4))
        return groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3)), groups
    channels = int(rng.integers(2, 5))
    return channels, channels * int(rng.integers(1, 3)), channels


def check_against_torch(op: Op, case: Case, seed: int) -> None:
    """Output and all three gradients against PyTorch's, for a random upstream gradient."""
    x = torch.tensor(case.x, requires_grad=True)
    weight = torch.tensor(case.weight, requires_grad=True)
    bias = torch.tensor(
        np.zeros(op.out_channels(case)) if case.bias is None else case.bias, requires_grad=True
    )
    expected = op.torch_forward(x, weight, bias, case.params)
    assert_close(op.forward(case.x, case.weight, case.bias, **case.params), expected)

    grad_output = np.random.default_rng(seed + 10_000).standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(grad_output))
    grads = op.backward(grad_output, case.x, case.weight, **case.params)
    for ours, theirs in zip(grads, (x.grad, weight.grad, bias.grad), strict=True):
        assert_close(ours, theirs)


def check_block_sizes(op: Op, case: Case, block_elements: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small budgets force the other ways of cutting the work: a few rows of one image at a time
    (1 and 150 here), or a few images at a time with a smaller last block (500: 2 + 2 + 1 images)."""
    monkeypatch.setattr("engine.conv.im2col._BLOCK_ELEMENTS", block_elements)
    check_against_torch(op, case, seed=block_elements)


def check_finite_differences(op: Op, case: Case, rng: np.random.Generator) -> None:
    """All three gradients against central differences of sum(output * probe), probe drawn from ``rng``."""
    arrays = (case.x, case.weight, case.bias)
    probe = rng.standard_normal(op.forward(*arrays, **case.params).shape)

    def loss() -> float:
        return float(np.sum(op.forward(*arrays, **case.params) * probe))

    grads = op.backward(probe, case.x, case.weight, **case.params)
    for grad, array in zip(grads, arrays, strict=True):
        assert array is not None
        np.testing.assert_allclose(grad, numeric_gradient(loss, array), atol=1e-6)


def check_refused(op: Op, call: dict[str, Any], message: str, grad_shape: tuple[int, ...]) -> None:
    """The forward pass refuses ``call`` with ``message``, and so does the backward (which takes no bias)."""
    with pytest.raises(ValueError, match=message):
        op.forward(**call)
    if "bias" not in call:
        with pytest.raises(ValueError, match=message):
            op.backward(np.zeros(grad_shape), **call)
