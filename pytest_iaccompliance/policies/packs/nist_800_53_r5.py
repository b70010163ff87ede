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
    "AWS-APIGW-001": ("AU-2", "AU-3", "AU-12", "CA-7"),  # project (as SH APIGateway.9 access logging)
    "AWS-APIGW-002": ("AU-12", "CA-7", "SI-4"),  # project (monitoring, SH APIGateway.3 lists none)
    "AWS-APIGW-003": ("SC-13", "SC-28", "SC-28(1)"),  # project (as SH APIGateway.5 encryption at rest)
    "AWS-APIGW-004": ("AC-3", "AC-6", "IA-2", "SC-7"),  # project (access enforcement, identification)
    "AWS-ASG-001": ("CM-8", "CM-8(1)"),  # project (system component inventory, as AWS-TAG-001)
    "AWS-ASG-002": ("CM-2", "CM-6"),  # project (baseline configuration, as SH AutoScaling.9)
    # project (as SH ELB.1 encryption in transit)
    "AWS-CF-001": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),
    # project (as SH ELB.1 encryption in transit)
    "AWS-CF-002": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),
    "AWS-CF-003": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # project (as SH ELB.8 TLS policy)
    "AWS-CF-004": ("AC-4(21)", "SC-7", "SI-4"),  # project (boundary protection, monitoring)
    "AWS-CF-005": ("AU-2", "AU-3", "AU-12", "CA-7"),  # project (as SH EC2.6 logging)
    "AWS-CF-006": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # project (as SH ELB.8 TLS policy)
    "AWS-CT-001": ("AU-2", "AU-3", "AU-12", "AU-14(1)", "CA-7", "SI-4(20)"),  # SH CloudTrail.1
    "AWS-CT-002": ("AU-9", "SI-4", "SI-7(1)", "SI-7(3)", "SI-7(7)"),  # SH CloudTrail.4
    "AWS-CT-003": ("AU-9", "SC-13", "SC-28", "SC-28(1)"),  # SH CloudTrail.2
    "AWS-CT-004": ("AU-6(1)", "AU-6(3)", "AU-7(1)", "AU-12", "CA-7", "SI-4(5)", "SI-20"),  # SH CloudTrail.5
    "AWS-CT-005": ("AU-2", "AU-3", "AU-12", "AU-14(1)", "CA-7", "SI-4(20)"),  # SH CloudTrail.1
    "AWS-DDB-001": ("CP-6(2)", "CP-9", "CP-10", "SC-5(2)", "SI-12", "SI-13(5)"),  # SH DynamoDB.2
    "AWS-DDB-002": ("SC-13", "SC-28", "SC-28(1)"),  # project (as SH SQS.1/SNS.1 encryption at rest)
    "AWS-DDB-003": ("SC-12", "SC-13", "SC-28", "SC-28(1)"),  # project (as SH DynamoDB encryption, key management)
    # project (as SH ELB.1 encryption in transit)
    "AWS-EC-001": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),
    "AWS-EC-002": ("SC-13", "SC-28", "SC-28(1)"),  # project (as SH EFS.1 encryption at rest)
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
    "AWS-EC2-013": ("AC-3", "AC-4(21)", "AC-6", "SC-7", "SC-7(3)"),  # cdk-nag VPCSubnetAutoAssignPublicIpDisabled
    "AWS-EC2-014": ("AC-4", "AC-4(21)", "CM-7", "SC-7", "SC-7(5)", "SC-7(11)"),  # SH EC2.19
    "AWS-EC2-015": ("AC-4", "CM-7", "SC-7", "SC-7(5)"),  # project (least functionality at the boundary)
    "AWS-EC2-016": ("AC-4", "AC-4(21)", "CM-7", "SC-7", "SC-7(5)"),  # project (as SH EC2.19, databases)
    "AWS-ECR-001": ("RA-5", "SI-2", "SI-3"),  # project (vulnerability monitoring)
    "AWS-ECR-002": ("CM-2", "CM-8(1)", "SI-7"),  # project (baseline and integrity)
    "AWS-ECR-003": ("SC-13", "SC-28", "SC-28(1)"),  # project (as SH EFS.1 encryption at rest)
    # project (as SH S3.3 public write)
    "AWS-ECR-004": ("AC-3", "AC-4", "AC-4(21)", "AC-6", "AC-21", "SC-7", "SC-7(3)"),
    "AWS-ECS-001": ("AC-2(1)", "AC-3", "AC-5", "AC-6", "AC-6(10)"),  # project (least privilege, as SH IAM.1)
    "AWS-ECS-002": ("IA-5", "IA-5(7)", "SC-28"),  # project (authenticator management)
    "AWS-ECS-003": ("AC-3", "AC-6", "CM-7"),  # project (least functionality)
    "AWS-ECS-004": ("AC-3", "AC-6", "SC-39"),  # project (process isolation)
    "AWS-ECS-005": ("AU-12", "CA-7", "SI-4"),  # project (monitoring)
    # project (as SH EC2.9 public IPv4)
    "AWS-ECS-006": ("AC-3", "AC-4", "AC-4(21)", "AC-6", "AC-21", "SC-7", "SC-7(3)"),
    "AWS-EFS-001": ("SC-13", "SC-28", "SC-28(1)"),  # SH EFS.1
    # project (as SH Redshift.1 public access)
    "AWS-EKS-001": ("AC-3", "AC-4", "AC-4(21)", "AC-6", "AC-21", "SC-7", "SC-7(3)"),
    "AWS-EKS-002": ("SC-12", "SC-13", "SC-28", "SC-28(1)"),  # project (as SH EFS.1 encryption at rest)
    "AWS-EKS-003": ("AU-2", "AU-3", "AU-12", "CA-7"),  # project (as SH EC2.6 logging)
    "AWS-EKS-004": ("AC-4", "AC-17", "CM-7", "SC-7", "SC-7(5)"),  # project (as SH EC2.13 admin ports)
    "AWS-ELB-001": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # SH ELB.1
    "AWS-ELB-002": ("AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # SH ELB.8
    "AWS-ELB-003": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # SH ELB.3
    # SH ELB.8 (classic SSL listeners use a strong predefined policy)
    "AWS-ELB-004": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),
    "AWS-ELB-005": ("AC-4(21)", "SC-7", "SC-8"),  # project (boundary protection, as SH ELB.4)
    "AWS-ELB-006": ("AU-2", "AU-3", "AU-12", "CA-7"),  # project (as SH EC2.6 logging; SH ELB.5)
    "AWS-IAM-001": ("AC-2", "AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-002": ("AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-003": ("AC-3", "AC-6(2)", "AC-6(10)"),
    "AWS-IAM-004": ("AC-2", "AC-3", "AC-6"),
    "AWS-IAM-005": ("AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-006": ("AC-21", "AC-3", "AC-4", "AC-6", "SC-7"),
    "AWS-IAM-007": ("AC-3", "AC-6"),
    "AWS-IAM-008": ("AC-3", "CM-6"),  # project (access enforcement as written, configuration settings)
    "AWS-IAM-009": ("AC-3", "AC-6", "CM-6"),  # project (access enforcement as written, configuration settings)
    "AWS-KMS-001": ("SC-12", "SC-12(2)", "SC-28(3)"),  # SH KMS.4
    "AWS-LAMBDA-001": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7", "SC-7(3)"),  # SH Lambda.1
    "AWS-LAMBDA-002": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7"),  # SH Lambda.1
    "AWS-OS-001": ("SC-13", "SC-28", "SC-28(1)"),  # project (as SH EFS.1 encryption at rest)
    # project (as SH ELB.1 encryption in transit)
    "AWS-OS-002": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),
    # project (as SH ELB.1 encryption in transit)
    "AWS-OS-003": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),
    "AWS-OS-004": ("AC-3", "AC-4", "AC-4(21)", "AC-6", "AC-21", "SC-7", "SC-7(3)"),  # project (as SH Redshift.1)
    "AWS-RDS-001": ("SC-28", "SC-28(1)", "SC-13"),  # SH RDS.3
    "AWS-RDS-002": ("AC-4", "AC-4(21)", "SC-7", "SC-7(4)", "SC-7(5)", "SC-7(11)"),  # SH RDS.2
    "AWS-RDS-003": ("CP-6", "CP-6(1)", "CP-6(2)", "CP-9", "CP-10", "SC-5(2)", "SI-12", "SI-13(5)"),  # SH RDS.11
    "AWS-RDS-004": ("CM-3", "SC-5(2)", "SI-13(5)"),  # SH RDS.8
    "AWS-RDS-005": ("AC-2(1)", "AC-3", "AC-3(7)", "AC-3(15)", "AC-6"),  # SH RDS.10 / RDS.12
    "AWS-RS-001": ("SC-13", "SC-28", "SC-28(1)"),  # project (as SH EFS.1 encryption at rest)
    # SH Redshift.1
    "AWS-RS-002": ("AC-3", "AC-3(7)", "AC-4", "AC-4(21)", "AC-6", "AC-21", "SC-7", "SC-7(3)", "SC-7(11)"),
    "AWS-RS-003": ("AU-2", "AU-3", "AU-12", "CA-7"),  # project (as SH EC2.6 logging)
    "AWS-S3-001": ("SC-28", "SC-28(1)", "SC-13"),  # SH S3.4
    "AWS-S3-002": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7", "SC-7(3)"),  # SH S3.1 / S3.8
    "AWS-S3-003": ("AC-4", "AC-17(2)", "SC-8", "SC-8(1)", "SC-13", "SC-23"),  # SH S3.5
    "AWS-S3-004": ("AU-9(2)", "CP-6(2)", "CP-9", "CP-10", "SI-13(5)"),  # cdk-nag S3BucketVersioningEnabled
    "AWS-S3-005": ("AC-2(4)", "AU-2", "AU-3", "AU-6(3)", "AU-12", "SI-4(20)"),  # cdk-nag S3BucketLoggingEnabled
    "AWS-S3-006": ("AC-3", "AC-4", "AC-6", "AC-21", "SC-7"),  # SH S3.2 / S3.3
    "AWS-S3-007": ("AC-3", "AC-3(7)", "AC-4", "AC-4(21)", "AC-6", "AC-21", "SC-7", "SC-7(3)"),  # SH S3.2
    # cdk-nag S3DefaultEncryptionKMS (SC-28(1), SC-13) plus key management
    "AWS-S3-008": ("SC-12", "SC-13", "SC-28", "SC-28(1)"),
    "AWS-SECRET-001": ("IA-5(7)", "SC-28"),  # project (no embedded unprotected authenticators)
    "AWS-SECRET-002": ("IA-5(7)",),  # project (no embedded unprotected authenticators)
    "AWS-SECRET-003": ("IA-5(7)",),  # project (no embedded unprotected authenticators)
    "AWS-SECRET-004": ("IA-5(7)",),  # project (no embedded unprotected authenticators)
    "AWS-SECRET-005": ("IA-5(7)",),  # project (no embedded unprotected authenticators)
    "AWS-SECRET-006": ("IA-5(7)", "SC-28"),  # project (authenticators protected at rest)
    "AWS-SM-001": ("AC-2(1)", "AC-3(15)"),  # SH SecretsManager.1
    "AWS-SNS-001": ("SC-13", "SC-28", "SC-28(1)"),  # SH SNS.1
    "AWS-SQS-001": ("SC-13", "SC-28", "SC-28(1)"),  # SH SQS.1
    "AWS-TAG-001": ("CM-8", "CM-8(1)"),  # project (system component inventory)
    "AWS-VPC-001": ("AC-4(26)", "AU-2", "AU-3", "AU-12", "CA-7", "SI-7(8)"),  # SH EC2.6
    "IAC-BACKEND-001": ("SC-28", "SC-28(1)"),  # project (state at rest, as SH S3.4)
    "IAC-BACKEND-002": ("SC-12", "SC-28(1)"),  # project (key management for state at rest)
    "IAC-BACKEND-003": ("CM-3", "SI-7"),  # project (controlled, consistent changes to state)
    "IAC-BACKEND-004": ("CM-3", "CP-9"),  # project (shared, backed-up state)
    "IAC-BACKEND-005": ("SC-8", "SC-8(1)", "SC-23"),  # project (state in transit, as SH S3.5)
    "PULUMI-STACK-001": ("SC-12", "SC-28(1)"),  # project (key management for secrets in state)
    "PULUMI-STACK-002": ("SC-28", "SC-28(1)"),  # project (state at rest)
}
