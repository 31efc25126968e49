"""flatten and flatten_backward against torch.flatten and its autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.classifier import flatten, flatten_backward, flattened_shape
from tests.engine.classifier.op_check import check_op, random_shape


@pytest.mark.parametrize("seed", range(20))
def test_flatten_matches_torch(seed: int) -> None:
    rng = np.random.default_rng([4, seed])
    x = rng.standard_normal(random_shape(rng, 0, 5, most=4))
    size = max(x.ndim, 1)
    first, last = sorted(int(v) for v in rng.integers(0, size, 2))
    # Negative dims half of the time, counted from the end as torch counts them.
    start, end = (first - size, last - size) if seed % 2 else (first, last)
    check_op(
        [x],
        lambda x: flatten(x, start, end),
        lambda t: torch.flatten(t, start, end),
        lambda g, x: [flatten_backward(g, x.shape)],
        seed,
    )


def test_default_keeps_the_batch_axis() -> None:
    assert flatten(np.zeros((2, 3, 4, 5))).shape == (2, 60)
    assert flattened_shape((2, 3, 4, 5), 0) == (120,)
    assert flattened_shape((), 0, -1) == (1,)


def test_result_is_a_copy() -> None:
    x = np.zeros((2, 3))
    flatten(x)[0, 0] = 1.0
    assert x[0, 0] == 0.0
