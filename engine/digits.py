"""A photo or scan of one handwritten digit made into the 28x28 picture an MNIST network expects.

MNIST's digits were made this way (LeCun, Cortes and Burges): the ink of each digit was cropped,
scaled to fit a 20x20 box keeping its aspect ratio, then placed in a 28x28 field so that its
centre of mass sits at the centre. White ink on black, values in [0, 1]. A photo differs from a
scan in four ways this module undoes, in order:

1. paper is not uniformly lit (shadows, gradients): the paper's own brightness is estimated
   everywhere by a wide max filter and a blur, and ink is measured against it, not against one
   global threshold;
2. the ink may be dark on light paper or light on a dark board: the paper is whatever most of the
   picture is, so the polarity follows from the median;
3. JPEG noise and paper texture leave faint specks: ink is what is clearly darker than the paper
   (Otsu's threshold on the contrast, with a floor), and isolated specks are opened away;
4. the digit is anywhere in the frame, at any size: it is cropped to its ink.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from engine._checks import Array
from engine.errors import EngineError

MNIST_SIDE = 28
MNIST_BOX = 20
# Ink must stand out from the paper by at least this much (of full scale) to count at all.
MIN_CONTRAST = 0.08


def _box_blur(plane: Array, radius: int) -> Array:
    """Mean over a (2r+1)^2 window, edges replicated. (H, W) -> (H, W)."""
    if radius < 1:
        return plane
    padded = np.pad(plane, radius, mode="edge")
    summed = padded.cumsum(0).cumsum(1)
    summed = np.pad(summed, ((1, 0), (1, 0)))
    k = 2 * radius + 1
    total = summed[k:, k:] - summed[:-k, k:] - summed[k:, :-k] + summed[:-k, :-k]
    return total / (k * k)  # type: ignore[no-any-return]


def _max_filter(plane: Array, radius: int) -> Array:
    """Maximum over a (2r+1)^2 window, edges replicated; separable, so two 1-D passes."""
    if radius < 1:
        return plane
    k = 2 * radius + 1
    rows = sliding_window_view(np.pad(plane, ((radius, radius), (0, 0)), mode="edge"), k, axis=0).max(-1)
    return sliding_window_view(np.pad(rows, ((0, 0), (radius, radius)), mode="edge"), k, axis=1).max(-1)  # type: ignore[no-any-return]


def _min_filter(plane: Array, radius: int) -> Array:
    return -_max_filter(-plane, radius)


def ink_of(grey: Array) -> Array:
    """How much darker than the local paper each pixel is, in [0, 1]. (H, W) -> (H, W).

    ``grey`` holds values in [0, 1]. Light-on-dark pictures are inverted first, so the ink is
    always what differs from the majority.
    """
    if float(np.median(grey)) < 0.5:
        grey = 1.0 - grey
    side = max(grey.shape)
    # Wider than any pen stroke, narrower than a lighting gradient.
    radius = max(2, side // 16)
    contrast = _box_blur(_max_filter(grey, radius), radius) - grey
    # The max filter lifts the paper estimate by the noise's peaks; most pixels are paper, so the
    # median contrast is that lift, and taking it away leaves the paper near 0.
    return np.clip(contrast - np.median(contrast), 0.0, 1.0)


def _otsu(values: Array) -> float:
    """The threshold that best splits ``values`` (1-D, in [0, 1]) into two classes."""
    counts, edges = np.histogram(values, bins=64, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)
    weight_high = weight_low[-1] - weight_low
    mean_low = np.cumsum(counts * centres) / np.maximum(weight_low, 1)
    mean_high = (np.sum(counts * centres) - np.cumsum(counts * centres)) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(edges[int(np.argmax(between)) + 1])


def ink_mask(ink: Array) -> NDArray[np.bool_]:
    """Pixels that are ink: above Otsu's threshold (never below MIN_CONTRAST), specks opened away."""
    # A light blur first: one noisy pixel is not ink, a stroke survives averaging.
    smooth = _box_blur(ink, 1 if min(ink.shape) >= 32 else 0)
    threshold = max(_otsu(smooth.ravel()), MIN_CONTRAST)
    mask = (smooth >= threshold).astype(np.float64)
    radius = 1 if min(ink.shape) >= 64 else 0
    return _max_filter(_min_filter(mask, radius), radius) > 0.5


def _resample(plane: Array, height: int, width: int) -> Array:
    """Area-average resampling of (h, w) to (height, width): each output pixel is the mean of the
    input area it covers, so thin strokes keep their ink when shrunk (as MNIST's anti-aliasing)."""

    def weights(n_in: int, n_out: int) -> Array:
        edges = np.linspace(0.0, n_in, n_out + 1)
        left, right = edges[:-1, None], edges[1:, None]
        cells = np.arange(n_in)[None, :]
        overlap = np.clip(np.minimum(right, cells + 1) - np.maximum(left, cells), 0.0, None)
        return overlap / overlap.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]

    return weights(plane.shape[0], height) @ plane @ weights(plane.shape[1], width).T


def _shift(plane: Array, dy: int, dx: int) -> Array:
    """Translate by whole pixels, zeros coming in (a fractional shift would blur the strokes)."""
    h, w = plane.shape
    out = np.zeros_like(plane)
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = plane[
        max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def mnist_digit(grey: Array) -> Array:
    """The 28x28 MNIST-style digit (white ink on black, values in [0, 1]) in a grey picture.

    ``grey``: (H, W) values in [0, 1], any size, dark ink on light paper or light on dark.
    Raises EngineError ``no_ink`` when nothing in the picture stands out from the paper.
    """
    grey = np.asarray(grey, dtype=np.float64)
    if grey.ndim != 2 or min(grey.shape) < 1:
        raise EngineError("bad_shape", f"a digit picture must be 2-D, got shape {grey.shape}", field="image")
    ink = ink_of(grey)
    mask = ink_mask(ink)
    if not mask.any():
        raise EngineError(
            "no_ink",
            "no ink found: nothing in the picture is clearly darker (or lighter) than the paper",
            field="image",
        )
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    crop = np.where(mask, ink, 0.0)[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    crop = crop / max(float(np.percentile(crop[crop > 0], 90)), 1e-12)
    h, w = crop.shape
    scale = MNIST_BOX / max(h, w)
    box = _resample(crop, max(1, round(h * scale)), max(1, round(w * scale)))
    # Shrinking averages thin strokes down; MNIST's strokes reach full white, so rescale to 1.
    box = np.clip(box / max(float(box.max()), 1e-12), 0.0, 1.0)
    field = np.zeros((MNIST_SIDE, MNIST_SIDE))
    top, left = (MNIST_SIDE - box.shape[0]) // 2, (MNIST_SIDE - box.shape[1]) // 2
    field[top : top + box.shape[0], left : left + box.shape[1]] = box
    total = field.sum()
    ys, xs = np.indices(field.shape)
    centre = (MNIST_SIDE - 1) / 2
    dy = round(centre - float((ys * field).sum() / total))
    dx = round(centre - float((xs * field).sum() / total))
    return _shift(field, dy, dx)
