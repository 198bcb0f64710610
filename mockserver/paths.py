"""Where the bundled data lives.

The sandbox is run from a checkout (``make serve`` installs it in editable mode),
so contracts and fixtures are read from the repository next to the package rather
than copied into it: users edit ``fixtures/`` and see the change after a restart.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT", "CONTRACTS_DIR", "FIXTURES_DIR", "BUNDLED_CONTRACTS"]

REPO_ROOT = Path(__file__).resolve().parent.parent
CONTRACTS_DIR = REPO_ROOT / "contracts"
FIXTURES_DIR = REPO_ROOT / "fixtures"
BUNDLED_CONTRACTS = (
    CONTRACTS_DIR / "feather.openapi.json",
    CONTRACTS_DIR / "weave.openapi.json",
)
