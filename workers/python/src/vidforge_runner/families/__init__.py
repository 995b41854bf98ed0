"""Model families. Each family is one module with a `load(options) -> Family`; the runner knows
them only through the Family interface (base.py), so Wan 2.2 is one more entry in FAMILIES."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from .base import Family, LoadOptions

# family name -> module that defines `load(options: LoadOptions) -> Family`
FAMILIES: dict[str, str] = {
    "ltx2": "vidforge_runner.families.ltx2",
}


def load_family(name: str, options: LoadOptions) -> Family:
    module_name = FAMILIES.get(name)
    if module_name is None:
        raise ValueError(f"unknown model family {name!r}; known: {', '.join(sorted(FAMILIES))}")
    module = importlib.import_module(module_name)
    load = cast(Callable[[LoadOptions], Family], module.load)
    return load(options)
