from __future__ import annotations

from importlib.util import find_spec


def module_exists(name: str) -> bool:
    """True when ``name`` can be imported (its parent packages exist and it is present)."""
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:
        return False
