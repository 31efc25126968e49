"""POST /api/feature-maps: an uploaded image through a small stack of conv, pool and batch-norm layers.

The route validates, decodes (``app.images``), checks the whole stack's shapes and cost before any
array is computed, then calls the engine layer by layer and encodes every map as a PNG.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio
import numpy as np
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from numpy.typing import NDArray
from pydantic import TypeAdapter, ValidationError

from app.cache import json_bytes_response
from app.errors import ApiError, limit_error
from app.images import DecodedImage, decode_image, map_png, png_data_url, read_upload
from app.schemas import (
    BatchNormLayerSpec,
    ConvLayerSpec,
    ErrorResponse,
    FeatureMap,
    FeatureMapInput,
    FeatureMapLayer,
    FeatureMapsResponse,
    LayerSpec,
    PoolLayerSpec,
)
from app.settings import Settings
from engine import (
    KernelBank,
    OutputSize,
    apply_activation,
    avg_pool2d,
    batch_norm,
    conv2d,
    conv2d_output_shape,
    kernel_bank,
    max_pool2d,
    pool_output_size,
)

router = APIRouter(tags=["feature maps"])

Maps = NDArray[np.floating[Any]]

# Values of all maps returned by one request: bounds the PNG encoding time and the response size
# (about 8 full 512x512 maps per layer of a full stack). The compute time of each layer is bounded
# by the setting max_work. Both are checked from shapes, before anything is computed.
MAX_MAP_VALUES = 8_000_000

_LAYERS = TypeAdapter(list[LayerSpec])
_LAYER_TYPES = ("conv", "pool", "batch_norm")

DEFAULT_STACK: tuple[ConvLayerSpec | PoolLayerSpec | BatchNormLayerSpec, ...] = (
    ConvLayerSpec(type="conv", bank="sobel", size=3, activation="relu"),
    PoolLayerSpec(type="pool", mode="max", kernel_size=2),
)

LAYERS_EXAMPLE = (
    '[{"type": "conv", "bank": "sobel", "activation": "relu"}, '
    '{"type": "pool", "mode": "max", "kernel_size": 2}, '
    '{"type": "conv", "bank": "random", "count": 4, "seed": 1, "size": 3, "activation": "relu"}, '
    '{"type": "batch_norm"}]'
)

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
{LAYERS_EXAMPLE}
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


@dataclass(frozen=True)
class _Step:
    """One planned layer: its spec, its conv weights (conv only), and shapes (C, H, W)."""

    index: int
    spec: ConvLayerSpec | PoolLayerSpec | BatchNormLayerSpec
    params: dict[str, Any]
    bank: KernelBank | None
    input_shape: tuple[int, int, int]
    shape: tuple[int, int, int]
    output_size: dict[str, str]


def parse_layers(raw: str | None, max_layers: int) -> tuple[list[Any], bool]:
    """The ``layers`` form field -> validated specs, and whether the default stack is used."""
    if raw is None or not raw.strip():
        return list(DEFAULT_STACK), True
    try:
        specs = _LAYERS.validate_json(raw)
    except ValidationError as error:
        field, message = _describe_layer_errors(error)
        raise ApiError(422, "invalid_layers", message, field) from None
    if len(specs) > max_layers:
        raise limit_error(f"`layers` has {len(specs)} layers, more than", "max_layers", max_layers, "layers")
    return specs, False


def _describe_layer_errors(error: ValidationError) -> tuple[str, str]:
    """(field of the first problem, a message naming every problem) for an invalid ``layers``."""
    problems: list[str] = []
    fields: list[str] = []
    for item in error.errors(include_url=False):
        if item["type"] == "json_invalid":
            detail = item.get("ctx", {}).get("error", item["msg"])
            return (
                "layers",
                f"`layers` is not valid JSON ({detail}); send a JSON array such as {LAYERS_EXAMPLE}",
            )
        parts = [str(part) for part in item["loc"]]
        where = "layers"
        if item["loc"] and isinstance(item["loc"][0], int):
            where = f"layers[{parts.pop(0)}]"
            if parts and parts[0] in _LAYER_TYPES:
                parts.pop(0)  # the union's tag, already implied by the layer
        where += "".join(f".{part}" for part in parts)
        fields.append(where)
        problems.append(f"{where}: {item['msg']}")
    shown = "; ".join(problems[:6]) + (f"; and {len(problems) - 6} more" if len(problems) > 6 else "")
    return fields[0], f"invalid `layers`: {shown}"


def _sizes(rows: OutputSize, columns: OutputSize) -> dict[str, str]:
    return {"height": rows.derivation, "width": columns.derivation}


def _plan_conv(spec: ConvLayerSpec, shape: tuple[int, int, int]) -> tuple[dict[str, Any], KernelBank, Any]:
    channels, height, width = shape
    padding = spec.padding
    if padding is None:
        padding = "same" if spec.stride == 1 else spec.dilation * (spec.size // 2)
    bank = kernel_bank(
        spec.bank,
        channels,
        size=spec.size,
        count=spec.count,
        seed=spec.seed,
        sigma=spec.sigma,
        wavelength=spec.wavelength,
    )
    rows, columns = conv2d_output_shape((height, width), spec.size, spec.stride, padding, spec.dilation)
    params = spec.model_dump()
    params["padding"] = padding
    if spec.bank not in ("gabor", "random"):
        params.pop("count")
    if spec.bank != "random":
        params.pop("seed")
    return params, bank, (rows, columns)


def plan_stack(specs: list[Any], input_shape: tuple[int, int, int], max_work: int) -> list[_Step]:
    """Check every layer's shape and cost before computing anything: 422 for an impossible layer,
    413 for one past ``max_work`` or a stack whose maps pass :data:`MAX_MAP_VALUES`."""
    steps: list[_Step] = []
    shape = input_shape
    map_values = 0
    for index, spec in enumerate(specs):
        channels, height, width = shape
        where = f"layer {index} ({spec.type}) with input {channels}x{height}x{width}"
        bank = None
        try:
            if isinstance(spec, ConvLayerSpec):
                params, bank, (rows, columns) = _plan_conv(spec, shape)
                out_channels = bank.weights.shape[0]
                work = out_channels * channels * spec.size**2 * rows.size * columns.size
            elif isinstance(spec, PoolLayerSpec):
                params = spec.model_dump()
                params["stride"] = spec.stride or spec.kernel_size
                rows, columns = (
                    pool_output_size(
                        side, spec.kernel_size, params["stride"], spec.padding, 1, spec.ceil_mode
                    )
                    for side in (height, width)
                )
                out_channels = channels
                work = channels * spec.kernel_size**2 * rows.size * columns.size
            else:
                params = spec.model_dump()
                if height * width < 2:
                    raise ValueError(
                        f"batch_norm needs more than one value per channel, got {height}x{width}"
                    )
                out_channels = channels
                work = 2 * channels * height * width
                rows = OutputSize(height, f"{height} (unchanged)", True)
                columns = OutputSize(width, f"{width} (unchanged)", True)
        except ValueError as error:
            raise ApiError(422, "invalid_layer", f"{where}: {error}", f"layers[{index}]") from None
        output = (out_channels, rows.size, columns.size)
        map_values += out_channels * rows.size * columns.size
        if work > max_work:
            raise ApiError(
                413,
                "limit_exceeded",
                f"{where} needs about {work:,} multiply-adds, more than the limit max_work = "
                f"{max_work:,}; use fewer or smaller kernels, a stride, or pool first",
                f"layers[{index}]",
                ("max_work", max_work),
            )
        if map_values > MAX_MAP_VALUES:
            raise ApiError(
                413,
                "limit_exceeded",
                f"{where}: the maps up to here hold {map_values:,} values, more than the limit "
                f"max_map_values = {MAX_MAP_VALUES:,}; use a smaller count, a stride, or pool first",
                f"layers[{index}]",
                ("max_map_values", MAX_MAP_VALUES),
            )
        steps.append(_Step(index, spec, params, bank, shape, output, _sizes(rows, columns)))
        shape = output
    return steps


def _run(step: _Step, x: Maps) -> Maps:
    """One layer on a (1, C, H, W) batch."""
    spec, params = step.spec, step.params
    if isinstance(spec, ConvLayerSpec):
        assert step.bank is not None
        y = conv2d(x, step.bank.weights, None, spec.stride, params["padding"], spec.dilation)
        return apply_activation(spec.activation, y)
    if isinstance(spec, PoolLayerSpec):
        if spec.mode == "max":
            output, _indices = max_pool2d(
                x, spec.kernel_size, params["stride"], spec.padding, 1, spec.ceil_mode
            )
            return output
        return avg_pool2d(x, spec.kernel_size, params["stride"], spec.padding, spec.ceil_mode, True)
    channels = x.shape[1]
    output, _mean, _var = batch_norm(x, np.zeros(channels), np.ones(channels), training=True, eps=spec.eps)
    return output


def _labels(step: _Step) -> list[str]:
    if step.bank is not None:
        return list(step.bank.labels)
    return [f"channel {c}" for c in range(step.shape[0])]


def _layer(step: _Step, maps: Maps) -> FeatureMapLayer:
    entries = []
    for channel, (plane, label) in enumerate(zip(maps, _labels(step), strict=True)):
        low, high = float(plane.min()), float(plane.max())
        entries.append(
            FeatureMap(
                channel=channel,
                label=label,
                min=low,
                max=high,
                mean=float(plane.mean()),
                png=map_png(plane, low, high),
            )
        )
    kernels = step.bank.kernels.tolist() if step.bank is not None and step.bank.kernels is not None else None
    return FeatureMapLayer(
        index=step.index,
        type=step.spec.type,
        params=step.params,
        input_shape=list(step.input_shape),
        shape=list(maps.shape),
        output_size=step.output_size,
        kernels=kernels,
        min=float(maps.min()),
        max=float(maps.max()),
        maps=entries,
    )


def compute_feature_maps(
    data: bytes, specs: list[Any], default_stack: bool, grayscale: bool, settings: Settings
) -> FeatureMapsResponse:
    """Decode, plan, run and encode: the blocking part of the request, run in a worker thread."""
    decoded: DecodedImage = decode_image(data, settings, grayscale=grayscale)
    c, h, w = decoded.pixels.shape
    steps = plan_stack(specs, (c, h, w), settings.max_work)
    x: Maps = decoded.pixels[None]
    layers = []
    for step in steps:
        try:
            x = _run(step, x)
        except ValueError as error:  # the plan should have caught it; the engine's words still help
            shape = "x".join(map(str, step.input_shape))
            message = f"layer {step.index} ({step.spec.type}) with input {shape}: {error}"
            raise ApiError(422, "invalid_layer", message, f"layers[{step.index}]") from None
        layers.append(_layer(step, x[0]))
    return FeatureMapsResponse(
        input=FeatureMapInput(
            width=decoded.width,
            height=decoded.height,
            original_width=decoded.original_width,
            original_height=decoded.original_height,
            channels=c,
            format=decoded.format,
            mode=decoded.mode,
            orientation=decoded.orientation,
            png=png_data_url(decoded.preview),
        ),
        default_stack=default_stack,
        layers=layers,
    )


def upload_limiter(state: Any) -> anyio.CapacityLimiter:
    """The app's limit on uploads computed at once (``max_concurrent_uploads``), made on first use.

    Decoding allocates several times the decoded pixels; without a bound, a burst of large
    uploads would take every thread of the pool and the memory with it. Requests past the bound
    wait in the event loop, holding neither a thread nor their decoded image.
    """
    limiter: anyio.CapacityLimiter | None = getattr(state, "upload_limiter", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(state.settings.max_concurrent_uploads)
        state.upload_limiter = limiter
    return limiter


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
            examples=[LAYERS_EXAMPLE],
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
