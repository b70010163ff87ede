"""Pulumi's wire values as plain Python: secrets and unknowns become facts on the model, not strings.

Two encodings carry the same signatures: the protobuf ``Struct`` the engine receives (mocks) and the JSON
of ``pulumi stack export``. Both decode to plain values, ``UNKNOWN`` for values not known in a preview, and
the dotted paths (wire names, list positions left out) of every value marked secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from pytest_iaccompliance.model import UNKNOWN

__all__ = ["SECRET_SIG", "SIG_KEY", "UNKNOWN_SENTINEL", "decode_json", "decode_struct"]

SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
_ASSET_SIG: Final = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG: Final = "0def7320c3a5731c473e5ecbe6d01bc7"
_RESOURCE_SIG: Final = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG: Final = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN_SENTINEL: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Stored in place of a secret whose ciphertext cannot be read here: a rule sees "a value is set".
ENCRYPTED: Final = "[secret]"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def decode_struct(struct: Any) -> tuple[dict[str, Any], set[str]]:
    """A protobuf ``Struct`` of resource properties as a dict plus its secret paths."""
    secrets: set[str] = set()
    result = {
        k: v
        for k, value in struct.fields.items()
        if (v := _from_value(value, k, secrets)) is not None
    }
    return result, secrets


def _from_value(value: Any, path: str, secrets: set[str]) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        return UNKNOWN if text == UNKNOWN_SENTINEL else text
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number
    if kind == "bool_value":
        return bool(value.bool_value)
    if kind == "list_value":
        return [_from_value(v, path, secrets) for v in value.list_value.values]
    if kind == "struct_value":
        fields = value.struct_value.fields
        if SIG_KEY in fields:
            return _special(fields, path, secrets)
        return {
            k: v
            for k, item in fields.items()
            if (v := _from_value(item, _join(path, k), secrets)) is not None
        }
    return None


def _special(fields: Any, path: str, secrets: set[str]) -> Any:
    sig = fields[SIG_KEY].string_value
    if sig == SECRET_SIG:
        secrets.add(path)
        return _from_value(fields["value"], path, secrets) if "value" in fields else UNKNOWN
    if sig == _RESOURCE_SIG:
        urn = fields["urn"].string_value if "urn" in fields else ""
        return fields["id"].string_value if "id" in fields and fields["id"].string_value else urn
    if sig == _OUTPUT_SIG:
        if fields.get("secret") is not None and fields["secret"].bool_value:
            secrets.add(path)
        return _from_value(fields["value"], path, secrets) if "value" in fields else UNKNOWN
    plain = {k: _from_value(v, _join(path, k), secrets) for k, v in fields.items() if k != SIG_KEY}
    return {
        "kind": "asset" if sig == _ASSET_SIG else "archive" if sig == _ARCHIVE_SIG else sig,
        **plain,
    }


def decode_json(value: Any, path: str = "", secrets: set[str] | None = None) -> Any:
    """A ``pulumi stack export`` value: secrets (ciphertext or plaintext) recorded, unknowns marked.
    """
    if secrets is None:
        secrets = set()
    if isinstance(value, str):
        return UNKNOWN if value == UNKNOWN_SENTINEL else value
    if isinstance(value, list):
        return [decode_json(v, path, secrets) for v in value]
    if isinstance(value, Mapping):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            secrets.add(path)
            if "plaintext" in value and isinstance(value["plaintext"], str):
                try:
                    inner = json.loads(value["plaintext"])
                except json.JSONDecodeError:
                    inner = value["plaintext"]
                return decode_json(inner, path, secrets)
            if "value" in value:
                return decode_json(value["value"], path, secrets)
            return ENCRYPTED
        if sig is not None:
            return {
                "kind": "asset"
                if sig == _ASSET_SIG
                else "archive"
                if sig == _ARCHIVE_SIG
                else str(sig),
                **{k: v for k, v in value.items() if k != SIG_KEY},
            }
        return {str(k): decode_json(v, _join(path, str(k)), secrets) for k, v in value.items()}
    return value
