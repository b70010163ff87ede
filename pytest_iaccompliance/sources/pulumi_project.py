"""``Pulumi.yaml`` and ``Pulumi.<stack>.yaml``: where a stack keeps its state and how it encrypts secrets.

Read without Pulumi (YAML through PyYAML, which the ``pulumi`` extra brings). Only what the rules read
is kept: the backend URL, the secrets provider, whether a data key or salt is present (never the key
itself), and the stack's config, where a ``secure:`` value stays ciphertext and is marked secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import PULUMI_PROJECT, PULUMI_STACK, ResourceSet, SourceLocation, config_entry

__all__ = ["KIND_PULUMI_PROJECT", "is_pulumi_file", "load_file", "stack_name"]

KIND_PULUMI_PROJECT = "pulumi-project"
_PROJECT_NAMES = ("Pulumi.yaml", "Pulumi.yml")
_STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[^/\\]+)\.ya?ml$")
# Backends Pulumi runs itself (a DIY backend); any other URL (or none) is Pulumi Cloud or a service.
_SELF_MANAGED = ("s3://", "file://", "gs://", "azblob://", "postgres://")


def stack_name(path: Path) -> str | None:
    """``prod`` for ``Pulumi.prod.yaml``; None for the project file or any other name."""
    if path.name in _PROJECT_NAMES:
        return None
    match = _STACK_FILE.match(path.name)
    return match["stack"] if match else None


def is_pulumi_file(path: Path) -> bool:
    return path.name in _PROJECT_NAMES or stack_name(path) is not None


def _read_yaml(path: Path, data: bytes) -> Mapping[str, Any]:
    from pytest_iaccompliance.sources import SourceError

    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a core dependency
        raise SourceError(path, "is a Pulumi project file; reading it needs PyYAML (pip install PyYAML)") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(path, "is not UTF-8 text") from None
    try:
        document = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        # Only the problem and the place: the snippet PyYAML quotes may hold a secret.
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise SourceError(path, f"is not valid YAML: {exc.problem or 'unreadable'}{where}") from None
    except yaml.YAMLError as exc:
        raise SourceError(path, f"is not valid YAML ({type(exc).__name__})") from None
    if document is None:
        document = {}
    if not isinstance(document, Mapping):
        raise SourceError(path, f"top-level YAML value is {type(document).__name__}, expected a mapping")
    return document


def _text(document: Mapping[str, Any], key: str, path: Path) -> str | None:
    from pytest_iaccompliance.sources import SourceError

    value = document.get(key)
    if value is None or isinstance(value, str):
        return value
    raise SourceError(path, f"`{key}` is {type(value).__name__}, expected a string")


def _backend_url(project: Mapping[str, Any], path: Path) -> str | None:
    from pytest_iaccompliance.sources import SourceError

    backend = project.get("backend")
    if backend is None:
        return None
    if not isinstance(backend, Mapping):
        raise SourceError(path, f"`backend` is {type(backend).__name__}, expected a mapping with `url`")
    return _text(backend, "url", path) if "url" in backend else None


def _project_file(folder: Path) -> Path | None:
    return next((folder / name for name in _PROJECT_NAMES if (folder / name).is_file()), None)


def default_secrets_provider(backend_url: str | None) -> str:
    """The provider Pulumi picks when a stack names none: the service's for Pulumi Cloud, else a passphrase."""
    if backend_url and backend_url.startswith(_SELF_MANAGED):
        return "passphrase"
    return "service"


def load_file(path: Path, data: bytes) -> ResourceSet:
    from pytest_iaccompliance.sources import SourceError, read_bytes

    document = _read_yaml(path, data)
    stack = stack_name(path)
    if stack is None:
        url = _backend_url(document, path)
        name = _text(document, "name", path) or path.parent.name
        entry = config_entry(PULUMI_PROJECT, name, f"{path.name}::{name}", {"name": name, "backend_url": url},
                             SourceLocation(KIND_PULUMI_PROJECT, str(path), "backend"))
        return ResourceSet((), name=name, metadata={"kind": KIND_PULUMI_PROJECT}, configuration=[entry])
    project_file = _project_file(path.parent)
    backend_url = _backend_url(_read_yaml(project_file, read_bytes(project_file)), project_file) \
        if project_file is not None else None
    config = document.get("config") or {}
    if not isinstance(config, Mapping):
        raise SourceError(path, f"`config` is {type(config).__name__}, expected a mapping")
    values: dict[str, Any] = {}
    secure: set[str] = set()
    for key, value in config.items():
        if isinstance(value, Mapping) and "secure" in value:
            values[str(key)] = {"secure": "[ciphertext]"}
            secure.add(str(key))
        else:
            values[str(key)] = value
    provider = _text(document, "secretsprovider", path)
    salt = document.get("encryptionsalt")
    if provider is None:
        provider = "passphrase" if salt else default_secrets_provider(backend_url)
    properties = {
        "secrets_provider": provider,
        "secrets_provider_set": document.get("secretsprovider") is not None,
        "encrypted_key": bool(document.get("encryptedkey")),
        "encryption_salt": bool(salt),
        "backend_url": backend_url,
        "config": values,
    }
    entry = config_entry(PULUMI_STACK, stack, f"{path.name}::{stack}", properties,
                         SourceLocation(KIND_PULUMI_PROJECT, str(path), "secretsprovider", stack),
                         frozenset(f"config.{key}" for key in secure))
    return ResourceSet((), name=stack, metadata={"kind": KIND_PULUMI_PROJECT, "stack": stack},
                       configuration=[entry])
