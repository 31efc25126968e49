"""The convolution family one value at a time: slow, evidently right loops the fast path is tested against.

Same plans and 4-D arrays as :mod:`engine.conv.fast`.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product

import numpy as np

from engine._checks import Array, pad_planes
from engine.conv.plan import ConvPlan, TransposePlan

Scan = tuple[int, int, slice, int, int]


def _window(start: int, stride: int, dilation: int, kernel: int) -> slice:
    """The cells one window reads along an axis: kernel taps from ``start * stride``, ``dilation`` apart."""
    return slice(start * stride, start * stride + dilation * (kernel - 1) + 1, dilation)


def _scan(
    batch: int, channels: int, per_group: int, partners: int, height: int, width: int
) -> Iterator[Scan]:
    """(n, channel, its group's channels on the other side, row, column), in scan order."""
    for n, c, row, col in product(range(batch), range(channels), range(height), range(width)):
        group = c // per_group
        yield n, c, slice(group * partners, (group + 1) * partners), row, col


def forward(plan: ConvPlan, x: Array, weight: Array, bias: Array | None) -> Array:
    """conv2d one output value at a time: the window times the kernel, summed, plus bias."""
    padded = pad_planes(x, plan.pads, plan.padding_mode)
    (kh, kw), (sh, sw), (dh, dw) = plan.kernel, plan.stride, plan.dilation
    output = np.zeros((plan.batch, plan.out_channels, plan.out_height, plan.out_width), dtype=x.dtype)
    outputs = (plan.out_channels, plan.out_per_group, plan.in_per_group, plan.out_height, plan.out_width)
    for n, o, channels, row, col in _scan(plan.batch, *outputs):
        window = padded[n, channels, _window(row, sh, dh, kh), _window(col, sw, dw, kw)]
        output[n, o, row, col] = np.sum(window * weight[o])
    return output if bias is None else output + bias[:, None, None]


def transpose_forward(plan: TransposePlan, x: Array, weight: Array, bias: Array | None) -> Array:
    """conv_transpose2d one input value at a time: each adds its value times the kernel onto the
    output window it reaches (the window starts at its position times the stride), then the
    padding is cropped off."""
    (kh, kw), (sh, sw), (dh, dw) = plan.kernel, plan.stride, plan.dilation
    full = np.zeros((plan.batch, plan.out_channels, *plan.full_size), dtype=x.dtype)
    inputs = (plan.in_channels, plan.in_per_group, plan.out_per_group, plan.height, plan.width)
    for n, c, channels, row, col in _scan(plan.batch, *inputs):
        full[n, channels, _window(row, sh, dh, kh), _window(col, sw, dw, kw)] += x[n, c, row, col] * weight[c]
    (ph, pw), out_h, out_w = plan.padding, plan.out_height, plan.out_width
    output = full[:, :, ph : ph + out_h, pw : pw + out_w].copy()
    return output if bias is None else output + bias[:, None, None]
