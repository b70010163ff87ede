"""What configures a stack rather than declares infrastructure, as entries rules can read.

The state backend, provider blocks, variables, Pulumi stack settings and ``.env`` files carry no
resource address, yet they hold credentials and decide where state (with every secret in it) is
stored. Each becomes a ``Resource`` of ``mode="config"`` with a Terraform-style type named here, kept
in ``ResourceSet.configuration``: policies select them by type as they select resources.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pytest_iaccompliance.model import (
    BACKEND,
    DOTENV,
    PROVIDER,
    PULUMI_PROJECT,
    PULUMI_STACK,
    UNKNOWN,
    VARIABLE,
    Resource,
    SourceLocation,
    config_entry,
)

__all__ = [
    "BACKEND",
    "DOTENV",
    "PROVIDER",
    "PULUMI_PROJECT",
    "PULUMI_STACK",
    "VARIABLE",
    "config_entry",
    "plan_configuration",
    "terraform_configuration",
]

def _blocks(value: Any) -> list[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Mapping)]
    return []


def terraform_configuration(
    backend: Any, providers: Any, variables: Any, kind: str, file: str, stack: str
) -> Iterator[Resource]:
    """Entries of a Terraform JSON configuration's ``terraform.backend``, ``provider`` and ``variable``."""
    for block in _blocks(backend):
        for backend_type, body in block.items():
            yield config_entry(BACKEND, str(backend_type), f"terraform.backend.{backend_type}",
                               body if isinstance(body, Mapping) else {},
                               SourceLocation(kind, file, f"terraform.backend.{backend_type}", stack))
    if isinstance(providers, Mapping):
        for provider_name, configs in providers.items():
            for config in _blocks(configs):
                alias = config.get("alias")
                address = f"provider.{provider_name}" + (f".{alias}" if isinstance(alias, str) and alias else "")
                yield config_entry(PROVIDER, str(provider_name), address, config,
                                   SourceLocation(kind, file, address, stack))
    if isinstance(variables, Mapping):
        for variable_name, declaration in variables.items():
            address = f"var.{variable_name}"
            yield config_entry(VARIABLE, str(variable_name), address,
                               declaration if isinstance(declaration, Mapping) else {},
                               SourceLocation(kind, file, address, stack))


def _expression_value(expression: Any) -> Any:
    """A plan's configuration expression as a value: the literal, or a ``${reference}`` token."""
    if not isinstance(expression, Mapping):
        return UNKNOWN
    if "constant_value" in expression:
        return expression["constant_value"]
    references = expression.get("references")
    if isinstance(references, list) and references:
        return "${" + str(references[0]) + "}"
    return UNKNOWN


def plan_configuration(configuration: Any, kind: str, file: str) -> Iterator[Resource]:
    """Entries of a plan's ``configuration``: provider configurations and root variable declarations."""
    if not isinstance(configuration, Mapping):
        return
    providers = configuration.get("provider_config")
    if isinstance(providers, Mapping):
        for key, config in providers.items():
            if not isinstance(config, Mapping):
                continue
            expressions = config.get("expressions")
            properties = {name: _expression_value(expression) for name, expression in
                          (expressions.items() if isinstance(expressions, Mapping) else ())}
            name = str(config.get("name") or key)
            address = f"provider.{key}".replace(":", ".")
            yield config_entry(PROVIDER, name, address, properties, SourceLocation(kind, file, address))
    root = configuration.get("root_module")
    variables = root.get("variables") if isinstance(root, Mapping) else None
    if isinstance(variables, Mapping):
        for variable_name, declaration in variables.items():
            address = f"var.{variable_name}"
            yield config_entry(VARIABLE, str(variable_name), address,
                               declaration if isinstance(declaration, Mapping) else {},
                               SourceLocation(kind, file, address))


def constant_attributes(configuration: Any) -> dict[str, frozenset[str]]:
    """For each configured resource (address without instance keys), the attributes written as literals.

    A plan's planned values are resolved: a password read from a variable and one typed into the code
    look the same there. The configuration's ``constant_value`` tells them apart.
    """
    found: dict[str, frozenset[str]] = {}

    def visit(module: Any, prefix: str) -> None:
        if not isinstance(module, Mapping):
            return
        for resource in module.get("resources") or ():
            if not isinstance(resource, Mapping):
                continue
            expressions = resource.get("expressions")
            if isinstance(expressions, Mapping):
                constants = frozenset(k for k, e in expressions.items()
                                      if isinstance(e, Mapping) and "constant_value" in e)
                if constants:
                    found[f"{prefix}{resource.get('address')}"] = constants
        calls = module.get("module_calls")
        for call_name, call in (calls.items() if isinstance(calls, Mapping) else ()):
            if isinstance(call, Mapping):
                visit(call.get("module"), f"{prefix}module.{call_name}.")

    if isinstance(configuration, Mapping):
        visit(configuration.get("root_module"), "")
    return found
