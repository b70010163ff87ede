"""Turning files into resource sets: each input kind is recognized by content, not by file name."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import ResourceSet, paused_gc

__all__ = ["LoadedSource", "SourceError", "discover", "load_document", "load_path", "read_json"]


class SourceError(ValueError):
    """An input that is not infrastructure we understand; always names the file at fault."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}")


@dataclass(frozen=True)
class LoadedSource:
    """One stack or document read from a file."""

    path: Path
    kind: str
    resources: ResourceSet

    @property
    def label(self) -> str:
        return self.resources.name or self.path.name


# A loader answers None for a document that is not its kind, so detection is by content.
Loader = Callable[[Mapping[str, Any], Path], "list[LoadedSource] | None"]


def _loaders() -> tuple[Loader, ...]:
    from pytest_iaccompliance.sources import pulumi_export, terraform_json

    return (terraform_json.load_document, pulumi_export.load_document)


_SKIPPED_DIRS = {"node_modules", ".terraform", ".git", "__pycache__", ".venv", "venv"}


def discover(path: Path) -> list[Path]:
    """The files a path stands for: itself, or every ``*.tf.json`` below a folder such as ``cdktf.out``."""
    if not path.exists():
        raise SourceError(path, "no such file or folder")
    if path.is_file():
        return [path]
    found: list[Path] = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        found.extend(Path(root, f) for f in sorted(files) if f.endswith(".tf.json"))
    if not found:
        raise SourceError(path, "folder holds no *.tf.json file (expected e.g. cdktf.out/stacks/*/cdk.tf.json)")
    return found


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(path, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SourceError(path, "is not UTF-8 text") from None
    if not text.strip():
        raise SourceError(path, "is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(path, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def load_document(document: Any, path: Path) -> list[LoadedSource]:
    if not isinstance(document, Mapping):
        raise SourceError(path, f"top-level JSON value is {type(document).__name__}, expected an object")
    for loader in _loaders():
        try:
            loaded = loader(document, path)
        except SourceError:
            raise
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # A document of a known kind with a wrong shape somewhere inside: name the file, not a frame.
            raise SourceError(path, f"has an unexpected shape: {type(exc).__name__}: {exc}") from None
        if loaded is not None:
            return loaded
    keys = ", ".join(sorted(map(str, document))[:8]) or "none"
    raise SourceError(
        path,
        "is not a cdktf/cdktn synthesis, Terraform JSON configuration, `terraform show -json` plan or "
        f"state, or `pulumi stack export` file (top-level keys: {keys})",
    )


def load_file(path: Path) -> list[LoadedSource]:
    with paused_gc():  # parsing a large plan allocates millions of acyclic containers
        return load_document(read_json(path), path)


def load_path(path: str | os.PathLike[str]) -> list[LoadedSource]:
    """Every stack in a file or folder; raises ``SourceError`` naming the first bad file."""
    return [loaded for file in discover(Path(path)) for loaded in load_file(file)]
