"""MNIST-style preparation of digit photos: the ink found under bad lighting, cropped, centred."""

from __future__ import annotations

import numpy as np
import pytest

from engine.digits import MNIST_BOX, MNIST_SIDE, mnist_digit
from engine.errors import EngineError


def _stroke_picture(side: int, ink_box: tuple[int, int, int, int]) -> np.ndarray:
    """A '7' drawn as two thick strokes inside (top, left, bottom, right), 1 = ink, on 0 paper."""
    top, left, bottom, right = ink_box
    ink = np.zeros((side, side))
    width = max(2, (right - left) // 8)
    ink[top : top + width, left:right] = 1.0  # the bar
    for y in range(top, bottom):  # the diagonal, from the bar's right end down to the left
        x = right - int((y - top) * (right - left) * 0.6 / (bottom - top)) - width
        ink[y, max(left, x) : x + width] = 1.0
    return ink


def _photo(ink: np.ndarray, *, dark_ink: bool, seed: int = 0) -> np.ndarray:
    """Ink on paper lit from one side, with sensor noise."""
    side = ink.shape[0]
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:side, 0:side] / side
    if dark_ink:
        paper = 0.5 + 0.4 * xs + 0.05 * ys
        picture = paper * (1 - 0.8 * ink)
    else:
        board = 0.1 + 0.15 * ys
        picture = board + 0.7 * ink
    return np.clip(picture + rng.normal(0, 0.03, ink.shape), 0, 1)


def _centre_of_mass(digit: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(digit.shape)
    return float((ys * digit).sum() / digit.sum()), float((xs * digit).sum() / digit.sum())


@pytest.mark.parametrize("dark_ink", [True, False])
@pytest.mark.parametrize(
    ("side", "box"), [(300, (40, 60, 260, 200)), (120, (10, 70, 60, 110)), (64, (5, 5, 60, 60))]
)
def test_the_digit_is_cropped_scaled_into_20_pixels_and_centred_by_mass(dark_ink, side, box):
    digit = mnist_digit(_photo(_stroke_picture(side, box), dark_ink=dark_ink))
    assert digit.shape == (MNIST_SIDE, MNIST_SIDE)
    assert digit.min() >= 0.0
    assert digit.max() == pytest.approx(1.0)
    cy, cx = _centre_of_mass(digit)
    assert cy == pytest.approx(13.5, abs=0.5)
    assert cx == pytest.approx(13.5, abs=0.5)
    inked = np.argwhere(digit > 0.05)
    extent = inked.max(0) - inked.min(0) + 1
    assert max(extent) in range(MNIST_BOX - 1, MNIST_BOX + 3)  # the longer side fits the 20-pixel box
    # Away from the strokes the field is black: no paper texture, no lighting gradient left.
    assert (digit > 0).mean() < 0.35
    assert digit[:, 0].max() == 0.0
    assert digit[:, -1].max() == 0.0


def test_light_and_dark_ink_give_the_same_digit():
    ink = _stroke_picture(200, (20, 40, 180, 150))
    dark = mnist_digit(_photo(ink, dark_ink=True))
    light = mnist_digit(_photo(ink, dark_ink=False, seed=1))
    assert np.corrcoef(dark.ravel(), light.ravel())[0, 1] > 0.9


def test_a_picture_without_ink_is_refused_by_name():
    rng = np.random.default_rng(3)
    _, xs = np.mgrid[0:150, 0:150] / 150
    paper = np.clip(0.5 + 0.4 * xs + rng.normal(0, 0.02, (150, 150)), 0, 1)
    with pytest.raises(EngineError, match="no ink found") as caught:
        mnist_digit(paper)
    assert caught.value.code == "no_ink"
    assert caught.value.field == "image"


def test_a_picture_must_be_a_plane():
    with pytest.raises(EngineError, match="must be 2-D") as caught:
        mnist_digit(np.zeros((3, 4, 4)))
    assert caught.value.code == "bad_shape"
