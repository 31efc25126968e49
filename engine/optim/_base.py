"""What SGD, RMSprop and Adam share: the parameter list, the per-parameter state, ``step(grads)``.

As in ``torch.optim``, the optimizer holds the parameter arrays themselves and changes them IN
PLACE; its state (momentum buffers, running averages, step counts) starts empty and is created on
a parameter's first step. Unlike torch, gradients are handed to :meth:`Optimizer.step` rather
than read from ``.grad``, and the step returns the change it applied to each parameter.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine._checks import Array, as_float_array, check_dtype, check_shape
from engine.errors import EngineError

State = dict[str, Any]


class Optimizer(ABC):
    """Base class: ``params`` is a list of float NumPy arrays, updated in place by :meth:`step`.

    ``state[i]`` is parameter i's state, a dict with torch's key names (empty until its first step).
    """

    def __init__(self, params: Sequence[Array]) -> None:
        self.params: list[Array] = _check_params(params)
        self.state: list[State] = [{} for _ in self.params]

    def step(self, grads: Sequence[Any]) -> list[Array]:
        """Update every parameter in place from its gradient; return the update applied to each.

        ``grads[i]`` has the shape of ``params[i]``, or is None to leave that parameter (and its
        state) untouched this step, as torch does for a parameter whose ``.grad`` is None. The
        result's entry i is ``params[i]`` after the step minus before it (zeros where skipped).
        """
        checked = _check_grads(grads, self.params)
        updates: list[Array] = []
        for param, grad, state in zip(self.params, checked, self.state, strict=True):
            before = param.copy()
            if grad is not None:
                self._update(param, grad, state)
            updates.append(param - before)
        return updates

    @abstractmethod
    def _update(self, param: Array, grad: Array, state: State) -> None:
        """One step of the rule for one parameter: change ``param`` and ``state`` in place.

        ``grad`` may be the caller's own array: rules never write into it.
        """


def start_state(state: State, param: Array, buffers: Sequence[str]) -> None:
    """On a parameter's first step: a step count of 0 and a zero buffer like ``param`` per name."""
    if not state:
        state["step"] = 0
        for name in buffers:
            state[name] = np.zeros_like(param)


def lerp_(start: Array, end: Array, weight: float) -> None:
    """``start += weight * (end - start)`` in place, with the two formulas of torch's ``lerp_``.

    torch computes from the nearer end (``end - (end - start) * (1 - weight)`` once weight reaches
    0.5), which loses less to rounding when the weight is close to 1; the same formulas here keep
    the running averages as close to torch's as the arithmetic allows.
    """
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def _check_params(params: Any) -> list[Array]:
    """A non-empty list of distinct, writable float arrays (the optimizer writes into them)."""
    # A single array is iterable too (over its rows), so it is refused before list() splits it.
    arrays = None if isinstance(params, np.ndarray) else _as_list(params)
    if arrays is None:
        raise EngineError(
            "params_not_a_list",
            f"params must be a list of arrays (wrap a single one as [array]), got {type(params).__name__}",
            field="params",
        )
    if not arrays:
        raise EngineError(
            "empty_params", "params is empty: the optimizer needs at least one array", field="params"
        )
    for index, param in enumerate(arrays):
        _check_param(param, index, arrays[:index])
    return arrays


def _check_param(param: Any, index: int, earlier: list[Array]) -> None:
    field = f"params[{index}]"
    if not isinstance(param, np.ndarray):
        raise EngineError(
            "not_an_array",
            f"{field} must be a NumPy array, updated in place, got {type(param).__name__}",
            field=field,
        )
    check_dtype(param, np.floating, field, "not_float", "only float arrays can take fractional steps")
    if not param.flags.writeable:
        raise EngineError("read_only", f"{field} is read-only, so it cannot be updated in place", field=field)
    for other, seen in enumerate(earlier):
        if seen is param:
            raise EngineError(
                "duplicate_param",
                f"{field} is the same array as params[{other}]: it would be stepped twice",
                field=field,
                first=other,
            )


def _check_grads(grads: Any, params: list[Array]) -> list[Array | None]:
    """One finite gradient per parameter, of its shape, in its dtype (or None to skip it)."""
    items = None if isinstance(grads, np.ndarray) else _as_list(grads)
    if items is None or len(items) != len(params):
        count = f"{type(grads).__name__}" if items is None else f"{len(items)} gradients"
        raise EngineError(
            "grad_count_mismatch",
            f"grads must be a list with one gradient per parameter ({len(params)}), got {count}",
            field="grads",
            expected=len(params),
        )
    checked: list[Array | None] = []
    for index, (grad, param) in enumerate(zip(items, params, strict=True)):
        if grad is None:
            checked.append(None)
            continue
        arr = as_float_array(grad, f"grads[{index}]")
        check_shape(arr, param.shape, f"grads[{index}]", f"the shape of params[{index}]")
        checked.append(arr.astype(param.dtype, copy=False))
    return checked


def _as_list(values: Any) -> list[Any] | None:
    """``values`` as a list, or None when it is not a collection (a number, say)."""
    try:
        return list(values)
    except TypeError:
        return None
