"""CIS AWS Foundations Benchmark v3.0.0; earlier versions prefixed where v3.0 dropped an item.

Ids and titles checked against prowler's machine-readable copies of the benchmarks
(prowler/compliance/aws/cis_{1.4,1.5,3.0}_aws.json). Rules with no CIS item (versioning, RDS
backups, Lambda, ...) are absent on purpose: CIS Foundations does not cover them.
One entry per line, sorted by policy id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

PREFIX = "CIS-AWS-3.0"

CONTROLS: Mapping[str, tuple[str, ...]] = {
    "AWS-CT-001": ("3.1",),  # CloudTrail is enabled in all regions
    "AWS-CT-002": ("3.2",),  # CloudTrail log file validation is enabled
    "AWS-CT-003": ("3.5",),  # CloudTrail logs are encrypted at rest using KMS CMKs (3.7 in v1.4/1.5)
    "AWS-CT-004": ("CIS-AWS-1.4:3.4", "CIS-AWS-1.5:3.4"),  # integrated with CloudWatch Logs; dropped in v3.0
    "AWS-CT-005": ("3.1",),  # CloudTrail is enabled in all regions: a stopped trail records nothing
    "AWS-EC2-001": ("5.2", "5.3"),  # no SG ingress from 0.0.0.0/0 (5.2) or ::/0 (5.3) to admin ports
    "AWS-EC2-003": ("5.4",),  # the default security group of every VPC restricts all traffic
    "AWS-EC2-005": ("5.1",),  # no NACL ingress from 0.0.0.0/0 to admin ports
    "AWS-EC2-007": ("5.6",),  # EC2 Metadata Service only allows IMDSv2
    "AWS-EC2-011": ("2.2.1",),  # EBS volume encryption is enabled in all regions
    "AWS-EFS-001": ("2.4.1",),  # encryption is enabled for EFS file systems
    "AWS-IAM-001": ("1.16",),
    "AWS-IAM-004": ("1.15",),
    "AWS-KMS-001": ("3.6",),  # rotation for customer created symmetric CMKs (3.8 in v1.4/1.5)
    "AWS-RDS-001": ("2.3.1",),  # encryption is enabled for RDS instances
    "AWS-RDS-002": ("2.3.3",),  # public access is not given to RDS instance
    "AWS-S3-001": ("CIS-AWS-1.4:2.1.1", "CIS-AWS-1.5:2.1.1"),  # encryption-at-rest; dropped in v3.0
    "AWS-S3-002": ("2.1.4",),  # Block public access (bucket settings) (2.1.5 in v1.4/1.5)
    "AWS-S3-003": ("2.1.1",),  # bucket policy is set to deny HTTP requests (2.1.2 in v1.4/1.5)
    "AWS-VPC-001": ("3.7",),  # VPC flow logging is enabled in all VPCs (3.9 in v1.4/1.5)
}
