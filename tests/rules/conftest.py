"""Fixtures of the per-area rules tests: current rules loaded, and a REST client over a database
seeded with the shared WORLD plus the module's own DOCS."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.rules.rules_support import WORLD, RulesClient


@pytest.fixture(scope="module")
def current_rules(emulator):
    emulator.reload_rules()


@pytest.fixture
def client(emulator, current_rules, request: pytest.FixtureRequest) -> Iterator[RulesClient]:
    rest = RulesClient(emulator.url, emulator.project)
    emulator.reset()
    rest.seed({**WORLD, **getattr(request.module, "DOCS", {})})
    yield rest
    rest.close()
