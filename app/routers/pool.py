"""Pooling endpoints: max-pool2d and avg-pool2d, forward and backward, results and frame streams."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, StreamingResponse

from app import examples
from app.dependencies import SettingsDep
from app.ops.pool import avg_pool2d_backward_job, avg_pool2d_job, max_pool2d_backward_job, max_pool2d_job
from app.routers.common import result_responses, stream_responses
from app.schemas import (
    AvgPool2dBackwardRequest,
    AvgPool2dRequest,
    AvgPool2dResult,
    GradInputResult,
    MaxPool2dBackwardRequest,
    MaxPool2dRequest,
    MaxPool2dResult,
)
from app.streaming import NDJSONResponse, respond, respond_stream

router = APIRouter(prefix="/api", tags=["pooling"])

MaxBody = Annotated[MaxPool2dRequest, Body(openapi_examples=examples.MAX_POOL2D)]
MaxBackwardBody = Annotated[MaxPool2dBackwardRequest, Body(openapi_examples=examples.MAX_POOL2D_BACKWARD)]
AvgBody = Annotated[AvgPool2dRequest, Body(openapi_examples=examples.AVG_POOL2D)]
AvgBackwardBody = Annotated[AvgPool2dBackwardRequest, Body(openapi_examples=examples.AVG_POOL2D_BACKWARD)]


@router.post("/max-pool2d", summary="max_pool2d", responses=result_responses(MaxPool2dResult))
def max_pool2d(body: MaxBody, settings: SettingsDep) -> JSONResponse:
    """torch.nn.functional.max_pool2d with its indices (the switches), as flat positions
    row * W + col in each input plane. Ties go to the first maximum in scan order, as PyTorch on
    the CPU. Padding is at most half the kernel and never wins."""
    return respond(max_pool2d_job(body, settings), settings)


@router.post(
    "/max-pool2d/frames",
    summary="max_pool2d, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def max_pool2d_frames(body: MaxBody, settings: SettingsDep) -> StreamingResponse:
    """One frame per output value, scan order (n, channel, y, x): the window and its switch."""
    return respond_stream(max_pool2d_job(body, settings), settings)


@router.post(
    "/max-pool2d/backward", summary="max_pool2d gradient", responses=result_responses(GradInputResult)
)
def max_pool2d_backward(body: MaxBackwardBody, settings: SettingsDep) -> JSONResponse:
    """Each upstream gradient goes to its window's switch; overlapping windows add up. `grad_output`
    is required, shaped like the pooled output."""
    return respond(max_pool2d_backward_job(body, settings), settings)


@router.post(
    "/max-pool2d/backward/frames",
    summary="max_pool2d gradient, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def max_pool2d_backward_frames(body: MaxBackwardBody, settings: SettingsDep) -> StreamingResponse:
    """One route frame per output value: the gradient, its switch and the running total there."""
    return respond_stream(max_pool2d_backward_job(body, settings), settings)


@router.post("/avg-pool2d", summary="avg_pool2d", responses=result_responses(AvgPool2dResult))
def avg_pool2d(body: AvgBody, settings: SettingsDep) -> JSONResponse:
    """torch.nn.functional.avg_pool2d. The divisor counts the window's input cells, plus its padding
    cells when count_include_pad is true (never the ceil_mode overhang)."""
    return respond(avg_pool2d_job(body, settings), settings)


@router.post(
    "/avg-pool2d/frames",
    summary="avg_pool2d, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def avg_pool2d_frames(body: AvgBody, settings: SettingsDep) -> StreamingResponse:
    """One frame per output value: the window, the cells counted, the sum and the divisor."""
    return respond_stream(avg_pool2d_job(body, settings), settings)


@router.post(
    "/avg-pool2d/backward", summary="avg_pool2d gradient", responses=result_responses(GradInputResult)
)
def avg_pool2d_backward(body: AvgBackwardBody, settings: SettingsDep) -> JSONResponse:
    """Each upstream gradient spread evenly over its window (divided by the forward divisor).
    `grad_output` is required; `input` gives the shape (its values are not used)."""
    return respond(avg_pool2d_backward_job(body, settings), settings)


@router.post(
    "/avg-pool2d/backward/frames",
    summary="avg_pool2d gradient, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def avg_pool2d_backward_frames(body: AvgBackwardBody, settings: SettingsDep) -> StreamingResponse:
    """One spread frame per output value: the share each counted cell receives."""
    return respond_stream(avg_pool2d_backward_job(body, settings), settings)
