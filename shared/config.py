"""Process settings, read once from the environment.

Locally every value has a working default; in production deploy passes them (secrets through
Secret Manager references). Nothing here performs I/O.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import NamedTuple


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


class Settings(NamedTuple):
    project: str = "demo-mintbook"
    platform_asset: str = "CHIP"
    welcome_bonus: int = 10_000            # 100.00 CHIP
    transfer_fee_bps: int = 10             # 0.1 %
    max_body_bytes: int = 64 * 1024
    cors_origins: tuple[str, ...] = ("http://localhost:3000",)
    bootstrap_admins: tuple[str, ...] = ()  # uids made superadmin on first sign-in
    emulated_auth: bool = False            # unsigned ID tokens taken: FIREBASE_AUTH_EMULATOR_HOST
    auth_server: bool = True               # an Auth holds the accounts: see below
    tasks_url: str | None = None           # local task dispatch (dev server); None = Cloud Tasks
    tasks_emulator_host: str | None = None  # HOST:PORT of a Cloud Tasks emulator; None = Google
    region: str = "us-central1"
    login_domain: str = "localhost"        # the domain wallet sign-in messages name
    max_purchase_amount: int = 100_000     # per purchase, in the currency's minor unit
    swap_band_bps: int = 1_000             # a swap offer's rate within 10 % of the market
    swap_fee_bps: int = 30
    reward_shards: int = 1024          # ~1 write a second each at 1,000 rewards a second
    public_calls_per_minute: int = 100     # per client IP, on functions anyone may call
    trusted_proxy_hops: int = 1            # proxies that append to X-Forwarded-For: see below
    calls_per_window: tuple[tuple[str, int], ...] = ()  # bucket sizes overridden (benches)

    # auth_server is False only under emulated Auth with MINTBOOK_NO_AUTH_SERVER=1: a process
    # given dev tokens and no Auth emulator (the benches, the simulation) checks no account and
    # mirrors no claims, as there is nothing to ask. Production always has Firebase Auth.
    #
    # trusted_proxy_hops: how many proxies in front of the function each append the address
    # they received the request from to X-Forwarded-For; the client is the entry that many
    # places from the end (shared/web/client_ip.py). Cloud Functions called directly: 1 (Google's
    # front end). Behind Firebase Hosting: 2 (Hosting's CDN appends the client, then the front
    # end appends the CDN). Behind an external Application Load Balancer: 2 (it appends
    # "client, load balancer"). Add one per proxy of your own that appends; 0 trusts no header
    # and takes the socket's peer.

    @property
    def using_emulator(self) -> bool:
        return bool(os.environ.get("FIRESTORE_EMULATOR_HOST"))


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ.get
    return Settings(
        project=env("GOOGLE_CLOUD_PROJECT") or env("GCLOUD_PROJECT") or "demo-mintbook",
        platform_asset=env("MINTBOOK_PLATFORM_ASSET", "CHIP"),
        welcome_bonus=int(env("MINTBOOK_WELCOME_BONUS", "10000")),
        transfer_fee_bps=int(env("MINTBOOK_TRANSFER_FEE_BPS", "10")),
        max_body_bytes=int(env("MINTBOOK_MAX_BODY_BYTES", str(64 * 1024))),
        cors_origins=_csv(env("MINTBOOK_CORS_ORIGINS", "http://localhost:3000")),
        bootstrap_admins=_csv(env("MINTBOOK_BOOTSTRAP_ADMINS", "")),
        emulated_auth=bool(env("FIREBASE_AUTH_EMULATOR_HOST")),
        auth_server=not (env("FIREBASE_AUTH_EMULATOR_HOST")
                         and env("MINTBOOK_NO_AUTH_SERVER", "0").strip() not in ("", "0")),
        tasks_url=env("MINTBOOK_TASKS_URL"),
        tasks_emulator_host=env("MINTBOOK_TASKS_EMULATOR_HOST") or None,
        region=env("FUNCTION_REGION", "us-central1"),
        login_domain=env("MINTBOOK_LOGIN_DOMAIN", "localhost"),
        max_purchase_amount=int(env("MINTBOOK_MAX_PURCHASE_AMOUNT") or 100_000),
        swap_band_bps=int(env("MINTBOOK_SWAP_BAND_BPS", "1000")),
        swap_fee_bps=int(env("MINTBOOK_SWAP_FEE_BPS", "30")),
        reward_shards=int(env("MINTBOOK_REWARD_SHARDS", "1024")),
        public_calls_per_minute=int(env("MINTBOOK_PUBLIC_CALLS_PER_MIN", "100")),
        trusted_proxy_hops=int(env("MINTBOOK_TRUSTED_PROXY_HOPS", "1")),
        calls_per_window=tuple((b.split("=")[0], int(b.split("=")[1]))
                               for b in _csv(env("MINTBOOK_RATE_LIMITS", ""))),
    )
