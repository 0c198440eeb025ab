"""The official Bot API schema, and request validation against it.

The schema is a JSON file ``{"methods": {name: {"fields": [...], "returns": [...]}},
"types": {name: {"fields": [...]} | {"subtypes": [...]}}}``. It is loaded from, in order:

1. the path in the environment variable ``BOT_API_SCHEMA``;
2. ``../shared/telegram/bot-api-schema.json`` beside the repository (where CI lays it);
3. the copy vendored next to this module, ``sandbox/bot-api-schema.json``.

:class:`BotApiSchema` decodes ``application/x-www-form-urlencoded`` and multipart values (where
every value is a string and objects arrive as JSON text) into typed values, then checks a
request's parameters: unknown names, missing required ones, basic types, and nested objects
(``InlineKeyboardMarkup``, ``BotCommandScope*``, ``InputMedia*``…) recursively. Problems raise
:class:`SchemaError` whose message is the part after ``"Bad Request: "``.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_ENV",
    "SHARED_SCHEMA_PATH",
    "VENDORED_SCHEMA_PATH",
    "BotApiSchema",
    "FieldSpec",
    "MethodSpec",
    "SchemaError",
    "TypeSpec",
    "UploadedFile",
    "load_schema",
    "schema_path",
]

SCHEMA_ENV = "BOT_API_SCHEMA"
SHARED_SCHEMA_PATH = (
    Path(__file__).resolve().parents[1].parent / "shared/telegram/bot-api-schema.json"
)
VENDORED_SCHEMA_PATH = Path(__file__).resolve().parent / "bot-api-schema.json"

#: Telegram's own words for some missing required parameters.
_MISSING_MESSAGES = {
    "text": "message text is empty",
    "chat_id": "chat_id is empty",
    "message_id": "message identifier is not specified",
    "document": "there is no document in the request",
    "photo": "there is no photo in the request",
    "media": "there is no media in the request",
    "callback_query_id": "query ID is empty",
    "file_id": "file_id is empty",
}
_INT_RE = re.compile(r"-?[0-9]+")
_BASIC_TYPES = frozenset({"Integer", "Float", "String", "Boolean", "InputFile"})


class SchemaError(ValueError):
    """A request does not fit the schema; ``str(error)`` follows ``"Bad Request: "``."""

    def __init__(self, message: str, *, path: str = "", overlap: int = 0) -> None:
        super().__init__(message)
        self.path = path
        self.overlap = overlap

    @property
    def depth(self) -> int:
        return self.path.count(".") + self.path.count("[") + (1 if self.path else 0)


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request (a Bot API ``InputFile``)."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    required: bool
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    name: str
    fields: Mapping[str, FieldSpec] | None
    subtypes: tuple[str, ...] = ()


def _fields(raw: list[dict[str, Any]]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], bool(f.get("required")), tuple(f.get("types", ())))
        for f in raw
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def schema_path() -> Path:
    """Where the schema is read from (see the module docstring for the order)."""
    override = os.environ.get(SCHEMA_ENV)
    if override:
        return Path(override)
    if SHARED_SCHEMA_PATH.is_file():
        return SHARED_SCHEMA_PATH
    return VENDORED_SCHEMA_PATH


@functools.lru_cache(maxsize=4)
def _load(path: Path) -> BotApiSchema:
    with path.open(encoding="utf-8") as handle:
        return BotApiSchema(json.load(handle), source=path)


def load_schema(path: Path | None = None) -> BotApiSchema:
    """Load (once per path) the schema from ``path`` or from :func:`schema_path`."""
    return _load((path or schema_path()).resolve())


class BotApiSchema:
    """Methods and types of one Bot API version, with request decoding and validation."""

    def __init__(self, raw: Mapping[str, Any], *, source: Path | None = None) -> None:
        self.source = source
        self.version: str = str(raw.get("version", "unknown"))
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(name, _fields(spec.get("fields", [])), tuple(spec.get("returns", ())))
            for name, spec in raw["methods"].items()
        }
        self._methods_lower = {name.lower(): spec for name, spec in self.methods.items()}
        self.types: dict[str, TypeSpec] = {}
        for name, spec in raw["types"].items():
            fields = _fields(spec["fields"]) if "fields" in spec else None
            if fields is None and "subtypes" not in spec:
                fields = {}
            self.types[name] = TypeSpec(name, fields, tuple(spec.get("subtypes", ())))
        self._discriminators: dict[str, dict[str, str]] = {}
        for name, spec in self.types.items():
            if spec.subtypes:
                self._discriminators[name] = {
                    _snake(sub.removeprefix(name)): sub for sub in spec.subtypes
                }

    def method(self, name: str) -> MethodSpec | None:
        """The method called ``name``, case-insensitively (as Telegram matches them)."""
        return self._methods_lower.get(name.lower())

    # ----------------------------------------------------------------- form decoding

    def decode_form(self, method: MethodSpec, raw: Mapping[str, str]) -> dict[str, Any]:
        """Turn string form values into typed values according to the method's fields."""
        decoded: dict[str, Any] = {}
        for name, value in raw.items():
            spec = method.fields.get(name)
            decoded[name] = value if spec is None else self._decode_value(spec.types, value)
        return decoded

    def _decode_value(self, types: tuple[str, ...], raw: str) -> Any:
        for type_name in types:
            if type_name in ("String", "InputFile"):
                return raw
            if type_name == "Integer":
                if _INT_RE.fullmatch(raw.strip()):
                    return int(raw)
            elif type_name == "Float":
                try:
                    return float(raw)
                except ValueError:
                    continue
            elif type_name == "Boolean":
                lowered = raw.strip().lower()
                if lowered in ("true", "1"):
                    return True
                if lowered in ("false", "0"):
                    return False
            else:  # an object or an array: JSON text
                try:
                    value = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(value, dict | list):
                    return value
        return raw

    # ----------------------------------------------------------------- validation

    def validate_params(self, method: MethodSpec, params: Mapping[str, Any]) -> None:
        """Check a request's parameters; raise :class:`SchemaError` on the first problem."""
        for name in params:
            if name not in method.fields:
                raise SchemaError(f"unknown parameter {name}", path=name)
        for spec in method.fields.values():
            value = params.get(spec.name)
            if value is None:
                if spec.required:
                    default = f'parameter "{spec.name}" is required'
                    message = _MISSING_MESSAGES.get(spec.name, default)
                    raise SchemaError(message, path=spec.name)
                continue
            self.check_value(value, spec.types, spec.name, top_level=True)

    def check_value(
        self, value: Any, types: tuple[str, ...], path: str, *, top_level: bool = False
    ) -> None:
        """Check that ``value`` is one of ``types``; raise the most relevant error if not."""
        errors: list[SchemaError] = []
        for type_name in types:
            error = self._check_one(value, type_name, path)
            if error is None:
                return
            errors.append(error)
        best = max(errors, key=lambda e: (e.overlap, e.depth))
        if all(e.path == path and e.overlap == 0 for e in errors):
            kind = "parameter" if top_level else "field"
            raise SchemaError(
                f'{kind} "{path}" must be of type {" or ".join(types)}', path=path
            )
        raise best

    def _check_one(self, value: Any, type_name: str, path: str) -> SchemaError | None:
        if type_name in _BASIC_TYPES:
            ok = _is_basic(value, type_name)
            return None if ok else SchemaError(f'"{path}" is not {type_name}', path=path)
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return SchemaError(f'"{path}" is not an Array', path=path)
            inner = (type_name.removeprefix("Array of "),)
            for index, item in enumerate(value):
                try:
                    self.check_value(item, inner, f"{path}[{index}]")
                except SchemaError as error:
                    error.overlap = max(error.overlap, 1)
                    return error
            return None
        spec = self.types.get(type_name)
        if spec is None:
            return SchemaError(f'field "{path}" has unknown type {type_name}', path=path)
        if not isinstance(value, dict):
            return SchemaError(f'"{path}" is not an object', path=path)
        if spec.subtypes:
            return self._check_union(value, spec, path)
        return self._check_object(value, spec, path)

    def _check_union(self, value: dict[str, Any], spec: TypeSpec, path: str) -> SchemaError | None:
        mapping = self._discriminators.get(spec.name, {})
        tag = value.get("type")
        if isinstance(tag, str) and tag in mapping:
            return self._check_one(value, mapping[tag], path)
        if isinstance(tag, str) and mapping:
            allowed = ", ".join(sorted(mapping))
            return SchemaError(
                f'field "{path}.type" must be one of: {allowed}', path=f"{path}.type", overlap=1
            )
        try:
            self.check_value(value, spec.subtypes, path)
        except SchemaError as error:
            return error
        return None

    def _check_object(self, value: dict[str, Any], spec: TypeSpec,
                      path: str) -> SchemaError | None:
        fields = spec.fields or {}
        overlap = sum(1 for key in value if key in fields)
        for key in value:
            if key not in fields and fields:
                return SchemaError(f"unknown parameter {path}.{key}", path=f"{path}.{key}",
                                   overlap=overlap)
        for field_spec in fields.values():
            item = value.get(field_spec.name)
            item_path = f"{path}.{field_spec.name}"
            if item is None:
                if field_spec.required:
                    return SchemaError(f'field "{item_path}" is required', path=item_path,
                                       overlap=overlap)
                continue
            try:
                self.check_value(item, field_spec.types, item_path)
            except SchemaError as error:
                error.overlap = max(error.overlap, overlap)
                return error
        return None


def _is_basic(value: Any, type_name: str) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    return isinstance(value, UploadedFile)  # InputFile
