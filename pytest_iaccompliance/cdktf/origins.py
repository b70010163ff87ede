"""The Python line that created each cdktf/cdktn resource, written into its synthesized ``//`` metadata.

cdktf's own ``stackTraces`` hold JavaScript frames at best (with the Python bindings, none at all), so a
report could not point at the user's line. While origins are recorded, every construct that jsii creates
for Python code is noted with the innermost frame that is the user's own (not jsii, an installed library,
this package, nor the construct's own ``__init__`` chain), and a resource gets
``"//": {"iaccompliance_origin": {"file": ..., "line": ...}}``: part of ``cdk.tf.json``, so a scan of
``cdktf.out`` sees the line as the fixture does.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path
from types import FrameType
from typing import Any, Final

from pytest_iaccompliance.model import ORIGIN_KEY

__all__ = ["ORIGIN_KEY", "record_origins"]

_PACKAGE_DIR: Final = str(Path(__file__).resolve().parent.parent) + os.sep
_state: dict[str, Any] = {"installed": False, "relative_to": None}
# The constructs a report points at: resources and data sources (a provider is configuration, not a finding's).
_DECLARATIONS: Final = frozenset({"TerraformResource", "TerraformDataSource"})


def _library_dirs() -> tuple[str, ...]:
    """Folders of installed code: a frame there is a library's, not the user's."""
    dirs = {sysconfig.get_paths()[key] for key in ("purelib", "platlib", "stdlib")}
    return (*sorted(str(Path(d).resolve()) + os.sep for d in dirs if d), _PACKAGE_DIR)


def record_origins(relative_to: str | os.PathLike[str] | None = None) -> None:
    """Record from now on, in this process, the line that creates each cdktf/cdktn resource.

    Call it in a cdktf app's entry point (before the stacks are built) so that ``cdktf synth`` writes the
    lines into ``cdktf.out``; the ``cdktf_synth`` fixture and ``Testing`` record them already. Paths are
    written relative to ``relative_to`` (the project folder, where ``cdktf.out`` lies) when given and the
    file is inside it, else absolute. Idempotent; the last ``relative_to`` given holds.
    """
    _state["relative_to"] = os.path.abspath(relative_to) if relative_to is not None else None
    if _state["installed"]:
        return
    import jsii

    create = jsii.create
    library_dirs = _library_dirs()
    known: dict[str, bool] = {}

    def is_library(filename: str) -> bool:
        answer = known.get(filename)
        if answer is None:
            answer = filename.startswith("<") or os.path.realpath(filename).startswith(library_dirs)
            known[filename] = answer
        return answer

    declares: dict[type, bool] = {}

    def noted_create(klass: Any, obj: Any, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        reference = create(klass, obj, args, *rest, **kwargs)
        kind = type(obj)
        if kind not in declares:
            declares[kind] = any(c.__name__ in _DECLARATIONS for c in kind.__mro__)
        if declares[kind]:
            frame = _user_frame(sys._getframe(1), obj, is_library)
            if frame is not None:
                obj.add_override(f"//.{ORIGIN_KEY}", {"file": _shown(frame.f_code.co_filename),
                                                      "line": frame.f_lineno})
        return reference

    jsii.create = noted_create
    _state["installed"] = True


def _user_frame(frame: FrameType | None, obj: Any, is_library: Any) -> FrameType | None:
    """The innermost frame outside libraries and outside the constructors of ``obj`` itself (a generated
    binding's ``__init__``, a user subclass calling ``super().__init__``)."""
    while frame is not None:
        if not is_library(frame.f_code.co_filename) and frame.f_locals.get("self") is not obj:
            return frame
        frame = frame.f_back
    return None


def _shown(filename: str) -> str:
    absolute = os.path.abspath(filename)
    base = _state["relative_to"]
    if base is not None:
        relative = os.path.relpath(absolute, base)
        if not relative.startswith(os.pardir):
            return Path(relative).as_posix()
    return absolute
