"""The normalized resource model every source produces and every policy reads.

Plain frozen data and pure lookups: no I/O and nothing of pytest, so that sources, policies and reports
agree on one shape whatever the infrastructure was written in.
"""

from __future__ import annotations

import dataclasses
import enum
import gc
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Protocol, TypeAlias

__all__ = [
    "BACKEND",
    "CONFIG_TYPES",
    "DOTENV",
    "IN_CODE_WAIVERS",
    "ORIGIN_KEY",
    "PROVIDER",
    "PULUMI_PROJECT",
    "PULUMI_STACK",
    "SECRET_NAMES",
    "UNKNOWN",
    "VARIABLE",
    "WHOLE_SOURCE",
    "Finding",
    "FindingStatus",
    "Resource",
    "ResourceSet",
    "Resources",
    "Severity",
    "SourceLocation",
    "StandsForResources",
    "Unknown",
    "UnreadableValue",
    "as_blocks",
    "as_resource_set",
    "config_entry",
    "credential_forms",
    "is_secret_name",
    "is_unknown",
    "kind_of",
    "paused_gc",
    "read_blocks",
    "show_value",
    "unknown_reason",
]


# Where a source keeps the waivers recorded in code on its resources (cdktf ``//`` metadata, a Pulumi
# transformation): ``ResourceSet.metadata[IN_CODE_WAIVERS]`` maps an address to its raw records.
IN_CODE_WAIVERS: Final = "iaccompliance_waivers"
# Where cdktf's synthesized ``//`` metadata holds the Python file and line that created a resource
# (``{"file": ..., "line": ...}``; a relative file is relative to the folder that holds ``cdktf.out``).
ORIGIN_KEY: Final = "iaccompliance_origin"


class Severity(enum.Enum):
    """How much a failure weighs: critical failures block, warnings are tolerated up to a limit."""

    CRITICAL = "critical"
    WARNING = "warning"

    @property
    def rank(self) -> int:
        """Higher is more severe, for ``min_severity`` style filters."""
        return 2 if self is Severity.CRITICAL else 1

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity from configuration, naming the accepted values on a typo."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r}: expected one of {choices}") from None


class FindingStatus(enum.Enum):
    """Outcome of one policy on one resource (not-applicable pairs produce no finding)."""

    FAILED = "failed"
    PASSED = "passed"
    WAIVED = "waived"
    UNKNOWN = "unknown"
    # Failed or unknown when the baseline was written, and still: shown, not counted (--iac-baseline).
    BASELINED = "baselined"


# The statuses that fail an assertion or a report's result: a failure, and a value that could not be judged.
_VIOLATING: Final = frozenset({FindingStatus.FAILED, FindingStatus.UNKNOWN})


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known before apply (a computed attribute or an unresolved expression)."""

    reason: str = "known only after apply"

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


UNKNOWN: Final = Unknown()

_INTERPOLATION = re.compile(r"\$\{(.+?)\}")
# A dotted name an expression reads: var.x, local.y, aws_s3_bucket.b.arn, data.x.y.json, each.value.
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"?')
_NAME = re.compile(r"(?<![\w\"'.-])[A-Za-z_][\w-]*(?:\.[A-Za-z_*][\w-]*|\[\d+\])*\.[A-Za-z_*][\w-]*")
_REFERENCE = re.compile(
    r"^(?P<module>(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*)(?:(?P<data>data)\.)?"
    r"(?P<type>[A-Za-z][A-Za-z0-9_]*)\.(?P<name>[A-Za-z0-9_-]+)(?P<index>\[[^\]]*\])?"
    r"(?:\.(?P<attribute>[A-Za-z0-9_.\[\]\"-]+))?$"
)


def is_unknown(value: object) -> bool:
    """True for values a static check cannot decide: ``Unknown`` or a string with a ``${...}`` expression."""
    return isinstance(value, Unknown) or (isinstance(value, str) and "${" in value)


class UnreadableValue(ValueError):
    """A value a rule cannot read: unknown before apply, or of a shape no source legally produces.

    The engine turns it into a "cannot evaluate" finding for the resource at hand, so a malformed input
    is never taken for a compliant one. The reason names the value's type, never its content: what
    cannot be read may well be a secret.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @classmethod
    def of(cls, value: object, expected: str) -> UnreadableValue:
        """The error for ``value`` where ``expected`` belongs: "is not known before apply (...)" or
        "is <type>, expected <expected>"."""
        if is_unknown(value):
            return cls(f"is not known before apply ({unknown_reason(value)})")
        return cls(f"is {kind_of(value)}, expected {expected}")


def unknown_reason(value: object) -> str:
    """Why a value is unknown, naming the references it depends on and no literal text around them."""
    if isinstance(value, Unknown):
        return value.reason
    if isinstance(value, str):
        references: list[str] = []
        for expression in _INTERPOLATION.findall(value):
            expression = expression.strip()
            if _NAME.fullmatch(expression):
                references.append("${" + expression + "}")
            else:  # a function call or an operator: name what it reads, never its literals
                references.extend(_NAME.findall(_STRING_LITERAL.sub('""', expression)))
        if references:
            return "depends on " + ", ".join(dict.fromkeys(r[:80] for r in references))
        return "depends on an unresolved expression"
    return "known only after apply"


def kind_of(value: object) -> str:
    """What a value is, for messages that must not quote it: ``str``, ``list``, ``non-finite float``..."""
    if isinstance(value, float) and not math.isfinite(value):
        return "a non-finite number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if value is None:
        return "null"
    names = {bool: "a bool", int: "a number", float: "a number", str: "a string"}
    return names.get(type(value), type(value).__name__)


def read_blocks(value: object, name: str = "", owner: str = "") -> tuple[list[Mapping[str, Any]], list[str]]:
    """Nested blocks read one by one: the readable ones, and for each element that is not a block the
    reason (```ingress[1]` of aws_security_group.g is a string, ...``), so that one bad element does
    not hide a definite finding in another."""
    if value is None:
        return [], []
    # Exact types first: rules read blocks of every resource, and a Mapping check costs a call.
    if type(value) is dict or (type(value) is not list and isinstance(value, Mapping)):
        return [value], []
    of = f" of {owner}" if owner else ""
    if isinstance(value, (list, tuple)):
        blocks: list[Mapping[str, Any]] = []
        problems: list[str] = []
        for index, item in enumerate(value):
            if type(item) is dict or isinstance(item, Mapping):
                blocks.append(item)
            else:
                reason = UnreadableValue.of(item, "a block").reason
                problems.append(f"`{name}[{index}]`{of} {reason}" if name else f"element {index} {reason}")
        return blocks, problems
    reason = UnreadableValue.of(value, "a block or a list of blocks").reason
    return [], [f"`{name}`{of} {reason}" if name else reason]


def as_blocks(value: object) -> list[Mapping[str, Any]]:
    """Nested blocks as a list of mappings, whether given as one object, a list, or nothing.

    Raises ``UnreadableValue`` for an unknown value or anything that is not blocks (a string where
    ``ingress`` blocks belong): an empty list there would read as "no rules", a silent pass.
    """
    blocks, problems = read_blocks(value)
    if problems:
        raise UnreadableValue("; ".join(problems))
    return blocks


# Words that mark an attribute as secret wherever they appear in its path (``master_password``,
# ``secret_string``, ``auth_token``, ``privateKeyPem``): its value is never shown, only its type.
SECRET_NAMES: Final = frozenset({
    "password", "passwd", "passphrase", "secret", "secrets", "token", "credential", "credentials",
    "private_key", "access_key", "secret_key", "api_key", "apikey", "auth_key", "signing_key",
    "session_key", "client_secret", "connection_string", "passcode",
})
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_INDEX = re.compile(r"\[[^\]]*\]")


def _path_parts(path: str) -> list[str]:
    """``ingress[0].cidr_blocks`` -> ``["ingress", "cidr_blocks"]``: indexes carry no meaning here."""
    return [part for part in _INDEX.sub("", path).split(".") if part and not part.isdigit()]


def is_secret_name(path: str) -> bool:
    """Whether any part of an attribute path is named like a secret (``db.master_password``)."""
    for part in _path_parts(path):
        words = [w.lower() for w in _WORD_SPLIT.split(part) if w]
        pairs = {f"{a}_{b}" for a, b in itertools.pairwise(words)}
        if SECRET_NAMES.intersection(words) or SECRET_NAMES.intersection(pairs):
            return True
    return False


# Credentials recognizable by their form wherever they appear (user data, a ``.env`` value): an AWS
# access key id, a secret access key assigned by name, a PEM private key.
_CREDENTIAL_FORMS: Final = (
    ("an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("an AWS secret access key", re.compile(
        r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])")),
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
)


def credential_forms(text: str) -> list[str]:
    """What credentials a text holds, by kind (``["an AWS access key id"]``), never where or which."""
    return [kind for kind, pattern in _CREDENTIAL_FORMS if pattern.search(text)]


class _Hidden:
    """Stands for a secret inside a displayed value: its repr is the type, never the content."""

    def __init__(self, value: object) -> None:
        self.kind = kind_of(value)

    def __repr__(self) -> str:
        return f"<secret: {self.kind}>"


def _redacted(value: Any, path: str, is_secret: Callable[[str], bool]) -> Any:
    if path and is_secret(path):
        return _Hidden(value)
    if isinstance(value, Mapping):
        return {k: _redacted(v, f"{path}.{k}" if path else str(k), is_secret) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted(v, path, is_secret) for v in value]
    return value


def show_value(value: Any, path: str = "", is_secret: Callable[[str], bool] = is_secret_name,
               *, limit: int = 80, scalar: bool = False) -> str:
    """The one way a message shows a value: short, and a secret (by name or marking) as its type only.

    Nested secrets are hidden too (``{"password": <secret: a string>}``), so a whole block can be shown.
    With ``scalar`` (a rule naming a setting it expected to be a number or a word) an object or a list
    shows its type only: it is not what the rule read, and may hold anything.
    """
    if path and is_secret(path):
        return repr(_Hidden(value))
    if scalar and isinstance(value, (Mapping, list, tuple)):
        return f"<{kind_of(value)}>"
    shown = _redacted(value, path, is_secret)
    text = repr(shown)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextmanager
def paused_gc() -> Iterator[None]:
    """Cyclic GC off while a large, acyclic structure is built; the previous state is restored.

    Building 50,000 resources allocates millions of containers, and the collector would traverse the
    growing (cycle-free) heap over and over: at that size it costs about as much as the work itself.
    What was built is then promoted straight to the oldest generation (frozen and thawed at once), or the
    first collection after the pause would walk all of it as young objects; a permanent generation
    someone else froze is left alone, since thawing would thaw it too.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _read_only(value: Mapping[str, Any]) -> Mapping[str, Any]:
    # Shallow on purpose: a deep copy of 50,000 property trees would dominate a large scan.
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


def thaw(value: Any) -> Any:
    """Plain dicts and lists again, for JSON output and for user code that mutates."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    if isinstance(value, Unknown):
        return None
    return value


@dataclass(frozen=True)
class SourceLocation:
    """Where a resource came from: enough for a report to point a reader at it."""

    kind: str
    file: str | None = None
    path: str | None = None
    stack: str | None = None
    # The user's own line that declared the resource (the Python line that built a cdktf construct or
    # called a Pulumi resource's constructor), when the source knows it: where a report points a reader.
    origin_file: str | None = None
    origin_line: int | None = None

    def describe(self) -> str:
        parts = [p for p in (self.file, self.path) if p]
        return " :: ".join(parts) if parts else self.kind


@dataclass(frozen=True, eq=False, init=False)
class Resource:
    """One infrastructure resource in Terraform's vocabulary, whatever tool declared it."""

    type: str
    name: str
    address: str
    properties: Mapping[str, Any]
    source: SourceLocation = field(default_factory=lambda: SourceLocation("memory"))
    tags: Mapping[str, str] = field(default_factory=dict)
    secret_paths: frozenset[str] = frozenset()
    parent: str | None = None
    mode: str = "managed"

    def __init__(self, type: str, name: str, address: str, properties: Mapping[str, Any],
                 source: SourceLocation | None = None, tags: Mapping[str, str] | None = None,
                 secret_paths: frozenset[str] = frozenset(), parent: str | None = None,
                 mode: str = "managed") -> None:
        """Properties and tags read-only, each field set once: a source builds one resource per declaration
        (50,000 on a large plan), and a frozen dataclass's own ``__init__`` with a ``__post_init__`` sets
        two of them twice."""
        properties = _read_only(properties)
        setattr_ = object.__setattr__
        setattr_(self, "type", type)
        setattr_(self, "name", name)
        setattr_(self, "address", address)
        setattr_(self, "properties", properties)
        setattr_(self, "source", SourceLocation("memory") if source is None else source)
        setattr_(self, "tags", MappingProxyType(dict(tags)) if tags else _tags_of(properties))
        setattr_(self, "secret_paths", secret_paths)
        setattr_(self, "parent", parent)
        setattr_(self, "mode", mode)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resource):
            return NotImplemented
        return self.address == other.address and self.source == other.source

    def __hash__(self) -> int:
        # The address alone: equal resources share it, and a string caches its own hash (resources key
        # the partner indexes and the rules' memo, so this runs for nearly every judged pair).
        return hash(self.address)

    def __repr__(self) -> str:
        return f"Resource({self.address!r})"

    def get(self, key: str, default: Any = None) -> Any:
        """A top-level property; ``default`` when absent or null."""
        value = self.properties.get(key)
        return default if value is None else value

    def lookup(self, path: str, default: Any = None) -> Any:
        """A nested property by dotted path (``versioning.enabled``), walking through block lists."""
        current: Any = self.properties
        for part in path.split("."):
            if isinstance(current, Unknown):
                return current
            if isinstance(current, (list, tuple)):
                current = current[0] if current else None
            if not isinstance(current, Mapping):
                return default
            current = current.get(part)
            if current is None:
                return default
        return current

    def blocks(self, key: str) -> list[Mapping[str, Any]]:
        """Nested blocks under ``key`` as a list, whichever shape the source used.

        Raises ``UnreadableValue`` when any element is not a block; rules looking for a violation in
        any block read them one by one with ``read_blocks`` instead.
        """
        blocks, problems = self.read_blocks(key)
        if problems:
            raise UnreadableValue("; ".join(problems))
        return blocks

    def read_blocks(self, key: str) -> tuple[list[Mapping[str, Any]], list[str]]:
        """The readable blocks under ``key``, and a reason naming each element that is not a block."""
        return read_blocks(self.properties.get(key), key, self.address)

    def is_secret(self, path: str) -> bool:
        """Whether the value at ``path`` is secret: marked so by the source (Pulumi secret, Terraform
        sensitive value), inside such a value, holding one, or named like a secret."""
        return is_secret_name(path) or self.is_marked_secret(path)

    def is_marked_secret(self, path: str) -> bool:
        """Whether the source marked the value at ``path`` secret (a Pulumi secret, a Terraform sensitive
        value), or it lies inside or holds such a value; its name aside."""
        if not self.secret_paths:
            return False
        key = ".".join(_path_parts(path))
        return any(
            p == key or p.startswith(key + ".") or key.startswith(p + ".") or not key
            for p in self.secret_paths
        )

    def show_value(self, path: str, value: Any = None, *, scalar: bool = False) -> str:
        """A value of this resource for a message (the one at ``path`` by default), secret-safe."""
        shown = self.lookup(path) if value is None else value
        return show_value(shown, path, self.is_secret, scalar=scalar)

    def to_dict(self) -> dict[str, Any]:
        """The resource's properties as a plain dict, as synthesized JSON holds them."""
        result: dict[str, Any] = thaw(self.properties)
        return result


_NO_TAGS: Final[Mapping[str, str]] = MappingProxyType({})
# Types of configuration entries (``ResourceSet.configuration``), named as Terraform would if it could.
BACKEND = "terraform_backend"
"""``terraform { backend "s3" { ... } }``: name is the backend type, properties its arguments."""
PROVIDER = "provider"
"""A provider configuration block (Terraform) or explicit provider resource (Pulumi)."""
VARIABLE = "variable"
"""An input variable's declaration: ``default``, ``sensitive``, ``type``."""
PULUMI_PROJECT = "pulumi_project"
"""``Pulumi.yaml``: ``backend_url`` and the project's name."""
PULUMI_STACK = "pulumi_stack_settings"
"""``Pulumi.<stack>.yaml`` or an export's ``secrets_providers``: ``secrets_provider``, ``encrypted_key``,
``encryption_salt``, ``config`` (plain values, or ``{"secure": ...}`` ciphertext)."""
DOTENV = "dotenv_file"
"""A ``.env`` file: ``variables`` maps each name to whether it has a non-empty value (never the value)."""
WHOLE_SOURCE = "iac_source"
"""The source as a whole (``ResourceSet.whole_source()``): where a finding that names no one resource is
recorded, such as a foreign policy's result about the stack rather than a resource in it."""
CONFIG_TYPES: Final = frozenset({BACKEND, PROVIDER, VARIABLE, PULUMI_PROJECT, PULUMI_STACK, DOTENV, WHOLE_SOURCE})
"""Every configuration entry type: none is a resource any tool declares."""


def config_entry(
    type: str,
    name: str,
    address: str,
    properties: Mapping[str, Any],
    source: SourceLocation,
    secret_paths: frozenset[str] = frozenset(),
) -> Resource:
    return Resource(type=type, name=name, address=address, properties=properties, source=source,
                    secret_paths=secret_paths, mode="config")


def _tags_of(properties: Mapping[str, Any]) -> Mapping[str, str]:
    """A resource's tags as read-only text; one shared empty mapping for the many untagged resources."""
    tags = properties.get("tags_all") or properties.get("tags")
    if tags and (type(tags) is dict or isinstance(tags, Mapping)):
        return MappingProxyType({str(k): str(v) for k, v in tags.items() if v is not None})
    return _NO_TAGS


def parse_reference(expression: str) -> tuple[str, str | None] | None:
    """Split ``aws_s3_bucket.logs.id`` (or ``module.m.aws_x.y``) into (address, attribute)."""
    match = _REFERENCE.match(expression.strip())
    if not match:
        return None
    address = (f"{match['module']}{'data.' if match['data'] else ''}{match['type']}.{match['name']}"
               f"{match['index'] or ''}")
    return address, match["attribute"]


class ResourceSet(Sequence[Resource]):
    """Resources indexed by type and address, so a rule touches only the resources it reads.

    ``configuration`` holds what configures the stack rather than declares infrastructure (the state
    backend, provider blocks, variables, Pulumi stack settings, a ``.env`` file beside the sources), as
    ``Resource`` entries of ``mode="config"``. Rules reach them by type through ``of_type`` like any
    resource; they are not among the set's items, so counts and ``"*"`` rules see infrastructure only.
    """

    def __init__(self, resources: Iterable[Resource] = (), *, name: str | None = None,
                 metadata: Mapping[str, Any] | None = None, configuration: Iterable[Resource] | None = None) -> None:
        self._resources: list[Resource] = []
        self._by_type: dict[str, list[Resource]] = {}
        self._by_address: dict[str, Resource] = {}
        self._partner_indexes: dict[tuple[str, tuple[str, ...]], _PartnerIndex] = {}
        self._resolved: dict[str, Resource | None] = {}
        self._whole_source: Resource | None = None
        self.name = name
        self.metadata: Mapping[str, Any] = MappingProxyType(dict(metadata or {}))
        if configuration is None and isinstance(resources, ResourceSet):
            configuration = resources.configuration  # a set rebuilt from another keeps its settings
        self.configuration: tuple[Resource, ...] = tuple(configuration or ())
        for entry in self.configuration:
            self._by_type.setdefault(entry.type, []).append(entry)
        with paused_gc():
            for resource in resources:
                self._add(resource)

    def _add(self, resource: Resource) -> None:
        self._resources.append(resource)
        # Data sources share type names with resources (data.aws_s3_bucket): index them apart.
        key = resource.type if resource.mode == "managed" else f"data.{resource.type}"
        self._by_type.setdefault(key, []).append(resource)
        self._by_address.setdefault(resource.address, resource)
        if resource.address.startswith("urn:"):
            # Pulumi addresses are URNs; cross-references use the logical name too.
            self._by_address.setdefault(f"{resource.type}.{resource.name}", resource)

    def __getitem__(self, index: Any) -> Any:
        return self._resources[index]

    def __len__(self) -> int:
        return len(self._resources)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._resources)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, str):
            return item in self._by_address
        return isinstance(item, Resource) and self._by_address.get(item.address) is item

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"ResourceSet({label}{len(self)} resources)"

    @property
    def types(self) -> list[str]:
        return sorted(self._by_type)

    def of_type(self, *types: str) -> list[Resource]:
        """Resources of the given Terraform types, in source order per type."""
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        return [r for t in types for r in self._by_type.get(t, ())]

    def by_address(self, address: str) -> Resource | None:
        return self._by_address.get(address)

    def whole_source(self) -> Resource:
        """The entry standing for the source as a whole (type ``WHOLE_SOURCE``, address ``source:<name>``),
        one per set: a policy whose ``resource_types`` name ``WHOLE_SOURCE`` is asked about it too."""
        entry = self._whole_source
        if entry is None:
            origin = next((r.source for r in (*self._resources, *self.configuration) if r.source.file), None)
            file = origin.file if origin else None
            label = self.name or (file.replace("\\", "/").rsplit("/", 1)[-1] if file else "stack")
            kind = str(self.metadata.get("kind") or (origin.kind if origin else "memory"))
            address = f"source:{label}"
            entry = config_entry(WHOLE_SOURCE, label, address, {},
                                 SourceLocation(kind, file, address, origin.stack if origin else None))
            self._whole_source = entry
        return entry

    def get_resources(self, resource_type: str) -> list[dict[str, Any]]:
        """The property dicts of every resource of a type, as synthesized JSON holds them."""
        return [r.to_dict() for r in self._by_type.get(resource_type, ())]

    def resolve(self, value: object) -> Resource | None:
        """The resource a ``${type.name.attr}`` reference (or a bare address) points at, if any."""
        if isinstance(value, Resource):
            return value
        if not isinstance(value, str):
            return None
        # Partners of one resource name it in the same words (``${aws_s3_bucket.b.id}`` in its encryption,
        # versioning and access block): each expression is parsed once per set.
        try:
            return self._resolved[value]
        except KeyError:
            found = self._resolved[value] = self._resolve_text(value)
            return found

    def _resolve_text(self, value: str) -> Resource | None:
        match = _INTERPOLATION.fullmatch(value.strip())
        expression = match.group(1) if match else value
        reference = _REFERENCE.match(expression.strip())
        if reference is None:
            return None
        address = (f"{reference['module']}{'data.' if reference['data'] else ''}"
                   f"{reference['type']}.{reference['name']}")
        if reference["index"]:
            # Plan JSON addresses keep count/for_each keys: aws_vpc.main[0] is its own resource.
            indexed = self._by_address.get(address + reference["index"])
            if indexed is not None:
                return indexed
        return self._by_address.get(address)

    def forget_derived(self) -> None:
        """Drop the partner indexes and resolved references kept for lookups (rebuilt on the next one).

        On a large set they are hundreds of thousands of containers; once the rules have run, holding them
        to the end of the process only makes every later full collection walk them again.
        """
        self._partner_indexes.clear()
        self._resolved.clear()

    def find_related(self, resource_type: str, target: Resource, *keys: str,
                     match_on: Sequence[str] = ("id", "bucket", "name", "arn")) -> list[Resource]:
        """Resources of ``resource_type`` whose ``keys`` point at ``target`` by reference or literal.

        A bucket and its separate encryption resource, a key and its alias: the partner names the target
        either through an expression (cdktf, plain Terraform) or through the target's literal identifier
        (plan JSON, Pulumi), so both are tried. Each lookup is a dictionary hit on an index built
        once per (type, keys), so a rule called for every bucket stays linear in the set's size.
        """
        index = self._partner_index(resource_type, keys)
        # Several rules ask for the same partners (three security-group rules, each for a group's rule
        # resources): the answer is kept per target, on the index the set already holds.
        memo_key = (id(target), tuple(match_on))
        memo = index.related.get(memo_key)
        if memo is not None and memo[0] is target:
            return list(memo[1])
        found = list(index.by_target.get(target, ()))
        for attribute in match_on:
            value = target.properties.get(attribute)
            if value is None or is_unknown(value) or not isinstance(value, (str, int)):
                continue
            found.extend(index.by_literal.get(str(value), ()))
        if len(found) >= 2:
            unique = {id(r): r for r in found}
            found = sorted(unique.values(), key=lambda r: index.position[id(r)])
        index.related[memo_key] = (target, tuple(found))
        return found

    def unresolved_related(self, resource_type: str, *keys: str) -> list[Resource]:
        """Resources of ``resource_type`` whose ``keys`` are unknown and name nothing in this set.

        A cross-resource rule that finds no partner asks this before failing: a partner whose target
        is only known after apply might be the missing one, so the answer is "cannot evaluate".
        """
        return self._partner_index(resource_type, keys).unresolved

    def _partner_index(self, resource_type: str, keys: Sequence[str]) -> _PartnerIndex:
        cache_key = (resource_type, tuple(keys))
        index = self._partner_indexes.get(cache_key)
        if index is None:
            index = _PartnerIndex()
            for position, candidate in enumerate(self._by_type.get(resource_type, ())):
                index.position[id(candidate)] = position
                unresolved = False
                for key in keys:
                    value = candidate.properties.get(key)
                    if value is None:
                        continue
                    if isinstance(value, Unknown):
                        unresolved = True
                        continue
                    if not isinstance(value, (str, int)) or isinstance(value, bool):
                        continue
                    resolved = self.resolve(value) if isinstance(value, str) else None
                    if resolved is not None:
                        index.by_target.setdefault(resolved, []).append(candidate)
                    elif is_unknown(value):
                        unresolved = True
                    else:
                        index.by_literal.setdefault(str(value), []).append(candidate)
                if unresolved:
                    index.unresolved.append(candidate)
            self._partner_indexes[cache_key] = index
        return index


class _PartnerIndex:
    """Partners of one type by the resource or literal identifier their keys name."""

    __slots__ = ("by_literal", "by_target", "position", "related", "unresolved")

    def __init__(self) -> None:
        self.by_target: dict[Resource, list[Resource]] = {}
        # (id(target), match_on) -> (target, partners): the target is held, so its id is not reused.
        self.related: dict[tuple[int, tuple[str, ...]], tuple[Resource, tuple[Resource, ...]]] = {}
        self.by_literal: dict[str, list[Resource]] = {}
        self.position: dict[int, int] = {}
        self.unresolved: list[Resource] = []


@dataclass(frozen=True)
class Finding:
    """The result of one policy on one resource, in the form every report and exit decision reads."""

    policy_id: str
    severity: Severity
    status: FindingStatus
    address: str
    resource_type: str
    source_file: str | None
    message: str
    title: str = ""
    controls: tuple[str, ...] = ()
    checkov_ids: tuple[str, ...] = ()
    location: str | None = None
    waiver: str | None = None
    # The user's own line that declared the resource (see ``SourceLocation.origin_line``).
    origin_file: str | None = None
    origin_line: int | None = None

    def __hash__(self) -> int:
        # Fields that tell findings apart in practice, each a string caching its own hash: the reports drop
        # duplicates among hundreds of thousands of findings. Equality still compares every field.
        return hash((self.policy_id, self.address, self.message))

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The fields that have a default, with it: the base of ``from_fields``."""
        return dict(_FINDING_DEFAULTS)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Finding:
        """A finding from a dict of every field, which it takes over: the engine makes one per judged pair
        (hundreds of thousands on a large plan), and the frozen ``__init__`` sets each field one by one.
        A missing or unknown field is an error, as it is for the constructor."""
        if fields.keys() != _FINDING_FIELDS:
            missing, unknown = _FINDING_FIELDS - fields.keys(), fields.keys() - _FINDING_FIELDS
            raise TypeError(f"Finding fields: missing {sorted(missing)}, unknown {sorted(unknown)}")
        finding = object.__new__(cls)
        object.__setattr__(finding, "__dict__", fields)
        return finding

    def at_origin(self, file: str | None, line: int | None) -> Finding:
        """The same finding pointing at the user's own line: reports locate findings after they are judged."""
        fields = dict(vars(self))
        fields["origin_file"], fields["origin_line"] = file, line
        return Finding.from_fields(fields)

    @property
    def failed(self) -> bool:
        return self.status is FindingStatus.FAILED

    def violates(self, min_severity: Severity = Severity.WARNING) -> bool:
        """Failed or cannot evaluate, at or above ``min_severity``: what an assertion, a report's results and
        a policy suite's violations count. "Cannot evaluate" counts because unknown never passes."""
        return self.status in _VIOLATING and self.severity.rank >= min_severity.rank

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "title": self.title,
            "severity": self.severity.value,
            "status": self.status.value,
            "address": self.address,
            "resource_type": self.resource_type,
            "source_file": self.source_file,
            "location": self.location,
            "message": self.message,
            "controls": list(self.controls),
            "checkov_ids": list(self.checkov_ids),
            "waiver": self.waiver,
            "origin_file": self.origin_file,
            "origin_line": self.origin_line,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of ``to_dict``: a finding again after crossing a process boundary (pytest-xdist)."""
        return cls(
            policy_id=str(data["policy_id"]),
            severity=Severity(data["severity"]),
            status=FindingStatus(data["status"]),
            address=str(data["address"]),
            resource_type=str(data["resource_type"]),
            source_file=data.get("source_file"),
            message=str(data["message"]),
            title=str(data.get("title") or ""),
            controls=tuple(data.get("controls") or ()),
            checkov_ids=tuple(data.get("checkov_ids") or ()),
            location=data.get("location"),
            waiver=data.get("waiver"),
            origin_file=data.get("origin_file"),
            origin_line=data.get("origin_line"),
        )


_FINDING_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(Finding))
_FINDING_DEFAULTS: Final = MappingProxyType(
    {f.name: f.default for f in dataclasses.fields(Finding) if f.default is not dataclasses.MISSING}
)


class StandsForResources(Protocol):
    """An object that is not a ``ResourceSet`` but stands for one (see ``as_resource_set``)."""

    def __resource_set__(self) -> ResourceSet: ...


# What the assertion helpers and policy suites accept as "a stack".
Resources: TypeAlias = "ResourceSet | StandsForResources"


def as_resource_set(value: object) -> ResourceSet:
    """The resources behind anything the package hands out as a stack.

    A ``ResourceSet`` is itself; an object that stands for one (cdktf's ``Testing.synth`` result, which must
    stay a string for cdktf's own matchers) gives it through ``__resource_set__``. Anything else is refused
    here, with its type, rather than iterated as if it were resources.
    """
    if isinstance(value, ResourceSet):
        return value
    provider = getattr(type(value), "__resource_set__", None)
    if callable(provider):
        resources = provider(value)
        if isinstance(resources, ResourceSet):
            return resources
    raise TypeError(
        f"expected the resources of a stack (from load(), cdktf_synth, pulumi_mocks.run or Testing.synth), "
        f"got {type(value).__name__}"
    )
