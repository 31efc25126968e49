"""The convolution family one value at a time: slow, evidently right loops the fast path is tested against.

Same plans and 4-D arrays as :mod:`engine.conv.fast`.
"""

from __future__ import annotations

import numpy as np

from engine._checks import Array, pad_planes
from engine.conv.plan import ConvPlan, TransposePlan


def _window(start: int, stride: int, dilation: int, kernel: int) -> slice:
    """The cells one window reads along an axis: kernel taps from ``start * stride``, ``dilation`` apart."""
    return slice(start * stride, start * stride + dilation * (kernel - 1) + 1, dilation)


def forward(plan: ConvPlan, x: Array, weight: Array, bias: Array | None) -> Array:
    """conv2d one output value at a time: the window times the kernel, summed, plus bias."""
    padded = pad_planes(x, plan.pads, plan.padding_mode)
    (kh, kw), (sh, sw), (dh, dw) = plan.kernel, plan.stride, plan.dilation
    output = np.zeros((plan.batch, plan.out_channels, plan.out_height, plan.out_width), dtype=x.dtype)
    for n in range(plan.batch):
        for o in range(plan.out_channels):
            group = o // plan.out_per_group
            channels = slice(group * plan.in_per_group, (group + 1) * plan.in_per_group)
            for row in range(plan.out_height):
                for col in range(plan.out_width):
                    window = padded[n, channels, _window(row, sh, dh, kh), _window(col, sw, dw, kw)]
                    output[n, o, row, col] = np.sum(window * weight[o])
            if bias is not None:
                output[n, o] += bias[o]
    return output


def transpose_forward(plan: TransposePlan, x: Array, weight: Array, bias: Array | None) -> Array:
    """conv_transpose2d one input value at a time: each adds its value times the kernel onto the
    output window it reaches (the window starts at its position times the stride)."""
    (kh, kw), (sh, sw), (dh, dw) = plan.kernel, plan.stride, plan.dilation
    full = np.zeros((plan.batch, plan.out_channels, *plan.full_size), dtype=x.dtype)
    for n in range(plan.batch):
        for c in range(plan.in_channels):
            group = c // plan.in_per_group
            channels = slice(group * plan.out_per_group, (group + 1) * plan.out_per_group)
            for row in range(plan.height):
                for col in range(plan.width):
                    window = full[n, channels, _window(row, sh, dh, kh), _window(col, sw, dw, kw)]
                    window += x[n, c, row, col] * weight[c]
    (ph, pw), out_h, out_w = plan.padding, plan.out_height, plan.out_width
    output = full[:, :, ph : ph + out_h, pw : pw + out_w].copy()
    if bias is not None:
        output += bias[:, None, None]
    return output
