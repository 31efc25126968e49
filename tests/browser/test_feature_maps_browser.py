"""/feature-maps in Chromium: clean loads, the picture sources (samples, file picker, drop, a photo
kept across a reload), the layer builder and the URL, a clicked unit's boxes against the API, the
PNG download, refused files, the embed."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

READY = ".fm-map canvas"


def png_bytes(width: int, height: int) -> bytes:
    """A picture with a bright square and a diagonal: edges in several directions."""
    image = Image.new("RGB", (width, height), (40, 60, 90))
    for y in range(height // 4, height // 2):
        for x in range(width // 4, width // 2):
            image.putpixel((x, y), (240, 230, 200))
    for i in range(min(width, height)):
        image.putpixel((i, i), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def query(page: Any) -> dict[str, str]:
    return {
        key: values[0] for key, values in parse_qs(urlsplit(page.url).query, keep_blank_values=True).items()
    }


def info(page: Any) -> str:
    text: str = page.locator("#fm-info").text_content()
    return text


def wait_for_info(page: Any, needle: str) -> None:
    page.wait_for_function(
        "n => document.getElementById('fm-info').textContent.includes(n)", arg=needle, timeout=15000
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_feature_maps_load_cleanly_and_are_photographed(open_page: Any, helpers: Any, lang: str) -> None:
    # The default stack: Sobel (2 maps) with ReLU, then 2x2 max pooling of the 256x192 sample.
    shapes = ["3×192×256", "2×192×256"]
    says = {"zh": [*shapes, "Sobel", "第 1 层"], "en": [*shapes, "Layer 1: 2 Sobel kernels of 3×3"]}
    for _, page in helpers.open_at_sizes(
        open_page, "/feature-maps", lang, ready=READY, says=says, no_english=True
    ):
        assert page.locator(".fm-layer-part").count() == 2
        assert page.locator("[data-layer='0'].fm-map").count() == 2
        assert "256×192" in info(page)


def test_picking_a_sample_updates_the_url_and_the_gallery(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/feature-maps?lang=en")
    before = page.evaluate("() => window.convscope.run().maps.layers[0].maps[0].png")
    page.locator("[data-sample=rings]").click()
    page.wait_for_function("() => window.convscope.run().key.includes('rings')")
    helpers.wait_for_scene(page)
    assert query(page)["src"] == "rings"
    assert page.locator("[data-sample=rings]").get_attribute("aria-pressed") == "true"
    assert page.evaluate("() => window.convscope.run().maps.layers[0].maps[0].png") != before
    # The link reproduces the scene in a fresh tab.
    other, other_problems = open_scene(f"/feature-maps?{urlsplit(page.url).query}")
    assert other.evaluate("() => window.convscope.run().maps.layers[0].maps[0].png") != before
    assert other.locator("[data-sample=rings]").get_attribute("aria-pressed") == "true"
    problems.assert_none()
    other_problems.assert_none()


def test_a_photo_from_the_file_picker_is_used_and_kept_across_a_reload(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/feature-maps?lang=en")
    page.set_input_files(
        "#fm-file", files=[{"name": "mine.png", "mimeType": "image/png", "buffer": png_bytes(90, 70)}]
    )
    wait_for_info(page, "90×70")
    helpers.wait_for_scene(page)
    assert query(page)["src"] == "upload"
    assert page.evaluate("() => window.convscope.run().maps.layers[0].shape") == [2, 70, 90]
    assert page.evaluate("() => window.convscope.run().maps.layers[1].shape") == [2, 35, 45]
    page.reload(wait_until="load")
    helpers.wait_for_scene(page)
    wait_for_info(page, "90×70")
    assert page.locator("#fm-missing-photo").count() == 0
    # A fresh tab has no such photo: it says so and shows a sample instead of a dead end.
    other, other_problems = open_scene(f"/feature-maps?{urlsplit(page.url).query}")
    assert "uploaded photo" in other.locator("#fm-missing-photo").text_content()
    assert query(other).get("src") is None  # back to the default sample
    assert "256×192" in info(other)
    helpers.screenshot(page, "feature-maps-en-uploaded")
    problems.assert_none()
    other_problems.assert_none()


# Hands the page a PNG (base64) as a file dropped on the drop zone, or pasted.
DROP_OR_PASTE = """([b64, name, how]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type: "image/png" }));
    if (how === "drop") {
        const event = new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true });
        document.querySelector(".fm-drop").dispatchEvent(event);
    } else {
        const init = { clipboardData: transfer, bubbles: true, cancelable: true };
        document.body.dispatchEvent(new ClipboardEvent("paste", init));
    }
}"""


@pytest.mark.parametrize(
    ("how", "name", "width", "height"), [("drop", "dropped.png", 64, 40), ("paste", "pasted.png", 48, 30)]
)
def test_a_dropped_or_pasted_photo_is_used(
    open_scene: Any, helpers: Any, how: str, name: str, width: int, height: int
) -> None:
    page, problems = open_scene("/feature-maps?lang=en")
    encoded = base64.b64encode(png_bytes(width, height)).decode()
    page.evaluate(DROP_OR_PASTE, [encoded, name, how])
    wait_for_info(page, f"{width}×{height}")
    helpers.wait_for_scene(page)
    assert query(page)["src"] == "upload"
    assert page.evaluate("() => window.convscope.run().maps.layers[0].shape") == [2, height, width]
    problems.assert_none()


def test_adding_and_removing_layers_round_trips_through_the_url(
    open_scene: Any, open_page: Any, helpers: Any
) -> None:
    page, problems = open_scene("/feature-maps?lang=en")
    page.locator("[data-act=add-bn]").click()
    page.wait_for_function("() => /layers=[^&]*_b/.test(location.search)")
    helpers.wait_for_scene(page)
    page.locator("[data-act=add-conv]").click()
    helpers.wait_for_scene(page)
    helpers.set_controls(page, [("l3-count", "3"), ("l3-activation", "tanh")])
    helpers.wait_for_scene(page)
    assert query(page)["layers"] == "c.sobel.relu_p.max_b_c.gabor.n3.tanh"
    assert page.locator(".fm-layer-part").count() == 4
    assert page.locator("[data-layer='3'].fm-map").count() == 3
    labels = page.locator("[data-layer='3'].fm-map figcaption").all_text_contents()
    assert labels == ["Gabor 0°", "Gabor 60°", "Gabor 120°"]
    assert "batch norm" in page.locator(".fm-layer-part[data-layer='2'] h2").text_content().lower()
    expected = helpers.scene_state(page)
    other_problems = helpers.assert_url_round_trip(page, open_page, expected)
    page.locator("[data-act=remove][data-index='2']").click()
    helpers.wait_for_scene(page)
    assert query(page)["layers"] == "c.sobel.relu_p.max_c.gabor.n3.tanh"
    assert page.locator(".fm-layer-part").count() == 3
    page.locator("[data-act=up][data-index='2']").click()
    helpers.wait_for_scene(page)
    assert query(page)["layers"] == "c.sobel.relu_c.gabor.n3.tanh_p.max"
    problems.assert_none()
    other_problems.assert_none()


def test_a_clicked_unit_outlines_the_boxes_the_api_gives(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/feature-maps?lang=en&layers=c.sobel.relu_p.max_c.blur.k5.s2")
    canvas = page.locator("[data-layer='2'].fm-map canvas").first
    scale = page.evaluate("() => window.convscope.run().views[2].views[0].scale")
    # The unit at row 20, column 30 of the last layer (10 px margin around each map).
    canvas.click(position={"x": 10 + scale * 30.5, "y": 10 + scale * 20.5})
    page.wait_for_function("() => /unit=2-0-20-30/.test(location.search)")
    helpers.wait_for_scene(page)
    assert page.evaluate("() => window.convscope.scene.player.step") == 2
    drawn = page.evaluate("() => window.convscope.drawn()")
    assert drawn["unit"] == {"layer": 2, "y": 20, "x": 30}
    run = page.evaluate("() => window.convscope.run().maps.layers.map(l => l.params)")
    geometry = [
        {"type": "conv", "kernel_size": 3, "stride": 1, "padding": "same", "dilation": 1},
        {"type": "pool", "kernel_size": 2, "stride": 2, "padding": 0, "ceil_mode": False},
        {"type": "conv", "kernel_size": 5, "stride": 2, "padding": 2, "dilation": 1},
    ]
    assert [p.get("size", p.get("kernel_size")) for p in run] == [3, 2, 5]
    body = {
        "input_height": 192,
        "input_width": 256,
        "layers": geometry,
        "unit": {"layer": 2, "y": 20, "x": 30},
    }
    answer = helpers.post_api(page, "/api/receptive-field", body)
    boxes = {b["layer"]: b for b in answer["unit"]["boxes"]}
    for layer in (-1, 0, 1):
        assert drawn[str(layer)]["box"] == boxes[layer]["box"], layer
        assert drawn[str(layer)]["clipped"] == boxes[layer]["clipped"], layer
    # Hand check: conv 5 stride 2 pad 2 reads pool rows 38..42; pool 2 reads conv rows 76..85; the
    # 3x3 conv widens that to 75..86 on the photo (and columns 115..126 likewise).
    assert boxes[-1]["box"] == {"top": 75, "left": 115, "bottom": 86, "right": 126}
    assert "rows 75 to 86, columns 115 to 126" in page.locator("#detail-body").text_content()
    assert page.locator("[data-layer='2'].fm-map.is-chosen").count() == 1
    helpers.screenshot(page, "feature-maps-en-unit")
    # A unit near the border: its field reaches into the padding, and the page says by how much.
    canvas.click(position={"x": 10 + scale * 0.5, "y": 10 + scale * 0.5})
    page.wait_for_function("() => /unit=2-0-0-0/.test(location.search)")
    helpers.wait_for_scene(page)
    drawn = page.evaluate("() => window.convscope.drawn()")
    assert drawn["-1"]["box"]["top"] < 0
    assert drawn["-1"]["clipped"]["top"] == 0
    assert "into the padding" in page.locator(".fm-layer-part[data-layer='1'] .fm-field-line").text_content()
    problems.assert_none()


def test_a_map_downloads_as_png(open_scene: Any) -> None:
    page, problems = open_scene("/feature-maps?lang=en")
    with page.expect_download() as caught:
        page.locator("[data-layer='0'].fm-map .fm-download").first.click()
    download = caught.value
    assert download.suggested_filename == "feature-map-layer1-conv-sobel_x.png"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.size == (256, 192)
    # Recoloured: a ReLU map is white at zero and orange at its maximum, not grey.
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    assert (pixels == [247, 247, 247]).all(axis=1).any()
    assert (pixels[:, 0] > pixels[:, 1] + 40).any()
    problems.assert_none()


def test_refused_files_show_the_api_message_and_leave_a_way_on(
    open_scene: Any, helpers: Any, server: str
) -> None:
    page, _ = open_scene("/feature-maps?lang=en")
    text = b"this is not a picture\n" * 10
    page.set_input_files("#fm-file", files=[{"name": "notes.png", "mimeType": "image/png", "buffer": text}])
    error = page.locator("#error")
    error.wait_for(state="visible")
    expected = page.request.post(
        server + "/api/feature-maps",
        multipart={"image": {"name": "n.png", "mimeType": "image/png", "buffer": text}},
    )
    assert expected.status == 415
    assert expected.json()["error"]["message"] in error.text_content()
    assert query(page).get("src") is None  # back to the sample it came from
    big = b"\x89PNG\r\n\x1a\n" + bytes(11_000_000)
    page.set_input_files("#fm-file", files=[{"name": "huge.png", "mimeType": "image/png", "buffer": big}])
    page.wait_for_function(
        "() => /max_upload_bytes|10,000,000|limit/.test(document.getElementById('error').textContent)"
    )
    assert "max_upload_bytes" in error.text_content()
    helpers.screenshot(page, "feature-maps-en-refused")
    # No dead end: a sample still works and clears the error.
    page.locator("[data-sample=stripes]").click()
    helpers.wait_for_scene(page)
    assert error.is_hidden()
    assert query(page)["src"] == "stripes"


def test_the_embed_works_and_keeps_the_stack(open_scene: Any, helpers: Any) -> None:
    page, problems = open_scene("/embed/feature-maps?lang=zh&src=scene&layers=c.gabor_p.avg.k4")
    assert page.locator(".site-nav").count() == 0
    assert page.locator("[data-layer='0'].fm-map").count() == 4
    assert page.locator("[data-sample=scene]").get_attribute("aria-pressed") == "true"
    assert "平均池化" in page.locator(".fm-layer-part[data-layer='1'] h2").text_content()
    assert not helpers.english_leftovers(page)
    helpers.screenshot(page, "feature-maps-zh-embed")
    problems.assert_none()
