"""A trained network on disk: ``<name>.npz`` (the state dict) beside ``<name>.json`` (its description).

The .npz holds one array per state-dict key ("0.weight", ...), as ``numpy.savez`` writes them;
the .json holds at least ``"architecture"``, the :func:`engine.network.describe` table of the
layers. Both are plain data: ``numpy.load`` is called with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from engine.network.describe import layers_from_description
from engine.network.sequential import Sequential


def save_weights(network: Sequential, path: str | Path, dtype: DTypeLike = np.float32) -> None:
    """Write ``network``'s state dict to ``path`` (.npz), float arrays in ``dtype``."""
    arrays = {
        key: value.astype(dtype) if np.issubdtype(value.dtype, np.floating) else value
        for key, value in network.state_dict().items()
    }
    with open(path, "wb") as stream:
        np.savez(stream, **arrays)  # type: ignore[arg-type]


def load_network(folder: str | Path, name: str) -> tuple[Sequential, dict[str, Any]]:
    """The network ``<folder>/<name>.json`` describes, with the weights of ``<folder>/<name>.npz``, in
    evaluation mode; and the JSON document itself (classes, training log, accuracy, ...)."""
    folder = Path(folder)
    meta = json.loads((folder / f"{name}.json").read_text())
    with np.load(folder / f"{name}.npz", allow_pickle=False) as arrays:
        state = {key: arrays[key] for key in arrays.files}
    return Sequential(layers_from_description(meta["architecture"]), state).eval(), meta
