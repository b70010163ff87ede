"""Pre-flight for cdktf/cdktn stacks: a cdktf Aspect that checks the stack before it is synthesized.

The Aspect sits on a leaf construct added after the stack's own constructs, so it runs once, after every
other Aspect has visited them (a tagging Aspect's tags count), and before any ``cdk.tf.json`` is written:
in ``cdktf synth``, ``app.synth()``, ``Testing.synth`` and the ``cdktf_synth`` fixture alike. It reads the
stack through ``to_terraform()`` (one call into node) and the Terraform JSON front end, so the resources it
judges are exactly those a scan of the synthesized stack would see; references are unknown, never guessed.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from pytest_iaccompliance.preflight.core import (
    PreflightConfig,
    PreflightError,
    PreflightUsageError,
    violations,
)
from pytest_iaccompliance.sources.terraform_json import KIND_CDKTF, resources_from_config

__all__ = ["SENTINEL_ID", "attach", "check_stack", "is_stack", "library_name"]

# The id of the leaf construct that carries the Aspect; it synthesizes to nothing.
SENTINEL_ID = "IacCompliancePreflight"

_ASPECT_CLASSES: dict[str, type] = {}


def library_name(cls: type) -> str | None:
    """``cdktf`` or ``cdktn`` for a ``TerraformStack`` subclass, as ``cdktf.library.library_of`` reads it.

    Repeated here on purpose: importing ``pytest_iaccompliance.cdktf`` starts recording what the process
    reads (for the synth cache), a cost every ``cdktf synth`` of a decorated stack would pay for nothing.
    """
    for base in cls.__mro__:
        root = base.__module__.split(".", 1)[0]
        if root in ("cdktf", "cdktn") and base.__name__ == "TerraformStack":
            return root
    return None


def is_stack(obj: object) -> bool:
    return not isinstance(obj, type) and library_name(type(obj)) is not None


def _library_module(stack: Any) -> Any:
    name = library_name(type(stack))
    if name is None:
        raise PreflightUsageError(
            f"{type(stack).__qualname__} is not a cdktf/cdktn TerraformStack; pass a stack instance"
        )
    return importlib.import_module(name)


def check_stack(stack: Any, config: PreflightConfig | None = None) -> None:
    """Check ``stack`` as it stands now; raise one ``PreflightError`` listing every violation."""
    _library_module(stack)
    name = str(stack.node.id)
    document = stack.to_terraform()
    resources = resources_from_config(document, Path("stacks", name, "cdk.tf.json"), KIND_CDKTF)
    found = violations(resources, config or PreflightConfig(), f"stack {name!r}")
    if found:
        raise PreflightError(f"stack {name!r}", found)


def _aspect_class(module: Any) -> type:
    """One Aspect class per library (cdktf and cdktn each have their own ``IAspect`` interface)."""
    cls = _ASPECT_CLASSES.get(module.__name__)
    if cls is None:
        import jsii

        @jsii.implements(module.IAspect)
        class PreflightAspect:
            """Visits only its leaf construct, once, after the stack's other constructs were visited."""

            def __init__(self, stack: Any, config: PreflightConfig) -> None:
                self._stack = stack
                self._config = config

            def visit(self, node: Any) -> None:
                check_stack(self._stack, self._config)

        cls = _ASPECT_CLASSES[module.__name__] = PreflightAspect
    return cls


def attach(stack: Any, config: PreflightConfig | None = None) -> bool:
    """Have ``stack`` checked before it is synthesized (call it once the stack's resources are declared).

    Returns False when the stack already carries a pre-flight (a decorated class, or a second call).
    """
    module = _library_module(stack)
    if stack.node.try_find_child(SENTINEL_ID) is not None:
        return False
    constructs = importlib.import_module("constructs")
    leaf = constructs.Construct(stack, SENTINEL_ID)
    module.Aspects.of(leaf).add(_aspect_class(module)(stack, config or PreflightConfig()))
    return True
