"""Named kernels checked by what they must do to simple images, not by re-typing their values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.kernels import (
    BANK_NAMES,
    KERNEL_NAMES,
    gabor,
    gaussian,
    kernel_bank,
    named_kernel,
    random_bank,
    replicate,
)


def correlate_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Plain-loop cross-correlation of one plane, no padding."""
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = float((image[i : i + kh, j : j + kw] * kernel).sum())
    return out


def conv_weights(image: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(C, H, W) image, (O, C, k, k) weights -> (O, H', W'), summing over channels."""
    return np.stack(
        [
            sum(correlate_valid(image[c], weights[o, c]) for c in range(image.shape[0]))
            for o in range(len(weights))
        ]
    )


VERTICAL_EDGE = np.tile(np.array([0.0] * 4 + [1.0] * 4), (8, 1))  # dark left, bright right
HORIZONTAL_EDGE = VERTICAL_EDGE.T.copy()  # dark top, bright bottom
FLAT = np.full((6, 6), 0.7)


@pytest.mark.parametrize("family", ["sobel", "prewitt", "scharr"])
def test_derivatives_see_only_edges_across_their_axis(family: str) -> None:
    kx, ky = named_kernel(f"{family}_x"), named_kernel(f"{family}_y")
    assert correlate_valid(VERTICAL_EDGE, kx).max() > 0  # rising left to right: positive
    assert np.all(correlate_valid(HORIZONTAL_EDGE, kx) == 0)
    assert correlate_valid(HORIZONTAL_EDGE, ky).max() > 0  # rising top to bottom: positive
    assert np.all(correlate_valid(VERTICAL_EDGE, ky) == 0)
    assert np.all(correlate_valid(FLAT, kx) == 0)
    # Only the windows straddling the edge respond, and the response is the weight mass on the bright side.
    response = correlate_valid(VERTICAL_EDGE, kx)
    assert set(np.nonzero(response[0])[0].tolist()) == {2, 3}
    assert response[0, 2] == kx[:, 2].sum()


def test_sobel_5_is_the_extended_operator() -> None:
    smooth, derivative = np.array([1, 4, 6, 4, 1.0]), np.array([-1, -2, 0, 2, 1.0])
    np.testing.assert_array_equal(named_kernel("sobel_x", 5), np.outer(smooth, derivative))
    np.testing.assert_array_equal(named_kernel("sobel_y", 5), np.outer(derivative, smooth))


@pytest.mark.parametrize(
    ("name", "size"), [("box_blur", 3), ("box_blur", 5), ("gaussian", 3), ("gaussian", 7)]
)
def test_blurs_sum_to_one_and_keep_flat_images(name: str, size: int) -> None:
    kernel = named_kernel(name, size)
    assert kernel.shape == (size, size)
    assert kernel.sum() == pytest.approx(1.0)
    assert np.all(kernel > 0)
    np.testing.assert_allclose(kernel, kernel.T)
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1])
    np.testing.assert_allclose(correlate_valid(FLAT, kernel[:3, :3] / kernel[:3, :3].sum()), 0.7)


def test_gaussian_peaks_at_centre_and_widens_with_sigma() -> None:
    narrow, wide = gaussian(7, sigma=0.8), gaussian(7, sigma=3.0)
    assert narrow[3, 3] == narrow.max()
    assert wide[3, 3] < narrow[3, 3]
    assert wide[0, 0] > narrow[0, 0]
    # Ratio of neighbouring samples is exp(-(1 - 0) / (2 sigma²)) along an axis.
    assert narrow[3, 4] / narrow[3, 3] == pytest.approx(math.exp(-1 / (2 * 0.8**2)))


def test_laplacian_ignores_ramps_and_sharpen_emboss_keep_flat_images() -> None:
    lap = named_kernel("laplacian")
    assert lap.sum() == 0
    ramp = np.add.outer(np.arange(6.0), 2 * np.arange(6.0))  # linear in both axes
    np.testing.assert_allclose(correlate_valid(ramp, lap), 0)
    dot = np.zeros((5, 5))
    dot[2, 2] = 1
    assert correlate_valid(dot, lap)[1, 1] == -4  # a bright dot: strongly negative at its centre
    for name in ("sharpen", "emboss", "identity"):
        np.testing.assert_allclose(correlate_valid(FLAT, named_kernel(name)), 0.7)
    # Sharpen raises a dot above its surroundings: the centre gets 5x, the neighbours -1x.
    assert correlate_valid(dot, named_kernel("sharpen"))[1, 1] == 5


def test_identity_returns_the_input() -> None:
    image = np.arange(25.0).reshape(5, 5)
    np.testing.assert_array_equal(correlate_valid(image, named_kernel("identity", 5)), [[12.0]])
    np.testing.assert_array_equal(correlate_valid(image, named_kernel("identity", 3)), image[1:4, 1:4])


def test_named_kernel_returns_fresh_arrays() -> None:
    first = named_kernel("sobel_x")
    first[0, 0] = 99
    assert named_kernel("sobel_x")[0, 0] == -1


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("blurry", 3, "known kernels: identity, box_blur"),
        ("laplacian", 5, "only in size 3"),
        ("sobel_x", 1, "between 3 and"),
        ("box_blur", 4, "must be odd"),
        ("gaussian", 0, "between 1 and"),
        ("gaussian", 33, "between 1 and 31"),
        ("identity", True, "must be an int"),
        ("identity", 3.0, "must be an int"),
    ],
)
def test_named_kernel_rejects_unknown_names_and_impossible_sizes(name: str, size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        named_kernel(name, size)


def test_every_listed_name_works() -> None:
    for name in KERNEL_NAMES:
        assert named_kernel(name).shape == (3, 3)
    for bank in BANK_NAMES:
        assert kernel_bank(bank, 3).weights.shape[1:] == (3, 3, 3)


def test_replicated_banks_respond_to_grey_the_same_for_any_channel_count() -> None:
    grey = VERTICAL_EDGE + 0.25 * HORIZONTAL_EDGE
    one = conv_weights(grey[None], kernel_bank("sobel", 1).weights)
    three = conv_weights(np.stack([grey] * 3), kernel_bank("sobel", 3).weights)
    np.testing.assert_allclose(one, three, atol=1e-12)
    np.testing.assert_allclose(one[0], correlate_valid(grey, named_kernel("sobel_x")))
    # And a colour image is seen through its channel mean.
    colour = np.stack([VERTICAL_EDGE, HORIZONTAL_EDGE, FLAT[:1, :1].repeat(8, 0).repeat(8, 1)])
    np.testing.assert_allclose(
        conv_weights(colour, kernel_bank("laplacian", 3).weights)[0],
        correlate_valid(colour.mean(axis=0), named_kernel("laplacian")),
        atol=1e-12,
    )


def test_bank_shapes_and_labels() -> None:
    sobel = kernel_bank("sobel", 3)
    assert sobel.weights.shape == (2, 3, 3, 3)
    assert sobel.labels == ("sobel_x", "sobel_y")
    assert sobel.kernels is not None
    np.testing.assert_allclose(sobel.weights.sum(axis=1), sobel.kernels)
    assert kernel_bank("blur", 2, size=5).labels == ("box_blur",)
    assert kernel_bank("gaussian", 1, size=5, sigma=2.0).kernels[0] == pytest.approx(gaussian(5, 2.0))  # type: ignore[index]
    np.testing.assert_array_equal(replicate(np.ones((2, 3, 3)), 4), np.full((2, 4, 3, 3), 0.25))
    with pytest.raises(ValueError, match="known banks: sobel, prewitt"):
        kernel_bank("canny", 3)
    with pytest.raises(ValueError, match="in_channels 0 must be at least 1"):
        kernel_bank("sobel", 0)


def test_gabor_orientations_differ_and_pick_out_their_stripes() -> None:
    bank = kernel_bank("gabor", 1, size=7, count=4)
    assert bank.labels == ("gabor 0°", "gabor 45°", "gabor 90°", "gabor 135°")
    kernels = bank.kernels
    assert kernels is not None
    assert kernels.shape == (4, 7, 7)
    for i in range(4):
        assert abs(kernels[i].sum()) < 1e-12  # zero mean: a flat image gives 0
        for j in range(i):
            assert not np.allclose(kernels[i], kernels[j])
    # theta 0 varies along x only at the centre row: vertical stripes; theta 90° is its transpose.
    np.testing.assert_allclose(kernels[2], kernels[0].T, atol=1e-12)
    np.testing.assert_allclose(kernels[1], kernels[3][:, ::-1], atol=1e-12)  # 45° mirrors 135°
    columns = np.arange(15.0)
    vertical_stripes = np.tile(np.cos(2 * np.pi * columns / 3.5), (15, 1))
    energy = [np.abs(correlate_valid(vertical_stripes, k)).mean() for k in kernels]
    assert energy[0] == max(energy)
    assert energy[2] < 0.1 * energy[0]


def test_gabor_parameters_are_validated() -> None:
    assert not np.allclose(gabor(7, wavelength=3.0), gabor(7, wavelength=5.0))
    with pytest.raises(ValueError, match=r"wavelength -1\.0 must be"):
        gabor(7, wavelength=-1.0)
    with pytest.raises(ValueError, match="sigma nan must be"):
        gabor(7, sigma=float("nan"))
    with pytest.raises(ValueError, match="count 0 must be at least 1"):
        kernel_bank("gabor", 3, count=0)


def test_random_bank_is_seeded_and_he_scaled() -> None:
    first = random_bank(16, count=32, size=5, seed=7)
    np.testing.assert_array_equal(first.weights, random_bank(16, count=32, size=5, seed=7).weights)
    assert not np.allclose(first.weights, random_bank(16, count=32, size=5, seed=8).weights)
    assert first.weights.shape == (32, 16, 5, 5)
    assert first.kernels is None
    assert first.labels[:2] == ("random 0", "random 1")
    expected_std = math.sqrt(2 / (16 * 25))
    assert first.weights.std() == pytest.approx(expected_std, rel=0.05)
    assert abs(first.weights.mean()) < 0.05 * expected_std * 10
    # Independent per input channel, unlike the replicated banks.
    assert not np.allclose(first.weights[0, 0], first.weights[0, 1])
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        random_bank(3, seed=-1)
