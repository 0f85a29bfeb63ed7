"""Check Bot API calls against the published field list (data/bot-api-fields.json).

Every call the bot makes goes through `ApiSpec.validate`: unknown method, unknown parameter,
missing required field and wrong value type are refused the way Telegram refuses them, and the
values come back coerced to Python types (form fields arrive as strings, nested objects as JSON).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["DATA_FILE", "ApiError", "ApiSpec", "UploadedFile"]

DATA_FILE = Path(__file__).parent / "data" / "bot-api-fields.json"

# Parameters Telegram removed from the docs but still honours, and aiogram still sends
# (e.g. from DefaultBotProperties). Accepted where the method has their modern replacement.
_LEGACY_PARAMS: dict[str, tuple[str, list[str]]] = {
    "reply_to_message_id": ("reply_parameters", ["Integer"]),
    "allow_sending_without_reply": ("reply_parameters", ["Boolean"]),
    "disable_web_page_preview": ("link_preview_options", ["Boolean"]),
}
_SCALARS = frozenset({"Integer", "Float", "Boolean", "String", "InputFile"})
_INT_RE = re.compile(r"-?\d+")
_TRUE = frozenset({"true", "True", "1"})
_FALSE = frozenset({"false", "False", "0"})


class ApiError(Exception):
    """A refused call, carried to the HTTP answer as Telegram shapes it."""

    def __init__(
        self, error_code: int, description: str, retry_after: int | None = None, *, race: bool = False
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        # a 400 the bot could not have avoided (it acted on an update that was already out of date): a
        # situation to handle, like 403 or 429, not a violation
        self.race = race

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    required: bool
    types: tuple[str, ...]


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class ApiSpec:
    """The Bot API as data, with lookups prepared once."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.methods: dict[str, dict[str, _Field]] = {
            name: {f["name"]: _Field(f["name"], f["required"], tuple(f["types"])) for f in spec["fields"]}
            for name, spec in data["methods"].items()
        }
        self.returns: dict[str, list[str]] = {
            name: list(spec.get("returns", [])) for name, spec in data["methods"].items()
        }
        self.types: dict[str, dict[str, _Field]] = {
            name: {
                f["name"]: _Field(f["name"], f["required"], tuple(f["types"])) for f in spec.get("fields", [])
            }
            for name, spec in data["types"].items()
        }
        self.subtypes: dict[str, list[str]] = {
            name: list(spec["subtypes"]) for name, spec in data["types"].items() if spec.get("subtypes")
        }
        # Telegram matches method names case-insensitively
        self._by_lower: dict[str, str] = {name.lower(): name for name in self.methods}

    @classmethod
    def load(cls, path: Path | None = None) -> ApiSpec:
        return _load_cached(str(path or DATA_FILE))

    def canonical(self, method: str) -> str | None:
        return self._by_lower.get(method.lower())

    # -- calls -------------------------------------------------------------------------------

    def validate(
        self, method: str, params: dict[str, Any], files: dict[str, UploadedFile] | None = None
    ) -> dict[str, Any]:
        """Return the coerced parameters of `method` (canonical name) or raise ApiError(400)."""
        fields = self.methods[method]
        files = files or {}
        out: dict[str, Any] = {}
        for name, value in params.items():
            field = fields.get(name)
            if field is None:
                legacy = _LEGACY_PARAMS.get(name)
                if legacy is None or legacy[0] not in fields:
                    raise bad_request(f'unknown parameter "{name}" for method {method}')
                types: tuple[str, ...] = tuple(legacy[1])
            else:
                types = field.types
            out[name] = self.check_value(value, types, name, files, top=True)
        for field in fields.values():
            if field.required and field.name not in out:
                raise bad_request(f"{field.name} is required")
        return out

    # -- values ------------------------------------------------------------------------------

    def check_value(
        self, value: Any, types: tuple[str, ...], path: str, files: dict[str, UploadedFile], top: bool
    ) -> Any:
        """Coerce `value` to the first of `types` it fits; raise the most telling error if none."""
        if top and isinstance(value, str) and any(t not in _SCALARS for t in types):
            # form transport: objects and arrays come JSON-encoded
            stripped = value.lstrip()
            if stripped.startswith(("{", "[")):
                try:
                    value = json.loads(value)
                except ValueError:
                    if "String" not in types:
                        raise bad_request(f"can't parse {path} JSON object") from None
        if len(types) == 1:
            return self._check_one(value, types[0], path, files, top)
        errors: list[ApiError] = []
        for type_name in self._order(value, types):
            try:
                return self._check_one(value, type_name, path, files, top)
            except ApiError as error:
                errors.append(error)
        if isinstance(value, dict) and errors:
            raise errors[0]  # best-matching object type first: its complaint is the useful one
        raise bad_request(f"{path} must be {' or '.join(types)}")

    def _order(self, value: Any, types: tuple[str, ...]) -> list[str]:
        if isinstance(value, str) and value.startswith("attach://") and "InputFile" in types:
            return ["InputFile", *[t for t in types if t != "InputFile"]]
        if isinstance(value, dict):
            keys = set(value)

            def overlap(type_name: str) -> int:
                return -len(keys & set(self._all_fields(type_name)))

            return sorted(types, key=overlap)
        return list(types)

    def _all_fields(self, type_name: str) -> dict[str, _Field]:
        fields = dict(self.types.get(type_name, {}))
        for sub in self.subtypes.get(type_name, []):
            fields.update(self._all_fields(sub))
        return fields

    def _check_one(
        self, value: Any, type_name: str, path: str, files: dict[str, UploadedFile], top: bool
    ) -> Any:
        if type_name.startswith("Array of "):
            inner = type_name[len("Array of ") :]
            if not isinstance(value, list):
                raise bad_request(f"{path} must be an Array")
            return [
                self.check_value(item, (inner,), f"{path}[{i}]", files, top=False)
                for i, item in enumerate(value)
            ]
        if type_name == "Integer":
            if isinstance(value, bool):
                raise bad_request(f"{path} must be Integer")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
                return int(value)
            raise bad_request(f"{path} must be Integer")
        if type_name == "Float":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
            raise bad_request(f"{path} must be Float")
        if type_name == "Boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, int) and value in (0, 1):
                return bool(value)
            if isinstance(value, str) and value in _TRUE:
                return True
            if isinstance(value, str) and value in _FALSE:
                return False
            raise bad_request(f"{path} must be Boolean")
        if type_name == "String":
            if isinstance(value, str):
                return value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)  # Telegram turns numbers into strings
            raise bad_request(f"{path} must be String")
        if type_name == "InputFile":
            if isinstance(value, UploadedFile):
                return value
            if isinstance(value, str) and value.startswith("attach://"):
                part = files.get(value[len("attach://") :])
                if part is None:
                    raise bad_request(f"{path}: file part {value!r} not found in the request")
                return part
            raise bad_request(f"{path} must be InputFile")
        return self._check_object(value, type_name, path, files)

    def _check_object(
        self, value: Any, type_name: str, path: str, files: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        if type_name not in self.types:
            raise bad_request(f"{path}: unknown type {type_name}")  # the data file is inconsistent
        if not isinstance(value, dict):
            raise bad_request(f"{path} must be a JSON object ({type_name})")
        subtypes = self.subtypes.get(type_name)
        if subtypes:
            return self._check_polymorphic(value, type_name, subtypes, path, files)
        fields = self.types[type_name]
        if not fields:
            return value  # placeholder objects such as CallbackGame
        out: dict[str, Any] = {}
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                raise bad_request(f'unknown field "{path}.{name}" in {type_name}')
            out[name] = self.check_value(item, field.types, f"{path}.{name}", files, top=False)
        for field in fields.values():
            if field.required and field.name not in out:
                raise bad_request(f"{path}.{field.name} is required")
        return out

    def _check_polymorphic(
        self,
        value: dict[str, Any],
        type_name: str,
        subtypes: list[str],
        path: str,
        files: dict[str, UploadedFile],
    ) -> dict[str, Any]:
        # the subtype's name ends with its "type" value: BotCommandScopeChat → "chat"
        kind = value.get("type")
        prefix_len = len(type_name)
        matching = [s for s in subtypes if _camel_to_snake(s[prefix_len:]) == kind]
        candidates = matching or subtypes
        first_error: ApiError | None = None
        for sub in candidates:
            try:
                return self._check_object(value, sub, path, files)
            except ApiError as error:
                first_error = first_error or error
        if not matching:
            raise bad_request(f'{path}.type "{kind}" is not a valid {type_name}')
        assert first_error is not None
        raise first_error


@lru_cache(maxsize=4)
def _load_cached(path: str) -> ApiSpec:
    with open(path, encoding="utf-8") as fh:
        return ApiSpec(json.load(fh))
