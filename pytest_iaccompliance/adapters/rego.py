"""OPA/Rego policies written for conftest, as policies of ours: same severities, waivers, reports and items.

Each policy file's ``deny``, ``violation`` and ``warn`` rules (and ``deny_*``, ``violation_*``, ``warn_*``,
as conftest reads them) in the policy namespaces (``main`` by default) become one ``Policy`` each, with
the id ``rego.<file stem>.<rule>`` unless the rule's METADATA gives ``custom.id``. ``deny`` and
``violation`` are critical and ``warn`` a warning, unless METADATA says ``custom.severity``.

The evaluator is regorus (the ``gordon-to-regorus`` wheel), a Rego interpreter in Rust: it evaluates
conftest-style rules over 5,000 resources in about a tenth of a second, and reports a policy's syntax
and runtime errors as Python exceptions, never by ending the process. It is imported only when a policy
is loaded.

What ``input`` is, per source kind: a Terraform JSON document (cdktf synthesis, ``*.tf.json``, ``terraform
show -json`` plan or state) is given as it is, as ``conftest test FILE`` would; a cdktf stack synthesized
in a test gives its synthesized document; anything else (Pulumi programs under mocks, ``pulumi stack
export`` files) gives our normalized resources: ``{"kind", "stack", "resources": [{"address", "type",
"name", "mode", "properties"}]}``, with Terraform type and property names.

Each policy file is evaluated once per resource set (``PolicyContext.remember``) with every file that
defines no such rule loaded beside it as a library, so helpers and ``data.lib`` packages resolve.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from pytest_iaccompliance.hookspecs import hookimpl
from pytest_iaccompliance.model import WHOLE_SOURCE, Resource, ResourceSet, Severity, thaw
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    compliant,
    non_compliant,
    not_applicable,
)
from pytest_iaccompliance.policies.engine import BrokenPolicyError

__all__ = ["RegoFile", "RegoPack", "read_policy_file", "rego_input"]

# conftest's rule names: deny, violation and warn, alone or with a suffix.
_RULE_NAME = re.compile(r"^(deny|violation|warn)(_[A-Za-z0-9_]+)?$")
_DEFAULT_SEVERITY = {"deny": Severity.CRITICAL, "violation": Severity.CRITICAL, "warn": Severity.WARNING}
# Severity words other tools use, mapped onto ours.
_SEVERITY_WORDS = {"critical": Severity.CRITICAL, "high": Severity.CRITICAL, "error": Severity.CRITICAL,
                   "warning": Severity.WARNING, "warn": Severity.WARNING, "medium": Severity.WARNING,
                   "low": Severity.WARNING, "info": Severity.WARNING}
_TERRAFORM_KINDS = frozenset({"cdktf", "terraform-json", "terraform-plan", "terraform-state"})
# Address-like words in a message: a URN, or [module.x.][data.]type.name[index].
_ADDRESS_WORD = re.compile(
    r"urn:pulumi:[^\s'\"`,;()]+|(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(?:data\.)?[A-Za-z][\w]*\.[\w-]+(?:\[[^\]]*\])?"
)
_RESULT_ADDRESS_KEYS = ("resource", "address", "urn", "resource_address")
# A runtime error can quote the value it choked on (``Got `hunter2` instead``): that value is withheld.
_QUOTED_VALUE = re.compile(r"(?i)(got|value|found)\s+`[^`]*`")
# regorus: "--> FILE:LINE:COL", the source lines with a caret, then "error: ...".
_LOCATED = re.compile(r"^-->\s*(?P<where>\S+)\s*\n(?P<snippet>.*?)\n?error:\s*(?P<error>.*)$", re.S)


class RegoError(ValueError):
    """A policy file that cannot be read or compiled; the text is the engine's own message."""


@dataclass(frozen=True)
class RuleInfo:
    """One conftest rule of a file, with what its METADATA said."""

    name: str
    line: int
    annotations: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegoFile:
    """A policy file as read: its package, its conftest rules, or the reason it cannot be used."""

    path: Path
    text: str
    package: str = ""
    rules: tuple[RuleInfo, ...] = ()
    error: str | None = None

    @property
    def stem(self) -> str:
        return self.path.name[: -len(".rego")] if self.path.name.endswith(".rego") else self.path.stem


def _engine(rego_v0: bool) -> Any:
    import regorus

    engine = regorus.Engine()
    if rego_v0:
        engine.set_rego_v0(True)
    return engine


def _reraise_unless_engine_error(exc: BaseException) -> None:
    """An engine error is an ``Exception``, or pyo3's ``PanicException`` (a ``BaseException``) for a panic in
    the engine; an interrupt or an exit goes on."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


def engine_message(exc: BaseException) -> str:
    """The engine's message as ``FILE:LINE:COL: error`` and the lines it points at, without the Rust backtrace
    regorus appends."""
    text = str(exc).split("\nStack backtrace:", 1)[0].strip()
    located = _LOCATED.match(text)
    if located:
        return f"{located['where']}: {located['error'].strip()}\n{located['snippet'].rstrip()}"
    return text or type(exc).__name__


def _rule_name(rule: Mapping[str, Any]) -> tuple[str, int] | None:
    spec = rule.get("Spec")
    if not isinstance(spec, Mapping):
        return None
    head = spec.get("head")
    if not isinstance(head, Mapping) or not head:
        return None
    node: Any = next(iter(head.values()))
    while isinstance(node, Mapping):
        refr = node.get("refr")
        if isinstance(refr, Mapping) and refr:
            kind, inner = next(iter(refr.items()))
            if kind == "Var" and isinstance(inner, Mapping):
                return str(inner.get("value")), int(inner.get("span", {}).get("line", 0))
            node = inner
            continue
        return None
    return None


def _annotations(text: str) -> dict[int, dict[str, Any]]:
    """``# METADATA`` blocks by the line of the statement they precede (YAML, as OPA reads them)."""
    import yaml  # type: ignore[import-untyped,unused-ignore]

    lines = text.splitlines()
    found: dict[int, dict[str, Any]] = {}
    index = 0
    while index < len(lines):
        if lines[index].strip() != "# METADATA":
            index += 1
            continue
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].lstrip().startswith("#"):
            comment = lines[index].lstrip()[1:]
            body.append(comment[1:] if comment.startswith(" ") else comment)
            index += 1
        try:
            parsed = yaml.safe_load("\n".join(body))
        except yaml.YAMLError:
            parsed = None
        if isinstance(parsed, dict):
            found[index + 1] = parsed
    return found


def read_policy_file(path: Path, *, rego_v0: bool = False) -> RegoFile:
    """A file parsed alone: its package and conftest rules, or the engine's message for why it cannot be."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return RegoFile(path, "", error=f"{path}: cannot read the file: {exc}")
    engine = _engine(rego_v0)
    try:
        engine.add_policy(str(path), text)
        modules = json.loads(engine.get_ast_as_json())
    except BaseException as exc:
        _reraise_unless_engine_error(exc)
        return RegoFile(path, text, error=engine_message(exc))
    packages = [str(p).removeprefix("data.") for p in engine.get_packages()]
    notes = _annotations(text)
    rules: dict[str, RuleInfo] = {}
    for module in modules:
        for rule in module.get("ast", {}).get("rules", ()):
            named = _rule_name(rule)
            if named is None or not _RULE_NAME.match(named[0]):
                continue
            name, line = named
            merged = {**(rules[name].annotations if name in rules else {}), **notes.get(line, {})}
            rules[name] = RuleInfo(name, rules[name].line if name in rules else line, merged)
    return RegoFile(path, text, packages[0] if packages else "", tuple(rules.values()))


def _severity_of(rule: RuleInfo) -> Severity:
    custom = rule.annotations.get("custom")
    word = custom.get("severity") if isinstance(custom, Mapping) else None
    if isinstance(word, str) and word.strip().lower() in _SEVERITY_WORDS:
        return _SEVERITY_WORDS[word.strip().lower()]
    return _DEFAULT_SEVERITY[rule.name.split("_", 1)[0]]


def _custom(rule: RuleInfo, key: str) -> Any:
    custom = rule.annotations.get("custom")
    return custom.get(key) if isinstance(custom, Mapping) else None


def rego_input(resources: ResourceSet) -> str:
    """The ``input`` document for a resource set, as JSON text (see the module's docstring)."""
    document = getattr(resources, "document", None)
    if isinstance(document, Mapping):
        return json.dumps(thaw(document))
    kind = str(resources.metadata.get("kind") or "")
    origin = next((r.source.file for r in (*resources, *resources.configuration) if r.source.file), None)
    if kind in _TERRAFORM_KINDS and origin:
        try:
            return Path(origin).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass  # the file was read once to make the set; its normalized form still stands for it
    return json.dumps({
        "kind": kind or "memory",
        "stack": resources.name,
        "resources": [
            {"address": r.address, "type": r.type, "name": r.name, "mode": r.mode, "properties": r.to_dict()}
            for r in resources
        ],
    })


@dataclass
class _Outcome:
    """One file's verdicts over one resource set: messages by rule and address, or the engine's error."""

    by_rule: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    error: str | None = None


def _message(value: Any) -> tuple[str, Any]:
    """A result's message and the address it names, if any (conftest's ``{"msg": ..., "resource": ...}``)."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, Mapping):
        named = next((value[k] for k in _RESULT_ADDRESS_KEYS if isinstance(value.get(k), str)), None)
        msg = value.get("msg", value.get("message"))
        return (msg if isinstance(msg, str) else json.dumps(value, sort_keys=True)), named
    return json.dumps(value), None


def _address_in(resources: ResourceSet, message: str, named: Any) -> str | None:
    candidates = [named] if isinstance(named, str) else []
    candidates.extend(word.rstrip(".:") for word in _ADDRESS_WORD.findall(message))
    for word in candidates:
        found = resources.by_address(word) or resources.resolve(word)
        if found is not None:
            return found.address
    return None


class RegoPack:
    """A pluggy pack contributing one policy per conftest rule of the given files."""

    def __init__(self, files: Sequence[Path], *, namespaces: Sequence[str] = ("main",),
                 rego_v0: bool = False) -> None:
        self.namespaces = tuple(namespaces) or ("main",)
        self.rego_v0 = rego_v0
        self.files = [read_policy_file(Path(f), rego_v0=rego_v0) for f in dict.fromkeys(files)]

    def _is_policy_file(self, file: RegoFile) -> bool:
        return bool(file.rules) and any(fnmatchcase(file.package, pattern) for pattern in self.namespaces)

    def libraries(self, file: RegoFile) -> list[RegoFile]:
        return [other for other in self.files
                if other is not file and other.error is None and not self._is_policy_file(other)]

    @hookimpl
    def iaccompliance_policies(self) -> list[Policy]:
        policies: list[Policy] = []
        for file in self.files:
            if file.error is not None:
                policies.append(self._broken(file, file.error))
            elif self._is_policy_file(file):
                policies.extend(self._rule_policy(file, rule) for rule in file.rules)
        return policies

    def _broken(self, file: RegoFile, error: str) -> Policy:
        def check(resource: Resource, context: PolicyContext) -> Result:
            raise BrokenPolicyError(error)

        return Policy(id=f"rego.{file.stem}", title=f"Rego policy {file.path.name}", severity=Severity.CRITICAL,
                      resource_types=("*", WHOLE_SOURCE), check=check)

    def _rule_policy(self, file: RegoFile, rule: RuleInfo) -> Policy:
        custom_id = _custom(rule, "id")
        policy_id = str(custom_id) if isinstance(custom_id, str) and custom_id.strip() else \
            f"rego.{file.stem}.{rule.name}"
        title = rule.annotations.get("title")
        controls = _custom(rule, "controls")

        def check(resource: Resource, context: PolicyContext) -> Result:
            outcome = context.remember(("rego", str(file.path), self.rego_v0),
                                       lambda: self.evaluate(file, context.resources))
            if outcome.error is not None:
                raise BrokenPolicyError(outcome.error)
            messages = outcome.by_rule.get(rule.name, {}).get(
                "" if resource.type == WHOLE_SOURCE else resource.address)
            if messages:
                return non_compliant(*messages)
            return not_applicable() if resource.type == WHOLE_SOURCE else compliant()

        description = rule.annotations.get("description")
        return Policy(
            id=policy_id,
            title=str(title) if isinstance(title, str) else f"{rule.name} rules of {file.path.name}",
            severity=_severity_of(rule),
            resource_types=("*", WHOLE_SOURCE),
            check=check,
            remediation=str(_custom(rule, "remediation") or ""),
            controls=tuple(str(c) for c in controls) if isinstance(controls, list) else (),
            description=str(description) if isinstance(description, str) else f"{file.path}:{rule.line}",
        )

    def evaluate(self, file: RegoFile, resources: ResourceSet) -> _Outcome:
        """Every conftest rule of ``file`` over the set's input, results mapped to addresses ("" for the
        source as a whole)."""
        engine = _engine(self.rego_v0)
        try:
            for library in self.libraries(file):
                engine.add_policy(str(library.path), library.text)
            engine.add_policy(str(file.path), file.text)
        except BaseException as exc:
            _reraise_unless_engine_error(exc)
            return _Outcome(error=engine_message(exc))
        try:
            engine.set_input_json(rego_input(resources))
        except BaseException as exc:
            _reraise_unless_engine_error(exc)
            return _Outcome(error=f"{file.path}: the input could not be given to the engine: {engine_message(exc)}")
        outcome = _Outcome()
        for rule in file.rules:
            try:
                value = json.loads(engine.eval_rule_as_json(f"data.{file.package}.{rule.name}"))
            except BaseException as exc:
                _reraise_unless_engine_error(exc)
                message = _QUOTED_VALUE.sub(r"\1 <value withheld>", engine_message(exc))
                return _Outcome(error=f"rule {rule.name} failed: {message}")
            if value == "<undefined>" or value is None or value is False:
                results: list[Any] = []
            elif isinstance(value, list):
                results = value
            else:
                results = [value]
            found: dict[str, list[str]] = {}
            for result in results:
                message, named = _message(result)
                address = _address_in(resources, message, named) or ""
                found.setdefault(address, []).append(message)
            outcome.by_rule[rule.name] = found
        return outcome
