"""Pulumi CrossGuard policy packs (``pulumi_policy``) as policies of ours, without the Pulumi CLI.

A pack's ``__main__.py`` constructs ``PolicyPack(...)``, which starts a gRPC server and blocks for the CLI.
Here the module runs with ``PolicyPack`` replaced by a subclass that only records its arguments, so the
pack's ``ResourceValidationPolicy`` and ``StackValidationPolicy`` objects are had without a server (a module
that constructs no pack may list its policies in a module attribute ``policies``).

Each policy is then called as the engine's analyzer calls it: with the SDK's own ``ResourceValidationArgs``
(the resource's inputs) and ``StackValidationArgs`` (every resource's outputs), properties deserialized by
the SDK and wrapped in its unknown-checking proxy, so a policy that reads a value unknown during preview
gets ``UnknownValueError`` as in ``pulumi preview``; that is "cannot evaluate" here. ``not_applicable()`` is
honoured; a policy that raises fails its item, naming the policy.

Severity: the policy's ``severity`` when it declares one (high and critical are critical, low and medium a
warning), else its enforcement level (mandatory and remediate critical, advisory a warning, disabled not
run; configurable). Configuration is what ``pulumi preview --policy-pack-config FILE`` would give: the
schema's defaults, the pack's ``initial_config``, then the files.

Resources come from ``PulumiResources.registrations`` (a program run under our mocks: the requests the
engine received) or from a ``pulumi stack export`` file (its inputs and outputs as exported).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import runpy
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pytest_iaccompliance.hookspecs import hookimpl
from pytest_iaccompliance.model import WHOLE_SOURCE, Resource, ResourceSet, Severity
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    not_applicable,
)

__all__ = ["CrossGuardError", "CrossGuardPack", "LoadedPack", "level_severities", "load_pack"]

_STACK_TYPE = "pulumi:pulumi:Stack"
_PROVIDER_PREFIX = "pulumi:providers:"
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_WHITESPACE = re.compile(r"\s+")
DEFAULT_LEVELS: Mapping[str, Severity | None] = {
    "mandatory": Severity.CRITICAL,
    "remediate": Severity.CRITICAL,
    "advisory": Severity.WARNING,
    "disabled": None,
}
_SEVERITY = {"critical": Severity.CRITICAL, "high": Severity.CRITICAL, "medium": Severity.WARNING,
             "low": Severity.WARNING}


class CrossGuardError(ValueError):
    """A pack that cannot be loaded or configured; names the file."""


def level_severities(lines: Sequence[str]) -> dict[str, Severity | None]:
    """``LEVEL = critical|warning|skip`` lines over the defaults."""
    levels = dict(DEFAULT_LEVELS)
    for line in lines:
        level, sep, value = (part.strip().lower() for part in line.partition("="))
        if not sep or level not in DEFAULT_LEVELS:
            raise CrossGuardError(f"iac_crossguard_levels: expected `LEVEL = critical|warning|skip` with LEVEL one "
                                  f"of {', '.join(DEFAULT_LEVELS)}, got {line!r}")
        if value == "skip":
            levels[level] = None
        else:
            try:
                levels[level] = Severity.parse(value)
            except ValueError as exc:
                raise CrossGuardError(f"iac_crossguard_levels: {level}: {exc} or skip") from None
    return levels


@dataclass(frozen=True)
class LoadedPack:
    """What a pack's ``PolicyPack(...)`` was given."""

    name: str
    path: Path
    policies: tuple[Any, ...]
    enforcement_level: str | None = None
    initial_config: Mapping[str, Any] = field(default_factory=dict)


def _level_name(level: Any) -> str | None:
    if level is None:
        return None
    return str(getattr(level, "value", level)).lower()


def load_pack(path: Path) -> LoadedPack:
    """Run a pack's module with ``PolicyPack`` intercepted: its policies, and no server started."""
    file = path / "__main__.py" if path.is_dir() else path
    if not file.is_file():
        raise CrossGuardError(f"{path}: no policy pack here (expected a folder with __main__.py, or a .py file)")
    try:
        import pulumi_policy
    except ImportError:
        raise CrossGuardError(f"{path}: running a CrossGuard pack needs pulumi-policy: "
                              "pip install 'pytest-iaccompliance[pulumi]'") from None
    captured: list[LoadedPack] = []
    real: Any = pulumi_policy.PolicyPack

    class RecordedPolicyPack(real):  # type: ignore[misc]
        """Records the pack's arguments instead of serving them."""

        def __init__(self, name: str, policies: list[Any], enforcement_level: Any = None,
                     initial_config: Mapping[str, Any] | None = None, **_: Any) -> None:
            if not isinstance(policies, list) or not all(isinstance(p, pulumi_policy.Policy) for p in policies):
                raise TypeError("Expected policies to be a list of policies")
            captured.append(LoadedPack(str(name), file, tuple(policies), _level_name(enforcement_level),
                                       dict(initial_config or {})))

    folder = str(file.parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)  # a pack imports its sibling modules
    _replace_pack_class(RecordedPolicyPack)
    try:
        namespace = runpy.run_path(str(file), run_name="__main__")
    except Exception as exc:
        raise CrossGuardError(f"{file}: the policy pack raised {type(exc).__name__}: {exc}") from None
    finally:
        _replace_pack_class(real)
        if added:
            sys.path.remove(folder)
    if captured:
        return captured[-1]
    listed = namespace.get("policies")
    if isinstance(listed, list) and listed and all(isinstance(p, pulumi_policy.Policy) for p in listed):
        return LoadedPack(file.parent.name if file.name == "__main__.py" else file.stem, file, tuple(listed))
    raise CrossGuardError(f"{file}: constructs no PolicyPack and has no module attribute `policies` "
                          "listing pulumi_policy policies")


def _replace_pack_class(cls: Any) -> None:
    """``PolicyPack`` where a pack module finds it: ``from pulumi_policy import PolicyPack`` and the module."""
    import pulumi_policy
    from pulumi_policy import policy as policy_module

    name = "PolicyPack"
    for module in (pulumi_policy, policy_module):
        setattr(module, name, cls)


def _read_config(files: Sequence[Path]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for file in files:
        try:
            document = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CrossGuardError(f"{file}: cannot read the policy pack configuration: {exc}") from None
        if not isinstance(document, dict):
            raise CrossGuardError(f"{file}: a policy pack configuration is a JSON object by policy name")
        for name, value in document.items():
            merged[name] = _merge_entry(merged.get(name), value)
    return merged


def _merge_entry(old: Any, new: Any) -> dict[str, Any]:
    """Config entries as dicts: a bare level is ``{"enforcementLevel": level}``; later ones win by key."""
    def as_dict(value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return {k: (_level_name(v) if k == "enforcementLevel" else v) for k, v in value.items()}
        return {"enforcementLevel": _level_name(value)}

    return {**as_dict(old), **as_dict(new)}


@dataclass
class _Verdicts:
    """One pulumi policy over one resource set: by URN ("" for the stack as a whole)."""

    messages: dict[str, list[str]] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    not_applicable: set[str] = field(default_factory=set)
    crashes: dict[str, Exception] = field(default_factory=dict)
    judged: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Wire:
    """A resource as the engine sends it to an analyzer: Pulumi names, wire-encoded values."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    parent: str | None
    provider: _Wire | None = None


def _urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _readable_secrets(value: Any) -> Any:
    """An exported secret without ``--show-secrets`` holds ciphertext: given as ``[secret]``, as our sources do."""
    if isinstance(value, Mapping):
        if value.get(_SIG_KEY) == _SECRET_SIG and "value" not in value:
            return {_SIG_KEY: _SECRET_SIG, "value": "[secret]"}
        return {k: _readable_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_readable_secrets(v) for v in value]
    return value


def _from_registrations(registrations: Sequence[Any]) -> list[_Wire]:
    from google.protobuf import json_format

    def as_dict(struct: Any) -> dict[str, Any]:
        return json_format.MessageToDict(struct) if struct is not None else {}

    providers: dict[str, _Wire] = {}
    for reg in registrations:
        if reg.type.startswith(_PROVIDER_PREFIX):
            inputs = as_dict(reg.inputs)
            providers[reg.urn] = _Wire(reg.urn, reg.type, reg.name, inputs, inputs, reg.parent or None)
    wires = []
    for reg in registrations:
        if reg.type.startswith(_PROVIDER_PREFIX) or reg.type == _STACK_TYPE:
            continue
        inputs = as_dict(reg.inputs)
        outputs = as_dict(reg.state) if reg.state is not None else inputs
        provider = providers.get(str(reg.provider).rsplit("::", 1)[0]) if reg.provider else None
        wires.append(_Wire(reg.urn, reg.type, reg.name, inputs, {**inputs, **outputs}, reg.parent or None, provider))
    return wires


def _from_export(file: str) -> list[_Wire] | None:
    try:
        document = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    deployment = document.get("deployment") if isinstance(document, Mapping) else None
    if deployment is None and isinstance(document, Mapping):
        deployment = (document.get("checkpoint") or {}).get("latest")
    entries = deployment.get("resources") if isinstance(deployment, Mapping) else None
    if not isinstance(entries, list):
        return None
    providers: dict[str, _Wire] = {}
    kept: list[Mapping[str, Any]] = []
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("delete") or entry.get("pendingReplacement"):
            continue
        urn, token = str(entry.get("urn")), str(entry.get("type"))
        inputs = _readable_secrets(entry.get("inputs") or {})
        outputs = _readable_secrets(entry.get("outputs") or {})
        if token.startswith(_PROVIDER_PREFIX):
            providers[urn] = _Wire(urn, token, _urn_name(urn), inputs, outputs, None)
        elif token != _STACK_TYPE:
            kept.append(entry)
    wires = []
    for entry in kept:
        urn = str(entry["urn"])
        provider = entry.get("provider")
        wires.append(_Wire(
            urn, str(entry["type"]), _urn_name(urn), _readable_secrets(entry.get("inputs") or {}),
            _readable_secrets(entry.get("outputs") or {}),
            entry.get("parent") if isinstance(entry.get("parent"), str) else None,
            providers.get(provider.rsplit("::", 1)[0]) if isinstance(provider, str) else None,
        ))
    return wires


def pulumi_view(resources: ResourceSet) -> list[_Wire] | None:
    """The set's resources as the Pulumi engine would send them; ``None`` for a set Pulumi did not make."""
    registrations = getattr(resources, "registrations", None)
    if registrations:
        return _from_registrations(registrations)
    if resources.metadata.get("kind") == "pulumi-export":
        file = next((r.source.file for r in resources if r.source.file), None)
        return _from_export(file) if file else None
    return None


def _run(validation: Any) -> None:
    if inspect.isawaitable(validation):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(validation)
        finally:
            loop.close()


class CrossGuardPack:
    """A pluggy pack contributing one policy per CrossGuard policy of the given packs."""

    def __init__(self, paths: Sequence[Path], *, config_files: Sequence[Path] = (),
                 levels: Mapping[str, Severity | None] = DEFAULT_LEVELS) -> None:
        self.packs = [load_pack(Path(p)) for p in paths]
        self.config = _read_config(config_files)
        self.levels = dict(levels)
        for pack in self.packs:
            for policy in pack.policies:
                level = self.enforcement(pack, policy)
                if level not in self.levels:
                    raise CrossGuardError(f"{pack.path}: policy {policy.name!r} has enforcement level {level!r}, "
                                          f"expected one of {', '.join(self.levels)}")

    def _entry(self, pack: LoadedPack, name: str) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        for source in (pack.initial_config.get("all"), pack.initial_config.get(name), self.config.get("all"),
                       self.config.get(name)):
            entry = _merge_entry(entry, source) if source is not None else entry
        return entry

    def enforcement(self, pack: LoadedPack, policy: Any) -> str:
        return (self._entry(pack, policy.name).get("enforcementLevel") or _level_name(policy.enforcement_level)
                or pack.enforcement_level or "advisory")

    def policy_config(self, pack: LoadedPack, policy: Any) -> dict[str, Any]:
        schema = getattr(policy.config_schema, "properties", None) or {}
        config = {k: v["default"] for k, v in schema.items() if isinstance(v, Mapping) and "default" in v}
        config.update({k: v for k, v in self._entry(pack, policy.name).items() if k != "enforcementLevel"})
        return config

    @hookimpl
    def iaccompliance_policies(self) -> list[Policy]:
        policies = []
        for pack in self.packs:
            for policy in pack.policies:
                severity = self.levels[self.enforcement(pack, policy)]
                if severity is None:
                    continue
                declared = _level_name(getattr(policy, "severity", None))
                if declared in _SEVERITY:
                    severity = _SEVERITY[declared]
                policies.append(self._policy(pack, policy, severity))
        return policies

    def _policy(self, pack: LoadedPack, policy: Any, severity: Severity) -> Policy:
        name = policy.name

        def check(resource: Resource, context: PolicyContext) -> Result:
            verdicts = context.remember(("crossguard", id(self), pack.name),
                                        lambda: self.evaluate(pack, context.resources))
            if verdicts is None:
                return not_applicable()
            verdict = verdicts[name]
            key = "" if resource.type == WHOLE_SOURCE else resource.address
            crash = verdict.crashes.get(key) or verdict.crashes.get("")
            if crash is not None:
                raise crash
            if key in verdict.messages:
                return non_compliant(*verdict.messages[key])
            if key in verdict.unknown:
                return cannot_evaluate(verdict.unknown[key])
            if key in verdict.not_applicable or key not in verdict.judged:
                return not_applicable()
            return compliant()

        framework = policy.framework
        controls: tuple[str, ...] = ()
        if framework is not None and framework.name and framework.reference:
            version = f"-{framework.version}" if framework.version else ""
            controls = (f"{framework.name}{version}:{framework.reference}",)
        return Policy(
            id=f"crossguard.{pack.name}.{_WHITESPACE.sub('-', name)}",
            title=policy.display_name or policy.description,
            severity=severity,
            resource_types=("*", WHOLE_SOURCE),
            check=check,
            remediation=policy.remediation_steps or "",
            controls=controls,
            description=policy.description,
        )

    def evaluate(self, pack: LoadedPack, resources: ResourceSet) -> dict[str, _Verdicts] | None:
        """Every policy of the pack over the set, as the analyzer's Analyze and AnalyzeStack run them."""
        wires = pulumi_view(resources)
        if wires is None:
            return None
        from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

        verdicts: dict[str, _Verdicts] = {}
        for policy in pack.policies:
            verdict = verdicts[policy.name] = _Verdicts()
            config = self.policy_config(pack, policy)
            if isinstance(policy, ResourceValidationPolicy):
                if not policy.has_validation():
                    continue  # a remediation-only policy: nothing to judge
                for wire in wires:
                    self._validate_resource(policy, wire, config, verdict)
            elif isinstance(policy, StackValidationPolicy):
                self._validate_stack(policy, wires, config, verdict)
            known = {wire.urn for wire in wires}
            for urn in [u for u in verdict.messages if u and u not in known]:  # a URN not in this stack
                verdict.messages.setdefault("", []).extend(f"{urn}: {m}" for m in verdict.messages.pop(urn))
                verdict.judged.add("")
        return verdicts

    @staticmethod
    def _reporter(policy: Any, verdict: _Verdicts, default_urn: str) -> Any:
        def report_violation(message: str, urn: str | None = None) -> None:
            text = message or policy.description
            verdict.messages.setdefault(urn or default_urn, []).append(text)

        return report_violation

    def _validate_resource(self, policy: Any, wire: _Wire, config: Mapping[str, Any], verdict: _Verdicts) -> None:
        from pulumi_policy import PolicyCustomTimeouts, PolicyProviderResource, PolicyResourceOptions
        from pulumi_policy import ResourceValidationArgs as Args
        from pulumi_policy.deserialize import deserialize_properties
        from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

        not_applicable_error = _not_applicable_error()
        verdict.judged.add(wire.urn)
        try:
            props = unknown_checking_proxy(deserialize_properties(dict(wire.inputs)))
            provider = None
            if wire.provider is not None:
                provider = PolicyProviderResource(
                    wire.provider.type, unknown_checking_proxy(deserialize_properties(dict(wire.provider.inputs))),
                    wire.provider.urn, wire.provider.name)
            opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], wire.parent)
            args = Args(wire.type, props, wire.urn, wire.name, opts, provider, dict(config) or None, {})
            _run(policy.validate(args, self._reporter(policy, verdict, wire.urn)))
        except UnknownValueError as exc:
            verdict.unknown[wire.urn] = f"{wire.urn}: {exc.message}"
        except not_applicable_error:
            verdict.not_applicable.add(wire.urn)
        except Exception as exc:
            verdict.crashes[wire.urn] = exc

    def _validate_stack(self, policy: Any, wires: Sequence[_Wire], config: Mapping[str, Any],
                        verdict: _Verdicts) -> None:
        from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions, StackValidationArgs
        from pulumi_policy.deserialize import deserialize_properties
        from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

        not_applicable_error = _not_applicable_error()
        try:
            by_urn: dict[str, Any] = {}
            for wire in wires:
                opts = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], wire.parent)
                props = unknown_checking_proxy(deserialize_properties(dict(wire.outputs)))
                by_urn[wire.urn] = PolicyResource(wire.type, props, wire.urn, wire.name, opts, None, None, [], {})
            for wire in wires:
                if wire.parent in by_urn:
                    by_urn[wire.urn].parent = by_urn[wire.parent]
            args = StackValidationArgs(list(by_urn.values()), dict(config) or None, {})
            _run(policy.validate(args, self._reporter(policy, verdict, "")))
            verdict.judged.update(w.urn for w in wires)
        except UnknownValueError as exc:
            verdict.unknown[""] = exc.message
            verdict.judged.add("")
        except not_applicable_error:
            verdict.not_applicable.update(w.urn for w in wires)
        except Exception as exc:
            verdict.crashes[""] = exc
            verdict.judged.add("")


def _not_applicable_error() -> type[Exception]:
    """What ``args.not_applicable()`` raises (private to the SDK; found by name)."""
    from pulumi_policy import policy as policy_module

    found = getattr(policy_module, "_NotApplicableError", None)
    return found if isinstance(found, type) and issubclass(found, Exception) else _NeverRaised


class _NeverRaised(Exception):
    """Stands for an SDK error class this version does not have."""
