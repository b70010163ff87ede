"""RDS and Aurora rules."""

from __future__ import annotations

from pytest_iaccompliance.model import Resource, Severity, Unknown
from pytest_iaccompliance.policies.base import (
    Policy,
    PolicyContext,
    Result,
    cannot_evaluate,
    compliant,
    non_compliant,
    not_applicable,
    policy,
)
from pytest_iaccompliance.policies.rules._common import flag_is
from pytest_iaccompliance.policies.values import as_bool, as_int, as_text, read_field
from pytest_iaccompliance.reporting.text import shown_setting

DB_INSTANCE = "aws_db_instance"
CLUSTER = "aws_rds_cluster"
CLUSTER_INSTANCE = "aws_rds_cluster_instance"
DEFAULT_MIN_BACKUP_RETENTION_DAYS = 7
# Engines that support IAM database authentication (RDS and Aurora user guides).
IAM_AUTH_ENGINES = ("mysql", "postgres", "mariadb", "aurora", "aurora-mysql", "aurora-postgresql")


@policy(
    "AWS-RDS-001",
    title="RDS instance and Aurora cluster storage is encrypted",
    severity=Severity.CRITICAL,
    resource_types=[DB_INSTANCE, CLUSTER],
    remediation="Set storage_encrypted = true (with kms_key_id for a customer-managed "
    "key); an existing database must be restored from an encrypted snapshot.",
    checkov_ids=["CKV_AWS_16", "CKV_AWS_96"],
)
def storage_encrypted(resource: Resource, context: PolicyContext) -> Result:
    """Encryption cannot be turned on after creation: it has to be right before the first apply."""
    value = read_field("storage_encrypted", lambda v: as_bool(v, default=False), resource.get("storage_encrypted"))
    if isinstance(value, Unknown):
        return cannot_evaluate(f"storage_encrypted of {resource.address} {value.reason}")
    if resource.type == CLUSTER and not value:
        engine_mode = read_field("engine_mode", as_text, resource.get("engine_mode"))
        if isinstance(engine_mode, Unknown):
            return cannot_evaluate(f"engine_mode of {resource.address} {engine_mode.reason}")
        if engine_mode == "serverless":
            return compliant()  # Aurora Serverless v1 is always encrypted
    if value:
        return compliant()
    return non_compliant(f"{resource.address} has storage_encrypted unset or false")


@policy(
    "AWS-RDS-002",
    title="RDS instance is not publicly accessible",
    severity=Severity.CRITICAL,
    resource_types=[DB_INSTANCE, CLUSTER_INSTANCE],
    remediation="Set publicly_accessible = false and reach the database from "
    "inside the VPC (or through a bastion / SSM port forwarding).",
    checkov_ids=["CKV_AWS_17"],
)
def not_publicly_accessible(resource: Resource, context: PolicyContext) -> Result:
    """A public endpoint puts the database login prompt on the internet."""
    return flag_is(
        resource,
        "publicly_accessible",
        False,
        default=False,
        failure="database has a public endpoint",
    )


def _min_retention(context: PolicyContext) -> int:
    setting = "rds_min_backup_retention_days"
    configured = read_field(f"rule setting {setting}", as_int, context.settings.extra.get(setting))
    return configured if isinstance(configured, int) else DEFAULT_MIN_BACKUP_RETENTION_DAYS


@policy(
    "AWS-RDS-003",
    title="RDS instance and Aurora cluster keep automated backups for at least 7 days",
    severity=Severity.WARNING,
    resource_types=[DB_INSTANCE, CLUSTER],
    remediation="Set backup_retention_period to 7 or more days (the minimum is "
    "configurable with the rule setting rds_min_backup_retention_days).",
    checkov_ids=["CKV_AWS_133"],
    checkov_differences=[
        (
            "CKV_AWS_133",
            "stricter: Checkov passes any retention of 1-35 days, and an unset one; this rule asks for at "
            "least 7 days (ini-configurable minimum).",
        ),
    ],
)
def backup_retention(resource: Resource, context: PolicyContext) -> Result:
    """Backups are the way back from deletion, corruption and ransomware; one day is too short."""
    if resource.type == DB_INSTANCE and resource.get("replicate_source_db") is not None:
        return not_applicable()  # a read replica is backed up through its source
    minimum = _min_retention(context)
    raw = resource.get("backup_retention_period")
    days = read_field("backup_retention_period", as_int, raw)
    if isinstance(days, Unknown):
        return cannot_evaluate(
            f"backup_retention_period of {resource.address} is not known before apply"
        )
    if days is None:
        return non_compliant(
            f"{resource.address}: backup_retention_period is unset (AWS keeps 1 day); "
            f"at least {minimum} required"
        )
    if days < minimum:
        return non_compliant(
            f"{resource.address}: backup_retention_period = "
            f"{shown_setting(resource, 'backup_retention_period', days)}; "
            f"at least {minimum} required"
        )
    return compliant()


@policy(
    "AWS-RDS-004",
    title="RDS instance and Aurora cluster have deletion protection enabled",
    severity=Severity.WARNING,
    resource_types=[DB_INSTANCE, CLUSTER],
    remediation="Set deletion_protection = true.",
    checkov_ids=["CKV_AWS_293", "CKV_AWS_139"],
)
def deletion_protection(resource: Resource, context: PolicyContext) -> Result:
    """One mistaken destroy or replacement otherwise deletes the production database."""
    return flag_is(
        resource, "deletion_protection", True, default=False, failure="deletion protection is off"
    )


@policy(
    "AWS-RDS-005",
    title="RDS instance and Aurora cluster have IAM database authentication enabled",
    severity=Severity.WARNING,
    resource_types=[DB_INSTANCE, CLUSTER],
    remediation="Set iam_database_authentication_enabled = true and let applications "
    "connect with short-lived IAM tokens instead of stored passwords.",
    checkov_ids=["CKV_AWS_161", "CKV_AWS_162"],
)
def iam_authentication(resource: Resource, context: PolicyContext) -> Result:
    """IAM tokens replace long-lived database passwords with short-lived, revocable ones."""
    engine = read_field("engine", as_text, resource.get("engine"))
    if engine is None and resource.type == CLUSTER:
        engine = "aurora"  # the provider's default cluster engine
    if isinstance(engine, str) and engine.lower() not in IAM_AUTH_ENGINES:
        return not_applicable()  # Oracle, SQL Server, Db2: IAM authentication is not offered
    return flag_is(
        resource,
        "iam_database_authentication_enabled",
        True,
        default=False,
        failure="IAM database authentication is off",
    )


POLICIES: tuple[Policy, ...] = (
    storage_encrypted,
    not_publicly_accessible,
    backup_retention,
    deletion_protection,
    iam_authentication,
)
