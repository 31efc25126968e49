"""The operation endpoints, registered from one table as app.routers.pages registers the scenes.

Each row of :data:`OPERATIONS` is one pass of one operation (conv2d, conv2d's backward, ...): its
path under /api, its tag, its request schema and examples, its result schema, the job builder of
app.ops, and its documentation. ``POST /api<path>`` answers the result as JSON; a row with
``frames`` also has ``POST /api<path>/frames``, streaming the steps as NDJSON.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel

from app import examples
from app.openapi import Responses, result_responses, stream_responses
from app.ops.conv import conv2d_backward_job, conv2d_job, conv_transpose2d_backward_job, conv_transpose2d_job
from app.ops.job import Job, NDJSONResponse, respond, respond_stream
from app.ops.norm import batch_norm_backward_job, batch_norm_job, batch_norm_steps_result
from app.ops.pool import avg_pool2d_backward_job, avg_pool2d_job, max_pool2d_backward_job, max_pool2d_job
from app.schemas import (
    AvgPool2dBackwardRequest,
    AvgPool2dRequest,
    AvgPool2dResult,
    BatchNormBackwardRequest,
    BatchNormRequest,
    BatchNormResult,
    BatchNormStepsRequest,
    BatchNormStepsResult,
    Conv2dBackwardRequest,
    Conv2dRequest,
    Conv2dResult,
    ConvTranspose2dBackwardRequest,
    ConvTranspose2dRequest,
    ConvTranspose2dResult,
    GradientsResult,
    GradInputResult,
    MaxPool2dBackwardRequest,
    MaxPool2dRequest,
    MaxPool2dResult,
    OpRequest,
)
from app.settings import Settings, SettingsDep

router = APIRouter(prefix="/api")


@dataclass(frozen=True)
class Operation:
    """One row: a plain endpoint, and its frame stream where ``frames`` describes one.

    ``summary`` and ``description`` document the plain endpoint (the description written like a
    docstring); the stream's summary is the same with ", step by step". ``job`` turns a validated
    body into a :class:`~app.ops.job.Job`, which both endpoints answer from.
    """

    path: str
    tag: str
    request: type[OpRequest]
    examples: examples.Examples
    result: type[BaseModel]
    job: Callable[[Any, Settings], Job]
    summary: str
    description: str
    frames: str | None = None

    @property
    def name(self) -> str:
        """The route's name, and so its OpenAPI operationId: /conv-transpose2d -> conv_transpose2d."""
        return self.path.strip("/").replace("-", "_").replace("/", "_")


# The order is the OpenAPI document's and /docs' order.
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        path="/conv2d",
        tag="convolution",
        request=Conv2dRequest,
        examples=examples.CONV2D,
        result=Conv2dResult,
        job=conv2d_job,
        summary="conv2d",
        description="""
        torch.nn.functional.conv2d (cross-correlation: the kernel is not flipped), then the activation.

        input (N, C, H, W) or (C, H, W); weight (O, C/groups, kH, kW); bias (O,). `output` has the
        input's rank; with an activation other than "none", `pre_activation` holds the values before it.
        """,
        frames="""
        One frame per output value, scan order (n, out_channel, y, x): the window, the kernel slice,
        the products and sums per input channel, the bias, the value before and after the activation.""",
    ),
    Operation(
        path="/conv2d/backward",
        tag="convolution",
        request=Conv2dBackwardRequest,
        examples=examples.CONV2D_BACKWARD,
        result=GradientsResult,
        job=conv2d_backward_job,
        summary="conv2d gradients",
        description="""
        Gradients of conv2d (no activation) with respect to input, weight and bias, for the upstream
        gradient `grad_output` (required: shaped like conv2d's output; a spec such as
        `{"shape": [...], "kind": "ones"}` is shortest).""",
        frames="""
        Stages grad_input (a full convolution with the kernel rotated 180 degrees; fold frames for
        non-zero padding modes), grad_weight (tap by tap), grad_bias (channel by channel).""",
    ),
    Operation(
        path="/conv-transpose2d",
        tag="convolution",
        request=ConvTranspose2dRequest,
        examples=examples.CONV_TRANSPOSE2D,
        result=ConvTranspose2dResult,
        job=conv_transpose2d_job,
        summary="conv_transpose2d",
        description="""
        torch.nn.functional.conv_transpose2d: each input value scatters value x kernel into the output.

        input (N, C, H, W) or (C, H, W); weight (C, O/groups, kH, kW); bias (O,). Output side:
        (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1.
        """,
        frames="""
        One scatter frame per input value, scan order (n, in_channel, y, x), then one bias frame per
        output channel and sample when there is a bias.""",
    ),
    Operation(
        path="/conv-transpose2d/backward",
        tag="convolution",
        request=ConvTranspose2dBackwardRequest,
        examples=examples.CONV_TRANSPOSE2D_BACKWARD,
        result=GradientsResult,
        job=conv_transpose2d_backward_job,
        summary="conv_transpose2d gradients",
        description="""
        Gradients of conv_transpose2d with respect to input, weight and bias, for the upstream
        gradient `grad_output` (required, shaped like the output). No frame stream: the transposed
        convolution's input gradient is an ordinary conv2d, which /api/conv2d/frames shows.""",
    ),
    Operation(
        path="/max-pool2d",
        tag="pooling",
        request=MaxPool2dRequest,
        examples=examples.MAX_POOL2D,
        result=MaxPool2dResult,
        job=max_pool2d_job,
        summary="max_pool2d",
        description="""
        torch.nn.functional.max_pool2d with its indices (the switches), as flat positions
        row * W + col in each input plane. Ties go to the first maximum in scan order, as PyTorch on
        the CPU. Padding is at most half the kernel and never wins.""",
        frames="One frame per output value, scan order (n, channel, y, x): the window and its switch.",
    ),
    Operation(
        path="/max-pool2d/backward",
        tag="pooling",
        request=MaxPool2dBackwardRequest,
        examples=examples.MAX_POOL2D_BACKWARD,
        result=GradInputResult,
        job=max_pool2d_backward_job,
        summary="max_pool2d gradient",
        description="""
        Each upstream gradient goes to its window's switch; overlapping windows add up. `grad_output`
        is required, shaped like the pooled output.""",
        frames="One route frame per output value: the gradient, its switch and the running total there.",
    ),
    Operation(
        path="/avg-pool2d",
        tag="pooling",
        request=AvgPool2dRequest,
        examples=examples.AVG_POOL2D,
        result=AvgPool2dResult,
        job=avg_pool2d_job,
        summary="avg_pool2d",
        description="""
        torch.nn.functional.avg_pool2d. The divisor counts the window's input cells, plus its padding
        cells when count_include_pad is true (never the ceil_mode overhang).""",
        frames="One frame per output value: the window, the cells counted, the sum and the divisor.",
    ),
    Operation(
        path="/avg-pool2d/backward",
        tag="pooling",
        request=AvgPool2dBackwardRequest,
        examples=examples.AVG_POOL2D_BACKWARD,
        result=GradInputResult,
        job=avg_pool2d_backward_job,
        summary="avg_pool2d gradient",
        description="""
        Each upstream gradient spread evenly over its window (divided by the forward divisor).
        `grad_output` is required; `input` gives the shape (its values are not used).""",
        frames="One spread frame per output value: the share each counted cell receives.",
    ),
    Operation(
        path="/batch-norm",
        tag="normalisation",
        request=BatchNormRequest,
        examples=examples.BATCH_NORM,
        result=BatchNormResult,
        job=batch_norm_job,
        summary="batch_norm",
        description="""
        torch.nn.functional.batch_norm on (N, C, H, W). Training normalises with the batch's biased
        variance and moves the running variance towards the unbiased one; evaluation uses the running
        statistics. Omitted running statistics are a fresh layer's (mean 0, variance 1). The returned
        running_mean and running_var are the new ones; the request's are never changed.""",
        frames="Per channel: one statistics frame, then one normalise frame per value in (n, y, x) order.",
    ),
    Operation(
        path="/batch-norm/backward",
        tag="normalisation",
        request=BatchNormBackwardRequest,
        examples=examples.BATCH_NORM_BACKWARD,
        result=GradientsResult,
        job=batch_norm_backward_job,
        summary="batch_norm gradients",
        description="""
        Gradients of training-mode batch norm (batch statistics) with respect to input, weight
        (gamma) and bias (beta). `grad_output` is required, shaped like the input.""",
        frames="Per channel: one sums frame (grad_bias, grad_weight), then one grad_input frame per value.",
    ),
)


def _add_routes(op: Operation) -> None:
    """POST /api<path> answers the result; with ``frames``, POST /api<path>/frames streams it.

    The handlers read the app's settings off its state, where ``create_app`` put them (as
    ``app.settings.get_settings`` does), with no dependency to resolve on every request.
    """

    def plain(body: Any, request: Request) -> JSONResponse:
        settings: Settings = request.app.state.settings
        return respond(op.job(body, settings), settings, echo=body.echo_inputs)

    def stream(body: Any, request: Request) -> StreamingResponse:
        settings: Settings = request.app.state.settings
        return respond_stream(op.job(body, settings), settings, echo=body.echo_inputs)

    routes: list[tuple[Callable[..., Response], str, str, str, Responses]] = [
        (plain, "", op.summary, op.description, result_responses(op.result))
    ]
    if op.frames is not None:
        routes.append((stream, "/frames", f"{op.summary}, step by step", op.frames, stream_responses()))
    for handler, suffix, summary, description, responses in routes:
        # FastAPI reads the body's schema and examples from the handler's annotation.
        handler.__annotations__["body"] = Annotated[op.request, Body(openapi_examples=op.examples)]
        router.add_api_route(
            op.path + suffix,
            handler,
            methods=["POST"],
            name=op.name + suffix.replace("/", "_"),
            tags=[op.tag],
            summary=summary,
            description=inspect.cleandoc(description),
            responses=responses,
            response_class=NDJSONResponse if suffix else JSONResponse,
        )


for _operation in OPERATIONS:
    _add_routes(_operation)


# Several training steps of one layer are not a pass of an operation (no job, no frames): a route
# of its own, after the table's batch-norm rows.
StepsBody = Annotated[BatchNormStepsRequest, Body(openapi_examples=examples.BATCH_NORM_STEPS)]


@router.post(
    "/batch-norm/steps",
    tags=["normalisation"],
    summary="batch_norm, several training steps",
    responses=result_responses(BatchNormStepsResult),
)
def batch_norm_steps(body: StepsBody, settings: SettingsDep) -> JSONResponse:
    """Train one layer on the batches in order: step t is `POST /api/batch-norm` with training on
    batch t and the running statistics step t - 1 returned. Per step and channel: the batch mean,
    its biased variance (which normalises the batch), its unbiased variance (which the running
    variance moves towards) and the running statistics after the step."""
    return JSONResponse(batch_norm_steps_result(body, settings))
