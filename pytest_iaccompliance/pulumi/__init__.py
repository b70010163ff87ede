"""Pulumi programs as resource sets: recording mocks on the real runtime, and the type/property
mapping.

Nothing here imports pulumi until a program runs, so the plugin loads without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.pulumi.mapping import TYPE_MAP, terraform_properties, terraform_type

if TYPE_CHECKING:
    from pytest_iaccompliance.pulumi.harness import PulumiMocks
    from pytest_iaccompliance.pulumi.recording import RecordingMocks, UnregisteredInvokeError
    from pytest_iaccompliance.pulumi.runner import (
        PulumiProgramError,
        PulumiResources,
        reset_runtime,
        run_program,
    )

__all__ = [
    "TYPE_MAP",
    "PulumiMocks",
    "PulumiProgramError",
    "PulumiResources",
    "RecordingMocks",
    "UnregisteredInvokeError",
    "reset_runtime",
    "run_program",
    "terraform_properties",
    "terraform_type",
]

_LAZY = {
    "PulumiMocks": "harness",
    "RecordingMocks": "recording",
    "UnregisteredInvokeError": "recording",
    "PulumiProgramError": "runner",
    "PulumiResources": "runner",
    "reset_runtime": "runner",
    "run_program": "runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
