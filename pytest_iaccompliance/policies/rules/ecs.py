"""ECS rules: containers run unprivileged and read-only, secrets come from a secret store, clusters are watched."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pytest_iaccompliance.model import Resource, Severity, Unknown, UnreadableValue, show_value
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    judge,
    non_compliant,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules._defaults import block_setting, flag_with_default, json_list
from pytest_iaccompliance.policies.values import as_bool, as_text, read_field

TASK_DEFINITION = ["aws_ecs_task_definition"]
# Environment variable names that announce a credential (``DB_PASSWORD``, ``API_KEY``, ``STRIPE_SECRET``).
SECRET_NAME = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth)", re.IGNORECASE
)


def _containers(resource: Resource) -> list[Mapping[str, Any]] | Result:
    try:
        containers = json_list(resource.get("container_definitions"), "container_definitions")
    except UnreadableValue as exc:
        return cannot_evaluate(f"{resource.address}: {exc.reason}")
    if isinstance(containers, Unknown):
        return cannot_evaluate(f"{resource.address}: {containers.reason}")
    return containers or []


def _each_container(
    resource: Resource, judge_one: Callable[[str, Mapping[str, Any]], tuple[list[str], list[str]]]
) -> Result:
    containers = _containers(resource)
    if not isinstance(containers, list):
        return containers
    if not containers:
        return not_applicable()
    problems: list[str] = []
    unknown: list[str] = []
    for index, container in enumerate(containers):
        raw = container.get("name")
        # Shown as the one way values are shown: an object where a name belongs is shown as its type only.
        name = show_value(raw, "container_definitions.name", scalar=True) if raw else f"#{index}"
        more, undecided = judge_one(name, container)
        problems.extend(more)
        unknown.extend(undecided)
    return judge(problems, unknown)


def _container_flag(
    resource: Resource, key: str, *, bad: bool, default: bool, failure: str
) -> Result:
    def one(name: str, container: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        try:
            value = as_bool(container.get(key), default=default)
        except UnreadableValue as exc:
            return [], [f"{resource.address}: {key} of {name} {exc.reason}"]
        if isinstance(value, Unknown):
            return [], [f"{resource.address}: {key} of {name} is not known before apply"]
        if value is bad:
            shown = "unset, and the ECS default is " + str(default).lower() if container.get(key) is None else (
                f"{key} = {str(value).lower()}"
            )
            return [f"{resource.address}: container {name} {failure} ({shown})"], []
        return [], []

    return _each_container(resource, one)


@policy(
    "AWS-ECS-001",
    title="ECS task definition runs no privileged container",
    severity=Severity.CRITICAL,
    resource_types=TASK_DEFINITION,
    remediation='Remove "privileged": true from the container definitions; grant the specific Linux capabilities '
    "the container needs instead.",
    checkov_ids=["CKV_AWS_334"],
    checkov_differences=[
        (
            "CKV_AWS_334",
            "stricter: Checkov reads container definitions only once parsed, never given as JSON text (their "
            "form in cdk.tf.json), and then a key \"privilege\" that ECS does not define; this rule reads "
            "\"privileged\" from JSON text and jsonencode output alike.",
        )
    ],
)
def not_privileged(resource: Resource, context: PolicyContext) -> Result:
    """A privileged container is root on the host: one compromised task owns every task beside it."""
    return _container_flag(resource, "privileged", bad=True, default=False, failure="runs privileged")


def _plaintext_secrets(resource: Resource) -> Callable[[str, Mapping[str, Any]], tuple[list[str], list[str]]]:
    def one(name: str, container: Mapping[str, Any]) -> tuple[list[str], list[str]]:
        problems: list[str] = []
        unknown: list[str] = []
        environment = container.get("environment")
        if environment is None:
            return [], []
        if not isinstance(environment, list):
            return [], [f"{resource.address}: environment of {name} is not a list"]
        for variable in environment:
            if not isinstance(variable, Mapping):
                unknown.append(f"{resource.address}: an environment entry of {name} is not an object")
                continue
            variable_name = variable.get("name")
            if not isinstance(variable_name, str):
                continue
            if SECRET_NAME.search(variable_name) and variable.get("value") not in (None, ""):
                # The value itself is never shown: naming the variable is enough to find it.
                problems.append(
                    f"{resource.address}: container {name} passes {variable_name} as a plaintext environment value"
                )
        return problems, unknown

    return one


@policy(
    "AWS-ECS-002",
    title="ECS task definition passes no secret as a plaintext environment variable",
    severity=Severity.CRITICAL,
    resource_types=TASK_DEFINITION,
    remediation='Move the value to Secrets Manager or SSM Parameter Store and reference it under "secrets" '
    '({"name": ..., "valueFrom": <ARN>}) instead of "environment".',
)
def no_plaintext_secrets(resource: Resource, context: PolicyContext) -> Result:
    """Environment values are stored in the task definition, shown in the console and logged by deployments."""
    return _each_container(resource, _plaintext_secrets(resource))


@policy(
    "AWS-ECS-003",
    title="ECS containers have a read-only root file system",
    severity=Severity.WARNING,
    resource_types=TASK_DEFINITION,
    remediation='Set "readonlyRootFilesystem": true on every container and mount volumes where it writes.',
    checkov_ids=["CKV_AWS_336"],
    checkov_differences=[
        (
            "CKV_AWS_336",
            "stricter: Checkov passes container definitions given as a JSON string (their form in cdk.tf.json) "
            "unread; this rule reads JSON text and jsonencode output alike.",
        )
    ],
)
def read_only_root(resource: Resource, context: PolicyContext) -> Result:
    """A writable root file system lets an intruder plant tools and persist across the container's life.

    Reads container definitions given as JSON text as well as ``jsonencode`` output.
    """
    return _container_flag(
        resource, "readonlyRootFilesystem", bad=False, default=False, failure="can write its root file system"
    )


@policy(
    "AWS-ECS-004",
    title="ECS task definition does not share the host's process namespace",
    severity=Severity.CRITICAL,
    resource_types=TASK_DEFINITION,
    remediation='Remove pid_mode = "host".',
    checkov_ids=["CKV_AWS_335"],
    checkov_differences=[
        (
            "CKV_AWS_335",
            "stricter: Checkov looks for pidMode inside each container definition, where ECS has no such "
            "parameter, so it never fails a task definition; this rule reads the task's pid_mode, where the "
            "namespace is set.",
        )
    ],
)
def no_host_pid(resource: Resource, context: PolicyContext) -> Result:
    """With the host's PID namespace a container sees, and may signal, every process on the instance."""
    mode = read_field("pid_mode", as_text, resource.get("pid_mode"))
    if isinstance(mode, Unknown):
        return cannot_evaluate(f"pid_mode of {resource.address} is not known before apply")
    if mode == "host":
        return non_compliant(f'{resource.address} shares the host\'s process namespace (pid_mode = "host")')
    return compliant()


@policy(
    "AWS-ECS-005",
    title="ECS cluster has Container Insights enabled",
    severity=Severity.WARNING,
    resource_types=["aws_ecs_cluster"],
    remediation='Add setting { name = "containerInsights", value = "enabled" } (or "enhanced").',
    checkov_ids=["CKV_AWS_65"],
)
def container_insights(resource: Resource, context: PolicyContext) -> Result:
    """Without task-level metrics a compromised or runaway task goes unnoticed."""
    settings, unknown = resource.read_blocks("setting")
    for setting in settings:
        try:
            name = as_text(setting.get("name"))
            value = as_text(setting.get("value"))
        except UnreadableValue as exc:
            unknown.append(f"setting of {resource.address} {exc.reason}")
            continue
        if name != "containerInsights":
            continue
        if isinstance(value, Unknown):
            unknown.append(f"containerInsights of {resource.address} is not known before apply")
        elif value in ("enabled", "enhanced"):
            return compliant()
    if unknown:
        return cannot_evaluate(*unknown)
    return non_compliant(f"{resource.address} has Container Insights off (no containerInsights setting enabled)")


@policy(
    "AWS-ECS-006",
    title="ECS service does not assign public IP addresses to its tasks",
    severity=Severity.WARNING,
    resource_types=["aws_ecs_service"],
    remediation="Set network_configuration.assign_public_ip = false and reach the internet through a NAT gateway.",
    checkov_ids=["CKV_AWS_333"],
)
def no_public_ip(resource: Resource, context: PolicyContext) -> Result:
    """A task with a public IP is reachable from the internet whenever its security group allows."""
    try:
        value = block_setting(resource, "network_configuration", "assign_public_ip")
    except UnreadableValue as exc:
        return cannot_evaluate(f"network_configuration of {resource.address}: {exc.reason}")
    return flag_with_default(
        resource,
        "network_configuration.assign_public_ip",
        False,
        default=False,
        failure="tasks get public IP addresses",
        value=value,
    )


POLICIES: tuple[Policy, ...] = (
    not_privileged,
    no_plaintext_secrets,
    read_only_root,
    no_host_pid,
    container_insights,
    no_public_ip,
)
