"""Response examples are served only if they satisfy their own schema.

A contract's example is served as the answer by default (Prism does the same),
so an example that contradicts its schema would make the sandbox break the very
contract it serves. At startup each one is validated (jsonschema 2020-12, the
document's own components for references, formats checked); one that fails is
dropped with a warning, and the operation answers with generated data instead.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

__all__ = ["ExampleChecker"]

_MAX_REASON = 160


class ExampleChecker:
    def __init__(self, document: dict[str, Any]) -> None:
        self._components = document.get("components", {})
        self._formats = FormatChecker()

    def keep_valid(self, schema: Any, examples: dict[str, Any], where: str, warnings: list[str]) -> dict[str, Any]:
        if not examples or not isinstance(schema, (dict, bool)):
            return examples
        root = {"components": self._components, "schema": schema, "$ref": "#/schema"}
        validator = Draft202012Validator(root, format_checker=self._formats)
        kept = {}
        for name, value in examples.items():
            try:
                problem = next(iter(validator.iter_errors(value)), None)
            except (SchemaError, RecursionError, ValueError, KeyError, TypeError) as exc:  # a schema jsonschema cannot use
                warnings.append(f"{where}: example {name!r} not checked ({type(exc).__name__}); served as it is")
                kept[name] = value
                continue
            if problem is None:
                kept[name] = value
            else:
                at = "/".join(str(p) for p in problem.absolute_path) or "(root)"
                reason = problem.message if len(problem.message) <= _MAX_REASON else problem.message[:_MAX_REASON] + "..."
                warnings.append(f"{where}: example {name!r} does not match its schema at {at} ({reason}); "
                                "generated data is served instead")
        return kept
