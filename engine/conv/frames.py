"""conv2d forward frames: one frame per output value, every product on show.

Scan order (n, out_channel, y, x). Each frame lists, per input channel of the kernel's group,
the window read, the kernel slice, their element-wise products and the channel's sum, then the
running sum across channels, the bias and the value before and after the activation.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count, product

import numpy as np

from engine._checks import Array, IntArray, pad_planes
from engine.activations import apply_activation
from engine.conv.plan import ConvPlan
from engine.frames.cells import Frame, gather_windows, head, tap_coords, window_fields, window_grid


def conv_taps(plan: ConvPlan) -> tuple[IntArray, IntArray]:
    """Unpadded input coordinates read by each window: rows (oH, kH) and columns (oW, kW)."""
    top, _, left, _ = plan.pads
    rows = tap_coords(plan.out_height, plan.stride[0], plan.dilation[0], plan.kernel[0], top)
    cols = tap_coords(plan.out_width, plan.stride[1], plan.dilation[1], plan.kernel[1], left)
    return rows, cols


def forward_frames(plan: ConvPlan, x: Array, w: Array, b: Array | None, activation: str) -> Iterator[Frame]:
    """One frame per output value of (N, O, oH, oW); x (N, C, H, W), w and b as the plan says, float64."""
    top, _, left, _ = plan.pads
    rows, cols = conv_taps(plan)
    grid = window_grid(rows, cols, plan.height, plan.width, plan.padding_mode)
    windows = gather_windows(pad_planes(x, plan.pads, plan.padding_mode), rows + top, cols + left)
    per_group = plan.in_per_group
    index = count()
    for n in range(plan.batch):
        window_values = windows[n].tolist()  # [c][y][x] -> kH x kW
        for oc in range(plan.out_channels):
            group = oc // plan.out_per_group
            first = group * per_group
            kernel = w[oc].astype(np.float64)
            products = windows[n, first : first + per_group] * kernel[:, None, None]  # (Cg, oH, oW, kH, kW)
            sums = products.sum(axis=(-2, -1))  # (Cg, oH, oW)
            partial = np.cumsum(sums, axis=0)
            bias = None if b is None else float(b[oc])
            pre = partial[-1] + (0.0 if bias is None else bias)
            out = apply_activation(activation, pre)
            kernel_list, product_list = kernel.tolist(), products.tolist()
            sum_list, partial_list = sums.tolist(), np.moveaxis(partial, 0, -1).tolist()
            pre_list, out_list = pre.tolist(), np.asarray(out, dtype=np.float64).tolist()
            for y, xx in product(range(plan.out_height), range(plan.out_width)):
                frame = head(index, "conv2d", "window", n=n, out_channel=oc, y=y, x=xx, group=group)
                frame |= window_fields(grid, y, xx)
                frame["channels"] = [
                    {
                        "in_channel": first + c,
                        "values": window_values[first + c][y][xx],
                        "weights": kernel_list[c],
                        "products": product_list[c][y][xx],
                        "sum": sum_list[c][y][xx],
                    }
                    for c in range(per_group)
                ]
                frame["partial_sums"] = partial_list[y][xx]
                frame |= {"bias": bias, "pre_activation": pre_list[y][xx], "activation": activation}
                yield frame | {"output": out_list[y][xx]}
