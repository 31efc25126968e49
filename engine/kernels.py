"""Named convolution kernels: classic 2-D filters by name, and banks of them as conv weights.

Two levels:

- :func:`named_kernel` returns one 2-D kernel, shape (size, size), by name (``sobel_x``,
  ``gaussian``, ...). Kernels are written for cross-correlation, PyTorch's convention: no flip, so
  ``sobel_x`` is positive where intensity increases from left to right and ``sobel_y`` where it
  increases from top to bottom.
- :func:`kernel_bank` returns a :class:`KernelBank` whose ``weights`` have the conv2d layout
  (out_channels, in_channels, size, size), ready for ``engine.conv.conv2d``.

Channels: a named 2-D kernel is replicated across the input channels and divided by
``in_channels``. Convolving with it is therefore convolving the *mean of the input channels* with
the 2-D kernel, so a grey image gives the same response whether it comes as 1 channel or as
3 identical ones, and the response has the same scale as the 2-D kernel on a single plane.
Random kernels are the exception: each (out, in) pair gets its own independent kernel, as in an
untrained network layer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine._checks import integer, is_int, number
from engine.errors import EngineError

Kernel = NDArray[np.float64]

MAX_KERNEL_SIZE = 31
MAX_BANK_COUNT = 64


def _check_size(size: int, name: str, *, fixed: int | None = None, minimum: int = 1) -> int:
    size = integer(size, "size")
    if fixed is not None and size != fixed:
        message = f"kernel {name!r} exists only in size {fixed}, got size {size}"
        raise EngineError("kernel_size_not_available", message, field="size", size=size, sizes=[fixed])
    if size < minimum or size > MAX_KERNEL_SIZE:
        message = f"kernel {name!r} size {size} must be between {minimum} and {MAX_KERNEL_SIZE}"
        raise EngineError(
            "out_of_range", message, field="size", value=size, low=minimum, high=MAX_KERNEL_SIZE
        )
    if size % 2 == 0:
        # Every named kernel has a centre pixel, so that "same" padding keeps it aligned.
        message = f"kernel {name!r} size {size} must be odd, so that the kernel has a centre"
        raise EngineError("even_kernel", message, field="size", value=size)
    return size


def _binomial(length: int) -> Kernel:
    """Row ``length - 1`` of Pascal's triangle: [1], [1, 1], [1, 2, 1], [1, 3, 3, 1], ..."""
    row = np.array([1.0])
    for _ in range(length - 1):
        row = np.convolve(row, [1.0, 1.0])
    return row


def identity(size: int = 3) -> Kernel:
    """A single 1 at the centre: the output equals the input."""
    size = _check_size(size, "identity")
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


def box_blur(size: int = 3) -> Kernel:
    """Every weight 1 / size²: the mean of the window. Sums to 1."""
    size = _check_size(size, "box_blur")
    return np.full((size, size), 1.0 / (size * size))


def default_sigma(size: int) -> float:
    """Gaussian sigma that fits a window of ``size``: 0.3 * ((size - 1) / 2 - 1) + 0.8 (as OpenCV)."""
    return 0.3 * ((size - 1) * 0.5 - 1) + 0.8


def gaussian(size: int = 3, sigma: float | None = None) -> Kernel:
    """Sampled Gaussian exp(-(x² + y²) / (2 sigma²)) on integer offsets from the centre, summing to 1."""
    size = _check_size(size, "gaussian")
    sigma = default_sigma(size) if sigma is None else _check_positive(sigma, "sigma")
    offsets = np.arange(size) - size // 2
    row = np.exp(-(offsets.astype(np.float64) ** 2) / (2.0 * sigma * sigma))
    kernel = np.outer(row, row)
    return kernel / kernel.sum()  # type: ignore[no-any-return]


def sobel_x(size: int = 3) -> Kernel:
    """Horizontal derivative, smoothed vertically: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]] for size 3.

    Larger odd sizes use the extended Sobel operator (as OpenCV): smoothing by the binomial row of
    length ``size``, derivative by the binomial row of length ``size - 2`` convolved with [-1, 0, 1].
    """
    size = _check_size(size, "sobel_x", minimum=3)
    derivative = np.convolve(_binomial(size - 2), [-1.0, 0.0, 1.0])
    return np.outer(_binomial(size), derivative)


def sobel_y(size: int = 3) -> Kernel:
    """Vertical derivative: the transpose of :func:`sobel_x`, positive where intensity grows downward."""
    _check_size(size, "sobel_y", minimum=3)
    return sobel_x(size).T.copy()


def prewitt_x(size: int = 3) -> Kernel:
    """[[-1, 0, 1]] * 3 rows: horizontal derivative with an unweighted vertical mean."""
    _check_size(size, "prewitt_x", fixed=3)
    return np.array([[-1.0, 0.0, 1.0]] * 3)


def prewitt_y(size: int = 3) -> Kernel:
    _check_size(size, "prewitt_y", fixed=3)
    return prewitt_x(3).T.copy()


def scharr_x(size: int = 3) -> Kernel:
    """[[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]]: a derivative with better rotational symmetry."""
    _check_size(size, "scharr_x", fixed=3)
    return np.array([[-3.0, 0.0, 3.0], [-10.0, 0.0, 10.0], [-3.0, 0.0, 3.0]])


def scharr_y(size: int = 3) -> Kernel:
    _check_size(size, "scharr_y", fixed=3)
    return scharr_x(3).T.copy()


def laplacian(size: int = 3) -> Kernel:
    """[[0, 1, 0], [1, -4, 1], [0, 1, 0]]: the 4-neighbour second derivative. Sums to 0."""
    _check_size(size, "laplacian", fixed=3)
    return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def sharpen(size: int = 3) -> Kernel:
    """[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]: identity minus the Laplacian. Sums to 1."""
    _check_size(size, "sharpen", fixed=3)
    return identity(3) - laplacian(3)


def emboss(size: int = 3) -> Kernel:
    """[[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]: a diagonal derivative plus the input. Sums to 1."""
    _check_size(size, "emboss", fixed=3)
    return np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])


def _check_positive(value: float, name: str) -> float:
    value = number(value, name)
    if value <= 0:
        raise EngineError(
            "must_be_positive",
            f"{name} {value} must be a finite number greater than 0",
            field=name,
            value=value,
        )
    return value


def gabor(
    size: int = 7, theta: float = 0.0, sigma: float | None = None, wavelength: float | None = None
) -> Kernel:
    """Real (cosine) Gabor kernel: a Gaussian envelope times a plane wave across direction ``theta``.

    g(x, y) = exp(-(x'² + y'²) / (2 sigma²)) * cos(2 pi x' / wavelength), with
    x' = x cos(theta) + y sin(theta), y' = -x sin(theta) + y cos(theta), x along columns and y
    along rows (downward). ``theta = 0`` gives vertical stripes, so it responds to vertical edges
    and bars. Defaults: wavelength = max(2, size / 2), sigma = 0.56 * wavelength (a bandwidth of
    about one octave). The mean is removed, so a flat image gives 0, and the kernel is scaled to
    an absolute sum of 2, so a perfectly matched pattern in [0, 1] responds with at most about 1.
    """
    size = _check_size(size, "gabor", minimum=3)
    wavelength = max(2.0, size / 2) if wavelength is None else _check_positive(wavelength, "wavelength")
    sigma = 0.56 * wavelength if sigma is None else _check_positive(sigma, "sigma")
    offsets = (np.arange(size) - size // 2).astype(np.float64)
    y, x = np.meshgrid(offsets, offsets, indexing="ij")
    x_rot = x * math.cos(theta) + y * math.sin(theta)
    y_rot = -x * math.sin(theta) + y * math.cos(theta)
    kernel = np.exp(-(x_rot**2 + y_rot**2) / (2 * sigma**2)) * np.cos(2 * math.pi * x_rot / wavelength)
    kernel -= kernel.mean()
    total = np.abs(kernel).sum()
    return kernel * (2.0 / total) if total > 0 else kernel


_NAMED: dict[str, Callable[[int], Kernel]] = {
    "identity": identity,
    "box_blur": box_blur,
    "gaussian": gaussian,
    "sharpen": sharpen,
    "sobel_x": sobel_x,
    "sobel_y": sobel_y,
    "prewitt_x": prewitt_x,
    "prewitt_y": prewitt_y,
    "scharr_x": scharr_x,
    "scharr_y": scharr_y,
    "laplacian": laplacian,
    "emboss": emboss,
}

KERNEL_NAMES: tuple[str, ...] = tuple(_NAMED)


def named_kernel(name: str, size: int = 3) -> Kernel:
    """The 2-D kernel called ``name``, shape (size, size), as a fresh float64 array.

    Raises ``ValueError`` for an unknown name (listing the known ones) or a size the kernel does
    not exist in (prewitt, scharr, laplacian, sharpen and emboss exist only in size 3; sobel from 3).
    """
    try:
        make = _NAMED[name]
    except (KeyError, TypeError):
        message = f"unknown kernel {name!r}; known kernels: {', '.join(KERNEL_NAMES)}"
        raise EngineError("unknown_kernel", message, field="kind", value=repr(name)) from None
    return make(size)


@dataclass(frozen=True)
class KernelBank:
    """Conv weights and what they are.

    ``weights``: (out_channels, in_channels, size, size). ``labels``: one name per output channel.
    ``kernels``: (out_channels, size, size), the 2-D kernel each output channel applies to the
    channel mean, or ``None`` for random banks (whose kernels differ per input channel).
    """

    weights: Kernel
    labels: tuple[str, ...]
    kernels: Kernel | None


# Each fixed bank and the named kernels it stacks, one per output channel.
_FIXED_BANKS: dict[str, tuple[str, ...]] = {
    "sobel": ("sobel_x", "sobel_y"),
    "prewitt": ("prewitt_x", "prewitt_y"),
    "scharr": ("scharr_x", "scharr_y"),
    "laplacian": ("laplacian",),
    "blur": ("box_blur",),
    "gaussian": ("gaussian",),
    "sharpen": ("sharpen",),
    "emboss": ("emboss",),
    "identity": ("identity",),
}
BANK_NAMES: tuple[str, ...] = (*_FIXED_BANKS, "gabor", "random")


def replicate(kernels: Kernel, in_channels: int) -> Kernel:
    """(out, k, k) 2-D kernels -> (out, in_channels, k, k) weights that act on the channel mean."""
    in_channels = _check_count(in_channels, "in_channels", maximum=None)
    stacked = np.repeat(kernels[:, None, :, :], in_channels, axis=1)
    return stacked / in_channels


def _check_count(value: int, name: str, maximum: int | None = MAX_BANK_COUNT) -> int:
    value = integer(value, name)
    if value < 1 or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        message = f"{name} {value} must be at least 1{upper}"
        code = "must_be_positive" if value < 1 else "out_of_range"
        raise EngineError(code, message, field=name, value=value, low=1, high=maximum)
    return value


def gabor_bank(
    in_channels: int,
    count: int = 4,
    size: int = 7,
    sigma: float | None = None,
    wavelength: float | None = None,
) -> KernelBank:
    """``count`` Gabor kernels at orientations theta_i = i * 180° / count, i = 0 .. count - 1."""
    count = _check_count(count, "count")
    angles = [i * math.pi / count for i in range(count)]
    kernels = np.stack([gabor(size, theta, sigma, wavelength) for theta in angles])
    labels = tuple(f"gabor {math.degrees(theta):g}°" for theta in angles)
    return KernelBank(replicate(kernels, in_channels), labels, kernels)


def random_bank(in_channels: int, count: int = 8, size: int = 3, seed: int = 0) -> KernelBank:
    """Seeded He-normal weights: N(0, 2 / fan_in) with fan_in = in_channels * size², as an
    untrained ReLU layer is initialised. Same seed, same weights, on every machine (PCG64)."""
    in_channels = _check_count(in_channels, "in_channels", maximum=None)
    count = _check_count(count, "count")
    size = _check_size(size, "random")
    if not is_int(seed) or seed < 0:
        raise EngineError(
            "not_an_int", f"seed must be a non-negative int, got {seed!r}", field="seed", value=repr(seed)
        )
    rng = np.random.default_rng(int(seed))
    std = math.sqrt(2.0 / (in_channels * size * size))
    weights = rng.standard_normal((count, in_channels, size, size)) * std
    return KernelBank(weights, tuple(f"random {i}" for i in range(count)), None)


def kernel_bank(
    name: str,
    in_channels: int,
    *,
    size: int = 3,
    count: int = 8,
    seed: int = 0,
    sigma: float | None = None,
    wavelength: float | None = None,
) -> KernelBank:
    """A named bank of kernels as conv2d weights (out, in_channels, size, size).

    ``sobel``, ``prewitt``, ``scharr``: the x and y derivatives (2 outputs). ``laplacian``,
    ``blur`` (box), ``gaussian``, ``sharpen``, ``emboss``, ``identity``: one output. ``gabor``:
    ``count`` orientations. ``random``: ``count`` seeded He-normal kernels. ``count`` and ``seed``
    are ignored by the fixed banks, ``sigma`` is used by gaussian and gabor, ``wavelength`` by gabor.
    """
    in_channels = _check_count(in_channels, "in_channels", maximum=None)
    if name == "gabor":
        return gabor_bank(in_channels, count, size, sigma, wavelength)
    if name == "random":
        return random_bank(in_channels, count, size, seed)
    labels = _FIXED_BANKS.get(name) if isinstance(name, str) else None
    if labels is None:
        message = f"unknown kernel bank {name!r}; known banks: {', '.join(BANK_NAMES)}"
        raise EngineError("unknown_bank", message, field="bank", value=repr(name))
    kernels = np.stack(
        [gaussian(size, sigma) if label == "gaussian" else named_kernel(label, size) for label in labels]
    )
    return KernelBank(replicate(kernels, in_channels), labels, kernels)
