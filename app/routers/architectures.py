"""GET /api/architectures: layer tables of classic CNNs (shapes, parameters, MACs, receptive fields).

The routes and their documentation; app.ops.architectures makes and keeps the tables.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from app.cache import json_bytes_response
from app.ops.architectures import EXAMPLE, LIST, LIST_JSON, NAMES, architecture_json
from app.schemas import ArchitectureList, ArchitectureResponse, ErrorResponse
from app.settings import SettingsDep

router = APIRouter(prefix="/api", tags=["architectures"])

NameParam = Annotated[
    str,
    Path(description=f"One of {NAMES}.", openapi_examples={"vgg16": {"value": "vgg16"}}),
]
InputSizeParam = Annotated[
    int | None,
    Query(
        description="Side of the square input (default 224, or 32 for lenet5); at most the setting "
        "max_architecture_input.",
        openapi_examples={"default": {"value": 224}, "small": {"value": 64}},
    ),
]


@router.get(
    "/architectures",
    summary="List the architecture tables",
    response_model=ArchitectureList,
    responses={200: {"content": {"application/json": {"example": LIST.model_dump()}}}},
)
def list_architectures() -> Response:
    """The networks with a layer table, each with a title and a description of the variant it is
    (torchvision's definitions for AlexNet, VGG-16, GoogLeNet, ResNet-18 and ResNet-50)."""
    return json_bytes_response(LIST_JSON)


@router.get(
    "/architectures/{name}",
    summary="Layer table of one network",
    response_model=ArchitectureResponse,
    responses={
        200: {"description": "The table.", "content": {"application/json": {"example": EXAMPLE}}},
        404: {"model": ErrorResponse, "description": f"No such network (names: {NAMES})."},
        413: {"model": ErrorResponse, "description": "input_size is above max_architecture_input."},
        422: {"model": ErrorResponse, "description": "A layer no longer fits the input size."},
    },
)
def architecture(name: NameParam, settings: SettingsDep, input_size: InputSizeParam = None) -> Response:
    """Walk the network from a `input_size` x `input_size` input: per layer the output shape
    ([C, H, W], or [features]), parameters (weights, biases, batch norm's gamma and beta),
    multiply-accumulates of conv and linear layers, the receptive field on the input
    (R_n = R_(n-1) + (F_n - 1) j_(n-1)) and the jump (j_n = j_(n-1) S_n), the largest over the
    branches of an inception module or residual block; then the totals. A fully connected layer
    on an h x w map counts as an h x w convolution for the field. At 224 the torchvision networks'
    totals equal torchvision's published figures (e.g. VGG-16: 138,357,544 parameters,
    15,470,264,320 MACs)."""
    return json_bytes_response(architecture_json(name, input_size, settings))
