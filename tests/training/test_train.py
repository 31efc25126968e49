"""The training loop's pieces on synthetic digits: seeded and reproducible, learning, its progress
bar, its optimizers and the gallery it writes."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from engine.network import Sequential, tinyvgg
from engine.optim import SGD, Adam
from training import train
from training.evaluate import evaluate

N = 192


def digits(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Fake MNIST: (N, 1, 28, 28) float32 pixels k/256, as the real ones, and int64 labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(N, dtype=np.int64) % 10
    images = rng.integers(0, 64, (N, 1, 28, 28)).astype(np.float32) / 256
    for index, label in enumerate(labels):  # a bright bar whose row says the class
        images[index, 0, 2 + 2 * label : 4 + 2 * label, 4:24] = 250 / 256
    return images, labels


def one_epoch(seed: int) -> tuple[Sequential, float, float, str]:
    net = Sequential(tinyvgg((4, 8)), seed=seed)
    optimizer, _ = train.make_optimizer(train.parse_args(["--lr", "0.005"]), net)
    stream = io.StringIO()
    bar = train.ProgressBar("epoch 1/1", -(-N // 64), stream)
    loss, accuracy = train.train_epoch(net, optimizer, *digits(), 64, np.random.default_rng([seed, 0]), bar)
    return net, loss, accuracy, stream.getvalue()


def test_an_epoch_is_reproducible_from_its_seed() -> None:
    first, loss, accuracy, log = one_epoch(1)
    second, loss_again, _, _ = one_epoch(1)
    other, _, _, _ = one_epoch(2)
    assert loss == loss_again
    assert np.isfinite(loss)
    assert 0 <= accuracy <= 1
    for a, b, c in zip(first.parameters(), second.parameters(), other.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
    # Into a file the bar writes whole lines, one per tenth of the epoch reached.
    lines = log.splitlines()
    assert len(lines) == 2  # steps 1 and 2; the last is the epoch's summary, written by close()
    for step, line in enumerate(lines, start=1):
        assert re.fullmatch(
            rf"epoch 1/1 \[#{{{10 * step}}}-{{{30 - 10 * step}}}\] {step}/3  loss \d\.\d{{4}}  \d+ s", line
        )


def test_a_few_epochs_learn_the_fake_digits() -> None:
    net = Sequential(tinyvgg((4, 8)), seed=0)
    optimizer, _ = train.make_optimizer(train.parse_args(["--lr", "0.01"]), net)
    images, labels = digits()
    before = evaluate(net, images, labels).loss
    rng = np.random.default_rng(0)
    for _ in range(6):
        bar = train.ProgressBar("epoch", 3, io.StringIO())
        train.train_epoch(net, optimizer, images, labels, 64, rng, bar)
    after = evaluate(net, images, labels, batch_size=50)
    assert after.loss < 0.75 * before
    assert after.accuracy > 0.5  # chance is 0.1
    assert net.training  # evaluate restores the mode


@pytest.mark.parametrize(
    ("argv", "kind", "settings"),
    [
        ([], Adam, {"name": "Adam", "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8}),
        (["--optimizer", "sgd", "--lr", "0.05"], SGD, {"name": "SGD", "lr": 0.05, "momentum": 0.9}),
    ],
)
def test_the_optimizer_and_its_record(argv: list[str], kind: type, settings: dict[str, object]) -> None:
    net = Sequential(tinyvgg())
    optimizer, record = train.make_optimizer(train.parse_args(argv), net)
    assert isinstance(optimizer, kind)
    assert record == settings
    assert all(a is b for a, b in zip(optimizer.params, net.parameters(), strict=True))


def test_the_gallery_holds_every_class_as_exact_bytes() -> None:
    images, labels = digits()
    net = Sequential(tinyvgg((4, 8))).eval()
    chosen = train.gallery(net, images, labels, 50, seed=0)
    assert {key: value.dtype for key, value in chosen.items()} == {
        "images": np.uint8,
        "labels": np.int64,
        "indices": np.int64,
        "predictions": np.int64,
    }
    indices = chosen["indices"]
    assert chosen["images"].shape == (50, 28, 28)
    assert list(indices) == sorted(set(indices.tolist()))
    assert np.bincount(chosen["labels"]).tolist() == [5] * 10
    np.testing.assert_array_equal(chosen["labels"], labels[indices])
    np.testing.assert_array_equal(chosen["images"] / np.float32(256), images[indices, 0])
    np.testing.assert_array_equal(chosen["predictions"], net(images[indices]).argmax(axis=1))
