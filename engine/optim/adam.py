"""Adam (and AMSGrad): momentum divided by a running RMS, both bias-corrected, as ``torch.optim.Adam``.

Per parameter p with gradient g, at step t = 1, 2, ... (torch's ``_single_tensor_adam``)::

    g = g + weight_decay * p                       (if weight_decay != 0: L2, not AdamW's decay)
    m = m + (1 - beta1) * (g - m)                  exp_avg, from 0
    v = beta2 * v + (1 - beta2) * g * g            exp_avg_sq, from 0
    v_max = max(v_max, v)                          max_exp_avg_sq, from 0 (if amsgrad)
    p = p - lr / (1 - beta1**t) * m / (sqrt(v or v_max) / sqrt(1 - beta2**t) + eps)

The averages start at 0, so early on they are too small by the factors 1 - beta**t; dividing by
those (the bias corrections) makes the very first step about lr in size. AMSGrad divides by the
largest second moment seen so far, so a parameter's step size can only shrink.

State: ``"step"``, ``"exp_avg"``, ``"exp_avg_sq"``, and ``"max_exp_avg_sq"`` (if amsgrad).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine._checks import Array, check_flag, non_negative, number
from engine.errors import EngineError
from engine.optim._base import Optimizer, State, lerp_, start_state


class Adam(Optimizer):
    """``torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False)``."""

    def __init__(
        self,
        params: Sequence[Array],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
    ) -> None:
        self.lr = non_negative(lr, "lr")
        self.betas = _check_betas(betas)
        self.eps = non_negative(eps, "eps")
        self.weight_decay = non_negative(weight_decay, "weight_decay")
        self.amsgrad = check_flag(amsgrad, "amsgrad")
        super().__init__(params)

    def _update(self, param: Array, grad: Array, state: State) -> None:
        start_state(state, param, ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if self.amsgrad else []))
        state["step"] += 1
        step, (beta1, beta2) = state["step"], self.betas
        if self.weight_decay != 0:
            grad = grad + self.weight_decay * param
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        second_moment = exp_avg_sq
        if self.amsgrad:
            second_moment = np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        step_size = self.lr / (1 - beta1**step)
        denom = np.sqrt(second_moment) / (1 - beta2**step) ** 0.5 + self.eps
        param -= step_size * (exp_avg / denom)


def _check_betas(betas: tuple[float, float]) -> tuple[float, float]:
    """Two averaging rates, each in [0, 1): at 1 an average would never move from its start."""
    if not isinstance(betas, tuple | list) or len(betas) != 2:
        raise EngineError(
            "betas_not_pair",
            f"betas must be a pair (beta1, beta2), got {betas!r}",
            field="betas",
            value=betas,
        )
    checked = tuple(number(beta, f"betas[{index}]") for index, beta in enumerate(betas))
    for index, beta in enumerate(checked):
        if not 0 <= beta < 1:
            raise EngineError(
                "beta_out_of_range",
                f"betas[{index}] {beta!r} must be in [0, 1)",
                field=f"betas[{index}]",
                value=beta,
            )
    return checked[0], checked[1]
