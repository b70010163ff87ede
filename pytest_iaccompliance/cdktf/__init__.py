"""CDK for Terraform (cdktf, or its fork cdktn): synthesis into resource sets, with a synth cache.

Nothing here imports cdktf, cdktn or jsii at import time; synthesis does, a cache hit never does.
"""

from __future__ import annotations

from pytest_iaccompliance.cdktf.cache import CACHE_MODES, SynthCache
from pytest_iaccompliance.cdktf.errors import (
    CdkLibraryError,
    NodeError,
    StackTargetError,
    SynthError,
)
from pytest_iaccompliance.cdktf.library import CdkLibrary, select_library
from pytest_iaccompliance.cdktf.stack import SynthesizedApp, SynthesizedStack
from pytest_iaccompliance.cdktf.synth import Synthesizer, SynthStats, synthesize, synthesize_app
from pytest_iaccompliance.cdktf.testing import Testing

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
    "select_library",
    "synthesize",
    "synthesize_app",
]
