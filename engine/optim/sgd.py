"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, as ``torch.optim.SGD``.

Per parameter p with gradient g, one step is (torch's ``_single_tensor_sgd``)::

    g = g + weight_decay * p                    (if weight_decay != 0)
    b = g            on the first step           (if momentum != 0: the buffer starts AT the
    b = momentum * b + (1 - dampening) * g       gradient, undamped, not at zero)
    g = g + momentum * b  if nesterov  else  b
    p = p - lr * g

State: ``"momentum_buffer"`` (only when momentum != 0; SGD keeps no step count, like torch).
"""

from __future__ import annotations

from collections.abc import Sequence

from engine._checks import Array, check_flag, non_negative, number
from engine.errors import EngineError
from engine.optim._base import Optimizer, State


class SGD(Optimizer):
    """``torch.optim.SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False)``."""

    def __init__(
        self,
        params: Sequence[Array],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
    ) -> None:
        self.lr = non_negative(lr, "lr")
        self.momentum = non_negative(momentum, "momentum")
        # torch does not bound dampening; 1 - dampening scales each new gradient in the buffer.
        self.dampening = number(dampening, "dampening")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.nesterov = check_flag(nesterov, "nesterov")
        if self.nesterov:
            _check_nesterov(self.momentum, self.dampening)
        super().__init__(params)

    def _update(self, param: Array, grad: Array, state: State) -> None:
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * param
        if self.momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.copy()
            else:
                buffer *= self.momentum
                buffer += (1 - self.dampening) * grad
            grad = grad + self.momentum * buffer if self.nesterov else buffer
        param -= self.lr * grad


def _check_nesterov(momentum: float, dampening: float) -> None:
    """Nesterov looks ahead along the momentum buffer, so it needs one, built without dampening."""
    if momentum <= 0:
        raise EngineError(
            "nesterov_needs_momentum",
            f"nesterov=True needs a momentum above 0, got momentum {momentum!r}",
            field="momentum",
            value=momentum,
        )
    if dampening != 0:
        raise EngineError(
            "nesterov_needs_zero_dampening",
            f"nesterov=True needs dampening 0, got dampening {dampening!r}",
            field="dampening",
            value=dampening,
        )
