"""Terraform's JSON shapes: cdktf/cdktn synthesis, plain ``*.tf.json``, and ``terraform show -json``.

No Terraform binary is needed: each shape is recognized by its keys and read directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import UNKNOWN, Resource, ResourceSet, SourceLocation, Unknown

__all__ = ["KIND_CDKTF", "KIND_PLAN", "KIND_STATE", "KIND_TF_JSON", "load_document", "resources_from_config"]

KIND_CDKTF = "cdktf"
KIND_TF_JSON = "terraform-json"
KIND_PLAN = "terraform-plan"
KIND_STATE = "terraform-state"

# Meta-arguments are Terraform's, not the provider's: a rule never reads them as attributes.
_META_ARGUMENTS = frozenset(
    {"//", "count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
)
_CONFIG_KEYS = frozenset({"resource", "data", "provider", "terraform", "variable", "output", "locals", "module"})


def load_document(document: Mapping[str, Any], path: Path) -> list[Any] | None:
    from pytest_iaccompliance.sources import LoadedSource, SourceError

    if "planned_values" in document or "resource_changes" in document:
        return [LoadedSource(path, KIND_PLAN, _from_plan(document, path))]
    if "format_version" in document and "values" in document:
        return [LoadedSource(path, KIND_STATE, _from_state_values(document, path))]
    if "version" in document and isinstance(document.get("resources"), list) and "serial" in document:
        return [LoadedSource(path, KIND_STATE, _from_raw_state(document, path))]
    if _CONFIG_KEYS & set(document) and not set(document) - _CONFIG_KEYS - {"//"}:
        for key in ("resource", "data"):
            if key in document and not isinstance(document[key], Mapping):
                raise SourceError(path, f"`{key}` is {type(document[key]).__name__}, expected an object")
        kind = KIND_CDKTF if "//" in document or _has_cdktf_metadata(document) else KIND_TF_JSON
        return [LoadedSource(path, kind, resources_from_config(document, path, kind))]
    return None


def _has_cdktf_metadata(document: Mapping[str, Any]) -> bool:
    for blocks in (document.get("resource") or {}).values():
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


def resources_from_config(document: Mapping[str, Any], path: Path, kind: str = KIND_CDKTF) -> ResourceSet:
    """Resources of a Terraform JSON configuration (cdktf's synthesized form included)."""
    from pytest_iaccompliance.sources import SourceError

    stack = _stack_name(document, path)

    def build() -> Iterator[Resource]:
        for mode, key in (("managed", "resource"), ("data", "data")):
            for rtype, blocks in (document.get(key) or {}).items():
                if not isinstance(blocks, Mapping):
                    raise SourceError(path, f"`{key}.{rtype}` is {type(blocks).__name__}, expected an object")
                for name, body in blocks.items():
                    # Plain Terraform JSON allows a list of bodies; the last one wins, as in HCL merges.
                    if isinstance(body, list):
                        body = body[-1] if body else {}
                    if not isinstance(body, Mapping):
                        raise SourceError(
                            path, f"`{key}.{rtype}.{name}` is {type(body).__name__}, expected an object"
                        )
                    address = f"{rtype}.{name}" if mode == "managed" else f"data.{rtype}.{name}"
                    meta = body.get("//")
                    construct_path = None
                    if isinstance(meta, Mapping) and isinstance(meta.get("metadata"), Mapping):
                        found = meta["metadata"].get("path")
                        construct_path = found if isinstance(found, str) else None
                    properties = {k: v for k, v in body.items() if k not in _META_ARGUMENTS}
                    yield Resource(
                        type=rtype,
                        name=name,
                        address=address,
                        properties=properties,
                        source=SourceLocation(kind, str(path), construct_path or address, stack),
                        mode=mode,
                    )

    terraform = document.get("terraform") or {}
    metadata = {
        "kind": kind,
        "backend": terraform.get("backend") if isinstance(terraform, Mapping) else None,
        "required_providers": terraform.get("required_providers") if isinstance(terraform, Mapping) else None,
        "providers": document.get("provider") or {},
        "variables": document.get("variable") or {},
        "outputs": document.get("output") or {},
    }
    return ResourceSet(build(), name=stack, metadata=metadata)


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


def _walk_modules(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources") or ()
    for child in module.get("child_modules") or ():
        yield from _walk_modules(child)


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


def _plan_resource(raw: Mapping[str, Any], path: Path, kind: str, values: Any,
                   secrets: Any = None) -> Resource:
    from pytest_iaccompliance.sources import SourceError

    if not isinstance(raw, Mapping):
        raise SourceError(path, f"resource entry is {type(raw).__name__}, expected an object")
    try:
        address, rtype, name = raw["address"], raw["type"], raw["name"]
    except KeyError as exc:
        raise SourceError(path, f"resource entry without {exc.args[0]!r}: {str(dict(raw))[:120]}") from None
    if not all(isinstance(v, str) for v in (address, rtype, name)):
        raise SourceError(path, f"resource entry {str(dict(raw))[:120]}: address, type and name must be strings")
    if values is not None and not isinstance(values, Mapping):
        raise SourceError(path, f"{address}: `values` is {type(values).__name__}, expected an object")
    return Resource(
        type=rtype,
        name=name,
        address=address,
        properties=values or {},
        source=SourceLocation(kind, str(path), address),
        secret_paths=frozenset(_secret_paths(secrets)),
        mode=raw.get("mode", "managed"),
    )


def _from_plan(document: Mapping[str, Any], path: Path) -> ResourceSet:
    from pytest_iaccompliance.sources import SourceError

    unknown_by_address: dict[str, Any] = {}
    for change in document.get("resource_changes") or ():
        after_unknown = (change.get("change") or {}).get("after_unknown")
        if after_unknown:
            unknown_by_address[change.get("address")] = after_unknown
    references = _config_references(document.get("configuration") or {})
    root = (document.get("planned_values") or {}).get("root_module") or {}

    def build() -> Iterator[Resource]:
        for raw in _walk_modules(root):
            if not isinstance(raw, Mapping) or not isinstance(raw.get("values") or {}, Mapping):
                raise SourceError(path, f"{str(raw)[:80]}: a planned resource's `values` must be an object")
            values: Any = dict(raw.get("values") or {})
            if raw.get("address") in unknown_by_address:
                values = _mark_unknown(values, unknown_by_address[raw["address"]])
            for attribute, token in references.get(_strip_index(str(raw.get("address"))), {}).items():
                current = values.get(attribute)
                if current is None or isinstance(current, Unknown):
                    values[attribute] = _instance_token(token, raw.get("index"))
            yield _plan_resource(raw, path, KIND_PLAN, values, raw.get("sensitive_values"))

    config = document.get("configuration") or {}
    metadata = {
        "kind": KIND_PLAN,
        "backend": None,
        "providers": config.get("provider_config") or {},
        "terraform_version": document.get("terraform_version"),
    }
    return ResourceSet(build(), name=path.name, metadata=metadata)


def _from_state_values(document: Mapping[str, Any], path: Path) -> ResourceSet:
    root = (document.get("values") or {}).get("root_module") or {}
    resources = (
        _plan_resource(raw, path, KIND_STATE, raw.get("values"), raw.get("sensitive_values"))
        for raw in _walk_modules(root)
    )
    return ResourceSet(resources, name=path.name,
                       metadata={"kind": KIND_STATE, "terraform_version": document.get("terraform_version")})


def _from_raw_state(document: Mapping[str, Any], path: Path) -> ResourceSet:
    """A ``terraform.tfstate`` (version 4) file, as a backend stores it."""

    def build() -> Iterator[Resource]:
        for raw in document.get("resources") or ():
            module = f"{raw['module']}." if raw.get("module") else ""
            mode = raw.get("mode", "managed")
            base = f"{module}{'data.' if mode == 'data' else ''}{raw.get('type')}.{raw.get('name')}"
            for instance in raw.get("instances") or ():
                key = instance.get("index_key")
                suffix = "" if key is None else (f"[{key}]" if isinstance(key, int) else f'["{key}"]')
                entry = {"address": base + suffix, "type": raw.get("type"), "name": raw.get("name"),
                         "mode": mode}
                yield _plan_resource(entry, path, KIND_STATE, instance.get("attributes"),
                                     instance.get("sensitive_attributes"))

    return ResourceSet(build(), name=path.name,
                       metadata={"kind": KIND_STATE, "terraform_version": document.get("terraform_version")})
