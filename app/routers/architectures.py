"""GET /api/architectures: layer tables of classic CNNs (shapes, parameters, MACs, receptive fields)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from app.cache import ResponseCache, json_bytes_response
from app.dependencies import SettingsDep
from app.errors import ApiError, limit_error
from app.schemas import ArchitectureList, ArchitectureResponse, ArchitectureSummary, ErrorResponse
from engine import NETWORKS, architecture_table

router = APIRouter(prefix="/api", tags=["architectures"])

NAMES = ", ".join(NETWORKS)
_EXAMPLE = architecture_table("lenet5").to_dict()
_LIST = ArchitectureList(
    architectures=[
        ArchitectureSummary(
            name=net.name,
            title=net.title,
            description=net.description,
            default_input_size=net.default_input_size,
        )
        for net in NETWORKS.values()
    ]
)

# The list never changes; a table depends only on (name, input_size). Both are encoded once, here
# or on first use, in the route's worker thread: FastAPI would otherwise validate and encode the
# returned dict on the event loop for every request (about 1 ms for ResNet-50's 28 kB).
_LIST_JSON = _LIST.model_dump_json(by_alias=True).encode()
TABLES = ResponseCache(max_bytes=8_000_000, max_entry_bytes=1_000_000)


def _table_json(name: str, input_size: int | None) -> bytes:
    table = ArchitectureResponse.model_validate(architecture_table(name, input_size).to_dict())
    return table.model_dump_json(by_alias=True).encode()


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
    responses={200: {"content": {"application/json": {"example": _LIST.model_dump()}}}},
)
def list_architectures() -> Response:
    """The networks with a layer table, each with a title and a description of the variant it is
    (torchvision's definitions for AlexNet, VGG-16, GoogLeNet, ResNet-18 and ResNet-50)."""
    return json_bytes_response(_LIST_JSON)


@router.get(
    "/architectures/{name}",
    summary="Layer table of one network",
    response_model=ArchitectureResponse,
    responses={
        200: {"description": "The table.", "content": {"application/json": {"example": _EXAMPLE}}},
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
    if name not in NETWORKS:
        raise ApiError(404, "not_found", f"no architecture named {name!r}; the names are {NAMES}", "name")
    if input_size is not None and input_size > settings.max_architecture_input:
        limit = settings.max_architecture_input
        raise limit_error(
            f"input_size {input_size} is more than", "max_architecture_input", limit, "input_size"
        )
    try:
        body = TABLES.get((name, input_size), lambda: _table_json(name, input_size))
    except ValueError as error:  # refusals are not cached: they raise before anything is stored
        raise ApiError(422, "invalid_value", str(error), "input_size") from None
    return json_bytes_response(body)
