"""POST /api/inception and /api/bottleneck: the weights and MACs that 1x1 convolutions save."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from app.errors import ApiError
from app.routers.common import result_responses
from app.schemas import BottleneckRequest, BottleneckResponse, InceptionRequest, InceptionResponse
from engine import bottleneck_comparison, inception_comparison, inception_module

router = APIRouter(prefix="/api", tags=["1x1 convolutions"])

INCEPTION_EXAMPLES: dict[str, dict[str, Any]] = {
    "inception_3a": {
        "summary": "GoogLeNet's inception (3a) on 28x28x192, with reductions and the pool projection",
        "value": {
            "height": 28,
            "width": 28,
            "in_channels": 192,
            "ch1x1": 64,
            "ch3x3red": 96,
            "ch3x3": 128,
            "ch5x5red": 16,
            "ch5x5": 32,
            "pool_proj": 32,
        },
    },
    "naive": {
        "summary": "The same module without any 1x1 reduction or projection",
        "value": {"use_reductions": False, "use_pool_projection": False},
    },
}
BOTTLENECK_EXAMPLES: dict[str, dict[str, Any]] = {
    "resnet_stage1": {
        "summary": "ResNet-50's first stage: 256 -> 64 -> 64 -> 256 on 56x56",
        "value": {"height": 56, "width": 56, "channels": 256, "bottleneck": 64},
    },
}

InceptionBody = Annotated[InceptionRequest, Body(openapi_examples=INCEPTION_EXAMPLES)]
BottleneckBody = Annotated[BottleneckRequest, Body(openapi_examples=BOTTLENECK_EXAMPLES)]


@router.post(
    "/inception",
    summary="Weights and MACs of an inception module",
    response_model=InceptionResponse,
    responses=result_responses(InceptionResponse),
)
def inception(body: InceptionBody) -> dict[str, Any]:
    """Every branch of an inception module on an input (in_channels, height, width): per
    convolution its weights k*k*C_in*C_out (with the factors, e.g. [3, 3, 96, 128]), its C_out
    biases, its MACs (weights * H * W: every convolution has stride 1 and 'same' padding), and
    the output shape; per branch and for the module the sums, the output channels (the
    concatenation) and the output shape.

    `module` follows the toggles `use_reductions` and `use_pool_projection`; `designs` gives, for
    the same counts, the three designs of the curriculum: no 1x1 at all, 1x1 reductions, and
    reductions plus the pool projection, each with its weights as a fraction of the first. The
    defaults are inception (3a): 387,072, 157,184 and 163,328 weights, 416 and 256 channels.
    Weights are counted without biases, as in the curriculum; `params_with_biases` adds them.
    """
    counts = body.model_dump(exclude={"use_reductions", "use_pool_projection"})
    try:
        module = inception_module(
            **counts, use_reductions=body.use_reductions, use_pool_projection=body.use_pool_projection
        )
        designs = inception_comparison(**counts)
    except ValueError as error:  # the schema's limits keep this unreachable; never a 500 all the same
        raise ApiError(422, "invalid_value", str(error)) from None
    return {
        "input_shape": list(module.input_shape),
        "kernel_5x5": body.kernel_5x5,
        "module": module.to_dict(),
        "designs": designs,
    }


@router.post(
    "/bottleneck",
    summary="Weights and MACs of a bottleneck block against two 3x3 convolutions",
    response_model=BottleneckResponse,
    responses=result_responses(BottleneckResponse),
)
def bottleneck(body: BottleneckBody) -> dict[str, Any]:
    """ResNet's bottleneck block on (channels, height, width): a 1x1 convolution down to
    `bottleneck` channels, a 3x3 at that width, a 1x1 back up to `channels`; beside it, two 3x3
    convolutions at full width. Per layer the weights (with factors), biases, MACs and output
    shape; per stack the sums; and the bottleneck's weights as a fraction of the plain pair's
    (256 -> 64 -> 64 -> 256: 69,632 against 1,179,648)."""
    try:
        return bottleneck_comparison(body.height, body.width, body.channels, body.bottleneck)
    except ValueError as error:
        raise ApiError(422, "invalid_value", str(error)) from None
