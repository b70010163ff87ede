"""Hooks through which policy packs, the built-in one included, contribute to the registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pytest_iaccompliance.policies.base import Policy

PROJECT_NAME = "iaccompliance"
ENTRY_POINT_GROUP = "pytest_iaccompliance"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def iaccompliance_policies() -> Iterable[Policy]:
    """Return the policies this pack contributes."""
    raise NotImplementedError


@hookspec
def iaccompliance_control_mappings() -> dict[str, Iterable[str]]:
    """Return extra control ids by policy id (a pack that maps existing rules to another framework)."""
    raise NotImplementedError
