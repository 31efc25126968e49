"""Batch-norm endpoints, forward and backward, results and frame streams."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse, StreamingResponse

from app import examples
from app.dependencies import SettingsDep
from app.ops.norm import batch_norm_backward_job, batch_norm_job, batch_norm_steps_result
from app.routers.common import result_responses, stream_responses
from app.schemas import (
    BatchNormBackwardRequest,
    BatchNormRequest,
    BatchNormResult,
    BatchNormStepsRequest,
    BatchNormStepsResult,
    GradientsResult,
)
from app.streaming import NDJSONResponse, respond, respond_stream

router = APIRouter(prefix="/api", tags=["normalisation"])

ForwardBody = Annotated[BatchNormRequest, Body(openapi_examples=examples.BATCH_NORM)]
BackwardBody = Annotated[BatchNormBackwardRequest, Body(openapi_examples=examples.BATCH_NORM_BACKWARD)]
StepsBody = Annotated[BatchNormStepsRequest, Body(openapi_examples=examples.BATCH_NORM_STEPS)]


@router.post("/batch-norm", summary="batch_norm", responses=result_responses(BatchNormResult))
def batch_norm(body: ForwardBody, settings: SettingsDep) -> JSONResponse:
    """torch.nn.functional.batch_norm on (N, C, H, W). Training normalises with the batch's biased
    variance and moves the running variance towards the unbiased one; evaluation uses the running
    statistics. Omitted running statistics are a fresh layer's (mean 0, variance 1). The returned
    running_mean and running_var are the new ones; the request's are never changed."""
    return respond(batch_norm_job(body, settings), settings)


@router.post(
    "/batch-norm/frames",
    summary="batch_norm, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def batch_norm_frames(body: ForwardBody, settings: SettingsDep) -> StreamingResponse:
    """Per channel: one statistics frame, then one normalise frame per value in (n, y, x) order."""
    return respond_stream(batch_norm_job(body, settings), settings)


@router.post(
    "/batch-norm/backward", summary="batch_norm gradients", responses=result_responses(GradientsResult)
)
def batch_norm_backward(body: BackwardBody, settings: SettingsDep) -> JSONResponse:
    """Gradients of training-mode batch norm (batch statistics) with respect to input, weight
    (gamma) and bias (beta). `grad_output` is required, shaped like the input."""
    return respond(batch_norm_backward_job(body, settings), settings)


@router.post(
    "/batch-norm/backward/frames",
    summary="batch_norm gradients, step by step",
    responses=stream_responses(),
    response_class=NDJSONResponse,
)
def batch_norm_backward_frames(body: BackwardBody, settings: SettingsDep) -> StreamingResponse:
    """Per channel: one sums frame (grad_bias, grad_weight), then one grad_input frame per value."""
    return respond_stream(batch_norm_backward_job(body, settings), settings)


@router.post(
    "/batch-norm/steps",
    summary="batch_norm, several training steps",
    responses=result_responses(BatchNormStepsResult),
)
def batch_norm_steps(body: StepsBody, settings: SettingsDep) -> JSONResponse:
    """Train one layer on the batches in order: step t is `POST /api/batch-norm` with training on
    batch t and the running statistics step t - 1 returned. Per step and channel: the batch mean,
    its biased variance (which normalises the batch), its unbiased variance (which the running
    variance moves towards) and the running statistics after the step."""
    return JSONResponse(batch_norm_steps_result(body, settings))
