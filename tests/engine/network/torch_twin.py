"""The torch.nn twin of an engine network: the same modules, the same weights, float64 by default."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from engine.layers import Layer
from engine.network import Sequential, layer_kwargs


def torch_module(layer: Layer, dtype: torch.dtype = torch.float64) -> torch.nn.Module:
    """``torch.nn.<Layer>(**kwargs)`` from the layer's own constructor arguments."""
    module: torch.nn.Module = getattr(torch.nn, type(layer).__name__)(**layer_kwargs(layer))
    return module.to(dtype)


def load(module: torch.nn.Module, state: dict[str, np.ndarray]) -> torch.nn.Module:
    """``module`` holding copies of ``state`` (a state dict of NumPy arrays)."""
    module.load_state_dict({key: torch.from_numpy(np.array(value)) for key, value in state.items()})
    return module


def torch_twin(network: Sequential, dtype: torch.dtype = torch.float64) -> torch.nn.Sequential:
    """``torch.nn.Sequential`` of the same layers, loaded with the network's state dict, in its mode."""
    twin = torch.nn.Sequential(*(torch_module(layer, dtype) for layer in network.layers))
    load(twin, network.state_dict())
    return twin.train(network.training)


def run_keeping(twin: torch.nn.Sequential, x: np.ndarray) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(input tensor that requires grad, every module's output with its gradient retained)."""
    tensor = torch.tensor(x, requires_grad=True)
    outputs: list[torch.Tensor] = []
    value: Any = tensor
    for module in twin:
        value = module(value)
        value.retain_grad()
        outputs.append(value)
    return tensor, outputs
