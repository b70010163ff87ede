"""A drop-in for ``from cdktf import Testing`` whose results also read as resources.

``Testing.app()`` gives a real App whose output folder this module owns and removes.
``Testing.synth(stack)`` synthesizes through jsii and returns a ``SynthesizedJson``: the same JSON text
cdktf's own ``Testing.synth`` returns (so its matchers, ``json.loads`` and snapshots work unchanged) that also
offers ``get_resources(type)`` and is accepted by every assertion and policy suite. ``Testing.synth(app)``
(an extension) returns a ``SynthesizedApp`` of every stack. Other attributes are the installed library's own
``Testing`` (matchers and so on).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.cdktf.errors import StackTargetError, SynthError
from pytest_iaccompliance.cdktf.library import library_of, select_library
from pytest_iaccompliance.cdktf.node import check_node, silence_node_banner
from pytest_iaccompliance.cdktf.origins import record_origins
from pytest_iaccompliance.cdktf.synth import Synthesizer, _describe, _read_outdir, _short

if TYPE_CHECKING:
    from pytest_iaccompliance.cdktf.stack import SynthesizedApp, SynthesizedJson

__all__ = ["Testing"]

_PREFIX = "iaccompliance-testing-"


class _TestingMeta(type):
    def __getattr__(cls, name: str) -> Any:
        library = select_library(getattr(cls, "library", None))
        return getattr(library.module().Testing, name)


class Testing(metaclass=_TestingMeta):
    """``Testing.app()`` and ``Testing.synth(...)`` as in cdktf, leaving no folder behind."""

    library: str | None = None
    __test__ = False  # imported into test modules: not a test class for pytest to collect

    @classmethod
    def app(cls, **options: Any) -> Any:
        silence_node_banner()
        check_node()
        module = select_library(cls.library).module()
        outdir = tempfile.mkdtemp(prefix=_PREFIX)
        record_origins()  # each resource's Python line, into its `//` metadata
        app = module.App(outdir=outdir, stack_traces=False, **options)
        # An app never synthesized still gets its folder removed when it is collected.
        weakref.finalize(app, shutil.rmtree, outdir, True)
        return app

    @classmethod
    def synth(cls, target: Any) -> SynthesizedApp | SynthesizedJson:
        library = library_of(type(target))
        if library is not None:
            from pytest_iaccompliance.cdktf.stack import SynthesizedJson

            # The text is the library's own, taken first: cdktn's full synthesis adds a local backend to
            # the stack, which its ``Testing.synth`` leaves out. The resources come from the full synthesis.
            try:
                text = str(library.module().Testing.synth(target))
            except Exception as exc:
                raise SynthError(
                    f"synthesis of stack {target.node.id!r} ({_describe(type(target))}) failed: {_short(exc)}"
                ) from exc
            stack = Synthesizer().stack(target)
            return SynthesizedJson(stack, text)
        module = select_library(cls.library).module()
        if not module.App.is_app(target):
            raise StackTargetError(
                f"Testing.synth takes an App or a TerraformStack, not {type(target).__qualname__}"
            )
        outdir = Path(str(target.outdir))
        try:
            target.synth()
        except Exception as exc:
            raise SynthError(f"synthesis of the app failed: {_short(exc)}") from exc
        try:
            documents = _read_outdir(outdir, "the app")
        finally:
            if outdir.name.startswith(_PREFIX):
                shutil.rmtree(outdir, ignore_errors=True)
        from pytest_iaccompliance.cdktf.stack import build_app

        primary = next(iter(documents)) if len(documents) == 1 else None
        return build_app(
            documents, primary=primary, origin=None, extra={"library": module.__name__}
        )
