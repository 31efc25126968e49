"""Receptive fields: the curriculum's facts, the recurrence against brute force and torch autograd."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.receptive import (
    Box,
    effective_receptive_field,
    receptive_fields,
    stacked_field,
    three_3x3_against_7x7,
    unit_field,
)


def conv(k: int, s: int = 1, p: int = 0, d: int = 1) -> dict[str, Any]:
    return {"type": "conv", "kernel_size": k, "stride": s, "padding": p, "dilation": d}


def pool(k: int, s: int | None = None, p: int = 0) -> dict[str, Any]:
    return {"type": "pool", "kernel_size": k, "stride": s, "padding": p}


VGG16 = [layer for n in (2, 2, 3, 3, 3) for layer in [conv(3, p=1)] * n + [pool(2)]]


def test_three_3x3_layers_see_7x7() -> None:
    fields = receptive_fields(32, [conv(3)] * 3)
    assert [f.receptive_field for f in fields] == [3, 5, 7]
    assert [f.field_on_previous for f in fields] == [3, 3, 3]
    assert [f.jump for f in fields] == [1, 1, 1]


@pytest.mark.parametrize("count", [1, 2, 3, 5])
@pytest.mark.parametrize("kernel", [1, 3, 5, 7])
def test_stride_one_rule(count: int, kernel: int) -> None:
    fields = receptive_fields(64, [conv(kernel, p=kernel // 2)] * count)
    assert fields[-1].receptive_field == stacked_field(count, kernel) == 1 + count * (kernel - 1)


@pytest.mark.parametrize("channels", [1, 3, 64, 512])
def test_three_3x3_against_one_7x7(channels: int) -> None:
    compared = three_3x3_against_7x7(channels)
    assert compared["three_3x3"]["receptive_field"] == compared["one_7x7"]["receptive_field"] == 7
    assert compared["three_3x3"]["weights"] == 27 * channels**2
    assert compared["one_7x7"]["weights"] == 49 * channels**2


def test_vgg16_pool5() -> None:
    fields = receptive_fields(224, VGG16)
    assert len(fields) == 18
    assert (fields[-1].receptive_field, fields[-1].jump, fields[-1].output_size) == (212, 32, 7)


def test_stride_and_dilation() -> None:
    fields = receptive_fields(32, [conv(3, s=2, p=1), conv(3, d=2, p=2), pool(2), conv(3, d=3)])
    assert [f.field_on_previous for f in fields] == [3, 5, 2, 7]
    assert [f.jump for f in fields] == [2, 2, 4, 4]
    # r: 1 + 2*1 = 3; + 4*2 = 11; + 1*2 = 13; + 6*4 = 37
    assert [f.receptive_field for f in fields] == [3, 11, 13, 37]
    # start: 0 + (1 - 1)*1 = 0; + (2 - 2)*2 = 0; + 0.5*2 = 1; + 3*4 = 13
    assert [f.start for f in fields] == [0.0, 0.0, 1.0, 13.0]
    assert [f.output_size for f in fields] == [16, 16, 8, 2]
    assert fields[0].derivation == "(32 + 2*1 - 3) / 2 + 1 = 16.5 -> 16"


def brute_force_box(stack: list[dict[str, Any]], y: int) -> tuple[int, int]:
    """Rows of the input that any tap of any window under unit row y touches (padding included)."""
    rows = {y}
    for layer in reversed(stack):
        k, s, p = layer["kernel_size"], layer["stride"] or layer["kernel_size"], layer["padding"]
        d = layer.get("dilation", 1)
        rows = {r * s - p + t * d for r in rows for t in range(k)}
    return min(rows), max(rows)


STACKS = [
    [conv(3, p=1)] * 3,
    [conv(5, s=2, p=1), pool(3, 1), conv(3, p=1)],
    [conv(3, s=2), conv(3, d=2, p=1), pool(2), conv(2, s=2, p=1)],
    [conv(7, s=2, p=3), pool(3, 2, 1), conv(3, p=1), conv(3, s=2, p=1)],
    [conv(4, s=3, p=2), pool(2, 1), conv(3, d=3, p=2)],
]


@pytest.mark.parametrize("stack", STACKS)
def test_recurrence_matches_brute_force(stack: list[dict[str, Any]]) -> None:
    fields = receptive_fields(23, stack)
    for index, f in enumerate(fields):
        for y in range(f.output_size):
            unit = unit_field(23, stack, index, y, 0)
            lo, hi = brute_force_box(stack[: index + 1], y)
            assert (unit.input_box.top, unit.input_box.bottom) == (lo, hi)
            assert hi - lo + 1 == f.receptive_field
            assert (lo + hi) / 2 == f.start + y * f.jump == unit.centre[0]


def torch_support(size: int, stack: list[dict[str, Any]], layer: int, y: int, x: int) -> np.ndarray:
    """Nonzero pattern of d unit / d input, positive random dense kernels, in float64."""
    generator = torch.Generator().manual_seed(0)
    image = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    out = image
    for spec in stack[: layer + 1]:
        k = spec["kernel_size"]
        if spec["type"] == "conv":
            weight = torch.rand(1, 1, k, k, generator=generator, dtype=torch.float64) + 0.1
            out = F.conv2d(out, weight, stride=spec["stride"], padding=spec["padding"])
        else:
            out = F.avg_pool2d(out, k, spec["stride"], spec["padding"])
    out[0, 0, y, x].backward()
    assert image.grad is not None
    grad: np.ndarray = image.grad[0, 0].numpy()
    return grad != 0


DENSE = [
    [conv(3, p=1)] * 3,
    [conv(5, s=2, p=1), pool(3, 1), conv(3, p=1)],
    [conv(2, s=2), conv(3, p=1), pool(2)],  # 11 -> 5 (row 10 never read) -> 5 -> 2
    [conv(7, s=2, p=3), pool(3, 2, 1), conv(3, p=1), conv(3, s=2, p=1)],
]


@pytest.mark.parametrize("stack", DENSE)
def test_clipped_box_is_the_support_of_the_torch_gradient(stack: list[dict[str, Any]]) -> None:
    size = 11
    fields = receptive_fields(size, stack)
    last = len(stack) - 1
    for y in range(fields[last].output_size):
        for x in range(fields[last].output_size):
            support = torch_support(size, stack, last, y, x)
            box = unit_field(size, stack, last, y, x).clipped_box
            assert box is not None
            expected = np.zeros_like(support)
            expected[box.top : box.bottom + 1, box.left : box.right + 1] = True
            np.testing.assert_array_equal(support, expected)
            erf = effective_receptive_field(size, stack, last, y, x)
            np.testing.assert_array_equal(erf > 0, expected)
            assert erf.max() == 1.0


def test_clipping_happens_at_every_layer() -> None:
    """Row 10 of an 11-row input is never read by the first layer, so no unit depends on it."""
    stack = [conv(2, s=2), conv(3, p=1)]
    unit = unit_field(11, stack, 1, 4, 4)
    assert unit.input_box == Box(6, 6, 11, 11)
    assert unit.clipped_box == Box(6, 6, 9, 9)
    assert [b.layer for b in unit.boxes] == [0, -1]
    assert unit.boxes[0].box == Box(3, 3, 5, 5)
    assert unit.boxes[0].clipped == Box(3, 3, 4, 4)


def test_unit_reading_only_padding() -> None:
    unit = unit_field(3, [conv(1, p=1)], 0, 0, 0)
    assert unit.input_box == Box(-1, -1, -1, -1)
    assert unit.clipped_box is None
    assert not effective_receptive_field(3, [conv(1, p=1)], 0, 0, 0).any()


def test_effective_field_is_peaked_inside_the_box() -> None:
    stack = [conv(3, p=1)] * 4
    erf = effective_receptive_field(21, stack, 3, 10, 10)
    assert erf.shape == (21, 21)
    assert erf[10, 10] == 1.0
    assert np.unravel_index(np.argmax(erf), erf.shape) == (10, 10)
    rows, cols = np.nonzero(erf)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (6, 14, 6, 14)
    # falls off away from the centre along a row, like a Gaussian
    assert list(erf[10, 10:15]) == sorted(erf[10, 10:15], reverse=True)
    assert erf[10, 14] < erf[10, 12] < erf[10, 10]


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        (
            [conv(3), conv(3), conv(7)],
            "layer 2 (conv, input 6x6): kernel 7 is larger than the padded input 6",
        ),
        ([conv(3, s=0)], "layer 0: stride 0 must be at least 1"),
        ([conv(3), pool(2, 2, 2)], "layer 1 (pool, input 8x8): pooling padding 2 must be at most half"),
        ([{"type": "dense", "kernel_size": 3}], "layer 0: type 'dense' must be 'conv', 'pool' or"),
        ([{"type": "conv"}], "layer 0: kernel_size is required"),
        ([conv(3, p=-1)], "layer 0: padding -1 must not be negative"),
    ],
)
def test_invalid_stacks(stack: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        receptive_fields(10, stack)


def test_unit_out_of_range() -> None:
    stack = [conv(3), pool(2)]
    with pytest.raises(ValueError, match=r"unit \(5, 0\) is outside layer 1's 4x4 output"):
        unit_field(10, stack, 1, 5, 0)
    with pytest.raises(ValueError, match="unit layer 2 must be a layer of the stack, 0 to 1"):
        unit_field(10, stack, 2, 0, 0)
