"""NIST SP 800-53 revision 5 controls each built-in policy supports.

Sources, named per line: AWS Security Hub controls' "Related requirements" (SH <control>, user guide
source, 2023) and cdk-nag's NIST 800-53 r5 pack (cdk-nag <rule>; its enhancement letters such as
"CP-9a" are rolled up to the control, "CP-9"). "project" marks a mapping neither source covers.
One entry per line, sorted by policy id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

PREFIX = "NIST-800-53-r5"

CONTROLS: Mapping[str, tuple[str, ...]] = {
    "AWS-CT-001": ("AU-2", "AU-3", "AU-12", "AU-14(1)", "CA-7", "SI-4(20)"),  # SH CloudTrail.1
    "AWS-CT-002": ("AU-9", "SI-4", "SI-7(1)", "SI-7(3)", "SI-7(7)"),  # SH CloudTrail.4
    "AWS-CT-003": ("AU-9", "SC-13", "SC-28", "SC-28(1)"),  # SH CloudTrail.2
    "AWS-CT-004": (
        "AU-6(1)",
        "AU-6(3)",
        "AU-7(1)",
        "AU-12",
        "CA-7",
        "SI-4(5)",
        "SI-20",
    ),  # SH CloudTrail.5
    "AWS-DDB-001": ("CP-6(2)", "CP-9", "CP-10", "SC-5(2)", "SI-12", "SI-13(5)"),  # SH DynamoDB.2
    "AWS-DDB-002": ("SC-13", "SC-28", "SC-28(1)"),  # project (as SH SQS.1/SNS.1 encryption at rest)
    "AWS-EC2-001": ("AC-4", "SC-7", "SC-7(5)", "CM-7"),  # SH EC2.13
    "AWS-EC2-002": ("AC-4", "AC-4(21)", "SC-7", "SC-7(5)", "SC-7(11)"),  # SH EC2.18
    "AWS-EC2-003": ("AC-4", "AC-4(21)", "SC-7", "SC-7(5)"),  # SH EC2.2
    "AWS-EC2-004": ("AC-4", "SC-7", "SC-7(5)"),  # project (boundary protection, as SH EC2.18)
    "AWS-EC2-005": ("AC-4(21)", "CM-7", "SC-7", "SC-7(5)"),  # SH EC2.21
    "AWS-EC2-006": ("AC-4(21)", "CM-7", "SC-7", "SC-7(5)"),  # SH EC2.21
    "AWS-EC2-007": ("AC-3", "AC-3(7)", "AC-3(15)", "AC-6"),  # SH EC2.8
    "AWS-EC2-008": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7", "SC-7(3)"),  # SH EC2.9
    "AWS-EC2-009": ("SC-13", "SC-28", "SC-28(1)"),  # SH EC2.3
    "AWS-EC2-010": ("SC-13", "SC-28", "SC-28(1)"),  # SH EC2.3
    "AWS-EC2-011": ("SC-13", "SC-28", "SC-28(1)"),  # SH EC2.7
    "AWS-EC2-012": ("CM-2", "CM-6"),  # project (baseline configuration, configuration settings)
    "AWS-EC2-013": (
        "AC-3",
        "AC-4(21)",
        "AC-6",
        "SC-7",
        "SC-7(3)",
    ),  # cdk-nag VPCSubnetAutoAssignPublicIpDisabled
    "AWS-EC2-014": ("AC-4", "AC-4(21)", "CM-7", "SC-7", "SC-7(5)", "SC-7(11)"),  # SH EC2.19
    "AWS-EC2-015": ("AC-4", "CM-7", "SC-7", "SC-7(5)"),  # project (least functionality at the boundary)
    "AWS-EC2-016": ("AC-4", "AC-4(21)", "CM-7", "SC-7", "SC-7(5)"),  # project (as SH EC2.19, databases)
    "AWS-EFS-001": ("SC-13", "SC-28", "SC-28(1)"),  # SH EFS.1
    "AWS-ELB-001": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # SH ELB.1
    "AWS-ELB-002": ("AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # SH ELB.8
    "AWS-ELB-003": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # SH ELB.3
    "AWS-IAM-001": ("AC-2", "AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-002": ("AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-003": ("AC-3", "AC-6(2)", "AC-6(10)"),
    "AWS-IAM-004": ("AC-2", "AC-3", "AC-6"),
    "AWS-IAM-005": ("AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-006": ("AC-21", "AC-3", "AC-4", "AC-6", "SC-7"),
    "AWS-IAM-007": ("AC-3", "AC-6"),
    "AWS-IAM-008": ("AC-3", "CM-6"),  # project (access enforcement as written, configuration settings)
    "AWS-KMS-001": ("SC-12", "SC-12(2)", "SC-28(3)"),  # SH KMS.4
    "AWS-LAMBDA-001": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7", "SC-7(3)"),  # SH Lambda.1
    "AWS-LAMBDA-002": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7"),  # SH Lambda.1
    "AWS-RDS-001": ("SC-28", "SC-28(1)", "SC-13"),  # SH RDS.3
    "AWS-RDS-002": ("AC-4", "AC-4(21)", "SC-7", "SC-7(4)", "SC-7(5)", "SC-7(11)"),  # SH RDS.2
    "AWS-RDS-003": (
        "CP-6",
        "CP-6(1)",
        "CP-6(2)",
        "CP-9",
        "CP-10",
        "SC-5(2)",
        "SI-12",
        "SI-13(5)",
    ),  # SH RDS.11
    "AWS-RDS-004": ("CM-3", "SC-5(2)", "SI-13(5)"),  # SH RDS.8
    "AWS-RDS-005": ("AC-2(1)", "AC-3", "AC-3(7)", "AC-3(15)", "AC-6"),  # SH RDS.10 / RDS.12
    "AWS-S3-001": ("SC-28", "SC-28(1)", "SC-13"),  # SH S3.4
    "AWS-S3-002": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7", "SC-7(3)"),  # SH S3.1 / S3.8
    "AWS-S3-003": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # SH S3.5
    "AWS-S3-004": (
        "AU-9(2)",
        "CP-6(2)",
        "CP-9",
        "CP-10",
        "SI-13(5)",
    ),  # cdk-nag S3BucketVersioningEnabled
    "AWS-S3-005": (
        "AC-2(4)",
        "AU-2",
        "AU-3",
        "AU-6(3)",
        "AU-12",
        "SI-4(20)",
    ),  # cdk-nag S3BucketLoggingEnabled
    "AWS-S3-006": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7"),  # SH S3.2 / S3.3
    "AWS-SM-001": ("AC-2(1)", "AC-3(15)"),  # SH SecretsManager.1
    "AWS-SNS-001": ("SC-13", "SC-28", "SC-28(1)"),  # SH SNS.1
    "AWS-SQS-001": ("SC-13", "SC-28", "SC-28(1)"),  # SH SQS.1
    "AWS-TAG-001": ("CM-8", "CM-8(1)"),  # project (system component inventory)
    "AWS-VPC-001": ("AC-4(26)", "AU-2", "AU-3", "AU-12", "CA-7", "SI-7(8)"),  # SH EC2.6
}
