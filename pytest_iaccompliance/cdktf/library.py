"""Which CDK for Terraform library is in use: cdktf (archived upstream) or its fork cdktn.

Both ship the same Python API under different module names (``cdktf.App`` / ``cdktn.App``), so
everything else only ever talks to the module this picks. Nothing here imports the library: its
import starts the jsii kernel, which a synth-cache hit must avoid.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_iaccompliance.cdktf.errors import CdkLibraryError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["LIBRARIES", "CdkLibrary", "distribution_version", "library_of", "select_library"]

# Preference order when the user does not choose: the original first, then the fork.
LIBRARIES: tuple[str, ...] = ("cdktf", "cdktn")


def distribution_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@dataclass(frozen=True)
class CdkLibrary:
    """One of the two libraries, by its import (and distribution) name."""

    name: str

    @property
    def version(self) -> str | None:
        return distribution_version(self.name)

    def module(self) -> ModuleType:
        """The imported library; this starts the jsii kernel (node) on first use."""
        return importlib.import_module(self.name)


def select_library(preferred: str | None = None) -> CdkLibrary:
    """The chosen library, else cdktf, else cdktn; a clear error when none is installed."""
    if preferred:
        choice = preferred.strip().lower()
        if choice not in LIBRARIES:
            raise CdkLibraryError(
                f"unknown CDK library {preferred!r}: expected one of {', '.join(LIBRARIES)}"
            )
        if not _installed(choice):
            raise CdkLibraryError(
                f"{choice} was asked for but is not installed: pip install {choice} "
                f"(or pytest-iaccompliance[{choice}])"
            )
        return CdkLibrary(choice)
    for name in LIBRARIES:
        if _installed(name):
            return CdkLibrary(name)
    raise CdkLibraryError(
        "synthesizing a stack needs CDK for Terraform: pip install 'pytest-iaccompliance[cdktf]' "
        "(cdktf) or 'pytest-iaccompliance[cdktn]' (cdktn, the maintained fork)"
    )


def library_of(cls: type) -> CdkLibrary | None:
    """The library a stack class is built on, read from its bases (no import needed)."""
    for base in cls.__mro__:
        root = base.__module__.split(".", 1)[0]
        if root in LIBRARIES and base.__name__ == "TerraformStack":
            return CdkLibrary(root)
    return None
