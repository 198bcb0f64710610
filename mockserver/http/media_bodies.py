"""Request bodies by OpenAPI's rules: each declared media type read as what it is, then checked by its schema.

For contracts FastAPI did not generate (``--spec`` with your own document; FastAPI
contracts keep ``body.py``). The request's ``Content-Type`` picks the declared
media type (exact, then ``type/*``, then ``*/*``); one the operation does not
declare is refused, naming the declared ones. A body without a ``Content-Type``
is read as the first declared media type. Then:

- JSON (``application/json``, ``*/*+json``): decoded within the sandbox's limits;
- ``application/x-www-form-urlencoded``: decoded as a query string;
- ``multipart/*``: read with Starlette's parser and limits (``form.py``); a file
  part is its content, as text;
- XML (``*/xml``, ``*/*+xml``): parsed with defusedxml (no entities, no external
  references), and read back into a value by the schema's ``xml`` hints as
  OpenAPI defines them: properties as child elements (or attributes), arrays as
  repeated elements, wrapped or not; the root element's name is not checked;
- other ``text/*``: the text itself;
- anything else (``application/octet-stream``, images...): only its presence.

Form, multipart and XML carry text, so each value is first read as the type its
schema names (``"7"`` an integer, ``"true"`` a boolean; nothing else is a
boolean); the value is then checked as JSON Schema 2020-12 (``schema_check.py``).
A scalar field sent twice keeps its first value. docs/validation.md has the rules.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qsl
from xml.etree.ElementTree import Element, ParseError

import orjson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as parse_xml
from python_multipart.multipart import parse_options_header

from mockserver.http.body import BodyOutcome, BodyParseError, decode_json
from mockserver.http.form import multipart_parts
from mockserver.http.params import ErrorItem
from mockserver.http.schema_check import SchemaCheck
from mockserver.spec.refs import Resolver

__all__ = ["MediaBodyRule", "MEDIA_TYPE_ERROR", "typed_text"]

MEDIA_TYPE_ERROR = "media_type"  # the error type of a Content-Type the operation does not declare
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, slots=True)
class _Media:
    name: str  # as declared, lower case
    kind: str  # json, form, multipart, xml, text, binary
    schema: Any  # None: any content
    check: SchemaCheck | None


def _kind(media: str) -> str:
    if media == "application/json" or media.endswith("+json") or media.endswith("/json"):
        return "json"
    if media == "application/x-www-form-urlencoded":
        return "form"
    if media.startswith("multipart/"):
        return "multipart"
    if media.endswith("/xml") or media.endswith("+xml"):
        return "xml"
    if media.startswith("text/"):
        return "text"
    return "binary"


class MediaBodyRule:
    def __init__(self, content: dict[str, Any], resolver: Resolver, required: bool) -> None:
        components = resolver.document.get("components", {})
        self._media: list[_Media] = []
        for name, media_object in content.items():
            schema = media_object.get("schema") if isinstance(media_object, dict) else None
            check = SchemaCheck(schema, components) if isinstance(schema, (dict, bool)) else None
            self._media.append(_Media(name.lower(), _kind(name.lower()), schema, check))
        self._resolver = resolver
        self._required = required

    def validate(self, raw: bytes, content_type: str | None) -> BodyOutcome:
        media = self._declared(content_type) if content_type else None
        if not raw and media is not None and media.kind in ("form", "multipart") and media.check is not None:
            errors = media.check.errors({}, ["body"])  # a form with no fields is an empty object, not no body
            return BodyOutcome(None if errors else {}, errors)
        if not raw:
            if self._required:
                return BodyOutcome(None, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}])
            return BodyOutcome(None, [])
        media = self._declared(content_type)
        if media is None:
            declared = ", ".join(m.name for m in self._media)
            return BodyOutcome(None, [{"type": MEDIA_TYPE_ERROR, "loc": ["header", "content-type"],
                                       "msg": f"Content-Type {content_type!r} is not accepted here; send one of: "
                                              f"{declared}", "input": content_type}])
        if media.kind == "binary":
            return BodyOutcome(None, [])
        value, problem = self._decode(media, raw, content_type or "")
        if problem is not None:
            return BodyOutcome(None, [problem])
        errors = media.check.errors(value, ["body"]) if media.check is not None else []
        return BodyOutcome(None if errors else value, errors)

    def _declared(self, content_type: str | None) -> _Media | None:
        if not self._media:
            return None
        if not content_type:
            return self._media[0]
        wanted = content_type.split(";", 1)[0].strip().lower()
        family = wanted.split("/", 1)[0] + "/*"
        for candidates in ((wanted,), (family,), ("*/*",)):
            for media in self._media:
                if media.name in candidates:
                    return media
        return None

    def _decode(self, media: _Media, raw: bytes, content_type: str) -> tuple[Any, ErrorItem | None]:
        if media.kind == "json":
            return decode_json(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if media.kind != "multipart":
                raise BodyParseError("The body is not UTF-8 text") from None
            text = ""
        schema = self._resolver.deref(media.schema) if media.schema is not None else {}
        if media.kind == "form":
            pairs = parse_qsl(text, keep_blank_values=True)
            return self._fields(schema, [(k, v) for k, v in pairs]), None
        if media.kind == "multipart":
            _, options = parse_options_header(content_type)
            boundary = options.get(b"boundary")
            if not boundary:
                raise BodyParseError("Missing boundary in multipart.")
            parts = multipart_parts(raw, boundary)
            return self._fields(schema, [(p.name, p.data.decode("utf-8", errors="replace")) for p in parts]), None
        if media.kind == "xml":
            try:
                root = parse_xml(raw, forbid_dtd=True)
            except (ParseError, DefusedXmlException, ValueError) as exc:
                return None, {"type": "xml_invalid", "loc": ["body"], "msg": f"XML parse error: {exc}", "input": None}
            return self._from_xml(root, schema), None
        return typed_text(text, schema, self._resolver.deref), None

    def _fields(self, schema: Any, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        """Form fields as an object: an array property takes every value of its name, others the first."""
        properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
        extra = schema.get("additionalProperties", {}) if isinstance(schema, dict) else {}
        value: dict[str, Any] = {}
        for name, text in pairs:
            field = self._resolver.deref(properties.get(name, extra if isinstance(extra, dict) else {}))
            if _types(field) & {"array"}:
                items = self._resolver.deref(field.get("items", {}))
                value.setdefault(name, []).append(typed_text(text, items, self._resolver.deref))
            elif name not in value:
                value[name] = typed_text(text, field, self._resolver.deref)
        for name in schema.get("required", ()) if isinstance(schema, dict) else ():
            if name not in value and _types(self._resolver.deref(properties.get(name, {}))) & {"array"}:
                value[name] = []  # OpenAPI's form style sends an empty array as no field at all
        return value

    def _from_xml(self, element: Element, schema: Any, depth: int = 0) -> Any:
        schema = self._resolver.deref(schema)
        if not isinstance(schema, dict) or depth > 64:
            return element.text or ""
        kinds = _types(schema)
        if len(element) == 0 and not element.attrib and (element.text or "").strip():
            return typed_text(element.text or "", schema, self._resolver.deref)  # text where the schema wants structure
        if "object" in kinds or "properties" in schema:
            result: dict[str, Any] = {}
            for name, prop in (schema.get("properties") or {}).items():
                prop = self._resolver.deref(prop)
                hints = prop.get("xml", {}) if isinstance(prop, dict) else {}
                tag = hints.get("name", name)
                if hints.get("attribute"):
                    found = _attribute(element, tag)
                    if found is not None:
                        result[name] = typed_text(found, prop, self._resolver.deref)
                elif isinstance(prop, dict) and _types(prop) & {"array"}:
                    found_list = self._xml_array(element, name, prop, depth)
                    if found_list is not None:
                        result[name] = found_list
                else:
                    child = _child(element, tag)
                    if child is not None:
                        result[name] = self._from_xml(child, prop, depth + 1)
            return result
        if "array" in kinds:
            items = self._resolver.deref(schema.get("items", {}))
            return [self._from_xml(child, items, depth + 1) for child in element]
        return typed_text(element.text or "", schema, self._resolver.deref)

    def _xml_array(self, element: Element, name: str, prop: dict[str, Any], depth: int) -> list[Any] | None:
        items = self._resolver.deref(prop.get("items", {}))
        item_hints = items.get("xml", {}) if isinstance(items, dict) else {}
        hints = prop.get("xml", {})
        if hints.get("wrapped"):
            wrapper = _child(element, hints.get("name", name))
            if wrapper is None:
                return None
            tag = item_hints.get("name", hints.get("name", name))
            return [self._from_xml(c, items, depth + 1) for c in wrapper if _local(c.tag) == tag]
        tag = item_hints.get("name", hints.get("name", name))
        found = [c for c in element if _local(c.tag) == tag]
        return [self._from_xml(c, items, depth + 1) for c in found] if found else None


def _local(tag: Any) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1].split(":")[-1]


def _child(element: Element, tag: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == tag), None)


def _attribute(element: Element, name: str) -> str | None:
    return next((v for k, v in element.attrib.items() if _local(k) == name), None)


def _types(schema: Any) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    return set()


def typed_text(text: str, schema: Any, deref: Callable[[Any], Any]) -> Any:
    """Text read as the scalar type its schema names; left as text where it is not one (the check then says so)."""
    schema = deref(schema)
    kinds = _types(schema)
    if not kinds and isinstance(schema, dict):
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in schema.get(key, ()):
                kinds |= _types(deref(branch))
    if "string" in kinds:
        return text
    if "integer" in kinds and _INTEGER.fullmatch(text) and len(text) < 4300:
        return int(text)
    if "number" in kinds:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return int(text) if _INTEGER.fullmatch(text) and len(text) < 4300 else number
    if "boolean" in kinds and text in ("true", "false"):
        return text == "true"
    if "null" in kinds and text in ("", "null"):
        return None
    if kinds & {"object", "array"}:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
    return text
