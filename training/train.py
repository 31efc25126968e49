"""Train TinyVGG on MNIST with the engine alone (no torch) and write the shipped network.

    python -m training.train [--epochs 6] [--optimizer adam|sgd] [--lr 0.001] [--lr-decay 0.6] [--seed 0]

Seeded and reproducible: the seed draws the initial weights (torch's default rule, from NumPy)
and the order of the training digits in every epoch, and BLAS runs one thread (unless
``OPENBLAS_NUM_THREADS`` and friends are already set), so the same command on the same machine
gives the same weights. One thread is also the fastest on a shared machine: a multi-threaded BLAS
on these small matrix products mostly waits for its threads. Writes, into ``--out``
(``app/networks/`` by default):

- ``<name>.npz``: the weights (float32), keyed like ``torch.nn.Sequential(...).state_dict()``;
- ``<name>.json``: the architecture, the classes, the training log (per epoch: loss, accuracy,
  seconds), the final test accuracy on all 10,000 test digits, the command, seed, optimizer and
  the MNIST credit;
- ``mnist_gallery.npz``: a few hundred test digits (uint8 28x28, pixel = value / 256 exactly),
  their labels, their indices in the test split and the network's predictions.

Progress goes to stderr as a plain-text bar.
"""

from __future__ import annotations

import os

if __name__ == "__main__":
    # Before NumPy is imported, or BLAS has already started its threads (only when run, never
    # when imported: importing this module changes nothing about the process).
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")

import argparse
import json
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from engine import SGD, Adam, Optimizer, cross_entropy, cross_entropy_backward
from engine.network import CLASSES, Sequential, save_weights, tinyvgg
from engine.network.tinyvgg import INPUT_SHAPE
from training.evaluate import evaluate
from training.mnist import WHEEL, load_mnist

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "app" / "networks"
CREDIT = "MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, CC BY-SA 3.0"
GALLERY_FILE = "mnist_gallery.npz"
EVALUATION_BATCH = 1000


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    parser.add_argument("--lr", type=float, default=None, help="default: 0.001 for Adam, 0.01 for SGD")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD's momentum")
    parser.add_argument(
        "--lr-decay", type=float, default=0.6, help="lr times this after each epoch (ExponentialLR's gamma)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--channels", type=int, nargs=2, default=(16, 32), metavar=("FIRST", "SECOND"))
    parser.add_argument("--limit", type=int, default=None, help="train on the first N digits only (sizing)")
    parser.add_argument("--gallery", type=int, default=300, help="test digits in the gallery (0: none)")
    parser.add_argument("--name", default="tinyvgg")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dry-run", action="store_true", help="train and evaluate, but write no files")
    return parser.parse_args(argv)


class ProgressBar:
    """``epoch 1/4 [########------------]  312/782  loss 0.2345  41 s`` on one line of ``stream``.

    On a terminal the line is redrawn in place; into a file (``nohup``) it is written out in
    full every tenth of the epoch, so the log stays readable.
    """

    WIDTH = 30

    def __init__(self, label: str, total: int, stream: TextIO = sys.stderr) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.start = time.perf_counter()
        self.live = stream.isatty()
        self.shown = -1

    def update(self, done: int, loss: float) -> None:
        tenth = done * 10 // self.total
        if not self.live and (tenth == self.shown or done == self.total):
            return
        self.shown = tenth
        filled = self.WIDTH * done // self.total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        seconds = time.perf_counter() - self.start
        count = f"{done:>{len(str(self.total))}}/{self.total}"
        line = f"{self.label} [{bar}] {count}  loss {loss:.4f}  {seconds:.0f} s"
        self.stream.write(("\r" + line) if self.live else line + "\n")
        self.stream.flush()

    def close(self, summary: str) -> None:
        self.stream.write(("\r" if self.live else "") + summary + "\n")
        self.stream.flush()


def canonical_command(args: argparse.Namespace) -> str:
    """The command with every setting that changes the weights spelled out, so it gives the same
    weights even if a default changes later."""
    words = [
        f"--epochs {args.epochs}",
        f"--batch-size {args.batch_size}",
        f"--optimizer {args.optimizer}",
        f"--lr {default_lr(args) if args.lr is None else args.lr}",
        *([f"--momentum {args.momentum}"] if args.optimizer == "sgd" else []),
        f"--lr-decay {args.lr_decay}",
        f"--seed {args.seed}",
        f"--channels {args.channels[0]} {args.channels[1]}",
        *([f"--limit {args.limit}"] if args.limit is not None else []),
    ]
    return " ".join(["python -m training.train", *words])


def default_lr(args: argparse.Namespace) -> float:
    return 1e-3 if args.optimizer == "adam" else 1e-2


def make_optimizer(args: argparse.Namespace, network: Sequential) -> tuple[Adam | SGD, dict[str, Any]]:
    """The optimizer over the network's parameters, and its settings as the JSON records them."""
    if args.optimizer == "adam":
        lr = default_lr(args) if args.lr is None else args.lr
        settings: dict[str, Any] = {"name": "Adam", "lr": lr, "betas": [0.9, 0.999], "eps": 1e-8}
        return Adam(network.parameters(), lr=lr), settings
    lr = default_lr(args) if args.lr is None else args.lr
    settings = {"name": "SGD", "lr": lr, "momentum": args.momentum}
    return SGD(network.parameters(), lr=lr, momentum=args.momentum), settings


def train_epoch(
    network: Sequential,
    optimizer: Optimizer,
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    rng: np.random.Generator,
    bar: ProgressBar,
) -> tuple[float, float]:
    """One pass over the digits in a random order: (mean training loss, training accuracy)."""
    network.train()
    order = rng.permutation(len(labels))
    loss_sum, correct = 0.0, 0
    for step, start in enumerate(range(0, len(order), batch_size), start=1):
        index = np.sort(order[start : start + batch_size])
        x, y = images[index], labels[index]
        logits, _ = network.forward(x)
        loss_sum += float(cross_entropy(logits, y)) * len(y)
        correct += int((logits.argmax(axis=1) == y).sum())
        grad = cross_entropy_backward(logits, y).astype(logits.dtype, copy=False)
        grads = network.backward(grad).parameters
        optimizer.step(list(grads.values()))
        bar.update(step, loss_sum / min(start + batch_size, len(order)))
    return loss_sum / len(labels), correct / len(labels)


def gallery(
    network: Sequential, images: np.ndarray, labels: np.ndarray, count: int, seed: int
) -> dict[str, np.ndarray]:
    """``count`` test digits, as many of each class as can be (chosen by ``seed``), in test order."""
    rng = np.random.default_rng([seed, 1])
    per_class = -(-count // len(CLASSES))
    chosen = np.concatenate(
        [rng.permutation(np.flatnonzero(labels == digit))[:per_class] for digit in range(len(CLASSES))]
    )
    indices = np.sort(chosen[:count] if len(chosen) > count else chosen)
    pixels = np.rint(images[indices, 0] * 256).astype(np.uint8)
    predictions = evaluate(network, images[indices], labels[indices], EVALUATION_BATCH).predictions
    return {
        "images": pixels,
        "labels": labels[indices].astype(np.int64),
        "indices": indices.astype(np.int64),
        "predictions": predictions.astype(np.int64),
    }


def run_epochs(
    args: argparse.Namespace, network: Sequential, optimizer: Any, data: Any
) -> list[dict[str, Any]]:
    """Train for ``args.epochs`` epochs, printing a bar per epoch; the per-epoch log."""
    (train_x, train_y), (val_x, val_y) = data
    rng = np.random.default_rng([args.seed, 0])
    steps = -(-len(train_y) // args.batch_size)
    log: list[dict[str, Any]] = []
    for epoch in range(1, args.epochs + 1):
        lr = optimizer.lr
        bar = ProgressBar(f"epoch {epoch}/{args.epochs}", steps)
        begun = time.perf_counter()
        loss, accuracy = train_epoch(network, optimizer, train_x, train_y, args.batch_size, rng, bar)
        seconds = time.perf_counter() - begun
        validation = evaluate(network, val_x, val_y, EVALUATION_BATCH)
        log.append(
            {
                "epoch": epoch,
                "train_loss": round(loss, 6),
                "train_accuracy": round(accuracy, 6),
                "validation_loss": round(validation.loss, 6),
                "validation_accuracy": validation.accuracy,
                "seconds": round(seconds, 1),
                "lr": lr,
            }
        )
        # As torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma).step() after each epoch.
        optimizer.lr = lr * args.lr_decay
        bar.close(
            f"epoch {epoch}/{args.epochs}: train loss {loss:.4f}, train accuracy {accuracy:.4f}, "
            f"validation loss {validation.loss:.4f}, validation accuracy {validation.accuracy:.4f} "
            f"({validation.correct}/{validation.total}), {seconds:.0f} s"
        )
    return log


def training_record(
    args: argparse.Namespace, optimizer_settings: Any, digits: tuple[int, int], seconds: float
) -> dict[str, Any]:
    """How the network was trained, for its JSON document."""
    return {
        "command": canonical_command(args),
        "seed": args.seed,
        "optimizer": optimizer_settings,
        "lr_schedule": None
        if args.lr_decay == 1
        else {"name": "ExponentialLR", "gamma": args.lr_decay, "step": "after each epoch"},
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "loss": "cross_entropy (mean over the batch)",
        "initialisation": "torch.nn defaults (kaiming_uniform_(a=sqrt(5)) weights, "
        "U(-1/sqrt(fan_in), 1/sqrt(fan_in)) biases), drawn by numpy.random.default_rng(seed)",
        "train_digits": digits[0],
        "validation_digits": digits[1],
        "seconds": round(seconds, 1),
        "engine": "ConvScope's NumPy engine alone (no torch)",
        "numpy": np.__version__,
        "python": platform.python_version(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }


def network_document(
    args: argparse.Namespace, network: Sequential, training: dict[str, Any], log: list[Any], test: Any
) -> dict[str, Any]:
    """The JSON written beside the weights: architecture, classes, training, log, test result, credit."""
    return {
        "name": args.name,
        "description": "TinyVGG (as in CNN Explainer) for 28x28 MNIST digits: two blocks of "
        "[Conv2d 3x3, ReLU, Conv2d 3x3, ReLU, MaxPool2d 2], then Flatten and Linear to 10 classes.",
        "input_shape": list(INPUT_SHAPE),
        "input_scale": "pixel intensity in [0, 1] (MNIST's 0..255 divided by 256); 0 is the background",
        "classes": list(CLASSES),
        "architecture": network.describe(INPUT_SHAPE),
        "parameters": network.parameter_count,
        "weights": f"{args.name}.npz",
        "torch_code": network.to_torch_code(f"{args.name}.npz"),
        "training": training,
        "log": log,
        "test": {
            "correct": test.correct,
            "total": test.total,
            "accuracy": test.accuracy,
            "evaluation_batch": EVALUATION_BATCH,
        },
        "data": {
            "name": "MNIST",
            "credit": CREDIT,
            "source": f"the classic 50,000 / 10,000 / 10,000 split of mnist.pkl.gz, from the wheel {WHEEL}",
        },
        "gallery": GALLERY_FILE if args.gallery else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    (train_x, train_y), (val_x, val_y), (test_x, test_y) = load_mnist()
    if args.limit is not None:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]
    network = Sequential(tinyvgg(tuple(args.channels)), seed=args.seed, dtype=np.float32)
    optimizer, optimizer_settings = make_optimizer(args, network)
    steps = -(-len(train_y) // args.batch_size)
    print(
        f"{args.name}: {network.parameter_count:,} parameters, {len(train_y):,} training digits, "
        f"{steps} steps of {args.batch_size} per epoch, {optimizer_settings}",
        file=sys.stderr,
    )
    started = time.perf_counter()
    log = run_epochs(args, network, optimizer, ((train_x, train_y), (val_x, val_y)))
    test = evaluate(network, test_x, test_y, EVALUATION_BATCH)
    total_seconds = time.perf_counter() - started
    print(
        f"test accuracy {test.accuracy:.4f} ({test.correct}/{test.total}); {total_seconds:.0f} s in all",
        file=sys.stderr,
    )
    if args.dry_run:
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    save_weights(network, args.out / f"{args.name}.npz")
    training = training_record(args, optimizer_settings, (len(train_y), len(val_y)), total_seconds)
    document = network_document(args, network, training, log, test)
    (args.out / f"{args.name}.json").write_text(json.dumps(document, indent=2) + "\n")
    if args.gallery:
        with open(args.out / GALLERY_FILE, "wb") as stream:
            np.savez_compressed(stream, **gallery(network, test_x, test_y, args.gallery, args.seed))  # type: ignore[arg-type]
    written = f"{args.name}.npz, {args.name}.json" + (f", {GALLERY_FILE}" if args.gallery else "")
    print(f"wrote {written} into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
