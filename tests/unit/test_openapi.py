"""The committed OpenAPI document and the README's function reference are exactly what the code
generates."""
from dev.openapi import README, TARGET, render, render_readme


def test_committed_openapi_matches_the_code():
    assert TARGET.read_text() == render(), "run `python -m dev.openapi` and commit the result"


def test_the_readme_function_reference_matches_the_code():
    assert README.read_text() == render_readme(), "run `python -m dev.openapi` and commit README"


def test_every_http_function_is_described_with_its_envelope():
    import json

    from manifest import FUNCTIONS

    doc = json.loads(render())
    http = {f"/{f.name}" for f in FUNCTIONS if f.kind == "http"}
    assert set(doc["paths"]) == http
    for path, item in doc["paths"].items():
        (operation,) = item.values()
        assert "500" in operation["responses"], path
