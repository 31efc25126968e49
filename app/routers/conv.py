"""Convolution endpoints: conv2d and conv-transpose2d, forward and backward, results and frame streams."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, StreamingResponse

from app import examples
from app.dependencies import SettingsDep
from app.ops.conv import conv2d_backward_job, conv2d_job, conv_transpose2d_backward_job, conv_transpose2d_job
from app.routers.common import result_responses, stream_responses
from app.schemas import (
    Conv2dBackwardRequest,
    Conv2dRequest,
    Conv2dResult,
    ConvTranspose2dBackwardRequest,
    ConvTranspose2dRequest,
    ConvTranspose2dResult,
    GradientsResult,
)
from app.streaming import NDJSONResponse, respond, respond_stream

router = APIRouter(prefix="/api", tags=["convolution"])

Conv2dBody = Annotated[Conv2dRequest, Body(openapi_examples=examples.CONV2D)]
Conv2dBackwardBody = Annotated[Conv2dBackwardRequest, Body(openapi_examples=examples.CONV2D_BACKWARD)]
TransposeBody = Annotated[ConvTranspose2dRequest, Body(openapi_examples=examples.CONV_TRANSPOSE2D)]
TransposeBackwardBody = Annotated[
    ConvTranspose2dBackwardRequest, Body(openapi_examples=examples.CONV_TRANSPOSE2D_BACKWARD)
]


@router.post("/conv2d", summary="conv2d", responses=result_responses(Conv2dResult))
def conv2d(body: Conv2dBody, settings: SettingsDep) -> JSONResponse:
    """torch.nn.functional.conv2d (cross-correlation: the kernel is not flipped), then the activation.

    input (N, C, H, W) or (C, H, W); weight (O, C/groups, kH, kW); bias (O,). `output` has the
    input's rank; with an activation other than "none", `pre_activation` holds the values before it.
    """
    return respond(conv2d_job(body, settings), settings)


@router.post(
    "/conv2d/frames",
    summary="conv2d, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def conv2d_frames(body: Conv2dBody, settings: SettingsDep) -> StreamingResponse:
    """One frame per output value, scan order (n, out_channel, y, x): the window, the kernel slice,
    the products and sums per input channel, the bias, the value before and after the activation."""
    return respond_stream(conv2d_job(body, settings), settings)


@router.post("/conv2d/backward", summary="conv2d gradients", responses=result_responses(GradientsResult))
def conv2d_backward(body: Conv2dBackwardBody, settings: SettingsDep) -> JSONResponse:
    """Gradients of conv2d (no activation) with respect to input, weight and bias, for the upstream
    gradient `grad_output` (required: shaped like conv2d's output; a spec such as
    `{"shape": [...], "kind": "ones"}` is shortest)."""
    return respond(conv2d_backward_job(body, settings), settings)


@router.post(
    "/conv2d/backward/frames",
    summary="conv2d gradients, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def conv2d_backward_frames(body: Conv2dBackwardBody, settings: SettingsDep) -> StreamingResponse:
    """Stages grad_input (a full convolution with the kernel rotated 180 degrees; fold frames for
    non-zero padding modes), grad_weight (tap by tap), grad_bias (channel by channel)."""
    return respond_stream(conv2d_backward_job(body, settings), settings)


@router.post(
    "/conv-transpose2d", summary="conv_transpose2d", responses=result_responses(ConvTranspose2dResult)
)
def conv_transpose2d(body: TransposeBody, settings: SettingsDep) -> JSONResponse:
    """torch.nn.functional.conv_transpose2d: each input value scatters value x kernel into the output.

    input (N, C, H, W) or (C, H, W); weight (C, O/groups, kH, kW); bias (O,). Output side:
    (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1.
    """
    return respond(conv_transpose2d_job(body, settings), settings)


@router.post(
    "/conv-transpose2d/frames",
    summary="conv_transpose2d, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def conv_transpose2d_frames(body: TransposeBody, settings: SettingsDep) -> StreamingResponse:
    """One scatter frame per input value, scan order (n, in_channel, y, x), then one bias frame per
    output channel and sample when there is a bias."""
    return respond_stream(conv_transpose2d_job(body, settings), settings)


@router.post(
    "/conv-transpose2d/backward",
    summary="conv_transpose2d gradients",
    responses=result_responses(GradientsResult),
)
def conv_transpose2d_backward(body: TransposeBackwardBody, settings: SettingsDep) -> JSONResponse:
    """Gradients of conv_transpose2d with respect to input, weight and bias, for the upstream
    gradient `grad_output` (required, shaped like the output). No frame stream: the transposed
    convolution's input gradient is an ordinary conv2d, which /api/conv2d/frames shows."""
    return respond(conv_transpose2d_backward_job(body, settings), settings)
