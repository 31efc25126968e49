"""Max and average pooling one output at a time, with plain loops: the yardstick of the fast versions.

Same plans and 4-D arrays as :mod:`engine.pool.fast`; results are (N*C, oH, oW) planes.
"""

from __future__ import annotations

import numpy as np

from engine._checks import Array
from engine.pool.plan import IndexArray, PoolPlan


def max_forward(plan: PoolPlan, x: Array) -> tuple[Array, IndexArray]:
    """Each window's largest input cell and its flat position; a later equal value never wins."""
    n, c, h, w = plan.input_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = plan.kernel, plan.stride, plan.padding, plan.dilation
    oh, ow = plan.out_size
    output = np.empty((n * c, oh, ow), dtype=x.dtype)
    indices = np.empty((n * c, oh, ow), dtype=np.int64)
    planes = x.reshape(n * c, h, w)
    for plane in range(n * c):
        for oy in range(oh):
            for ox in range(ow):
                best, best_index = -np.inf, -1
                for i in range(kh):
                    for j in range(kw):
                        row, col = oy * sh - ph + i * dh, ox * sw - pw + j * dw
                        if 0 <= row < h and 0 <= col < w and planes[plane, row, col] > best:
                            best, best_index = planes[plane, row, col], row * w + col
                output[plane, oy, ox], indices[plane, oy, ox] = best, best_index
    return output, indices


def avg_forward(plan: PoolPlan, x: Array) -> Array:
    """Each window's sum over its divisor, the divisor found by counting the window's cells: with
    ``count_include_pad`` every cell inside the padded input, otherwise every cell inside the input."""
    n, c, h, w = plan.input_shape
    (kh, kw), (sh, sw), (ph, pw) = plan.kernel, plan.stride, plan.padding
    oh, ow = plan.out_size
    output = np.empty((n * c, oh, ow), dtype=x.dtype)
    planes = x.reshape(n * c, h, w)
    for plane in range(n * c):
        for oy in range(oh):
            for ox in range(ow):
                total, cells = 0.0, 0
                for i in range(kh):
                    for j in range(kw):
                        row, col = oy * sh - ph + i, ox * sw - pw + j
                        inside = 0 <= row < h and 0 <= col < w
                        in_padded = -ph <= row < h + ph and -pw <= col < w + pw
                        if inside:
                            total += float(planes[plane, row, col])
                        if inside or (plan.count_include_pad and in_padded):
                            cells += 1
                output[plane, oy, ox] = total / cells
    return output
