"""A chain of layers with weights, as ``torch.nn.Sequential``: forward, backward, state dict, init.

The layers are the vocabulary of :mod:`engine.layers` (settings only); the network holds their
weights in one state dict keyed exactly as ``torch.nn.Sequential(*modules).state_dict()`` keys
them: ``"<layer index>.<name>"`` ("0.weight", "0.bias", "3.running_mean", ...), parameters
before buffers within a layer, layers in order. The arrays are the network's own and are
changed in place (by an optimizer's ``step``, by ``load_state_dict``, by batch norm's running
statistics in training mode), so ``parameters()`` can be handed to :mod:`engine.optim` once.

A forward pass that keeps its work records every layer's output and what each layer's backward
needs; :meth:`Sequential.backward` then runs back through the layers with the engine's backward
functions and returns every parameter's gradient and every layer's input gradient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Self

import numpy as np
from numpy.typing import DTypeLike

from engine._checks import Array, Shape
from engine.errors import EngineError
from engine.layers import COMPUTING_LAYERS, Cache, ComputingLayer, Layer
from engine.network.describe import describe, to_torch_code


class Gradients(NamedTuple):
    """What :meth:`Sequential.backward` returns.

    ``parameters``: the gradient of every trainable parameter, keyed and ordered as
    :meth:`Sequential.named_parameters` (so ``list(parameters.values())`` lines up with
    :meth:`Sequential.parameters` for an optimizer's ``step``). ``inputs``: the gradient with
    respect to each layer's input, in layer order (``inputs[0]`` is the network input's).
    """

    parameters: dict[str, Array]
    inputs: list[Array]


class Sequential:
    """``torch.nn.Sequential(*layers)`` with its weights.

    ``state_dict`` None initialises the weights as torch does (:meth:`init` with ``seed``);
    otherwise it must hold exactly the keys and shapes of the layers' state, and is copied.
    ``dtype`` is that of every float array (None: the given arrays' own, float32 when
    initialising, torch's default); ``num_batches_tracked`` stays int64. A new network is in
    training mode, as a new torch module is.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        state_dict: Mapping[str, Any] | None = None,
        *,
        seed: int = 0,
        dtype: DTypeLike | None = None,
    ) -> None:
        self.layers: tuple[ComputingLayer, ...] = tuple(
            _computing(layer, i) for i, layer in enumerate(layers)
        )
        self.training = True
        self._shapes = {
            f"{i}.{name}": shape
            for i, layer in enumerate(self.layers)
            for name, shape in layer.state_shapes().items()
        }
        self._trainable = [
            f"{i}.{name}" for i, layer in enumerate(self.layers) for name in layer.parameter_names()
        ]
        self._caches: list[Cache] | None = None
        self._batched = True
        if state_dict is None:
            self._state = _initial_state(self.layers, np.random.default_rng(seed), dtype or np.float32)
        else:
            self._check_keys(state_dict)
            self._state = {key: self._copy_in(key, state_dict[key], dtype) for key in self._shapes}
        # Each layer's view of the state: the same arrays, by the layer's own names.
        self._layer_states = [
            {name: self._state[f"{i}.{name}"] for name in layer.state_shapes()}
            for i, layer in enumerate(self.layers)
        ]

    # The state dict -----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Array]:
        """Every parameter and buffer, keyed as torch's; the network's own arrays (not copies)."""
        return dict(self._state)

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Copy ``state_dict`` (exactly this network's keys and shapes) into the network's arrays, in
        place, so an optimizer holding :meth:`parameters` keeps working on them."""
        self._check_keys(state_dict)
        for key, target in self._state.items():
            target[...] = self._copy_in(key, state_dict[key], target.dtype)

    def named_parameters(self) -> list[tuple[str, Array]]:
        """The trainable arrays (weights, biases; not batch norm's buffers) with their keys, in order."""
        return [(key, self._state[key]) for key in self._trainable]

    def parameters(self) -> list[Array]:
        """The trainable arrays in state-dict order: what ``engine.optim.Adam(...)`` and friends take."""
        return [self._state[key] for key in self._trainable]

    @property
    def parameter_count(self) -> int:
        """The number of trainable values (as ``sum(p.numel() for p in module.parameters())``)."""
        return sum(array.size for array in self.parameters())

    def init(self, seed: int) -> Self:
        """Re-initialise every array in place as torch.nn does by default, drawn from NumPy's
        ``default_rng(seed)`` layer by layer: Conv2d and Linear weights and biases
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)), batch norm gamma 1, beta 0, running mean 0, variance 1."""
        rng = np.random.default_rng(seed)
        fresh = _initial_state(self.layers, rng, np.float64)
        for key, target in self._state.items():
            target[...] = fresh[key]
        return self

    # Modes ----------------------------------------------------------------------------------------

    def train(self, mode: bool = True) -> Self:
        """Training mode (batch norm uses and updates batch statistics); returns the network."""
        self.training = bool(mode)
        return self

    def eval(self) -> Self:
        """Evaluation mode (batch norm uses its running statistics); returns the network."""
        return self.train(False)

    # Passes ---------------------------------------------------------------------------------------

    def forward(self, x: Any, keep: bool = True) -> tuple[Array, list[Array]]:
        """Run ``x`` (N, C, H, W), or one image (C, H, W), through every layer.

        Returns ``(output, outputs)``: ``outputs[i]`` is layer i's output (the last is ``output``),
        each without a batch axis when ``x`` had none. ``keep=False`` keeps nothing (outputs is
        empty and :meth:`backward` cannot follow): for inference.
        """
        value = np.asarray(x)
        self._batched = value.ndim != 3
        value = value if self._batched else value[None]
        outputs: list[Array] = []
        caches: list[Cache] = []
        for index, layer in enumerate(self.layers):
            params = self._layer_state(index)
            try:
                value, cache = layer.forward(value, params, training=self.training)
            except EngineError as error:
                raise error.within(f"layer {index} ({type(layer).__name__})", f"layers[{index}]") from None
            if keep:
                outputs.append(value)
                caches.append(cache)
        self._caches = caches if keep else None
        return self._unbatch(value), [self._unbatch(output) for output in outputs]

    def __call__(self, x: Any) -> Array:
        """The output alone, keeping nothing (as calling a torch module under ``no_grad``)."""
        return self.forward(x, keep=False)[0]

    def backward(self, grad_output: Any) -> Gradients:
        """Back through every layer from ``grad_output`` (the last forward output's shape).

        Uses the caches of the last ``forward(..., keep=True)``; see :class:`Gradients`.
        """
        if self._caches is None:
            message = "backward needs the work of a forward pass: call forward(x, keep=True) first"
            raise EngineError("missing_value", message, field="grad_output")
        grad = np.asarray(grad_output)
        grad = grad if self._batched else grad[None]
        grads: dict[str, Array] = {}
        inputs: list[Array] = []
        for index in reversed(range(len(self.layers))):
            layer = self.layers[index]
            try:
                grad, layer_grads = layer.backward(grad, self._caches[index], self._layer_state(index))
            except EngineError as error:
                raise error.within(f"layer {index} ({type(layer).__name__})", f"layers[{index}]") from None
            inputs.append(self._unbatch(grad))
            grads.update({f"{index}.{name}": value for name, value in layer_grads.items()})
        return Gradients({key: grads[key] for key in self._trainable}, inputs[::-1])

    # Descriptions ---------------------------------------------------------------------------------

    def output_shapes(self, input_shape: Shape) -> list[Shape]:
        """Each layer's output shape for an input of ``input_shape``, from the layers' plans."""
        shapes: list[Shape] = []
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = tuple(layer.output_shape(shape))
            shapes.append(shape)
        return shapes

    def describe(self, input_shape: Shape = (1, 28, 28)) -> list[dict[str, Any]]:
        """Per layer ``{"name", "module", "kwargs", "output_shape", "parameters"}``: see
        :func:`engine.network.describe.describe`."""
        return describe(self.layers, input_shape)

    def to_torch_code(self, weights: str = "weights.npz") -> str:
        """Three lines of Python that rebuild this network in PyTorch and load ``weights`` (an .npz
        of this state dict, as ``numpy.savez(weights, **network.state_dict())`` writes it)."""
        return to_torch_code(self.layers, weights)

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        return f"Sequential({', '.join(repr(layer) for layer in self.layers)})"

    # Helpers --------------------------------------------------------------------------------------

    def _layer_state(self, index: int) -> dict[str, Array]:
        return self._layer_states[index]

    def _unbatch(self, value: Array) -> Array:
        return value if self._batched else value[0]

    def _check_keys(self, state_dict: Mapping[str, Any]) -> None:
        missing = [key for key in self._shapes if key not in state_dict]
        if missing:
            message = f"the state dict lacks {missing}; this network's keys are {list(self._shapes)}"
            raise EngineError("missing_value", message, field="state_dict", missing=missing)
        unexpected = [key for key in state_dict if key not in self._shapes]
        if unexpected:
            message = f"the state dict has keys {unexpected} that no layer of this network takes"
            raise EngineError("not_for_this_layer", message, field="state_dict", unexpected=unexpected)

    def _copy_in(self, key: str, value: Any, dtype: DTypeLike | None) -> Array:
        """A fresh copy of ``value`` for ``key``, of its shape; floats in ``dtype`` (None: their own)."""
        array = np.asarray(value)
        if array.shape != self._shapes[key]:
            message = f"{key} has shape {array.shape}, but the layer needs {self._shapes[key]}"
            raise EngineError(
                "shape_mismatch", message, field=key, shape=array.shape, expected=self._shapes[key]
            )
        if key.endswith("num_batches_tracked"):
            return np.array(array, dtype=np.int64)
        if not np.issubdtype(array.dtype, np.floating):
            array = array.astype(np.float64)
        return np.array(array, dtype=dtype or array.dtype)


def _computing(layer: Layer, index: int) -> ComputingLayer:
    if not isinstance(layer, COMPUTING_LAYERS):
        known = ", ".join(kind.__name__ for kind in COMPUTING_LAYERS)
        message = f"layer {index} is a {type(layer).__name__}; a network can compute only {known}"
        raise EngineError("unknown_layer_type", message, field=f"layers[{index}]", type=type(layer).__name__)
    return layer  # type: ignore[return-value]


def _initial_state(
    layers: Sequence[ComputingLayer], rng: np.random.Generator, dtype: DTypeLike
) -> dict[str, Array]:
    return {
        f"{i}.{name}": value
        for i, layer in enumerate(layers)
        for name, value in layer.initial_state(rng, dtype).items()
    }
