"""A production build of the web app ships no dev sign-in and no secret.

The production build (no NEXT_PUBLIC_MINTBOOK_LOCAL) is made in an environment that holds
secrets, as a careless CI would: a Stripe secret key, a webhook secret and a service-account key.
Everything the build wrote for browsers and for the Next server is scanned for them and for the
dev sign-in. The local build is scanned the same way for the dev sign-in, which it must contain,
so the scan is shown to find what it looks for.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dev.web import WEB_DIR, production_build
from tests.support.npm import installed

DEV_SIGN_IN = "mintbook-dev-sign-in"  # web/lib/local.tsx DEV_MARKER, on the sign-in-as panel
DEV_ONLY = (DEV_SIGN_IN, "firebase-auth-emulator@example.com", "/_dev/test_card")
SECRETS = {
    "a Stripe secret key": re.compile(r"[sr]k_(test|live)_[0-9A-Za-z]+"),
    "a Stripe webhook secret": re.compile(r"whsec_[0-9A-Za-z]+"),
    "a private key": re.compile(r"-----BEGIN (RSA )?PRIVATE KEY-----|\\\\?\"private_key\\\\?\"\s*:"),
}
CANARY_KEY = ("-----BEGIN PRIVATE KEY-----\nMIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC\n"
              "-----END PRIVATE KEY-----\n")
# assembled, never literals: no file of the repository holds a key-shaped string (test_deploy.py)
BUILD_ENV = {
    "STRIPE_SECRET_KEY": "sk_" + "live_canary0123456789",
    "MINTBOOK_STRIPE_WEBHOOK_SECRET": "whsec_" + "canary0123456789abcdefgh",
    "FIREBASE_SERVICE_ACCOUNT": json.dumps({"type": "service_account", "private_key": CANARY_KEY}),
    "MINTBOOK_FIREBASE_PROJECT_ID": "mintbook-prod",
    "MINTBOOK_STRIPE_PUBLISHABLE_KEY": "pk_live_canary0123456789",
}


def shipped_files(build: Path) -> list[Path]:
    """What a deployment serves: the browser's chunks and the Next server's code."""
    files = [p for folder in ("static", "server") for p in (build / folder).rglob("*")
             if p.is_file() and p.suffix in (".js", ".json", ".html", ".css", ".rsc", ".map", ".txt")]
    assert files, f"nothing built in {build}"
    return files


def findings(build: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in shipped_files(build):
        text = path.read_text(errors="replace")
        for marker in DEV_ONLY:
            if marker in text:
                found.setdefault(marker, []).append(str(path.relative_to(build)))
        for what, pattern in SECRETS.items():
            if pattern.search(text):
                found.setdefault(what, []).append(str(path.relative_to(build)))
    return found


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Path:
    installed(WEB_DIR)
    return production_build(tmp_path_factory.mktemp("web") / "next-build-production.log",
                            BUILD_ENV)


def test_a_production_build_has_no_dev_sign_in_and_no_secret(production):
    assert findings(production) == {}


def test_the_local_build_has_the_dev_sign_in_the_scan_looks_for(web_build):
    found = findings(web_build)
    assert DEV_SIGN_IN in found
    assert not any(what in found for what in SECRETS)
