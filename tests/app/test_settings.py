"""Settings come from CONVSCOPE_* variables over the defaults, and bad values are refused by name."""

from __future__ import annotations

import pytest

from app.settings import Settings, load_settings


def test_defaults_without_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CONVSCOPE_{name.upper()}", raising=False)
    assert load_settings() == Settings()


def test_variables_override_ints_and_floats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVSCOPE_MAX_FRAMES", "500")
    monkeypatch.setenv("CONVSCOPE_MAX_ABS_VALUE", "1e6")
    settings = load_settings()
    assert settings.max_frames == 500
    assert settings.max_abs_value == 1e6


@pytest.mark.parametrize(
    ("name", "raw", "words"),
    [
        ("MAX_FRAMES", "lots", "CONVSCOPE_MAX_FRAMES='lots' must be an integer"),
        ("MAX_FRAMES", "0", "must be greater than 0"),
        ("MAX_ABS_VALUE", "inf", "must be greater than 0"),
        ("MAX_ABS_VALUE", "big", "must be a number"),
    ],
)
def test_bad_variables_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, raw: str, words: str) -> None:
    monkeypatch.setenv(f"CONVSCOPE_{name}", raw)
    with pytest.raises(ValueError, match=words):
        load_settings()
