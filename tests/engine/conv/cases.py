"""What the conv2d and conv_transpose2d tests share: random cases, the oracles, one check per property.

An :class:`Op` bundles a function of the family with its backward pass and the torch oracle, so
each check is written once and run for both operations.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.conv import conv2d, conv2d_backward, conv_transpose2d, conv_transpose2d_backward
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


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def as_pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else value


def torch_pads(padding: Any, kernel: tuple[int, int], dilation: Any) -> tuple[int, int, int, int]:
    """F.pad's (left, right, top, bottom) for conv2d's padding, "same" split smaller half first."""
    if padding == "valid":
        return 0, 0, 0, 0
    if padding == "same":
        (dh, dw), (kh, kw) = as_pair(dilation), kernel
        rows, cols = dh * (kh - 1), dw * (kw - 1)
        return cols // 2, cols - cols // 2, rows // 2, rows - rows // 2
    ph, pw = as_pair(padding)
    return pw, pw, ph, ph


def torch_conv2d(x: Any, weight: Any, bias: Any, params: dict[str, Any]) -> Any:
    """torch.nn.Conv2d's semantics: zeros padding inside the convolution, other modes padded first."""
    mode = params["padding_mode"]
    common = {"stride": params["stride"], "dilation": params["dilation"], "groups": params["groups"]}
    if mode == "zeros":
        with warnings.catch_warnings():
            # PyTorch notes that "same" with an even kernel copies the input; the result is still exact.
            warnings.filterwarnings("ignore", "Using padding='same'", UserWarning)
            return F.conv2d(x, weight, bias, padding=params["padding"], **common)
    pads = torch_pads(params["padding"], tuple(weight.shape[2:]), params["dilation"])
    return F.conv2d(F.pad(x, pads, mode=mode), weight, bias, padding=0, **common)


Settings = Callable[[np.random.Generator, int], dict[str, Any]]


def draw_accepted(
    seed: int, high: int, settings: Settings, layout: Callable[[int, int, int], tuple[int, int]], oracle: Any
) -> Case:
    """A random configuration that PyTorch accepts (rejected ones are drawn again): channels and
    groups, an input of sides below ``high``, a kernel up to 4x4, ``settings(rng, groups)``, the
    weight's first two axes ``layout(in_channels, out_channels, groups)``, a bias 70% of the time."""
    rng = np.random.default_rng(seed)
    while True:
        in_channels, out_channels, groups = draw_channels(rng)
        shape = (int(rng.integers(1, 3)), in_channels, int(rng.integers(1, high)), int(rng.integers(1, high)))
        kernel = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        params = settings(rng, groups)
        x = rng.standard_normal(shape)
        weight = rng.standard_normal((*layout(in_channels, out_channels, groups), *kernel))
        bias = rng.standard_normal(out_channels) if rng.random() < 0.7 else None
        try:
            oracle(torch.tensor(x), torch.tensor(weight), None, params)
        except RuntimeError:
            continue
        return Case(x, weight, bias, params)


def conv_settings(rng: np.random.Generator, groups: int) -> dict[str, Any]:
    roll = rng.random()
    padding: Any = (
        "same" if roll < 0.15 else "valid" if roll < 0.25 else int_or_pair(rng, *rng.integers(0, 4, 2))
    )
    stride = 1 if padding == "same" or rng.random() < 0.3 else int_or_pair(rng, *rng.integers(1, 4, 2))
    return {
        "stride": stride,
        "padding": padding,
        "dilation": 1 if rng.random() < 0.4 else int_or_pair(rng, *rng.integers(1, 4, 2)),
        "groups": groups,
        "padding_mode": PADDING_MODES[rng.integers(4)],
    }


def transpose_settings(rng: np.random.Generator, groups: int) -> dict[str, Any]:
    stride = [1, 1] if rng.random() < 0.25 else [int(v) for v in rng.integers(1, 4, 2)]
    dilation = [1, 1] if rng.random() < 0.4 else [int(v) for v in rng.integers(1, 4, 2)]
    # PyTorch's rule: output_padding must be smaller than the stride or the dilation.
    output_padding = [int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation, strict=True)]
    return {
        "stride": int_or_pair(rng, *stride),
        "padding": int_or_pair(rng, *rng.integers(0, 3, 2)),
        "output_padding": int_or_pair(rng, *output_padding),
        "groups": groups,
        "dilation": int_or_pair(rng, *dilation),
    }


def torch_transpose(x: Any, weight: Any, bias: Any, params: dict[str, Any]) -> Any:
    return F.conv_transpose2d(x, weight, bias, **params)


def draw_conv_case(seed: int) -> Case:
    """A random conv2d configuration that PyTorch accepts: weight (out, in/groups, kH, kW)."""
    return draw_accepted(seed, 10, conv_settings, lambda i, o, g: (o, i // g), torch_conv2d)


def draw_transpose_case(seed: int) -> Case:
    """A random conv_transpose2d configuration that PyTorch accepts: weight (in, out/groups, kH, kW)."""
    return draw_accepted(seed, 7, transpose_settings, lambda i, o, g: (i, o // g), torch_transpose)


CONV2D = Op(conv2d, conv2d_backward, torch_conv2d, lambda case: case.weight.shape[0])
TRANSPOSE = Op(
    conv_transpose2d,
    conv_transpose2d_backward,
    torch_transpose,
    lambda case: case.weight.shape[1] * case.params["groups"],
)


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
