"""Synthesized stacks as resource sets: every policy and assertion runs on them unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pytest_iaccompliance.model import Resource, ResourceSet
from pytest_iaccompliance.sources.terraform_json import KIND_CDKTF, resources_from_config

__all__ = ["SynthesizedApp", "SynthesizedJson", "SynthesizedStack", "build_app"]


class SynthesizedStack(ResourceSet):
    """One stack's ``cdk.tf.json`` as resources, with its backend and providers in ``metadata``.

    ``get_resources(type)`` (property dicts, as the synthesized JSON holds them) comes from ``ResourceSet``.
    """

    def __init__(
        self,
        resources: Iterable[Resource],
        *,
        name: str,
        metadata: Mapping[str, Any],
        document: Mapping[str, Any],
    ) -> None:
        super().__init__(resources, name=name, metadata=metadata)
        self.document: Mapping[str, Any] = MappingProxyType(dict(document))

    @classmethod
    def from_document(
        cls,
        name: str,
        document: Mapping[str, Any],
        *,
        origin: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> SynthesizedStack:
        """Parse through the Terraform JSON source, so cdktf output and ``--iac-source`` agree."""
        path = Path(origin) if origin else Path("stacks", name, "cdk.tf.json")
        parsed = resources_from_config(document, path, KIND_CDKTF)
        metadata = {**parsed.metadata, "stack": name, **(extra or {})}
        return cls(parsed, name=name, metadata=metadata, document=document)

    @property
    def backend(self) -> Mapping[str, Any] | None:
        """``terraform.backend`` as synthesized, e.g. ``{"s3": {"bucket": ...}}``."""
        backend = self.metadata.get("backend")
        return backend if isinstance(backend, Mapping) else None

    @property
    def backend_type(self) -> str | None:
        backend = self.backend
        return next(iter(backend), None) if backend else None

    @property
    def providers(self) -> Mapping[str, Any]:
        providers = self.metadata.get("providers")
        return providers if isinstance(providers, Mapping) else {}

    def to_json(self) -> str:
        """The synthesized ``cdk.tf.json`` text (for snapshots or ``--iac-source`` files)."""
        return json.dumps(dict(self.document), indent=2, sort_keys=True)

    def __repr__(self) -> str:
        return f"SynthesizedStack({self.name!r}, {len(self)} resources)"


def _without_metadata(value: Any) -> Any:
    """cdktf's ``Testing.synth`` drops the ``//`` metadata blocks; so does its drop-in."""
    if isinstance(value, Mapping):
        return {k: _without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, (list, tuple)):
        return [_without_metadata(v) for v in value]
    return value


class SynthesizedJson(str):
    """What ``Testing.synth(stack)`` returns: the stack's JSON text, as cdktf's own ``Testing.synth`` gives it.

    A string, so cdktf's matchers (``Testing.to_have_resource``...), ``json.loads`` and snapshot tests take it
    unchanged; it also reads as the stack (``get_resources``, ``backend``, policies and assertions), through
    ``stack`` and ``__resource_set__``. Its ``len`` and iteration stay a string's.
    """

    stack: SynthesizedStack

    def __new__(cls, stack: SynthesizedStack, text: str | None = None) -> SynthesizedJson:
        if text is None:
            text = json.dumps(_without_metadata(stack.document), indent=2)
        self = super().__new__(cls, text)
        self.stack = stack
        return self

    def __resource_set__(self) -> SynthesizedStack:
        return self.stack

    def get_resources(self, resource_type: str) -> list[dict[str, Any]]:
        return self.stack.get_resources(resource_type)

    def __getattr__(self, name: str) -> Any:
        # Only names a string lacks arrive here (name, metadata, backend, of_type, ...).
        if name == "stack" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.stack, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (str, (str(self),))  # pickled or copied, it is the text


class SynthesizedApp(ResourceSet):
    """Every stack of an app: the union of their resources, and each stack by name."""

    def __init__(
        self,
        stacks: Mapping[str, SynthesizedStack],
        *,
        primary: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            (r for s in stacks.values() for r in s),
            name=primary,
            metadata={**(metadata or {}), "stacks": list(stacks)},
            configuration=[entry for s in stacks.values() for entry in s.configuration],
        )
        self.stacks: Mapping[str, SynthesizedStack] = MappingProxyType(dict(stacks))
        self.primary = primary

    def stack(self, name: str) -> SynthesizedStack:
        try:
            return self.stacks[name]
        except KeyError:
            names = ", ".join(repr(n) for n in self.stacks) or "none"
            raise KeyError(f"the app has no stack {name!r}; its stacks are: {names}") from None

    def __repr__(self) -> str:
        return f"SynthesizedApp(stacks={list(self.stacks)!r}, {len(self)} resources)"


def build_app(
    documents: Mapping[str, Mapping[str, Any]],
    *,
    primary: str | None,
    origin: str | None,
    extra: Mapping[str, Any],
) -> SynthesizedApp:
    stacks = {
        name: SynthesizedStack.from_document(name, doc, origin=origin, extra=extra)
        for name, doc in documents.items()
    }
    return SynthesizedApp(stacks, primary=primary, metadata=extra)
