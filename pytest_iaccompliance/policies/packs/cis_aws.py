"""CIS AWS Foundations Benchmark v3.0.0 (earlier versions prefixed explicitly where v3.0 dropped an item)."""

from __future__ import annotations

from collections.abc import Mapping

PREFIX = "CIS-AWS-3.0"

CONTROLS: Mapping[str, tuple[str, ...]] = {
    "AWS-S3-001": ("CIS-AWS-1.4:2.1.1", "CIS-AWS-1.5:2.1.1"),
    "AWS-EC2-001": ("5.2", "5.3"),
    "AWS-RDS-001": ("2.3.1",),
    "AWS-IAM-001": ("1.16",),
    "AWS-IAM-004": ("1.15",),
}
