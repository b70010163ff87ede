"""``pulumi stack export`` JSON (and the backend's checkpoint file) as a resource set, without Pulumi.

Each resource's outputs are its full state and its inputs what the program set; both are merged (inputs win
where they differ, as in a plan) under Terraform's names. Secrets carry Pulumi's signature: with
``--show-secrets`` the plaintext is read, otherwise the value stays ``[secret]``; either way the path is
flagged secret. Provider resources become metadata (their configuration), the stack resource gives the
stack outputs; neither is a policy target.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_iaccompliance.model import PROVIDER, PULUMI_STACK, Resource, ResourceSet, SourceLocation, config_entry
from pytest_iaccompliance.pulumi.decode import decode_json
from pytest_iaccompliance.pulumi.mapping import rename_path, terraform_properties, terraform_type

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["KIND_PULUMI_EXPORT", "load_document", "resources_from_deployment"]

KIND_PULUMI_EXPORT = "pulumi-export"
_STACK_TYPE = "pulumi:pulumi:Stack"
_PROVIDER_PREFIX = "pulumi:providers:"


def _deployment_of(document: Mapping[str, Any]) -> Any:
    """The deployment inside an export (``deployment``) or a checkpoint (``checkpoint.latest``);
    else None.
    """
    deployment = document.get("deployment")
    if deployment is not None and ("version" in document or isinstance(deployment, Mapping)):
        return deployment
    checkpoint = document.get("checkpoint")
    if isinstance(checkpoint, Mapping) and "latest" in checkpoint:
        return checkpoint["latest"]
    return None


def load_document(document: Mapping[str, Any], path: Path) -> list[Any] | None:
    from pytest_iaccompliance.sources import LoadedSource, SourceError, refuse_repeated_keys

    deployment = _deployment_of(document)
    if deployment is None:
        return None
    refuse_repeated_keys(document, path, "`pulumi stack export`")
    if not isinstance(deployment, Mapping):
        raise SourceError(
            path,
            f"`deployment` is {type(deployment).__name__}, expected an object "
            "(is this `pulumi stack export` output?)",
        )
    return [LoadedSource(path, KIND_PULUMI_EXPORT, resources_from_deployment(deployment, path))]


def _json_or_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _describe(value: Any) -> str:
    """What a malformed field holds, by type only: the text of a misplaced value may be a secret."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    return type(value).__name__


def _stack_of(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    stack = parts[0].rsplit(":", 1)[-1] if parts else ""
    project = parts[1] if len(parts) > 1 else ""
    return stack, project


def resources_from_deployment(deployment: Mapping[str, Any], path: Path) -> ResourceSet:
    """Resources of one deployment; raises ``SourceError`` naming the file and the resource at
    fault.
    """
    from pytest_iaccompliance.sources import SourceError

    entries = deployment.get("resources")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise SourceError(
            path, f"`deployment.resources` is {type(entries).__name__}, expected a list"
        )
    resources: list[Resource] = []
    configuration: list[Resource] = []
    providers: dict[str, list[dict[str, Any]]] = {}
    outputs: dict[str, Any] = {}
    secret_outputs: list[str] = []
    stack = project = ""
    for index, entry in enumerate(entries):
        where = f"deployment.resources[{index}]"
        if not isinstance(entry, Mapping):
            raise SourceError(path, f"`{where}` is {type(entry).__name__}, expected an object")
        urn, token = entry.get("urn"), entry.get("type")
        if not isinstance(urn, str) or not urn.startswith("urn:pulumi:") or urn.count("::") < 3:
            raise SourceError(
                path,
                f"`{where}` has no valid `urn` (expected urn:pulumi:<stack>::<project>::"
                f"<type>::<name>, found {_describe(urn)})",
            )
        if not isinstance(token, str) or not token:
            raise SourceError(path, f"`{where}` ({urn}) has no `type`")
        for key in ("inputs", "outputs"):
            if entry.get(key) is not None and not isinstance(entry[key], Mapping):
                raise SourceError(
                    path,
                    f"`{where}.{key}` ({urn}) is {type(entry[key]).__name__}, expected an object",
                )
        if entry.get("delete") or entry.get("pendingReplacement"):
            continue  # an old copy awaiting deletion is not part of the stack's current shape
        stack, project = _stack_of(urn)
        secrets: set[str] = set()
        inputs = decode_json(entry.get("inputs") or {}, "", secrets)
        state = decode_json(entry.get("outputs") or {}, "", secrets)
        if token == _STACK_TYPE:
            outputs = dict(state)
            secret_outputs = sorted({p.split(".", 1)[0] for p in secrets})
            continue
        if token.startswith(_PROVIDER_PREFIX):
            package = token[len(_PROVIDER_PREFIX) :]
            # Provider inputs carry object-valued settings (defaultTags) as JSON text.
            raw = {k: _json_or_text(v) for k, v in {**state, **inputs}.items()}
            config = terraform_properties(f"{package}:index:Provider", raw)
            provider_secrets = frozenset(rename_path(f"{package}:index:Provider", p) for p in secrets if p)
            configuration.append(config_entry(PROVIDER, package, urn, dict(config),
                                              SourceLocation(KIND_PULUMI_EXPORT, str(path), urn, stack),
                                              provider_secrets))
            config["urn"] = urn
            providers.setdefault(package, []).append(config)
            continue
        merged = {**state, **inputs}
        if entry.get("id"):
            merged["id"] = entry["id"]
        resources.append(
            Resource(
                type=terraform_type(token),
                name=urn.rsplit("::", 1)[-1],
                address=urn,
                properties=terraform_properties(token, merged),
                source=SourceLocation(KIND_PULUMI_EXPORT, str(path), urn, stack),
                secret_paths=frozenset(rename_path(token, p) for p in secrets if p),
                parent=entry.get("parent") if isinstance(entry.get("parent"), str) else None,
                mode="data" if entry.get("external") else "managed",
            )
        )
    manifest = deployment.get("manifest")
    metadata = {
        "kind": KIND_PULUMI_EXPORT,
        "project": project,
        "stack": stack,
        "providers": providers,
        "outputs": {k: ("[secret]" if k in secret_outputs else v) for k, v in outputs.items()},
        "secret_outputs": secret_outputs,
        "manifest": dict(manifest) if isinstance(manifest, Mapping) else {},
        "secrets_provider": (deployment.get("secrets_providers") or {}).get("type")
        if isinstance(deployment.get("secrets_providers"), Mapping)
        else None,
    }
    settings = stack_settings_of_export(deployment.get("secrets_providers"))
    if settings is not None:
        configuration.append(config_entry(PULUMI_STACK, stack or path.stem, f"{path.name}::secrets_providers",
                                          settings, SourceLocation(KIND_PULUMI_EXPORT, str(path),
                                                                   "deployment.secrets_providers", stack)))
    return ResourceSet(resources, name=stack or path.stem, metadata=metadata, configuration=configuration)


def stack_settings_of_export(providers: Any) -> dict[str, Any] | None:
    """An export's ``secrets_providers`` in the shape ``Pulumi.<stack>.yaml`` gives: the provider by its
    URL (``passphrase`` and ``service`` by name), and whether the data key is present (never the key)."""
    if not isinstance(providers, Mapping):
        return None
    kind = providers.get("type")
    found = providers.get("state")
    state: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    url = state.get("url") if kind == "cloud" else kind
    return {
        "secrets_provider": url if isinstance(url, str) else None,
        "encrypted_key": bool(state.get("encryptedkey") or state.get("encrypted_key")),
        "encryption_salt": bool(state.get("salt")),
    }
