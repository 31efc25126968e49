"""A network's layers as torch.nn modules: a JSON-ready table, the PyTorch code, and back again.

Each row of :func:`describe` names the ``torch.nn`` class of a layer and its constructor
arguments (every field of the layer, in the constructor's order), so
``getattr(torch.nn, row["module"])(**row["kwargs"])`` builds the same module and
:func:`layers_from_description` builds the same layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from engine._checks import Shape
from engine.errors import EngineError
from engine.layers import COMPUTING_LAYERS, ComputingLayer, Layer

MODULES: dict[str, type] = {kind.__name__: kind for kind in COMPUTING_LAYERS}
"""The layer classes a network can compute, by their torch.nn name (which is their own)."""


def _plain(value: Any) -> Any:
    """Tuples as lists, for JSON."""
    return [_plain(v) for v in value] if isinstance(value, tuple | list) else value


def layer_kwargs(layer: Layer) -> dict[str, Any]:
    """Every constructor argument of ``layer`` by name, in order (pairs as lists)."""
    return {field.name: _plain(getattr(layer, field.name)) for field in dataclasses.fields(layer)}


def describe(layers: Sequence[ComputingLayer], input_shape: Shape = (1, 28, 28)) -> list[dict[str, Any]]:
    """One row per layer: ``{"name", "module", "kwargs", "output_shape", "parameters"}``.

    ``name`` is the layer's name in ``torch.nn.Sequential`` (its index, the prefix of its state
    keys), ``module`` the torch.nn class name, ``kwargs`` :func:`layer_kwargs`, ``output_shape``
    the layer's output for one input of ``input_shape`` (no batch axis) and ``parameters`` its
    count of trainable values.
    """
    rows: list[dict[str, Any]] = []
    shape = tuple(input_shape)
    for index, layer in enumerate(layers):
        shape = tuple(layer.output_shape(shape))
        rows.append(
            {
                "name": str(index),
                "module": type(layer).__name__,
                "kwargs": layer_kwargs(layer),
                "output_shape": list(shape),
                "parameters": layer.parameter_count,
            }
        )
    return rows


def _argument_list(layer: Layer) -> str:
    """The arguments of the module's constructor call: required ones by position, the rest by name
    where they differ from the default."""
    parts: list[str] = []
    for field in dataclasses.fields(layer):
        value = getattr(layer, field.name)
        if field.default is dataclasses.MISSING:
            parts.append(repr(value))
        elif value != field.default:
            parts.append(f"{field.name}={value!r}")
    return ", ".join(parts)


def to_torch_code(layers: Sequence[ComputingLayer], weights: str = "weights.npz") -> str:
    """Three lines that rebuild the network in PyTorch and load its state dict from ``weights``."""
    modules = ", ".join(f"torch.nn.{type(layer).__name__}({_argument_list(layer)})" for layer in layers)
    return "\n".join(
        [
            "import numpy as np, torch",
            f"model = torch.nn.Sequential({modules})",
            f"model.load_state_dict({{k: torch.from_numpy(v) for k, v in np.load({weights!r}).items()}})",
        ]
    )


def layers_from_description(rows: Sequence[dict[str, Any]]) -> list[ComputingLayer]:
    """The layers a :func:`describe` table describes (lists read back as pairs)."""
    layers: list[ComputingLayer] = []
    for index, row in enumerate(rows):
        kind = MODULES.get(str(row.get("module")))
        if kind is None:
            message = f"layer {index} is a {row.get('module')!r}; known modules are {sorted(MODULES)}"
            raise EngineError("unknown_layer_type", message, field=f"layers[{index}].module")
        kwargs = {name: tuple(v) if isinstance(v, list) else v for name, v in row.get("kwargs", {}).items()}
        layers.append(kind(**kwargs))
    return layers
