"""Terraform's JSON shapes: cdktf/cdktn synthesis, plain ``*.tf.json``, and ``terraform show -json``.

No Terraform binary is needed: each shape is recognized by its keys and read directly.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pytest_iaccompliance.model import (
    IN_CODE_WAIVERS,
    ORIGIN_KEY,
    UNKNOWN,
    Resource,
    ResourceSet,
    SourceLocation,
    Unknown,
    paused_gc,
)

__all__ = ["KIND_CDKTF", "KIND_PLAN", "KIND_STATE", "KIND_TF_JSON", "load_document", "resources_from_config"]

KIND_CDKTF = "cdktf"
KIND_TF_JSON = "terraform-json"
KIND_PLAN = "terraform-plan"
KIND_STATE = "terraform-state"

# Meta-arguments are Terraform's, not the provider's: a rule never reads them as attributes.
_META_ARGUMENTS = frozenset(
    {"//", "count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
)
# Every top-level block type of Terraform's language; cdktf writes `moved` and `import` for moveTo/importFrom.
_CONFIG_KEYS = frozenset({"resource", "data", "provider", "terraform", "variable", "output", "locals", "module",
                          "moved", "import", "removed", "check", "ephemeral"})


def load_document(document: Mapping[str, Any], path: Path) -> list[Any] | None:
    from pytest_iaccompliance.sources import LoadedSource, refuse_repeated_keys

    if "planned_values" in document or "resource_changes" in document:
        refuse_repeated_keys(document, path, "a `terraform show -json` plan")
        return [LoadedSource(path, KIND_PLAN, _from_plan(document, path))]
    if "format_version" in document and "values" in document:
        refuse_repeated_keys(document, path, "a `terraform show -json` state")
        return [LoadedSource(path, KIND_STATE, _from_state_values(document, path))]
    if "version" in document and isinstance(document.get("resources"), list) and "serial" in document:
        refuse_repeated_keys(document, path, "a Terraform state file")
        return [LoadedSource(path, KIND_STATE, _from_raw_state(document, path))]
    if _CONFIG_KEYS & set(document) and not set(document) - _CONFIG_KEYS - {"//"}:
        kind = KIND_CDKTF if "//" in document or _has_cdktf_metadata(document) else KIND_TF_JSON
        return [LoadedSource(path, kind, resources_from_config(document, path, kind))]
    return None


def _pairs(value: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """Every (key, value) of an object as written, a repeated key's values included."""
    from pytest_iaccompliance.sources import KeptPairs

    return value.pairs if isinstance(value, KeptPairs) else value.items()


def _objects(value: Any, where: str, path: Path, *, null: bool = True) -> list[Mapping[str, Any]]:
    """Blocks as HCL's JSON syntax gives them: one object, a list of objects, or (if ``null``) null for none."""
    from pytest_iaccompliance.sources import SourceError

    if value is None and null:
        return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise SourceError(path, f"`{where}[{index}]` is {type(item).__name__}, expected an object")
        return value
    kind = "null" if value is None else type(value).__name__
    raise SourceError(path, f"`{where}` is {kind}, expected an object")


def _has_cdktf_metadata(document: Mapping[str, Any]) -> bool:
    resource = document.get("resource")
    if isinstance(resource, Mapping):
        for blocks in resource.values():
            if isinstance(blocks, Mapping):
                return any(isinstance(b, Mapping) and "//" in b for b in blocks.values())
    return False


def _stack_name(document: Mapping[str, Any], path: Path) -> str:
    meta = document.get("//")
    if isinstance(meta, Mapping) and isinstance(meta.get("metadata"), Mapping):
        stack = meta["metadata"].get("stackName")
        if isinstance(stack, str):
            return stack
    if path.name == "cdk.tf.json":
        return path.parent.name
    return path.name.removesuffix(".json").removesuffix(".tf")


def _declarations(document: Mapping[str, Any], key: str, path: Path) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(type, name, body) of every ``resource`` (or ``data``) block, as Terraform reads the JSON syntax.

    Repeated ``resource`` keys and lists of objects at any level merge; the same type and name declared
    twice (a repeated name, or a list of several bodies) is Terraform's "Duplicate resource" error, and an
    empty list declares nothing: both are errors here, so no body is ever dropped or chosen silently.
    """
    from pytest_iaccompliance.sources import has_repeated_keys

    sections = [section for section_key, section in _pairs(document) if section_key == key]
    if (len(sections) == 1 and isinstance(sections[0], dict) and not has_repeated_keys(document)
            and all(isinstance(names, dict) for names in sections[0].values())):
        # The usual shape: one object of objects, so each (type, name) is declared once by construction.
        for rtype, names in sections[0].items():
            for name, body in names.items():
                yield rtype, name, body if type(body) is dict and rtype and name else \
                    _only_body(body, key, rtype, name, path)
        return
    bodies: dict[tuple[str, str], list[Any]] = {}
    for section in sections:
        for block in _objects(section, key, path, null=False):
            for rtype, labelled in _pairs(block):
                for names in _objects(labelled, f"{key}.{rtype}", path, null=False):
                    for name, body in _pairs(names):
                        bodies.setdefault((rtype, name), []).append(body)
    for (rtype, name), found in bodies.items():
        if len(found) > 1:  # a repeated name, each perhaps itself a list: count every body
            found = [[item for body in found for item in (body if isinstance(body, list) else [body])]]
        yield rtype, name, _only_body(found[0], key, rtype, name, path)


def _only_body(body: Any, key: str, rtype: str, name: str, path: Path) -> Mapping[str, Any]:
    """The one body of a declaration; several (a list, or a repeated name) or none is an error."""
    from pytest_iaccompliance.sources import SourceError

    where = f"{key}.{rtype}.{name}"
    what = "resource" if key == "resource" else "data source"
    if not rtype or not name:
        raise SourceError(path, f"`{where}` has an empty {'type' if not rtype else 'name'}: Terraform needs both "
                                f"labels of a {what}")
    if isinstance(body, dict):
        return body
    if isinstance(body, list):
        if not body:
            raise SourceError(path, f"`{where}` is an empty list: no body to read, so Terraform declares no {what}")
        if len(body) > 1:
            raise SourceError(path, f"`{where}` is declared {len(body)} times; Terraform rejects a duplicate "
                                    f"{what} (names must be unique per type in a module)")
        body = body[0]
    if not isinstance(body, Mapping):
        raise SourceError(path, f"`{where}` is {type(body).__name__}, expected an object")
    return body


def _is_blocks(value: Any) -> bool:
    return isinstance(value, Mapping) or (isinstance(value, list) and all(isinstance(v, Mapping) for v in value))


def _merge_repeated(value: Any, where: str, path: Path) -> Any:
    """A body with repeated keys as Terraform reads it: a repeated block type adds its blocks, a repeated
    argument is Terraform's "Duplicate argument" error."""
    from pytest_iaccompliance.sources import KeptPairs, SourceError

    if isinstance(value, KeptPairs):
        grouped: dict[str, list[Any]] = {}
        for key, item in value.pairs:
            grouped.setdefault(key, []).append(item)
        merged: dict[str, Any] = {}
        for key, items in grouped.items():
            inner = f"{where}.{key}"
            if len(items) == 1:
                merged[key] = _merge_repeated(items[0], inner, path)
            elif all(_is_blocks(item) for item in items):
                merged[key] = [_merge_repeated(block, inner, path)
                               for item in items for block in (item if isinstance(item, list) else [item])]
            else:
                raise SourceError(path, f"`{where}` sets the argument `{key}` {len(items)} times; Terraform rejects "
                                        "a duplicate argument")
        return merged
    if isinstance(value, Mapping):
        return {key: _merge_repeated(item, f"{where}.{key}", path) for key, item in value.items()}
    if isinstance(value, list):
        return [_merge_repeated(item, f"{where}[{index}]", path) for index, item in enumerate(value)]
    return value


def _section(document: Mapping[str, Any], key: str, path: Path) -> Any:
    """A top-level section other than resources, its repeated keys merged (``provider`` configurations add up,
    any other repeated name is an error naming it)."""
    from pytest_iaccompliance.sources import KeptPairs, SourceError, has_repeated_keys

    if not has_repeated_keys(document):
        return document.get(key)
    values = [value for section_key, value in _pairs(document) if section_key == key]
    if len(values) <= 1 and not any(isinstance(v, KeptPairs) for v in values):
        return _merge_repeated(values[0], key, path) if values else None
    merged: dict[str, Any] = {}
    for value in values:
        for block in _objects(value, key, path):
            for name, item in _pairs(block):
                item = _merge_repeated(item, f"{key}.{name}", path)
                if key == "provider":
                    merged.setdefault(name, []).extend(item if isinstance(item, list) else [item])
                elif name in merged:
                    raise SourceError(path, f"`{key}.{name}` is given more than once")
                else:
                    merged[name] = item
    return merged


_ACCESSORS = r"(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\s*(?:\"[^\"]*\"|\d+)\s*\])*"
_ITERATOR_REFERENCE = r"^\$\{{\s*{name}\.(?P<part>key|value)(?P<path>" + _ACCESSORS + r")\s*\}}$"
_ACCESSOR = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*(?:\"([^\"]*)\"|(\d+))\s*\]")
_MISSING: Any = object()
_SCALARS = (str, int, float, type(None))


def _substitute(value: Any, reference: re.Pattern[str], key: Any, item: Any) -> Any:
    """Content of one dynamic block: ``${ITERATOR.key}``/``${ITERATOR.value...}`` replaced where a string is
    exactly such a reference and the value holds it; any other expression stays a ``${...}`` string, which
    rules read as not known before apply."""
    if isinstance(value, str):
        match = reference.match(value) if "${" in value else None
        if match is None:
            return value
        found = key if match["part"] == "key" else item
        for attribute, quoted, index in _ACCESSOR.findall(match["path"]):
            if index:
                found = found[int(index)] if isinstance(found, list) and int(index) < len(found) else _MISSING
            else:
                found = found.get(attribute or quoted, _MISSING) if isinstance(found, Mapping) else _MISSING
            if found is _MISSING:
                return value
        return found
    if isinstance(value, Mapping):
        return {k: _substitute(v, reference, key, item) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, reference, key, item) for v in value]
    return value


def _dynamic_blocks(spec: Any, block_type: str, where: str, path: Path) -> list[Any] | Unknown:
    """The blocks one ``dynamic`` block stands for, or ``Unknown`` when ``for_each`` is not a literal."""
    from pytest_iaccompliance.sources import SourceError

    if not isinstance(spec, Mapping):
        raise SourceError(path, f"`{where}` is {type(spec).__name__}, expected an object")
    content, iterator, for_each = spec.get("content"), spec.get("iterator") or block_type, spec.get("for_each")
    if not isinstance(content, Mapping):
        raise SourceError(path, f"`{where}` has no `content` object")
    if not isinstance(iterator, str):
        raise SourceError(path, f"`{where}.iterator` is {type(iterator).__name__}, expected a name")
    if isinstance(for_each, Mapping):
        items: list[tuple[Any, Any]] = list(for_each.items())
    elif isinstance(for_each, list):
        items = list(enumerate(for_each))
    elif isinstance(for_each, str):
        return Unknown(f"`{where}` repeats over an expression known only when Terraform runs")
    else:
        raise SourceError(path, f"`{where}.for_each` is {type(for_each).__name__}, expected a list, a map or "
                                "an expression")
    reference = re.compile(_ITERATOR_REFERENCE.format(name=re.escape(iterator)))
    return [_expand_dynamic(_substitute(content, reference, key, item), f"{where}[{index}]", path)
            for index, (key, item) in enumerate(items)]


def _holds_dynamic(body: Mapping[str, Any]) -> bool:
    """Whether a body has a ``dynamic`` block at any depth: a tight walk, as every body of a stack is asked."""
    pending = [body]
    while pending:
        current = pending.pop()
        if "dynamic" in current:
            return True
        for value in current.values():
            kind = type(value)
            if kind is dict:
                pending.append(value)
            elif kind is list:
                for item in value:
                    if type(item) is dict or (not isinstance(item, _SCALARS) and isinstance(item, Mapping)):
                        pending.append(item)
            elif not isinstance(value, _SCALARS) and isinstance(value, Mapping):
                pending.append(value)
    return False


def _expand_dynamic(body: Mapping[str, Any], where: str, path: Path) -> Mapping[str, Any]:
    """A body with its ``dynamic`` blocks (at any depth) turned into the blocks they stand for.

    A ``for_each`` over a literal list or map is expanded; any other makes the block type ``Unknown`` (or
    adds an ``Unknown`` beside the blocks that are known), so a rule answers "cannot evaluate", never
    "compliant" about blocks it did not see. Returns ``body`` itself when it holds no dynamic block.
    """
    changed: dict[str, Any] | None = None
    for key, value in body.items():
        if isinstance(value, _SCALARS) or key in ("dynamic", "//"):
            continue
        if isinstance(value, Mapping):
            expanded: Any = _expand_dynamic(value, f"{where}.{key}", path)
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            expanded = [_expand_dynamic(v, f"{where}.{key}[{i}]", path) if isinstance(v, Mapping) else v
                        for i, v in enumerate(value)]
            if all(new is old for new, old in zip(expanded, value, strict=True)):
                continue
        else:
            continue
        if expanded is not value:
            changed = dict(body) if changed is None else changed
            changed[key] = expanded
    if "dynamic" not in body:
        return body if changed is None else changed
    changed = dict(body) if changed is None else changed
    dynamic = changed.pop("dynamic")
    expansions: dict[str, tuple[list[Any], list[Unknown]]] = {}
    for holder in _objects(dynamic, f"{where}.dynamic", path):
        for block_type, specs in _pairs(holder):
            known, unknown = expansions.setdefault(block_type, ([], []))
            for index, spec in enumerate(specs if isinstance(specs, list) else [specs]):
                label = f"{where}.dynamic.{block_type}" + (f"[{index}]" if isinstance(specs, list) else "")
                blocks = _dynamic_blocks(spec, block_type, label, path)
                if isinstance(blocks, Unknown):
                    unknown.append(blocks)
                else:
                    known.extend(blocks)
    for block_type, (known, unknown) in expansions.items():
        static = changed.get(block_type)
        if isinstance(static, Unknown):
            unknown.insert(0, static)
            static = None
        blocks = [*(_objects(static, f"{where}.{block_type}", path)), *known]
        if unknown and not blocks:
            changed[block_type] = unknown[0]
        else:
            changed[block_type] = blocks + unknown[:1]
    return changed


def _origin(recorded: object, path: Path) -> tuple[str | None, int | None]:
    """The Python file and line recorded on a synthesized resource (``cdktf.origins``); a relative file is
    relative to the folder holding ``cdktf.out`` (``cdktf.out/stacks/NAME/cdk.tf.json``), else to the file's
    folder. A malformed record is ignored: it only says where to point, never what is compliant."""
    if not isinstance(recorded, Mapping):
        return None, None
    file, line = recorded.get("file"), recorded.get("line")
    if not isinstance(file, str) or not file or type(line) is not int or line < 1:
        return None, None
    if not os.path.isabs(file):
        stacks = path.parent.parent
        base = stacks.parent.parent if stacks.name == "stacks" else path.parent
        file = os.path.normpath(os.path.join(base, file))
    return file, line


def resources_from_config(document: Mapping[str, Any], path: Path, kind: str = KIND_CDKTF) -> ResourceSet:
    """Resources of a Terraform JSON configuration (cdktf's synthesized form included)."""
    from pytest_iaccompliance.sources import has_repeated_keys, may_hold_dynamic_blocks

    stack = _stack_name(document, path)
    repeated = has_repeated_keys(document)
    dynamic = may_hold_dynamic_blocks(document)
    file = str(path)
    waivers: dict[str, Any] = {}

    def build() -> Iterator[Resource]:
        for mode, key in (("managed", "resource"), ("data", "data")):
            for rtype, name, body in _declarations(document, key, path):
                address = f"{rtype}.{name}" if mode == "managed" else f"data.{rtype}.{name}"
                if repeated:
                    body = _merge_repeated(body, f"{key}.{rtype}.{name}", path)
                if dynamic and _holds_dynamic(body):
                    body = _expand_dynamic(body, f"{key}.{rtype}.{name}", path)
                meta = body.get("//")
                construct_path = None
                origin: tuple[str | None, int | None] = (None, None)
                # A JSON object: ``type(...) is dict`` answers for nearly all without the slower Mapping check.
                if meta is not None and (type(meta) is dict or isinstance(meta, Mapping)):
                    if IN_CODE_WAIVERS in meta:
                        waivers[address] = meta[IN_CODE_WAIVERS]
                    found = meta.get("metadata")
                    if type(found) is dict or (found is not None and isinstance(found, Mapping)):
                        path_value = found.get("path")
                        construct_path = path_value if isinstance(path_value, str) else None
                    if ORIGIN_KEY in meta:
                        origin = _origin(meta[ORIGIN_KEY], path)
                # A fresh dict no one else holds: read-only as it is, without the copy Resource makes of
                # properties it is handed.
                properties = dict(body)
                for argument in _META_ARGUMENTS.intersection(body):
                    del properties[argument]
                yield Resource(
                    type=rtype,
                    name=name,
                    address=address,
                    properties=MappingProxyType(properties),
                    source=SourceLocation(kind, file, construct_path or address, stack, *origin),
                    mode=mode,
                )

    from pytest_iaccompliance.sources.configuration import terraform_configuration

    with paused_gc():  # as ResourceSet builds: the waivers are known once every resource is read
        resources = list(build())
    terraform = _section(document, "terraform", path) or {}
    metadata = {
        "kind": kind,
        "backend": terraform.get("backend") if isinstance(terraform, Mapping) else None,
        "required_providers": terraform.get("required_providers") if isinstance(terraform, Mapping) else None,
        "providers": _section(document, "provider", path) or {},
        "variables": _section(document, "variable", path) or {},
        "outputs": _section(document, "output", path) or {},
    }
    if waivers:
        metadata[IN_CODE_WAIVERS] = waivers
    configuration = terraform_configuration(metadata["backend"], metadata["providers"], metadata["variables"],
                                            kind, file, stack)
    return ResourceSet(resources, name=stack, metadata=metadata, configuration=configuration)


def _mark_unknown(values: Any, unknown: Any) -> Any:
    """Replace attributes that ``after_unknown`` flags with ``UNKNOWN``, recursively."""
    if unknown is True:
        return UNKNOWN
    if isinstance(unknown, Mapping) and isinstance(values, Mapping | type(None)):
        merged = dict(values or {})
        for key, flag in unknown.items():
            if flag is True or (flag and key not in merged):
                merged[key] = UNKNOWN if flag is True else _mark_unknown(None, flag)
            elif flag:
                merged[key] = _mark_unknown(merged[key], flag)
        return merged
    if isinstance(unknown, list) and isinstance(values, list):
        return [_mark_unknown(v, u) for v, u in zip(values, unknown, strict=False)] + values[len(unknown):]
    return values


def _secret_paths(sensitive: Any, prefix: str = "") -> Iterator[str]:
    if sensitive is True and prefix:
        yield prefix
    elif isinstance(sensitive, Mapping):
        for key, flag in sensitive.items():
            yield from _secret_paths(flag, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(sensitive, list):
        for flag in sensitive:
            yield from _secret_paths(flag, prefix)


def _state_secret_paths(sensitive: Any) -> Iterator[str]:
    """A ``terraform.tfstate`` instance's ``sensitive_attributes`` as dotted paths.

    Each entry is a path of steps (``{"type": "get_attr", "value": "password"}``, ``{"type": "index",
    "value": {"value": 0, "type": "number"}}``); list positions are left out, as ``_secret_paths`` does.
    """
    for steps in sensitive if isinstance(sensitive, list) else ():
        parts: list[str] = []
        for step in [steps] if isinstance(steps, Mapping) else steps if isinstance(steps, list) else ():
            value = step.get("value") if isinstance(step, Mapping) else None
            if isinstance(value, Mapping):
                value = value.get("value")
            if isinstance(value, str):
                parts.append(value)
        if parts:
            yield ".".join(parts)


def _walk_modules(module: Any, where: str, path: Path) -> Iterator[tuple[str, Any]]:
    """(position, entry) of every resource of a module and its children, for errors that name an entry."""
    from pytest_iaccompliance.sources import SourceError

    if not isinstance(module, Mapping):
        raise SourceError(path, f"`{where}` is {type(module).__name__}, expected an object")
    for key in ("resources", "child_modules"):
        if not isinstance(module.get(key) or [], list):
            raise SourceError(path, f"`{where}.{key}` is {type(module[key]).__name__}, expected a list")
    for index, raw in enumerate(module.get("resources") or ()):
        yield f"{where}.resources[{index}]", raw
    for index, child in enumerate(module.get("child_modules") or ()):
        yield from _walk_modules(child, f"{where}.child_modules[{index}]", path)


def _root_module(document: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
    """``planned_values.root_module`` (or ``values.root_module``): a document without it is not read as empty."""
    from pytest_iaccompliance.sources import SourceError

    if key not in document:
        raise SourceError(path, f"has no `{key}`, so no resource can be read from it (is it the output of "
                                f"`terraform show -json`{' PLANFILE' if key == 'planned_values' else ''}?)")
    section = document[key]
    if section is None:
        raise SourceError(path, f"`{key}` is null, so no resource can be read from it")
    if not isinstance(section, Mapping):
        raise SourceError(path, f"`{key}` is {type(section).__name__}, expected an object")
    root = section.get("root_module")
    if root is None:
        raise SourceError(path, f"`{key}` has no `root_module`, so no resource can be read from it")
    if not isinstance(root, Mapping):
        raise SourceError(path, f"`{key}.root_module` is {type(root).__name__}, expected an object")
    return root


def _config_references(configuration: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """For each configured resource, the first resource each attribute expression references.

    Plan values of computed references are unknown; the configuration still says which resource they
    point at, which is what cross-resource rules need (a bucket and its encryption configuration).
    """
    references: dict[str, dict[str, str]] = {}

    def visit(module: Mapping[str, Any], prefix: str) -> None:
        for resource in module.get("resources") or ():
            address = f"{prefix}{resource.get('address')}"
            for attribute, expression in (resource.get("expressions") or {}).items():
                refs = expression.get("references") if isinstance(expression, Mapping) else None
                if refs:
                    target = next((r for r in refs if r.count(".") >= 2), refs[0])
                    references.setdefault(address, {})[attribute] = f"${{{prefix}{target}}}"
        for name, call in (module.get("module_calls") or {}).items():
            child = call.get("module") if isinstance(call, Mapping) else None
            if isinstance(child, Mapping):
                visit(child, f"{prefix}module.{name}.")

    root = configuration.get("root_module")
    if isinstance(root, Mapping):
        visit(root, "")
    return references


def _instance_token(token: str, index: Any) -> str:
    """``aws_x.y[each.key]`` seen from the instance ``"eu"`` is ``aws_x.y["eu"]``."""
    if index is None:
        return token
    literal = json.dumps(index) if isinstance(index, str) else str(index)
    return token.replace("[each.key]", f"[{literal}]").replace("[count.index]", f"[{literal}]")


def _strip_index(address: str) -> str:
    # module.m["a"].aws_x.y[0] -> module.m.aws_x.y : the configuration's address for an instance.
    out, depth = [], 0
    for char in address:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _plan_resource(raw: Any, where: str, path: Path, kind: str, values: Any, secrets: Iterable[str] = ()) -> Resource:
    """One resource entry; errors name the entry by position and type, never by its values (secrets)."""
    from pytest_iaccompliance.sources import SourceError

    if not isinstance(raw, Mapping):
        raise SourceError(path, f"`{where}` is {type(raw).__name__}, expected an object")
    rtype = raw.get("type")
    label = f"`{where}` ({rtype})" if isinstance(rtype, str) and rtype else f"`{where}`"
    for key in ("address", "type", "name"):
        value = raw.get(key)
        if value is None:
            raise SourceError(path, f"{label} has no `{key}`")
        if not isinstance(value, str):
            raise SourceError(path, f"{label} `{key}` is {type(value).__name__}, expected a string")
        if not value:
            raise SourceError(path, f"{label} has an empty `{key}`")
    if values is not None and not isinstance(values, Mapping):
        raise SourceError(path, f"`{where}.values` is {type(values).__name__}, expected an object")
    return Resource(
        type=raw["type"],
        name=raw["name"],
        address=raw["address"],
        properties=values or {},
        source=SourceLocation(kind, str(path), raw["address"]),
        secret_paths=frozenset(secrets),
        mode=raw.get("mode", "managed"),
    )


def _from_plan(document: Mapping[str, Any], path: Path) -> ResourceSet:
    from pytest_iaccompliance.sources import SourceError

    changes = document.get("resource_changes") or []
    if not isinstance(changes, list):
        raise SourceError(path, f"`resource_changes` is {type(changes).__name__}, expected a list")
    unknown_by_address: dict[Any, Any] = {}
    secrets_by_address: dict[Any, list[str]] = {}
    for index, entry in enumerate(changes):
        change = entry.get("change") if isinstance(entry, Mapping) else None
        if not isinstance(change, Mapping):
            raise SourceError(path, f"`resource_changes[{index}]` has no `change` object")
        address = entry.get("address")
        if change.get("after_unknown"):
            unknown_by_address[address] = change["after_unknown"]
        for key in ("after_sensitive", "before_sensitive"):
            secrets_by_address.setdefault(address, []).extend(_secret_paths(change.get(key)))
    references = _config_references(document.get("configuration") or {})
    root = _root_module(document, "planned_values", path)

    def build() -> Iterator[Resource]:
        for where, raw in _walk_modules(root, "planned_values.root_module", path):
            if not isinstance(raw, Mapping):
                raise SourceError(path, f"`{where}` is {type(raw).__name__}, expected an object")
            values: Any = raw.get("values")
            if not isinstance(values or {}, Mapping):
                raise SourceError(path, f"`{where}.values` is {type(values).__name__}, expected an object")
            values = dict(values or {})
            address = raw.get("address")
            if address in unknown_by_address:
                values = _mark_unknown(values, unknown_by_address[address])
            for attribute, token in references.get(_strip_index(str(address)), {}).items():
                current = values.get(attribute)
                if current is None or isinstance(current, Unknown):
                    values[attribute] = _instance_token(token, raw.get("index"))
            secrets = [*_secret_paths(raw.get("sensitive_values")), *secrets_by_address.get(address, ())]
            yield _plan_resource(raw, where, path, KIND_PLAN, values, secrets)

    from pytest_iaccompliance.sources.configuration import constant_attributes, plan_configuration

    config = document.get("configuration") or {}
    metadata = {
        "kind": KIND_PLAN,
        "backend": None,
        "providers": config.get("provider_config") or {},
        "terraform_version": document.get("terraform_version"),
        # Which attributes the configuration wrote as literals, by address without instance keys.
        "constant_attributes": constant_attributes(config),
    }
    return ResourceSet(build(), name=path.name, metadata=metadata,
                       configuration=plan_configuration(config, KIND_PLAN, str(path)))


def _from_state_values(document: Mapping[str, Any], path: Path) -> ResourceSet:
    root = _root_module(document, "values", path)
    resources = (
        _plan_resource(raw, where, path, KIND_STATE, raw.get("values") if isinstance(raw, Mapping) else None,
                       _secret_paths(raw.get("sensitive_values")) if isinstance(raw, Mapping) else ())
        for where, raw in _walk_modules(root, "values.root_module", path)
    )
    return ResourceSet(resources, name=path.name,
                       metadata={"kind": KIND_STATE, "terraform_version": document.get("terraform_version")})


def _from_raw_state(document: Mapping[str, Any], path: Path) -> ResourceSet:
    """A ``terraform.tfstate`` (version 4) file, as a backend stores it."""
    from pytest_iaccompliance.sources import SourceError

    def build() -> Iterator[Resource]:
        for index, raw in enumerate(document.get("resources") or ()):
            where = f"resources[{index}]"
            if not isinstance(raw, Mapping):
                raise SourceError(path, f"`{where}` is {type(raw).__name__}, expected an object")
            module = f"{raw['module']}." if raw.get("module") else ""
            mode = raw.get("mode", "managed")
            base = f"{module}{'data.' if mode == 'data' else ''}{raw.get('type')}.{raw.get('name')}"
            instances = raw.get("instances") or []
            if not isinstance(instances, list):
                raise SourceError(path, f"`{where}.instances` is {type(instances).__name__}, expected a list")
            for position, instance in enumerate(instances):
                inner = f"{where}.instances[{position}]"
                if not isinstance(instance, Mapping):
                    raise SourceError(path, f"`{inner}` is {type(instance).__name__}, expected an object")
                key = instance.get("index_key")
                suffix = "" if key is None else (f"[{key}]" if isinstance(key, int) else f'["{key}"]')
                entry = {"address": base + suffix, "type": raw.get("type"), "name": raw.get("name"),
                         "mode": mode}
                attributes = instance.get("attributes")
                if attributes is not None and not isinstance(attributes, Mapping):
                    raise SourceError(path, f"`{inner}.attributes` is {type(attributes).__name__}, "
                                            "expected an object")
                yield _plan_resource(entry, where, path, KIND_STATE, attributes,
                                     _state_secret_paths(instance.get("sensitive_attributes")))

    return ResourceSet(build(), name=path.name,
                       metadata={"kind": KIND_STATE, "terraform_version": document.get("terraform_version")})
