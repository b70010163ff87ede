"""Pre-flight: fail while a stack or program is being constructed, before anything is synthesized or deployed.

``@preflight`` decorates a cdktf/cdktn stack class (checked by a cdktf Aspect before synthesis), a Pulumi
program function or a Pulumi component resource class (checked through a stack transform). For code that
cannot use decorators: ``attach(stack)`` for a cdktf stack, ``enable()`` at the top of a Pulumi program, and
``check(stack)`` to check a cdktf stack on the spot. Each raises one ``PreflightError`` listing every
violation. Nothing here imports pytest, cdktf or pulumi until a stack or program is actually checked.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

from pytest_iaccompliance.model import Severity
from pytest_iaccompliance.preflight.core import (
    PREFLIGHT_POLICIES,
    PreflightConfig,
    PreflightError,
    PreflightUsageError,
    Violation,
    find_preflight_error,
    set_defaults,
)

__all__ = [
    "MARK",
    "PREFLIGHT_POLICIES",
    "PreflightConfig",
    "PreflightError",
    "PreflightUsageError",
    "Violation",
    "attach",
    "check",
    "enable",
    "find_preflight_error",
    "is_preflight",
    "preflight",
    "set_defaults",
]

# Set on everything ``preflight`` decorates: the pytest plugin marks tests that carry it.
MARK = "__iac_preflight__"

T = TypeVar("T")


def is_preflight(obj: object) -> bool:
    return isinstance(getattr(obj, MARK, None), PreflightConfig)


def attach(stack: Any, **options: Any) -> bool:
    """Check a cdktf/cdktn stack before it is synthesized (a cdktf Aspect); call it once its resources exist."""
    from pytest_iaccompliance.preflight.cdktf import attach as attach_aspect

    return attach_aspect(stack, PreflightConfig.of(**options))


def check(stack: Any, **options: Any) -> None:
    """Check a cdktf/cdktn stack now, as constructed so far; raises ``PreflightError``."""
    from pytest_iaccompliance.preflight.cdktf import check_stack

    check_stack(stack, PreflightConfig.of(**options))


def enable(**options: Any) -> None:
    """Check every resource the running Pulumi program declares from here on (a stack transform)."""
    from pytest_iaccompliance.preflight.pulumi import enable as enable_transform

    enable_transform(PreflightConfig.of(**options))


def _decorate_stack(cls: type, config: PreflightConfig) -> type:
    original: Callable[..., None] = cls.__init__  # type: ignore[misc]

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        from pytest_iaccompliance.preflight.cdktf import attach as attach_aspect

        attach_aspect(self, config)

    cls.__init__ = __init__  # type: ignore[misc]
    setattr(cls, MARK, config)
    return cls


def _decorate_component(cls: type, config: PreflightConfig) -> type:
    original: Callable[..., None] = cls.__init__  # type: ignore[misc]

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        from pytest_iaccompliance.preflight.pulumi import enable as enable_transform
        from pytest_iaccompliance.preflight.pulumi import start_component

        start_component()  # before the component declares its children
        original(self, *args, **kwargs)
        token, name = str(self._type), str(self._name)
        enable_transform(config, label=f"component {token} {name!r}", component=(token, name))

    cls.__init__ = __init__  # type: ignore[misc]
    setattr(cls, MARK, config)
    return cls


def _decorate_program(function: Callable[..., T], config: PreflightConfig) -> Callable[..., T]:
    @functools.wraps(function)
    def program(*args: Any, **kwargs: Any) -> T:
        from pytest_iaccompliance.preflight.pulumi import enable as enable_transform

        enable_transform(config)
        return function(*args, **kwargs)

    setattr(program, MARK, config)
    return program


def _decorate_test(function: Callable[..., T], config: PreflightConfig) -> Callable[..., T]:
    """A test: every pre-flight that runs inside it (decorated stacks and programs, ``enable``, ``attach``)
    also holds to this configuration; the pytest plugin gives it the ``preflight`` marker."""
    from pytest_iaccompliance.preflight.core import _DEFAULTS

    @functools.wraps(function)
    def test(*args: Any, **kwargs: Any) -> T:
        previous = set_defaults(config.merged(_DEFAULTS[0]))
        try:
            return function(*args, **kwargs)
        finally:
            set_defaults(previous)

    setattr(test, MARK, config)
    return test


def _decorate(target: T, config: PreflightConfig) -> T:
    if isinstance(target, type):
        from pytest_iaccompliance.preflight.cdktf import library_name
        from pytest_iaccompliance.preflight.pulumi import is_component_class

        if library_name(target) is not None:
            return _decorate_stack(target, config)  # type: ignore[return-value]
        if is_component_class(target):
            return _decorate_component(target, config)  # type: ignore[return-value]
        raise PreflightUsageError(
            f"@preflight on class {target.__qualname__}: expected a cdktf/cdktn TerraformStack or a Pulumi "
            "ComponentResource subclass"
        )
    if inspect.isfunction(target):
        if target.__name__.startswith("test"):
            return _decorate_test(target, config)  # type: ignore[return-value]
        return _decorate_program(target, config)  # type: ignore[return-value]
    raise PreflightUsageError(
        f"@preflight on {type(target).__qualname__}: expected a stack class, a component class or a Pulumi "
        "program function"
    )


@overload
def preflight(target: T, /) -> T: ...


@overload
def preflight(
    *,
    required_tags: str | Iterable[str] | None = None,
    allowed_instance_families: str | Iterable[str] | None = None,
    min_severity: Severity | str | None = None,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
) -> Callable[[T], T]: ...


def preflight(target: Any = None, /, **options: Any) -> Any:
    """Validate resources as they are constructed: ``@preflight`` or ``@preflight(required_tags=[...])``.

    On a cdktf/cdktn ``TerraformStack`` subclass the check runs before synthesis (a cdktf Aspect), on a
    Pulumi program function or ``ComponentResource`` subclass through a stack transform, failing the run
    with one ``PreflightError``. On a test function (``test_*``) its settings apply to every pre-flight run
    inside the test, which carries the ``preflight`` marker. Besides tags and instance families,
    ``min_severity="critical"`` adds every registered policy at or above that severity.
    """
    config = PreflightConfig.of(**options)
    if target is None:
        return lambda inner: _decorate(inner, config)
    return _decorate(target, config)
