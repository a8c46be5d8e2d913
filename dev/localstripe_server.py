"""localstripe's app bound to 127.0.0.1, run by .venv-stripe's interpreter (dev/localstripe.py
starts it: `.venv-stripe/bin/python -m dev.localstripe_server --port P [--data FILE]`).

localstripe's own `start()` has no host option and listens on every interface (`::`), and its
`POST /_config/webhooks/{id}` takes a URL and a signing secret from anyone, with no key: anyone on
the network could have every payment event sent to them. This runs the same aiohttp app, bound
to 127.0.0.1 only.

Guarantees:
- It listens on 127.0.0.1:PORT and nowhere else.
- Without --data the store lives in memory only. (localstripe itself pickles its whole store to
  /tmp/localstripe.pickle on every change, one file for every localstripe on the machine.)
- With --data FILE the store is loaded from FILE at start and written back on every change,
  through a temporary file and a rename, so a kill never leaves half a file: `make dev` keeps the
  PaymentIntents of pending purchases next to the emulator's kept data.
- It imports only the standard library, aiohttp and localstripe: it runs in .venv-stripe, whose
  old pins clash with .venv's.
"""
from __future__ import annotations

import argparse
import logging
import os
import pickle
from pathlib import Path

HOST = "127.0.0.1"


def _keep_store_in(path: Path | None) -> None:
    """Point localstripe's store at `path` (None: memory only) instead of /tmp."""
    from localstripe import resources

    def dump(store: resources.Store) -> None:
        if path is None:
            return
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        with open(partial, "wb") as file:
            pickle.dump(dict(store), file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)

    def load(store: resources.Store) -> None:
        if path is None or not path.exists():
            return
        with open(path, "rb") as file:
            kept = pickle.load(file)
        dict.clear(store)
        dict.update(store, kept)  # dict's own update: no dump per item

    resources.Store.dump_to_disk = dump
    resources.Store.try_load_from_disk = load
    resources.store.try_load_from_disk()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dev.localstripe_server",
                                     description="localstripe on 127.0.0.1 only.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, help="keep the store in this file")
    args = parser.parse_args(argv)

    from aiohttp import web
    from localstripe.server import app

    _keep_store_in(args.data)
    access = logging.getLogger("aiohttp.access")
    access.setLevel(logging.DEBUG)
    access.addHandler(logging.StreamHandler())
    web.run_app(app, host=HOST, port=args.port, access_log=access, shutdown_timeout=1.0)


if __name__ == "__main__":
    main()
