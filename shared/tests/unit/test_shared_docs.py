"""``/docs`` loads Swagger UI from the service itself (vendored swagger-ui-dist), so it
works on a machine without internet."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from closeloop_shared.http.app import create_app
from closeloop_shared.settings import ServiceSettings


def test_docs_loads_every_asset_from_the_service() -> None:
    client = TestClient(create_app(settings=ServiceSettings(), title="t"))
    page = client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    assert all(s.startswith("/_docs/") for s in sources), sources
    assert "cdn" not in page.text.lower()
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 500, source
    assert "'/openapi.json'" in page.text or '"/openapi.json"' in page.text
    assert client.get("/redoc").status_code == 404
    assert "/_docs" not in str(client.get("/openapi.json").json()["paths"])
