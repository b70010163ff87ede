"""A small project as a Checkov user has it: a custom Python check in its own folder, a cdktf synthesis and a
Terraform plan, each holding a bucket the custom check passes and one it fails."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# A custom check as teams write them for Checkov (https://www.checkov.io/3.Custom%20Policies/Python%20Custom%20Policies.html).
CUSTOM_CHECK = '''
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class BucketNamedAcme(BaseResourceCheck):
    def __init__(self):
        super().__init__(name="S3 bucket names start with acme-", id="CKV_ACME_1",
                         categories=(CheckCategories.CONVENTION,), supported_resources=("aws_s3_bucket",))

    def scan_resource_conf(self, conf):
        name = conf.get("bucket", [""])[0]
        return CheckResult.PASSED if str(name).startswith("acme-") else CheckResult.FAILED


check = BucketNamedAcme()
'''

BROKEN_CHECK = '''
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

class Broken(BaseResourceCheck)
    pass
'''

# Only these run, so the output stays readable: the custom check, a graph check our AWS-S3-004 declares
# (versioning), a Python check AWS-S3-001 declares with a documented difference (encryption), and a check no
# built-in rule covers (cross-region replication).
CHECKS = "CKV_ACME_* CKV_AWS_21 CKV_AWS_19 CKV_AWS_144"


def ini(*, severity: str = "CKV_ACME_* = critical", extra: str = "", folder: str = "checks") -> str:
    lines = ["[pytest]", "iac_checkov = true", f"iac_checkov_checks = {CHECKS}",
             f"iac_checkov_external_checks_dir = {folder}", "iac_checkov_severity =", f"    {severity}"]
    return "\n".join(lines) + "\n" + extra


def cdktf_stack(*, indent: int | None = 1) -> str:
    """``cdktf.out/stacks/app/cdk.tf.json`` as cdktf synthesizes it (``indent=None``: minified, every block on
    one line, so only names and types tell Checkov's results apart)."""
    def meta(name: str) -> dict[str, Any]:
        return {"//": {"metadata": {"path": f"app/{name}", "uniqueId": name}}}

    document = {
        "//": {"metadata": {"backend": "local", "stackName": "app", "version": "0.21.0"}, "outputs": {}},
        "provider": {"aws": [{"region": "eu-west-1"}]},
        "resource": {
            "aws_s3_bucket": {
                "logs": {**meta("logs"), "bucket": "acme-logs"},
                "exports": {**meta("exports"), "bucket": "exports-2024"},
            },
            "aws_s3_bucket_versioning": {
                "logs": {**meta("logs-versioning"), "bucket": "${aws_s3_bucket.logs.id}",
                         "versioning_configuration": {"status": "Enabled"}},
            },
        },
    }
    return json.dumps(document, indent=indent)


def _planned(address: str, name: str, values: dict[str, Any], index: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"address": address, "mode": "managed", "type": "aws_s3_bucket", "name": name,
                             "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
                             "values": values, "sensitive_values": {}}
    if index is not None:
        entry["index"] = index
    return entry


def _change(resource: dict[str, Any], module: str | None = None) -> dict[str, Any]:
    change = {key: resource[key] for key in ("address", "mode", "type", "name", "provider_name")}
    if module:
        change["module_address"] = module
    return {**change, "change": {"actions": ["create"], "before": None, "after": resource["values"],
                                 "after_unknown": {}, "before_sensitive": False, "after_sensitive": {}}}


def plan() -> str:
    """``terraform show -json`` of a plan: a root bucket that passes, a module bucket (``for_each``) that fails."""
    root = _planned("aws_s3_bucket.logs", "logs", {"bucket": "acme-logs"})
    moduled = _planned('module.web.aws_s3_bucket.assets["eu"]', "assets", {"bucket": "web-assets-eu"}, index="eu")
    document = {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {
            "resources": [root],
            "child_modules": [{"address": "module.web", "resources": [moduled]}],
        }},
        "resource_changes": [_change(root), _change(moduled, "module.web")],
        "configuration": {"root_module": {}},
    }
    return json.dumps(document, indent=1)


def crashing_source() -> str:
    """Terraform JSON that Terraform accepts (a resource body given as a list of objects) and Checkov 3.2
    crashes on."""
    return json.dumps({"resource": {"aws_s3_bucket": {"data": [{"bucket": "acme-data"}]}}}, indent=1)


def waiver(policy: str, address: str) -> str:
    expires = (date.today() + timedelta(days=30)).isoformat()
    return (f'[[waiver]]\npolicy = "{policy}"\naddress = "{address}"\n'
            f'reason = "Export bucket keeps its historical name, see SEC-42"\nexpires = {expires}\n')


def write_project(root: Path, *, checks: str = CUSTOM_CHECK) -> None:
    """The custom check folder, the cdktf synthesis and the plan under ``root``."""
    folder = root / "checks"
    folder.mkdir(exist_ok=True)
    (folder / "__init__.py").write_text("", encoding="utf-8")
    (folder / "bucket_named_acme.py").write_text(checks, encoding="utf-8")
    stack = root / "cdktf.out" / "stacks" / "app"
    stack.mkdir(parents=True, exist_ok=True)
    (stack / "cdk.tf.json").write_text(cdktf_stack(), encoding="utf-8")
    (root / "plan.json").write_text(plan(), encoding="utf-8")
