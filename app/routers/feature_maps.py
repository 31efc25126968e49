"""POST /api/feature-maps: an uploaded image through a small stack of conv, pool and batch-norm layers.

The route reads the form and the upload; app.ops.feature_maps validates the stack, decodes the
image, plans and runs the layers and encodes the maps, in a worker thread.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.cache import json_bytes_response
from app.errors import ApiError
from app.examples import FEATURE_MAP_LAYERS
from app.images import read_upload
from app.ops.feature_maps import MAX_MAP_VALUES, compute_feature_maps, parse_layers, upload_limiter
from app.schemas import ErrorResponse, FeatureMapsResponse
from app.settings import Settings

router = APIRouter(tags=["feature maps"])

DESCRIPTION = f"""
Upload an image (multipart field `image`: PNG, JPEG, GIF (first frame), WebP or BMP, recognised
by content) and run it through a stack of layers. Each layer's output channels come back as
grey PNG data URLs, each drawn over its own min..max (`"scale": "per-map min-max"`), with the
values' min, max and mean.

The image is turned upright by its EXIF orientation, alpha is composited on white, and the
longest side is reduced to `max_image_side`. Values are in [0, 1]: 3 channels (RGB), or 1 with
`grayscale=true`.

`layers` is a JSON array (at most `max_layers` entries). Layer types:

- `conv`: `bank` (sobel, prewitt, scharr, laplacian, blur, gaussian, sharpen, emboss, identity,
  gabor, random), `size`, `count` and `seed` (gabor, random), `sigma`, `wavelength`, `stride`,
  `padding` ("same", "valid" or an int), `dilation`, `activation` (none, relu, sigmoid, tanh).
  Named kernels act on the mean of the input channels.
- `pool`: `mode` (max, avg), `kernel_size`, `stride` (default kernel_size), `padding`, `ceil_mode`.
- `batch_norm`: normalises each channel with the statistics of the current maps; `eps`.

Without `layers`: sobel + relu, then 2x2 max pooling. Example `layers`:

```json
{FEATURE_MAP_LAYERS}
```

```
curl -F image=@photo.jpg -F 'layers=[{{"type":"conv","bank":"gabor","count":4,"size":7}}]' \\
     http://localhost:8000/api/feature-maps
```

Limits: upload bytes (`max_upload_bytes`, 413), decoded pixels (`max_decoded_pixels`, 413), layers
(`max_layers`, 413), multiply-adds (or window reads) of one layer (`max_work`, 413), and at most
{MAX_MAP_VALUES:,} map values in one response (413); all checked before anything is computed.
Errors are `{{"error": {{"code", "message", "field", "limit"}}}}`.
"""


@router.post(
    "/api/feature-maps",
    response_model=FeatureMapsResponse,
    summary="Feature maps of an uploaded image",
    description=DESCRIPTION,
    responses={
        413: {
            "model": ErrorResponse,
            "description": "Past max_upload_bytes, max_decoded_pixels or max_layers.",
        },
        415: {"model": ErrorResponse, "description": "Not a PNG, JPEG, GIF, WebP or BMP image."},
        422: {
            "model": ErrorResponse,
            "description": "No or empty `image`, corrupt image, bad or costly `layers`.",
        },
    },
)
async def feature_maps(
    request: Request,
    image: Annotated[
        UploadFile | None,
        File(description="The image: PNG, JPEG, GIF (first frame), WebP or BMP, recognised by content."),
    ] = None,
    layers: Annotated[
        str | None,
        Form(
            description="JSON array of layer specs; omit for the default stack (sobel + relu, max pool 2).",
            examples=[FEATURE_MAP_LAYERS],
        ),
    ] = None,
    grayscale: Annotated[
        bool, Form(description="Decode to one grey channel (ITU-R 601 luma) instead of RGB.")
    ] = False,
) -> Response:
    settings: Settings = request.app.state.settings
    if image is None:
        raise ApiError(
            422,
            "missing_field",
            "the file field `image` is required: send the picture as multipart/form-data "
            "in a field named `image`",
            "image",
        )
    specs, default_stack = parse_layers(layers, settings.max_layers)
    data = await read_upload(image, settings.max_upload_bytes)

    def answer() -> Response:
        # Encoded in the worker thread as well: returned as a model, FastAPI would validate and
        # encode it (every map as base64 text) on the event loop, holding up every other request.
        result = compute_feature_maps(data, specs, default_stack, grayscale, settings)
        return json_bytes_response(result.model_dump_json(by_alias=True).encode())

    return await anyio.to_thread.run_sync(answer, limiter=upload_limiter(request.app.state))
