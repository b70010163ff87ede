"""Hostile and malformed values: a rule never passes what it cannot read, and never hides what it can.

Each case is (policy id, ``resource`` blocks, expected status by address), as in
``test_builtin_rules``. A value of the wrong type, NaN, infinity, a fraction or an out-of-range port is
*unknown* (cannot evaluate), never *passed*; a definite violation is reported even beside parts of the
same resource that cannot be read (an unresolved element, a malformed block).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance import FindingStatus, scan
from pytest_iaccompliance.model import Unknown, UnreadableValue
from pytest_iaccompliance.policies.base import RuleSettings
from pytest_iaccompliance.policies.values import (
    as_bool,
    as_int,
    as_port,
    as_text,
    covers_all_ports,
    covers_port,
    ip_protocol,
    is_set,
    port_span,
    read_strings,
)
from tests.policies.test_builtin_rules import OPEN_ALL, OPEN_SSH, bucket, merge, one

if TYPE_CHECKING:
    from collections.abc import Callable

P, F, U, NA = "passed", "failed", "unknown", None
NAN, INF = float("nan"), float("inf")
SG = "aws_security_group.g"
NACL = "aws_network_acl.n"
NACL_SSH = {"rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 22, "to_port": 22,
            "cidr_block": "0.0.0.0/0"}
NACL_DENY_SSH = {**NACL_SSH, "rule_no": 50, "action": "deny"}


def sg(*rules: Any, direction: str = "ingress") -> dict[str, Any]:
    return one("aws_security_group", "g", **{direction: list(rules)})


def ssh(**changes: Any) -> dict[str, Any]:
    return {**OPEN_SSH, **changes}


def nacl(*entries: Any) -> dict[str, Any]:
    return one("aws_network_acl", "n", vpc_id="vpc-1", ingress=list(entries))


CASES: list[tuple[str, str, dict[str, Any], dict[str, str | None]]] = [
    # --- ports that are no port --------------------------------------------------------------------
    ("nan-from-port", "AWS-EC2-001", sg(ssh(from_port=NAN)), {SG: U}),
    ("infinite-to-port", "AWS-EC2-001", sg(ssh(to_port=INF)), {SG: U}),
    ("bool-from-port", "AWS-EC2-001", sg(ssh(from_port=True)), {SG: U}),
    ("list-to-port", "AWS-EC2-001", sg(ssh(to_port=[22])), {SG: U}),
    ("object-to-port", "AWS-EC2-001", sg(ssh(to_port={"value": 22})), {SG: U}),
    ("fraction-port", "AWS-EC2-001", sg(ssh(from_port=21.5)), {SG: U}),
    ("port-out-of-range", "AWS-EC2-001", sg(ssh(to_port=70000)), {SG: U}),
    ("word-port", "AWS-EC2-001", sg(ssh(from_port="ssh")), {SG: U}),
    ("integral-float-port", "AWS-EC2-001", sg(ssh(from_port=22.0, to_port=22.0)), {SG: F}),
    ("string-port", "AWS-EC2-001", sg(ssh(from_port="22", to_port="22")), {SG: F}),
    ("nan-port-all-ports", "AWS-EC2-002", sg({**OPEN_ALL, "protocol": "tcp", "to_port": NAN}), {SG: U}),
    ("nan-port-protocol-all", "AWS-EC2-002", sg({**OPEN_ALL, "from_port": NAN}), {SG: F}),
    ("closed-cidr-garbage-port", "AWS-EC2-001", sg(ssh(from_port=NAN, cidr_blocks=["10.0.0.0/8"])), {SG: P}),
    # --- CIDR lists that are no CIDR list ---------------------------------------------------------
    ("cidr-garbage-elements", "AWS-EC2-001", sg(ssh(cidr_blocks=[None, 42, {"cidr": "0.0.0.0/0"}])), {SG: U}),
    ("cidr-object", "AWS-EC2-001", sg(ssh(cidr_blocks={"cidr": "0.0.0.0/0"})), {SG: U}),
    ("cidr-number", "AWS-EC2-001", sg(ssh(cidr_blocks=0)), {SG: U}),
    ("cidr-not-a-cidr", "AWS-EC2-001", sg(ssh(cidr_blocks=["everyone"])), {SG: U}),
    ("cidr-scalar-string", "AWS-EC2-001", sg(ssh(cidr_blocks="0.0.0.0/0")), {SG: F}),
    ("cidr-unresolved-element", "AWS-EC2-001", sg(ssh(cidr_blocks=["${var.extra}"])), {SG: U}),
    ("cidr-unresolved-list", "AWS-EC2-001", sg(ssh(cidr_blocks="${var.cidrs}")), {SG: U}),
    ("ipv6-unresolved", "AWS-EC2-001", sg(ssh(cidr_blocks=[], ipv6_cidr_blocks=["${var.v6}"])), {SG: U}),
    # --- protocols that are no protocol ----------------------------------------------------------
    ("protocol-number", "AWS-EC2-001", sg(ssh(protocol=6)), {SG: F}),
    ("protocol-bool", "AWS-EC2-001", sg(ssh(protocol=True)), {SG: U}),
    ("protocol-object", "AWS-EC2-001", sg(ssh(protocol={"name": "tcp"})), {SG: U}),
    ("protocol-word", "AWS-EC2-001", sg(ssh(protocol="bogus")), {SG: U}),
    ("protocol-udp", "AWS-EC2-001", sg(ssh(protocol="udp")), {SG: P}),
    ("protocol-icmp-all-ports", "AWS-EC2-002", sg(ssh(protocol="icmp", from_port=-1, to_port=-1)), {SG: P}),
    # --- a definite violation beside what cannot be read ------------------------------------------
    ("mixed-cidr-elements", "AWS-EC2-001", sg(ssh(cidr_blocks=["0.0.0.0/0", "${var.extra}"])), {SG: F}),
    ("mixed-blocks-unresolved", "AWS-EC2-001", sg(OPEN_SSH, "${var.extra}"), {SG: F}),
    ("mixed-blocks-garbage", "AWS-EC2-001", sg(OPEN_SSH, ssh(from_port=NAN)), {SG: F}),
    ("mixed-blocks-number", "AWS-EC2-002", sg(OPEN_ALL, 42), {SG: F}),
    ("mixed-egress", "AWS-EC2-004", sg({**OPEN_ALL}, "${var.more}", direction="egress"), {SG: F}),
    ("unreadable-block-alone", "AWS-EC2-001", sg("${var.rule}"), {SG: U}),
    (
        "rule-resource-type-garbage",
        "AWS-EC2-001",
        one("aws_security_group_rule", "r", type={"is": "ingress"}, security_group_id="sg-1", **OPEN_SSH),
        {"aws_security_group_rule.r": U},
    ),
    (
        "vpc-rule-cidr-object",
        "AWS-EC2-001",
        one("aws_vpc_security_group_ingress_rule", "r", security_group_id="sg-1", ip_protocol="tcp",
            from_port=22, to_port=22, cidr_ipv4={"cidr": "0.0.0.0/0"}),
        {"aws_vpc_security_group_ingress_rule.r": U},
    ),
    ("default-sg-unresolved-element", "AWS-EC2-003",
     one("aws_default_security_group", "d", vpc_id="v", ingress=["${var.rule}"]), {"aws_default_security_group.d": F}),
    ("default-sg-unresolved", "AWS-EC2-003",
     one("aws_default_security_group", "d", vpc_id="v", ingress="${var.rules}"), {"aws_default_security_group.d": U}),
    ("default-sg-number", "AWS-EC2-003",
     one("aws_default_security_group", "d", vpc_id="v", ingress=42), {"aws_default_security_group.d": U}),
    # --- network ACLs: the first matching entry decides, so an unreadable one may decide ----------
    ("nacl-nan-port", "AWS-EC2-005", nacl({**NACL_SSH, "from_port": NAN}), {NACL: U}),
    ("nacl-action-object", "AWS-EC2-005", nacl({**NACL_SSH, "action": {"is": "allow"}}), {NACL: U}),
    ("nacl-cidr-number", "AWS-EC2-005", nacl({**NACL_SSH, "cidr_block": 42}), {NACL: U}),
    ("nacl-only-entry-number-unreadable", "AWS-EC2-005", nacl({**NACL_SSH, "rule_no": NAN}), {NACL: F}),
    ("nacl-deny-number-unreadable", "AWS-EC2-005", nacl(NACL_SSH, {**NACL_DENY_SSH, "rule_no": NAN}), {NACL: U}),
    ("nacl-deny-first", "AWS-EC2-005", nacl(NACL_SSH, NACL_DENY_SSH), {NACL: P}),
    ("nacl-unreadable-entry", "AWS-EC2-005", nacl(NACL_SSH, "${var.entry}"), {NACL: U}),
    ("nacl-unrelated-unreadable-number", "AWS-EC2-005",
     nacl(NACL_SSH, {**NACL_SSH, "rule_no": NAN, "cidr_block": "10.0.0.0/8"}), {NACL: F}),
    # --- flags, numbers and names of the wrong type -----------------------------------------------
    ("rds-public-object", "AWS-RDS-002", one("aws_db_instance", "db", publicly_accessible={"v": True}),
     {"aws_db_instance.db": U}),
    ("rds-public-word", "AWS-RDS-002", one("aws_db_instance", "db", publicly_accessible="maybe"),
     {"aws_db_instance.db": U}),
    ("rds-encrypted-list", "AWS-RDS-001", one("aws_db_instance", "db", storage_encrypted=[True]),
     {"aws_db_instance.db": U}),
    ("rds-backup-nan", "AWS-RDS-003", one("aws_db_instance", "db", backup_retention_period=NAN),
     {"aws_db_instance.db": U}),
    ("rds-backup-list", "AWS-RDS-003", one("aws_db_instance", "db", backup_retention_period=[14]),
     {"aws_db_instance.db": U}),
    ("rds-backup-string", "AWS-RDS-003", one("aws_db_instance", "db", backup_retention_period="14"),
     {"aws_db_instance.db": P}),
    ("rds-engine-list", "AWS-RDS-005", one("aws_db_instance", "db", engine=["oracle-ee"]),
     {"aws_db_instance.db": U}),
    ("lambda-principal-list", "AWS-LAMBDA-001", one("aws_lambda_permission", "p", principal=["*"], function_name="f"),
     {"aws_lambda_permission.p": U}),
    ("lambda-source-arn-object", "AWS-LAMBDA-001",
     one("aws_lambda_permission", "p", principal="*", function_name="f", source_arn={"arn": "x"}),
     {"aws_lambda_permission.p": U}),
    ("lambda-url-object", "AWS-LAMBDA-002", one("aws_lambda_function_url", "u", authorization_type={"t": "NONE"}),
     {"aws_lambda_function_url.u": U}),
    ("instance-public-ip-object", "AWS-EC2-008", one("aws_instance", "i", associate_public_ip_address={"v": 1}),
     {"aws_instance.i": U}),
    ("template-public-ip-beside-unresolved", "AWS-EC2-008",
     one("aws_launch_template", "t", network_interfaces=[{"associate_public_ip_address": True}, "${var.nic}"]),
     {"aws_launch_template.t": F}),
    ("instance-volume-beside-unresolved", "AWS-EC2-009",
     one("aws_instance", "i", root_block_device={"encrypted": False}, ebs_block_device=["${var.disk}"]),
     {"aws_instance.i": F}),
    ("instance-volume-flag-object", "AWS-EC2-009",
     one("aws_instance", "i", root_block_device={"encrypted": {"v": True}}), {"aws_instance.i": U}),
    ("subnet-flag-object", "AWS-EC2-013", one("aws_subnet", "s", map_public_ip_on_launch={"v": True}),
     {"aws_subnet.s": U}),
    ("s3-acl-list", "AWS-S3-006", bucket(acl=["public-read"]), {"aws_s3_bucket.b": U}),
    ("s3-acl-public-beside-garbage-grant", "AWS-S3-006", bucket(acl="public-read", grant=[42]),
     {"aws_s3_bucket.b": F}),
    ("s3-enc-inline-garbage-partner-encrypts", "AWS-S3-001",
     merge(bucket(server_side_encryption_configuration=["${var.sse}"]),
           one("aws_s3_bucket_server_side_encryption_configuration", "e", bucket="${aws_s3_bucket.b.id}",
               rule=[{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}])),
     {"aws_s3_bucket.b": P}),
    ("s3-enc-inline-garbage-alone", "AWS-S3-001", bucket(server_side_encryption_configuration=[42]),
     {"aws_s3_bucket.b": U}),
    ("s3-versioning-unknown-beside-enabled", "AWS-S3-004",
     merge(bucket(versioning={"enabled": "${var.v}"}),
           one("aws_s3_bucket_versioning", "v", bucket="${aws_s3_bucket.b.id}",
               versioning_configuration={"status": "Enabled"})),
     {"aws_s3_bucket.b": P}),
    ("s3-public-access-flag-object", "AWS-S3-002",
     bucket(block_public_acls={"v": True}, block_public_policy=True, ignore_public_acls=True,
            restrict_public_buckets=True), {"aws_s3_bucket.b": U}),
    ("kms-spec-list", "AWS-KMS-001", one("aws_kms_key", "k", customer_master_key_spec=["RSA_2048"]),
     {"aws_kms_key.k": U}),
    ("kms-spec-unresolved", "AWS-KMS-001", one("aws_kms_key", "k", customer_master_key_spec="${var.spec}"),
     {"aws_kms_key.k": U}),
    ("elb-protocol-object", "AWS-ELB-001", one("aws_lb_listener", "l", protocol={"p": "HTTPS"}),
     {"aws_lb_listener.l": U}),
    ("classic-elb-plain-beside-garbage", "AWS-ELB-003",
     one("aws_elb", "e", listener=[{"lb_port": 80, "lb_protocol": "http"}, {"lb_port": 443, "lb_protocol": [1]}]),
     {"aws_elb.e": F}),
    ("classic-elb-garbage", "AWS-ELB-003",
     one("aws_elb", "e", listener=[{"lb_port": 443, "lb_protocol": "https"}, {"lb_port": 8443, "lb_protocol": [1]}]),
     {"aws_elb.e": U}),
    ("lb-redirect-beside-garbage-action", "AWS-ELB-001",
     one("aws_lb_listener", "l", protocol="HTTP",
         default_action=[42, {"type": "redirect", "redirect": {"protocol": "HTTPS"}}]),
     {"aws_lb_listener.l": P}),
    ("lb-garbage-action", "AWS-ELB-001", one("aws_lb_listener", "l", protocol="HTTP", default_action=[42]),
     {"aws_lb_listener.l": U}),
    ("secret-rotation-garbage-inline-partner-rotates", "AWS-SM-001",
     merge(one("aws_secretsmanager_secret", "s", name="db", rotation_rules=["${var.r}"]),
           one("aws_secretsmanager_secret_rotation", "r", secret_id="${aws_secretsmanager_secret.s.id}")),
     {"aws_secretsmanager_secret.s": P}),
    ("secret-rotation-garbage-inline", "AWS-SM-001",
     one("aws_secretsmanager_secret", "s", name="db", rotation_rules=[42]), {"aws_secretsmanager_secret.s": U}),
    ("trail-kms-object", "AWS-CT-003", one("aws_cloudtrail", "t", kms_key_id={"k": 1}), {"aws_cloudtrail.t": U}),
    ("trail-flag-object", "AWS-CT-001", one("aws_cloudtrail", "t", is_multi_region_trail={"v": True}),
     {"aws_cloudtrail.t": U}),
    ("sqs-flag-object", "AWS-SQS-001", one("aws_sqs_queue", "q", sqs_managed_sse_enabled={"v": True}),
     {"aws_sqs_queue.q": U}),
    ("efs-flag-word", "AWS-EFS-001", one("aws_efs_file_system", "f", encrypted="maybe"),
     {"aws_efs_file_system.f": U}),
    ("ebs-default-garbage", "AWS-EC2-010",
     merge(one("aws_ebs_encryption_by_default", "d", enabled={"v": True}), one("aws_ebs_volume", "v", size=8)),
     {"aws_ebs_volume.v": U}),
]


@pytest.mark.parametrize(
    ("policy_id", "resources", "expected"), [pytest.param(c[1], c[2], c[3], id=c[0]) for c in CASES]
)
def test_hostile_value_case(
    policy_id: str, resources: dict[str, Any], expected: dict[str, str | None], check: Callable[..., Any]
) -> None:
    outcomes = check(policy_id, resources)
    got = {address: outcomes[address][0] if address in outcomes else None for address in expected}
    assert got == expected, outcomes


def test_cannot_evaluate_names_the_field_and_type() -> None:
    from tests.policies.conftest import cdktf_document, load_resources, run_policy

    resources = load_resources(cdktf_document(sg(ssh(to_port=[22]), ssh(cidr_blocks=[{"c": "0.0.0.0/0"}]))))
    status, message = run_policy(resources, "AWS-EC2-001")[SG]
    assert status == U
    assert f"{SG}: to_port is a list, expected a whole number" in message
    assert f"{SG}: cidr_blocks[0] is an object, expected a string" in message


def test_a_definite_violation_is_reported_before_what_cannot_be_read(check: Callable[..., Any]) -> None:
    status, message = check("AWS-EC2-001", sg(OPEN_SSH, "${var.extra}"))[SG]
    assert (status, message) == (F, f"{SG} allows SSH (port 22) from 0.0.0.0/0")


def test_instance_family_of_the_wrong_type_cannot_be_evaluated(check: Callable[..., Any]) -> None:
    outcomes = check("AWS-EC2-012", one("aws_instance", "i", instance_type=["m5.large"]),
                     RuleSettings(allowed_instance_families=("t3",)))
    assert outcomes["aws_instance.i"] == (U, "aws_instance.i: instance_type is a list, expected a string")


def test_nan_port_does_not_abort_the_scan(tmp_path: Path) -> None:
    """JSON's NaN and 1e400 (infinity) reach the rules as floats: unknown there, the rest still judged."""
    source = tmp_path / "cdk.tf.json"
    source.write_text(
        '{"resource": {"aws_security_group": {'
        '"nan": {"ingress": [{"from_port": NaN, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]},'
        '"inf": {"ingress": [{"from_port": 0, "to_port": 1e400, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]},'
        '"open": {"ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}'
        "}}}"
    )
    findings = scan(source, select=["AWS-EC2-001", "AWS-EC2-002"])
    status = {(f.policy_id, f.address): f.status for f in findings}
    for policy_id in ("AWS-EC2-001", "AWS-EC2-002"):
        assert status[(policy_id, "aws_security_group.nan")] is FindingStatus.UNKNOWN
        assert status[(policy_id, "aws_security_group.inf")] is FindingStatus.UNKNOWN
    assert status[("AWS-EC2-001", "aws_security_group.open")] is FindingStatus.FAILED


@pytest.mark.parametrize("value", [NAN, INF, -INF, 22.5, True, False, [22], {"p": 22}, "ssh", "9" * 5000])
def test_as_int_refuses_what_is_no_whole_number(value: object) -> None:
    with pytest.raises(UnreadableValue) as info:
        as_int(value)
    assert str(value)[:4] not in info.value.reason or isinstance(value, bool)


def test_value_helpers_read_what_sources_legally_give() -> None:
    assert as_int(22.0) == 22
    assert as_int(" 22 ") == 22
    assert as_int(None, 7) == 7
    assert isinstance(as_int("${var.port}"), Unknown)
    assert as_port(-1) == -1
    with pytest.raises(UnreadableValue, match="outside the port range"):
        as_port(65536)
    assert as_bool("TRUE") is True
    assert as_bool(0) is False
    with pytest.raises(UnreadableValue, match="is an object, expected true or false"):
        as_bool({"v": True})
    with pytest.raises(UnreadableValue, match="is a string, expected true or false"):
        as_bool("maybe")
    assert as_text(6) == "6"
    assert as_text(False) == "false"
    with pytest.raises(UnreadableValue, match="is a list, expected a string"):
        as_text(["tcp"])
    assert is_set("arn:aws:kms:k")
    assert not is_set("")
    assert is_set(Unknown())
    with pytest.raises(UnreadableValue, match="is an object"):
        is_set({"arn": "x"})
    assert read_strings("0.0.0.0/0", "cidr_blocks") == (["0.0.0.0/0"], [])
    assert read_strings(["a", None, "${var.b}"], "cidr_blocks") == (["a"], [
        "cidr_blocks[1] is null, expected a string",
        "cidr_blocks[2] is not known before apply (depends on ${var.b})",
    ])
    protocols = [ip_protocol(p) for p in ("TCP", "6", 17, "-1", None, "47")]
    assert protocols == ["tcp", "tcp", "udp", "all", "tcp", "proto-47"]
    with pytest.raises(UnreadableValue, match="protocol is a string that is not an IP protocol"):
        covers_port(22, 22, "bogus", 22)
    with pytest.raises(UnreadableValue, match="from_port is a non-finite number"):
        covers_all_ports(math.nan, 22, "tcp")
    assert covers_all_ports(math.nan, math.nan, "-1") is True


def test_an_unresolved_grantee_cannot_be_evaluated(check: Callable[..., Any]) -> None:
    grant = {"permission": "READ", "grantee": {"type": "Group", "uri": "${var.grantee}"}}
    outcomes = check("AWS-S3-006", bucket(grant=[grant]))
    assert outcomes["aws_s3_bucket.b"][0] == U


def test_port_readings_kept_by_value_tell_equal_values_of_other_types_apart() -> None:
    """Port range readings are kept by value for the many rules that repeat them: a value equal to an earlier
    one but of another type (``True == 1``, ``1.0 == 1``) is read on its own, and so is a value that can be
    no key (a list), to its own error."""
    assert covers_port(1, 22, "tcp", 22) is True
    with pytest.raises(UnreadableValue, match="from_port is a bool, expected a whole number"):
        covers_port(True, 22, "tcp", 22)
    with pytest.raises(UnreadableValue, match="from_port is a fraction"):
        covers_port(1.5, 22, "tcp", 22)
    assert covers_port(1.0, 22, "tcp", 22) is True
    with pytest.raises(UnreadableValue, match="from_port is a list"):
        covers_port([22], 22, "tcp", 22)
    assert covers_all_ports(0, 65535, "tcp") is True
    assert covers_all_ports(0, 65535, "udp") is True
    assert covers_all_ports(0, 65535, "icmp") is False
    assert port_span(22, 22, "tcp") == (22, 22)
    assert port_span(22, 22, "icmp") is None
    unknown = port_span("${var.from}", 22, "tcp")
    assert isinstance(unknown, Unknown)
    assert "var.from" in unknown.reason
    assert port_span("${var.to}", 22, "tcp") != unknown
