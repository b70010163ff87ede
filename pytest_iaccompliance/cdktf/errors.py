"""Errors of cdktf/cdktn synthesis, each naming what is at fault and what to do about it."""

from __future__ import annotations

__all__ = ["CdkLibraryError", "NodeError", "StackTargetError", "SynthError"]


class SynthError(RuntimeError):
    """Synthesis could not produce a stack; the message names the stack, module or tool at fault."""


class NodeError(SynthError):
    """Node.js, which jsii runs every construct in, is missing or too old."""


class CdkLibraryError(SynthError):
    """Neither cdktf nor cdktn (or not the one asked for) is installed."""


class StackTargetError(SynthError, TypeError):
    """What was given to synthesize is not a stack class, a builder function or a stack instance."""
