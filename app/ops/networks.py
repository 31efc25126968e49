"""The trained networks of ``app/networks/``: loaded once per process, described, run on one digit.

A network is ``<name>.npz`` (its state dict) beside ``<name>.json`` (its description, written by
``training/train.py``), read by :func:`engine.network.load_network`. The detail answer (every
weight as nested lists, a few hundred KB) is encoded once and kept; a forward pass runs the
engine's :class:`~engine.network.Sequential` keeping every layer's output.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from app.errors import ApiError
from app.images import decode_image
from app.schemas import NETWORK_SIDE
from app.settings import Settings
from engine.digits import mnist_digit
from engine.network import Sequential, load_network
from engine.network.readout import softmax_working

NETWORKS_DIR = Path(__file__).resolve().parents[1] / "networks"
_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
TITLES = {"tinyvgg": "TinyVGG for MNIST digits"}
# The scale of the gallery's uint8 pixels: value = pixel / 256 exactly (training/train.py).
GALLERY_SCALE = 256


@dataclass(frozen=True)
class Loaded:
    """A network in evaluation mode and its JSON description."""

    name: str
    network: Sequential
    meta: dict[str, Any]


def available() -> list[str]:
    """The names of the networks on disk (a .json with its .npz), sorted."""
    if not NETWORKS_DIR.is_dir():
        return []
    return sorted(
        path.stem
        for path in NETWORKS_DIR.glob("*.json")
        if _NAME.match(path.stem) and path.with_suffix(".npz").exists()
    )


@cache
def _load(name: str) -> Loaded:
    network, meta = load_network(NETWORKS_DIR, name)
    return Loaded(name, network, meta)


def network(name: str) -> Loaded:
    """The network called ``name``; 404 when there is none."""
    if not _NAME.match(name) or name not in available():
        known = ", ".join(available()) or "none"
        raise ApiError(404, "not_found", f"no network called {name!r}; the networks are: {known}", "name")
    return _load(name)


def _accuracy(meta: dict[str, Any]) -> float:
    return float(meta.get("test", {}).get("accuracy", 0.0))


def summary(loaded: Loaded) -> dict[str, Any]:
    meta = loaded.meta
    return {
        "name": loaded.name,
        "title": TITLES.get(loaded.name, loaded.name),
        "dataset": meta.get("data", {}).get("name", ""),
        "test_accuracy": _accuracy(meta),
        "parameters": int(meta.get("parameters", loaded.network.parameter_count)),
        "input_shape": list(meta.get("input_shape", [1, NETWORK_SIDE, NETWORK_SIDE])),
    }


def network_list() -> dict[str, Any]:
    return {"networks": [summary(_load(name)) for name in available()]}


@cache
def detail_bytes(name: str) -> bytes:
    """The encoded detail answer of ``name`` (computed once: it holds every weight)."""
    loaded = network(name)
    meta, net = loaded.meta, loaded.network
    body = {
        **summary(loaded),
        "description": meta.get("description", ""),
        "layers": net.describe(tuple(meta.get("input_shape", (1, NETWORK_SIDE, NETWORK_SIDE)))),
        "state_dict": {key: value.tolist() for key, value in net.state_dict().items()},
        "classes": list(meta.get("classes", [str(d) for d in range(10)])),
        "training_log": meta.get("log", []),
        "training": meta.get("training", {}),
        "torch_code": net.to_torch_code(f"{name}.npz"),
        "credit": meta.get("data", {}).get("credit", ""),
    }
    return json.dumps(body, separators=(",", ":")).encode()


@cache
def gallery_bytes(name: str) -> bytes:
    """The test digits shipped beside ``name``: each 28x28 uint8 digit as base64 of its 784 bytes."""
    loaded = network(name)
    file = loaded.meta.get("gallery")
    if not file or not (NETWORKS_DIR / file).exists():
        raise ApiError(404, "not_found", f"the network {name!r} has no gallery of test digits", "name")
    with np.load(NETWORKS_DIR / file, allow_pickle=False) as arrays:
        images, labels, indices = arrays["images"], arrays["labels"], arrays["indices"]
    digits = [
        {
            "label": int(label),
            "test_index": int(index),
            "pixels": base64.b64encode(np.ascontiguousarray(image, dtype=np.uint8).tobytes()).decode(),
        }
        for image, label, index in zip(images, labels, indices, strict=True)
    ]
    body = {
        "scale": GALLERY_SCALE,
        "side": NETWORK_SIDE,
        "credit": loaded.meta.get("data", {}).get("credit", ""),
        "digits": digits,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def digit_input(raw: Any) -> np.ndarray:
    """The request's ``input`` as a (1, 28, 28) float array; 422 naming ``input`` otherwise."""
    try:
        array = np.asarray(raw, dtype=np.float64)
    except (ValueError, TypeError):
        raise ApiError(
            422, "invalid_value", "input must be 28 rows of 28 numbers (nested lists, rectangular)", "input"
        ) from None
    side = NETWORK_SIDE
    if array.shape == (side, side):
        array = array[None]
    if array.shape != (1, side, side):
        raise ApiError(
            422,
            "bad_shape",
            f"input must be {side}x{side} (or 1x{side}x{side}), got shape {list(array.shape)}",
            "input",
        )
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        low, high = float(np.nanmin(array)), float(np.nanmax(array))
        raise ApiError(
            422,
            "out_of_range",
            f"input values must lie in [0, 1] (0 background, 1 ink); got {low:g} to {high:g}",
            "input",
        )
    return array


def forward(name: str, x: np.ndarray) -> dict[str, Any]:
    """Every layer's output for one digit (1, 28, 28), the logits and the softmax with its working."""
    loaded = network(name)
    rows = loaded.network.describe(tuple(x.shape))
    logits, outputs = loaded.network.forward(x.astype(np.float32), keep=True)
    working = softmax_working(logits)
    return {
        "layers": [
            {"name": row["name"], "module": row["module"], "output": output.tolist()}
            for row, output in zip(rows, outputs, strict=True)
        ],
        "logits": logits.astype(np.float64).tolist(),
        "probabilities": working.probabilities.tolist(),
        "prediction": working.prediction,
        "softmax": {"exponentials": working.exponentials.tolist(), "sum": working.total},
    }


def classify_image(name: str, data: bytes, settings: Settings) -> dict[str, Any]:
    """Decode a photo (grey), make it MNIST-like (:func:`engine.digits.mnist_digit`), run it."""
    network(name)
    decoded = decode_image(data, settings, grayscale=True)
    try:
        digit = mnist_digit(decoded.pixels[0])
    except ValueError as error:
        code = getattr(error, "code", "invalid_image")
        raise ApiError(422, code, str(error), "image") from None
    return {**forward(name, digit[None]), "input": digit.tolist()}
