"""POST /api/inception and /api/bottleneck: what 1x1 convolutions save (computed in app.ops.blocks)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from app import examples
from app.openapi import result_responses
from app.ops.blocks import bottleneck_result, inception_result
from app.schemas import BottleneckRequest, BottleneckResponse, InceptionRequest, InceptionResponse

router = APIRouter(prefix="/api", tags=["1x1 convolutions"])

InceptionBody = Annotated[InceptionRequest, Body(openapi_examples=examples.INCEPTION)]
BottleneckBody = Annotated[BottleneckRequest, Body(openapi_examples=examples.BOTTLENECK)]


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
    return inception_result(body)


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
    return bottleneck_result(body)
