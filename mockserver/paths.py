"""Where the bundled data lives: inside the package, so every install finds it.

Contracts and fixtures ship in the wheel as package data (``mockserver/contracts``,
``mockserver/fixtures``) and are found through :mod:`importlib.resources`, so a
regular ``pip install``, ``pipx`` or a built wheel serves from any directory, and
an editable checkout reads the same files from the tree. ``--spec`` and
``--fixtures`` point elsewhere; ``mockserver fixtures DIR`` copies the bundled
fixtures out for editing.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["PACKAGE_DIR", "CONTRACTS_DIR", "FIXTURES_DIR", "BUNDLED_CONTRACTS"]


def _package_dir() -> Path:
    root = files("mockserver")
    if not isinstance(root, Path):  # a zip import: the loaders read real files
        raise RuntimeError("mockserver must be installed as files on disk, not imported from a zip archive")
    return root


PACKAGE_DIR = _package_dir()
CONTRACTS_DIR = PACKAGE_DIR / "contracts"
FIXTURES_DIR = PACKAGE_DIR / "fixtures"
BUNDLED_CONTRACTS = (
    CONTRACTS_DIR / "feather.openapi.json",
    CONTRACTS_DIR / "weave.openapi.json",
)
