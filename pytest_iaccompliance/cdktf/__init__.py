"""CDK for Terraform (cdktf, or its fork cdktn): synthesis into resource sets, with a synth cache.

Nothing here imports cdktf, cdktn or jsii at import time; synthesis does, a cache hit never does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "CACHE_MODES",
    "CdkLibrary",
    "CdkLibraryError",
    "NodeError",
    "StackTargetError",
    "SynthCache",
    "SynthError",
    "SynthStats",
    "SynthesizedApp",
    "SynthesizedStack",
    "Synthesizer",
    "Testing",
    "record_origins",
    "select_library",
    "synthesize",
    "synthesize_app",
]

# Names resolve on first use, so the plugin can reach ``cdktf.node`` at start-up without loading
# the synthesis and cache machinery.
_HOMES = {
    "CACHE_MODES": "cache", "SynthCache": "cache",
    "CdkLibraryError": "errors", "NodeError": "errors", "StackTargetError": "errors", "SynthError": "errors",
    "CdkLibrary": "library", "select_library": "library",
    "SynthesizedApp": "stack", "SynthesizedStack": "stack",
    "Synthesizer": "synth", "SynthStats": "synth", "synthesize": "synth", "synthesize_app": "synth",
    "Testing": "testing",
    "record_origins": "origins",
}


def _record_reads() -> None:
    """Record what code reads from here on (when a CDK library is installed), so that what stack
    modules read when they are imported is known; the plugin imports this package at start-up."""
    from pytest_iaccompliance.cdktf.library import LIBRARIES, _installed

    if any(_installed(name) for name in LIBRARIES):
        from pytest_iaccompliance.cdktf.reads import install

        install()


_record_reads()


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


if TYPE_CHECKING:
    from pytest_iaccompliance.cdktf.cache import CACHE_MODES, SynthCache
    from pytest_iaccompliance.cdktf.errors import CdkLibraryError, NodeError, StackTargetError, SynthError
    from pytest_iaccompliance.cdktf.library import CdkLibrary, select_library
    from pytest_iaccompliance.cdktf.stack import SynthesizedApp, SynthesizedStack
    from pytest_iaccompliance.cdktf.synth import Synthesizer, SynthStats, synthesize, synthesize_app
    from pytest_iaccompliance.cdktf.testing import Testing
