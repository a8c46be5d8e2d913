"""Deploy entry point: every Cloud Function by name, resolved lazily on first access.

Cold starts import only this module and the one target asked for (PEP 562 module __getattr__), so
heavy libraries stay out of functions that do not use them.

Resolving a target pauses the cyclic garbage collector and then freezes what the import built:
an import allocates hundreds of thousands of long-lived objects (modules, classes, functions)
and no garbage worth a collection, yet each allocation burst triggers collections that walk all
of them again; measured, they were an eighth of a cold start's import CPU. Frozen objects are
left out of later collections too, so a request never pays for walking the import-time heap.
"""
from __future__ import annotations

import gc
import os
import sys
from importlib import import_module

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from manifest import BY_NAME  # noqa: E402  (needs the path above when loaded by file path)


def __getattr__(name: str):
    function = BY_NAME.get(name)
    if function is None:
        raise AttributeError(name)
    module_name, attribute = function.target.split(":")
    collecting = gc.isenabled()
    gc.disable()
    try:
        entry = getattr(import_module(module_name), attribute)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    globals()[name] = entry
    return entry


def __dir__() -> list[str]:
    return sorted(BY_NAME)
