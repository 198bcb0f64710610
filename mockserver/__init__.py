"""mockserver: a contract-testing sandbox for the Feather analytics API and Weave feedback stats."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
