"""``/docs``: Swagger UI served from the vendored swagger-ui-dist, never from a CDN, so the
API explorer works on a machine without internet (FastAPI's default loads it from
jsDelivr). The assets are in ``swagger-ui/`` beside this module (see VENDORED.md there).
ReDoc, which FastAPI also loads from a CDN, is not offered."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).resolve().parent / "swagger-ui"
ASSETS_PATH = "/_docs"


def install_docs(app: FastAPI) -> None:
    """Serve the vendored Swagger UI at ``/docs`` for ``app.openapi_url``."""
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS), name="swagger-ui-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    title = f"{app.title} - API"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
        )
