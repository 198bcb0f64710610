"""A FastAPI app generated from a contract: the oracle the sandbox's validation is compared with.

Every operation becomes a FastAPI route whose parameters and body are declared
with the types the contract's schemas read back into (``Query``, ``Path``,
``Header``, ``Body``), exactly as a FastAPI service declares them. FastAPI then
does everything the real service does with a request before the handler runs:
picking parameters out of the URL and headers, decoding the body, calling
pydantic, ordering and rendering the 422. The handler itself answers 200.
"""

from __future__ import annotations

import inspect
import keyword
import re
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, Path, Query

from mockserver.http.pydantic_types import contract_types
from mockserver.spec.contract import Contract

_NAME = re.compile(r"[^0-9a-zA-Z_]")


def _python(name: str, index: int) -> str:
    cleaned = _NAME.sub("_", name)
    return cleaned if cleaned.isidentifier() and not keyword.iskeyword(cleaned) else f"p{index}_{cleaned}"


def oracle_app(contract: Contract) -> FastAPI:
    types = contract_types(contract.resolver)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    # Static paths first, as the sandbox routes them (and as a FastAPI service must have declared them).
    operations = sorted(contract.operations, key=lambda op: ("{" in op.path, op.path))
    for op in operations:
        signature: list[inspect.Parameter] = []
        used: set[str] = set()
        for index, param in enumerate(op.parameters):
            if param.location not in ("path", "query", "header"):
                continue
            annotation = types.annotation(param.schema)
            python = param.name if param.location == "path" else _python(param.name, index)
            if python in used:
                python = f"p{index}_{python}"
            used.add(python)
            if param.location == "path":
                marker: Any = Path()
            elif param.location == "query":
                marker = Query(alias=param.name)
            else:
                marker = Header(alias=param.name, convert_underscores=False)
            default = inspect.Parameter.empty if param.required else param.default
            signature.append(inspect.Parameter(python, inspect.Parameter.KEYWORD_ONLY,
                                               annotation=Annotated[annotation, marker], default=default))
        body = op.body
        if body is not None and body.json_schema is not None:
            annotation = types.annotation(body.json_schema)
            default = inspect.Parameter.empty if body.required else None
            signature.append(inspect.Parameter("request_body_", inspect.Parameter.KEYWORD_ONLY,
                                               annotation=Annotated[annotation, Body()], default=default))

        async def endpoint(**_: Any) -> dict[str, bool]:
            return {"ok": True}

        endpoint.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
        app.add_api_route(op.path, endpoint, methods=[op.method.upper()], name=op.key)
    return app
