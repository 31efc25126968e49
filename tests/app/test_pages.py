"""HTML pages: status, framing headers, language negotiation and complete Chinese translations."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.routers.pages import I18N_DIR, LANG_COOKIE, SCENES, parse_accept_language

SITE_PAGES = ["/", *(f"/{scene.slug}" for scene in SCENES)]
EMBED_PAGES = [f"/embed/{scene.slug}" for scene in SCENES]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


def load_table(lang: str) -> dict[str, str]:
    with (I18N_DIR / f"{lang}.json").open(encoding="utf-8") as handle:
        table: dict[str, str] = json.load(handle)
    return table


class VisibleText(HTMLParser):
    """Text a reader sees or hears: text nodes and labelling attributes, scripts and styles left out."""

    ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        found = dict(attrs)
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.parts.append(value)
        if tag == "meta" and found.get("name") == "description" and found.get("content"):
            self.parts.append(found["content"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-z]{3,}", text)}


def english_only_words() -> set[str]:
    """Words of the English table that the Chinese table does not also use (names such as ReLU)."""
    en = words(" ".join(load_table("en").values()))
    zh = words(" ".join(load_table("zh").values()))
    return en - zh


@pytest.mark.parametrize("path", SITE_PAGES)
def test_site_pages_load_and_cannot_be_framed_elsewhere(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    assert '<nav class="site-nav"' in response.text


@pytest.mark.parametrize("path", EMBED_PAGES)
def test_embed_pages_can_be_framed_anywhere_and_have_no_chrome(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "x-frame-options" not in response.headers
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "<nav" not in response.text
    assert "site-header" not in response.text


def test_pages_answer_head_and_unknown_scenes_404(client: TestClient) -> None:
    assert client.head("/conv").status_code == 200
    assert client.get("/embed/no-such-scene").status_code == 404


def test_csp_allows_no_inline_script_or_third_party_origin(client: TestClient) -> None:
    policy = client.get("/conv").headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "http" not in policy


def test_static_files_and_favicon(client: TestClient) -> None:
    assert client.get("/static/favicon.svg").status_code == 200
    assert client.get("/favicon.ico").headers["content-type"].startswith("image/svg+xml")
    script = client.get("/static/js/player.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-GB,en;q=0.9,zh;q=0.8", "en"),
        ("fr-FR, zh-TW;q=0.5", "zh"),
        ("en;q=0.2, zh-Hans;q=0.7", "zh"),
        ("fr, de", None),
        ("", None),
        ("zh;q=0", None),
        ("zh;q=abc, en", "en"),
    ],
)
def test_accept_language_parsing(header: str, expected: str | None) -> None:
    assert parse_accept_language(header) == expected


def test_language_from_query_then_cookie_then_accept_language(client: TestClient) -> None:
    fresh = TestClient(create_app())
    assert '<html lang="en"' in fresh.get("/").text
    assert '<html lang="zh-Hans"' in fresh.get("/", headers={"Accept-Language": "zh-CN"}).text
    chosen = fresh.get("/conv?lang=zh")
    assert '<html lang="zh-Hans"' in chosen.text
    assert chosen.headers["content-language"] == "zh-Hans"
    assert LANG_COOKIE in chosen.headers["set-cookie"]
    # The cookie now wins over the browser's preference, and ?lang= over the cookie.
    assert '<html lang="zh-Hans"' in fresh.get("/", headers={"Accept-Language": "en"}).text
    assert '<html lang="en"' in fresh.get("/?lang=en").text
    assert "Accept-Language" in chosen.headers["vary"]


def test_embed_lang_choice_is_not_remembered(client: TestClient) -> None:
    response = client.get("/embed/conv?lang=zh")
    assert '<html lang="zh-Hans"' in response.text
    assert "set-cookie" not in response.headers


def test_both_string_tables_have_the_same_keys_and_placeholders() -> None:
    en, zh = load_table("en"), load_table("zh")
    assert set(en) == set(zh)
    for key in en:
        assert set(re.findall(r"\{\w+\}", en[key])) == set(re.findall(r"\{\w+\}", zh[key])), key
        assert zh[key].strip(), key


def test_every_key_used_by_templates_and_scripts_exists() -> None:
    en = load_table("en")
    root = I18N_DIR.parents[1]
    used: set[str] = set()
    for path in [*root.joinpath("templates").rglob("*.html"), *root.joinpath("static", "js").rglob("*.js")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", text))
    assert used, "no t('...') calls found"
    missing = sorted(key for key in used if key not in en)
    assert not missing


@pytest.mark.parametrize("path", SITE_PAGES + EMBED_PAGES)
def test_chinese_pages_have_no_english_interface_words(client: TestClient, path: str) -> None:
    html = client.get(path, params={"lang": "zh"}).text
    leftover = words(visible_text(html)) & english_only_words()
    assert not leftover, f"English words on the Chinese page {path}: {sorted(leftover)}"
    # The table the scripts read is the Chinese one.
    assert load_table("zh")["site.tagline"] in html


@pytest.mark.parametrize("path", SITE_PAGES + EMBED_PAGES)
def test_english_pages_have_no_chinese(client: TestClient, path: str) -> None:
    text = visible_text(client.get(path, params={"lang": "en"}).text)
    # The language switch names Chinese in Chinese; nothing else may.
    text = text.replace(load_table("en")["site.switch_language"], "")
    assert not re.search(r"[\u4e00-\u9fff]", text)
