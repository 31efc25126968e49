"""Reproducible tensors from a few characters: a shape, a kind and a seed.

A scene must fit in a URL, so any tensor of a request may be described instead of listed:
``generate((1, 1, 5, 5), "integers", seed=3)`` gives the same 5x5 plane on every machine (NumPy's
PCG64 generator, which NumPy keeps stable across releases). Kinds:

- ``integers``: whole numbers drawn uniformly from ``low .. high`` (default -3 .. 3, both ends
  included), so a learner can follow every product by hand.
- ``floats``: standard normal values, as an untrained network's activations look.
- ``zeros`` and ``ones``: constant tensors (a fresh running mean and variance, an upstream
  gradient of ones). ``seed`` is ignored.
- a named kernel from :mod:`engine.kernels` (``identity``, ``box_blur``, ``gaussian``,
  ``sharpen``, ``sobel_x``, ``sobel_y``, ``laplacian``, ``emboss``, ...), for a conv weight of
  shape (out, in, k, k): every output channel gets the kernel, replicated across the ``in`` axis
  and divided by ``in`` (:func:`engine.kernels.replicate`), so it acts on the mean of the input
  channels. ``seed`` is ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine._checks import Array, integer, one_of
from engine.errors import EngineError
from engine.kernels import KERNEL_NAMES, named_kernel, replicate

RANDOM_KINDS = ("integers", "floats")
CONSTANT_KINDS = ("zeros", "ones")
KINDS: tuple[str, ...] = (*RANDOM_KINDS, *CONSTANT_KINDS, *KERNEL_NAMES)

MAX_SEED = 2**32 - 1


def _check_shape(shape: Sequence[int]) -> tuple[int, ...]:
    if isinstance(shape, str | bytes) or not isinstance(shape, Sequence | np.ndarray):
        message = f"shape must be a list of sizes such as [1, 1, 5, 5], got {shape!r}"
        raise EngineError("bad_shape", message, field="shape", value=repr(shape))
    dims = tuple(integer(size, "every size in shape", field="shape") for size in shape)
    if not 1 <= len(dims) <= 4:
        raise EngineError(
            "bad_shape", f"shape {list(dims)} must have 1 to 4 sizes", field="shape", shape=dims
        )
    for size in dims:
        if size < 1:
            message = f"shape {list(dims)} has size {size}; every size must be at least 1"
            raise EngineError("empty_dimension", message, field="shape", shape=dims)
    return dims


def _kernel_weights(dims: tuple[int, ...], kind: str) -> Array:
    """(out, in, k, k) weights applying the named 2-D kernel to the channel mean."""
    if len(dims) != 4 or dims[2] != dims[3]:
        message = f"kernel {kind!r} needs a square weight shape [out, in, k, k], got shape {list(dims)}"
        raise EngineError("bad_shape", message, field="shape", shape=dims)
    out_channels, in_channels, size, _ = dims
    kernel = named_kernel(kind, size)
    return replicate(np.repeat(kernel[None], out_channels, axis=0), in_channels)


def generate(
    shape: Sequence[int], kind: str = "integers", seed: int = 0, low: int = -3, high: int = 3
) -> Array:
    """A float64 array of ``shape`` described by ``kind`` and ``seed`` (see the module docstring).

    The same arguments give the same values on every machine. Raises ValueError for an unknown
    kind, a bad shape, ``low > high``, a negative seed, or a named kernel whose shape or size is
    impossible (a 2x2 Sobel, a 5x5 Laplacian, a non-square kernel).
    """
    dims = _check_shape(shape)
    one_of(kind, KINDS, "kind", "unknown_kind")
    seed = integer(seed, "seed")
    if not 0 <= seed <= MAX_SEED:
        message = f"seed {seed} must be between 0 and {MAX_SEED}"
        raise EngineError("out_of_range", message, field="seed", value=seed, low=0, high=MAX_SEED)
    if kind == "zeros":
        return np.zeros(dims)
    if kind == "ones":
        return np.ones(dims)
    rng = np.random.default_rng(seed)
    if kind == "floats":
        return rng.standard_normal(dims)
    if kind == "integers":
        low, high = integer(low, "low"), integer(high, "high")
        if low > high:
            raise EngineError(
                "out_of_range",
                f"low {low} must not be greater than high {high}",
                field="low",
                low=low,
                high=high,
            )
        return rng.integers(low, high, size=dims, endpoint=True).astype(np.float64)
    return _kernel_weights(dims, kind)
