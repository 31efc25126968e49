"""RMSprop: steps divided by a running root-mean-square of the gradient, as ``torch.optim.RMSprop``.

Per parameter p with gradient g, one step is (torch's ``_single_tensor_rmsprop``)::

    g = g + weight_decay * p                                (if weight_decay != 0)
    v = alpha * v + (1 - alpha) * g * g                     square_avg, from 0
    m = m + (1 - alpha) * (g - m)                           grad_avg, from 0 (if centered)
    avg = sqrt(v - m * m) + eps  if centered  else  sqrt(v) + eps
    b = momentum * b + g / avg;  p = p - lr * b             (if momentum > 0; b from 0)
    p = p - lr * g / avg                                    (otherwise)

Centred RMSprop divides by an estimate of the gradient's standard deviation instead of its root
mean square. Note eps is added OUTSIDE the square root, as torch does.

State: ``"step"``, ``"square_avg"``, and ``"momentum_buffer"`` (if momentum > 0) and
``"grad_avg"`` (if centered).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine._checks import Array, check_flag, non_negative
from engine.optim._base import Optimizer, State, lerp_, start_state


class RMSprop(Optimizer):
    """``torch.optim.RMSprop(params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False)``."""

    def __init__(
        self,
        params: Sequence[Array],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
    ) -> None:
        self.lr = non_negative(lr, "lr")
        # torch only asks alpha >= 0 (above 1 the average would grow without bound, but it runs).
        self.alpha = non_negative(alpha, "alpha")
        self.eps = non_negative(eps, "eps")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.momentum = non_negative(momentum, "momentum")
        self.centered = check_flag(centered, "centered")
        super().__init__(params)

    def _update(self, param: Array, grad: Array, state: State) -> None:
        buffers = ["square_avg"]
        buffers += ["momentum_buffer"] if self.momentum > 0 else []
        buffers += ["grad_avg"] if self.centered else []
        start_state(state, param, buffers)
        state["step"] += 1
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * param
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1 - self.alpha) * grad * grad
        if self.centered:
            grad_avg = state["grad_avg"]
            lerp_(grad_avg, grad, 1 - self.alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + self.eps
        else:
            avg = np.sqrt(square_avg) + self.eps
        if self.momentum > 0:
            buffer = state["momentum_buffer"]
            buffer *= self.momentum
            buffer += grad / avg
            param -= self.lr * buffer
        else:
            param -= self.lr * (grad / avg)
