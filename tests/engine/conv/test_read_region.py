"""conv2d with more zero padding than its windows reach: only the read region is padded, and the
output and gradients are torch's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine import conv2d_frames, replay_conv2d
from engine.conv import conv2d, conv2d_backward
from engine.conv.plan import conv_plan
from tests.engine.oracle import assert_close

# (input shape, weight shape, stride, padding, dilation): padding skipped by the stride, rows no
# window reaches, windows that read padding alone, and the ordinary case.
CASES = [
    ((1, 1, 1, 1), (1, 1, 1, 1), 50, 50, 1),
    ((2, 3, 4, 5), (2, 3, 2, 2), (7, 9), (11, 13), 1),
    ((1, 2, 6, 6), (4, 2, 3, 3), 4, 9, 2),
    ((1, 2, 5, 7), (2, 1, 2, 3), (3, 2), (6, 1), (2, 3)),
    ((1, 1, 3, 3), (1, 1, 2, 2), 1, 30, 1),
    ((2, 2, 8, 8), (3, 2, 3, 3), 2, 1, 1),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation"), CASES)
def test_cropped_padding_matches_torch(
    x_shape: Any, w_shape: Any, stride: Any, padding: Any, dilation: Any
) -> None:
    rng = np.random.default_rng(0)
    x, weight, bias = (
        rng.standard_normal(x_shape),
        rng.standard_normal(w_shape),
        rng.standard_normal(w_shape[0]),
    )
    groups = x_shape[1] // w_shape[1]
    params = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
    expected = F.conv2d(tx, tw, tb, **params)
    output = conv2d(x, weight, bias, **params)
    assert_close(output, expected.detach().numpy())
    grad = rng.standard_normal(output.shape)
    expected.backward(torch.tensor(grad))
    grads = conv2d_backward(grad, x, weight, **params)
    for mine, theirs in zip(grads, (tx.grad, tw.grad, tb.grad), strict=True):
        assert theirs is not None
        assert_close(mine, theirs.numpy())
    frames = list(conv2d_frames(x, weight, bias, **params))
    assert_close(replay_conv2d(frames, tuple(output.shape)), output)


def test_the_memory_estimate_counts_only_what_is_read() -> None:
    plan = conv_plan((1, 1, 1, 1), (1, 1, 1, 1), stride=5590, padding=5590)
    assert plan.padded_size == (11181, 11181)
    assert plan.memory_elements < 100
    unpadded = conv_plan((1, 1, 100, 100), (1, 1, 3, 3))
    assert unpadded.memory_elements >= 2 * 100 * 100
