"""The trained networks: list, detail (weights included), one digit forward, a photo classified.

Routes only; app.ops.networks loads the networks once, runs them and encodes the answers.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from app.cache import json_bytes_response
from app.errors import ApiError
from app.images import read_upload
from app.ops import networks as ops
from app.ops.feature_maps import upload_limiter
from app.schemas import ErrorResponse, NetworkForwardRequest, NetworkForwardResponse, NetworkList
from app.settings import Settings

router = APIRouter(tags=["networks"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No network of that name."}
}


@router.get("/api/networks", response_model=NetworkList, summary="The trained networks")
def list_networks() -> Response:
    return json_bytes_response(NetworkList.model_validate(ops.network_list()).model_dump_json().encode())


@router.get(
    "/api/networks/{name}",
    summary="A trained network: layers, every weight, PyTorch code, training log",
    description="`state_dict` holds every weight as nested lists, keyed as "
    "`torch.nn.Sequential(...).state_dict()` keys them; `torch_code` rebuilds the network in PyTorch.",
    responses=NOT_FOUND,
)
def network_detail(name: str) -> Response:
    return json_bytes_response(ops.detail_bytes(ops.network(name).name))


@router.get(
    "/api/networks/{name}/gallery",
    summary="Test digits to try the network on",
    description="Each digit is base64 of its 28x28 uint8 pixels, row by row; value = pixel / `scale`.",
    responses=NOT_FOUND,
)
def network_gallery(name: str) -> Response:
    return json_bytes_response(ops.gallery_bytes(ops.network(name).name))


@router.post(
    "/api/networks/{name}/forward",
    response_model=NetworkForwardResponse,
    summary="Every layer's output for one 28x28 digit",
    responses={**NOT_FOUND, 422: {"model": ErrorResponse, "description": "input not 28x28 in [0, 1]."}},
)
async def network_forward(name: str, body: NetworkForwardRequest) -> Response:
    ops.network(name)
    x = ops.digit_input(body.input)

    def answer() -> bytes:
        return NetworkForwardResponse.model_validate(ops.forward(name, x)).model_dump_json().encode()

    return json_bytes_response(await anyio.to_thread.run_sync(answer))


@router.post(
    "/api/networks/{name}/classify-image",
    response_model=NetworkForwardResponse,
    summary="A photo of a digit, made MNIST-like, through the network",
    description="Multipart field `image` (PNG, JPEG, GIF, WebP or BMP, by content; the feature maps' "
    "limits). The picture is read as grey, its ink found against the paper (dark on light or light "
    "on dark), cropped, fitted to 20x20 and centred by mass in 28x28; `input` is that digit.",
    responses={
        **NOT_FOUND,
        413: {"model": ErrorResponse, "description": "Past max_upload_bytes or max_decoded_pixels."},
        415: {"model": ErrorResponse, "description": "Not a PNG, JPEG, GIF, WebP or BMP image."},
        422: {"model": ErrorResponse, "description": "No image, a corrupt one, or no ink (`no_ink`)."},
    },
)
async def classify_image(
    request: Request,
    name: str,
    image: Annotated[UploadFile | None, File(description="The photo of one digit.")] = None,
) -> Response:
    settings: Settings = request.app.state.settings
    ops.network(name)
    if image is None:
        raise ApiError(
            422,
            "missing_field",
            "the file field `image` is required: send the picture as multipart/form-data",
            "image",
        )
    data = await read_upload(image, settings.max_upload_bytes)

    def answer() -> bytes:
        result = ops.classify_image(name, data, settings)
        return NetworkForwardResponse.model_validate(result).model_dump_json().encode()

    body = await anyio.to_thread.run_sync(answer, limiter=upload_limiter(request.app.state))
    return json_bytes_response(body)
