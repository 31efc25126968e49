"""One call checks an operation's values and gradients against torch (as tinygrad's helper_test_op)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from tests.engine.oracle import assert_close

Array = np.ndarray[Any, Any]


def check_op(
    inputs: Sequence[Array],
    ours: Callable[..., Any],
    theirs: Callable[..., torch.Tensor],
    ours_backward: Callable[..., Sequence[Any]],
    seed: int,
) -> None:
    """``ours(*inputs)`` against ``theirs(*tensors)``, then the gradients for a random upstream one.

    Float inputs become float64 tensors that require grad; integer ones (class indices) stay
    plain. ``ours_backward(grad_output, *inputs)`` returns one gradient per float input, in order.
    """
    tensors = [torch.tensor(a, requires_grad=bool(np.issubdtype(a.dtype, np.floating))) for a in inputs]
    expected = theirs(*tensors)
    assert_close(ours(*inputs), expected)
    grad_output = np.random.default_rng([77, seed]).standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(grad_output))
    wanted = [t.grad for t in tensors if t.requires_grad]
    grads = ours_backward(grad_output, *inputs)
    assert len(grads) == len(wanted)
    for grad, want in zip(grads, wanted, strict=True):
        assert_close(grad, want)


def random_shape(rng: np.random.Generator, low_rank: int, high_rank: int, most: int = 5) -> tuple[int, ...]:
    """A shape of ``low_rank`` to ``high_rank`` axes, each of size 1 to ``most``."""
    rank = int(rng.integers(low_rank, high_rank + 1))
    return tuple(int(size) for size in rng.integers(1, most + 1, rank))


def logits_like(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    """Normal values at a random scale from 0.01 to 1000, so both flat and peaked softmaxes occur."""
    return rng.standard_normal(shape) * 10 ** rng.uniform(-2, 3)
