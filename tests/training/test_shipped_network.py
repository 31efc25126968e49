"""The shipped network (app/networks/tinyvgg.*): the accuracy its JSON states, digit for digit, on all
10,000 test digits; torch with the same weights agrees; the gallery is what it says it is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from engine.network import CLASSES, Sequential, layers_from_description, load_network, tinyvgg
from training.evaluate import Evaluation, evaluate
from training.mnist import Split, load_mnist

FOLDER = Path(__file__).resolve().parents[2] / "app" / "networks"
CREDIT = "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0"


@pytest.fixture(scope="module")
def test_split() -> Split:
    """The 10,000 test digits (downloaded into the cache first if they are missing)."""
    return load_mnist()[2]


@pytest.fixture(scope="module")
def shipped() -> tuple[Sequential, dict[str, Any]]:
    return load_network(FOLDER, "tinyvgg")


@pytest.fixture(scope="module")
def result(shipped: tuple[Sequential, dict[str, Any]], test_split: Split) -> Evaluation:
    network, meta = shipped
    return evaluate(network, *test_split, batch_size=meta["test"]["evaluation_batch"])


def test_the_stated_accuracy_is_reproduced_exactly(
    shipped: tuple[Sequential, dict[str, Any]], result: Evaluation
) -> None:
    _, meta = shipped
    assert result.total == meta["test"]["total"] == 10000
    assert result.correct == meta["test"]["correct"]
    assert result.accuracy == meta["test"]["accuracy"] >= 0.985


def test_the_files_describe_tinyvgg_with_float32_weights(shipped: tuple[Sequential, dict[str, Any]]) -> None:
    network, meta = shipped
    assert list(network.layers) == tinyvgg() == layers_from_description(meta["architecture"])
    assert meta["classes"] == list(CLASSES)
    assert meta["architecture"] == network.describe((1, 28, 28))
    assert meta["parameters"] == network.parameter_count
    assert meta["data"]["credit"] == CREDIT
    assert len(meta["log"]) == meta["training"]["epochs"]
    assert {"epoch", "train_loss", "validation_accuracy", "seconds"} <= set(meta["log"][0])
    with np.load(FOLDER / "tinyvgg.npz") as arrays:
        assert arrays.files == list(network.state_dict())
        assert {arrays[key].dtype for key in arrays.files} == {np.dtype(np.float32)}


def test_torch_with_the_same_weights_agrees(
    shipped: tuple[Sequential, dict[str, Any]], result: Evaluation, test_split: Split
) -> None:
    _, meta = shipped
    rows = meta["architecture"]
    model = torch.nn.Sequential(*(getattr(torch.nn, row["module"])(**row["kwargs"]) for row in rows))
    with np.load(FOLDER / "tinyvgg.npz") as arrays:
        model.load_state_dict({key: torch.from_numpy(arrays[key]) for key in arrays.files})
    model.eval()
    with torch.no_grad():
        logits = np.concatenate(
            [model(torch.from_numpy(x)).numpy() for x in np.array_split(test_split[0], 10)]
        )
    np.testing.assert_allclose(result.logits, logits, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(result.predictions, logits.argmax(axis=1))


def test_the_gallery_is_test_digits_with_their_labels(
    shipped: tuple[Sequential, dict[str, Any]], result: Evaluation, test_split: Split
) -> None:
    _, meta = shipped
    images, labels = test_split
    with np.load(FOLDER / meta["gallery"]) as gallery:
        pixels, indices = gallery["images"], gallery["indices"]
        assert pixels.dtype == np.uint8
        assert pixels.shape == (len(indices), 28, 28)
        assert 200 <= len(indices) <= 400
        np.testing.assert_array_equal(pixels / np.float32(256), images[indices, 0])
        np.testing.assert_array_equal(gallery["labels"], labels[indices])
        # The network's answers on the gallery as it stands (one batch, as the training script ran it).
        network, _ = shipped
        np.testing.assert_array_equal(gallery["predictions"], network(images[indices]).argmax(axis=1))
        assert (gallery["predictions"] == result.predictions[indices]).mean() > 0.99
    assert json.loads((FOLDER / "tinyvgg.json").read_text())["gallery"] == "mnist_gallery.npz"
