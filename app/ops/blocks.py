"""1x1 convolutions: the weights and MACs of an inception module and of a bottleneck block.

Shape arithmetic only (no tensor is built). The schema's limits keep the engine's refusals
unreachable; should one happen all the same, it is a 422, never a 500.
"""

from __future__ import annotations

from typing import Any

from app.errors import ApiError
from app.schemas import BottleneckRequest, InceptionRequest
from engine import bottleneck_comparison, inception_comparison, inception_module


def inception_result(body: InceptionRequest) -> dict[str, Any]:
    """The module with the request's toggles, and the curriculum's three designs for the same counts."""
    counts = body.model_dump(exclude={"use_reductions", "use_pool_projection"})
    toggles = body.model_dump(include={"use_reductions", "use_pool_projection"})
    try:
        module = inception_module(**counts, **toggles)
        designs = inception_comparison(**counts)
    except ValueError as error:
        raise ApiError(422, "invalid_value", str(error)) from None
    return {
        "input_shape": list(module.input_shape),
        "kernel_5x5": body.kernel_5x5,
        "module": module.to_dict(),
        "designs": designs,
    }


def bottleneck_result(body: BottleneckRequest) -> dict[str, Any]:
    """The bottleneck block beside two full-width 3x3 convolutions."""
    try:
        return bottleneck_comparison(body.height, body.width, body.channels, body.bottleneck)
    except ValueError as error:
        raise ApiError(422, "invalid_value", str(error)) from None
