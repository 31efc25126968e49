"""Request-scoped values the routes take as parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.settings import Settings


async def get_settings(request: Request) -> Settings:
    """The settings the app was built with (``create_app(settings)``)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]
