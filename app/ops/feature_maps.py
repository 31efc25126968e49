"""Feature maps of an uploaded image: the layer stack parsed, planned from shapes, run, encoded.

The plan checks the whole stack's shapes and cost before any array is computed; then the engine
runs layer by layer and every map is encoded as a PNG (``app.images``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter, ValidationError

from app.errors import ApiError, limit_error
from app.examples import FEATURE_MAP_LAYERS
from app.images import DecodedImage, decode_opened, map_png, open_image, png_data_url
from app.schemas import (
    BatchNormLayerSpec,
    ConvLayerSpec,
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

Maps = NDArray[np.floating[Any]]
Spec = ConvLayerSpec | PoolLayerSpec | BatchNormLayerSpec
Shape = tuple[int, int, int]

# Values of all maps returned by one request: bounds the PNG encoding time and the response size
# (about 8 full 512x512 maps per layer of a full stack). The compute time of each layer is bounded
# by the setting max_work. Both are checked from shapes, before anything is computed.
MAX_MAP_VALUES = 8_000_000

_LAYERS = TypeAdapter(list[LayerSpec])
_LAYER_TYPES = ("conv", "pool", "batch_norm")

DEFAULT_STACK: tuple[Spec, ...] = (
    ConvLayerSpec(type="conv", bank="sobel", size=3, activation="relu"),
    PoolLayerSpec(type="pool", mode="max", kernel_size=2),
)


@dataclass(frozen=True)
class _Step:
    """One planned layer: its spec, its conv weights (conv only), and shapes (C, H, W)."""

    index: int
    spec: Spec
    params: dict[str, Any]
    bank: KernelBank | None
    input_shape: Shape
    shape: Shape
    output_size: dict[str, str]


@dataclass(frozen=True)
class _Layout:
    """What planning one layer finds from shapes: its arguments as run, its output and its cost."""

    params: dict[str, Any]
    bank: KernelBank | None
    channels: int
    rows: OutputSize
    columns: OutputSize
    work: int


# The layers field


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
                f"`layers` is not valid JSON ({detail}); send a JSON array such as {FEATURE_MAP_LAYERS}",
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


# The plan: shapes and costs, nothing computed


def _plan_conv(spec: ConvLayerSpec, shape: Shape) -> _Layout:
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
    out_channels = bank.weights.shape[0]
    work = out_channels * channels * spec.size**2 * rows.size * columns.size
    return _Layout(params, bank, out_channels, rows, columns, work)


def _plan_pool(spec: PoolLayerSpec, shape: Shape) -> _Layout:
    channels, height, width = shape
    params = spec.model_dump()
    params["stride"] = spec.stride or spec.kernel_size
    rows, columns = (
        pool_output_size(side, spec.kernel_size, params["stride"], spec.padding, 1, spec.ceil_mode)
        for side in (height, width)
    )
    work = channels * spec.kernel_size**2 * rows.size * columns.size
    return _Layout(params, None, channels, rows, columns, work)


def _plan_batch_norm(spec: BatchNormLayerSpec, shape: Shape) -> _Layout:
    channels, height, width = shape
    if height * width < 2:
        raise ValueError(f"batch_norm needs more than one value per channel, got {height}x{width}")
    rows = OutputSize(height, f"{height} (unchanged)", True)
    columns = OutputSize(width, f"{width} (unchanged)", True)
    return _Layout(spec.model_dump(), None, channels, rows, columns, 2 * channels * height * width)


def _plan_layer(spec: Spec, shape: Shape) -> _Layout:
    if isinstance(spec, ConvLayerSpec):
        return _plan_conv(spec, shape)
    if isinstance(spec, PoolLayerSpec):
        return _plan_pool(spec, shape)
    return _plan_batch_norm(spec, shape)


def _check_cost(where: str, index: int, work: int, max_work: int, map_values: int) -> None:
    """413 for a layer past ``max_work``, or for maps up to this layer past MAX_MAP_VALUES."""
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


def _where(index: int, spec: Spec, shape: Shape) -> str:
    """How messages name a layer: "layer 1 (pool) with input 2x8x8"."""
    return f"layer {index} ({spec.type}) with input {'x'.join(map(str, shape))}"


def plan_stack(specs: list[Any], input_shape: Shape, max_work: int) -> list[_Step]:
    """Check every layer's shape and cost before computing anything: 422 for an impossible layer,
    413 for one past ``max_work`` or a stack whose maps pass :data:`MAX_MAP_VALUES`."""
    steps: list[_Step] = []
    shape = input_shape
    map_values = 0
    for index, spec in enumerate(specs):
        where = _where(index, spec, shape)
        try:
            layout = _plan_layer(spec, shape)
        except ValueError as error:
            raise ApiError(422, "invalid_layer", f"{where}: {error}", f"layers[{index}]") from None
        output = (layout.channels, layout.rows.size, layout.columns.size)
        map_values += output[0] * output[1] * output[2]
        _check_cost(where, index, layout.work, max_work, map_values)
        sizes = {"height": layout.rows.derivation, "width": layout.columns.derivation}
        steps.append(_Step(index, spec, layout.params, layout.bank, shape, output, sizes))
        shape = output
    return steps


# Running the plan


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


def _input(decoded: DecodedImage) -> FeatureMapInput:
    """The decoded image as the answer describes it, with its PNG preview."""
    return FeatureMapInput(
        width=decoded.width,
        height=decoded.height,
        original_width=decoded.original_width,
        original_height=decoded.original_height,
        channels=decoded.pixels.shape[0],
        format=decoded.format,
        mode=decoded.mode,
        orientation=decoded.orientation,
        png=png_data_url(decoded.preview),
    )


def compute_feature_maps(
    data: bytes, specs: list[Any], default_stack: bool, grayscale: bool, settings: Settings
) -> FeatureMapsResponse:
    """Check the header, plan the stack on the size it declares, then decode, run and encode: the
    blocking part of the request, run in a worker thread. Nothing is decoded for a stack that
    cannot run or costs too much."""
    opened = open_image(data, settings)
    channels = 1 if grayscale else 3
    steps = plan_stack(specs, (channels, *opened.size), settings.max_work)
    decoded = decode_opened(opened, settings, grayscale=grayscale)
    c, h, w = decoded.pixels.shape
    if (h, w) != opened.size:  # malformed EXIF left the stored orientation: plan the real shape
        steps = plan_stack(specs, (c, h, w), settings.max_work)
    x: Maps = decoded.pixels[None]
    layers = []
    for step in steps:
        try:
            x = _run(step, x)
        except ValueError as error:  # the plan should have caught it; the engine's words still help
            message = f"{_where(step.index, step.spec, step.input_shape)}: {error}"
            raise ApiError(422, "invalid_layer", message, f"layers[{step.index}]") from None
        layers.append(_layer(step, x[0]))
    return FeatureMapsResponse(input=_input(decoded), default_stack=default_stack, layers=layers)


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
