"""The committed OpenAPI document is exactly what the code generates."""
from dev.openapi import TARGET, render


def test_committed_openapi_matches_the_code():
    assert TARGET.read_text() == render(), "run `python -m dev.openapi` and commit the result"


def test_every_http_function_is_described_with_its_envelope():
    import json

    from manifest import FUNCTIONS

    doc = json.loads(render())
    http = {f"/{f.name}" for f in FUNCTIONS if f.kind == "http"}
    assert set(doc["paths"]) == http
    for path, item in doc["paths"].items():
        (operation,) = item.values()
        assert "500" in operation["responses"], path
