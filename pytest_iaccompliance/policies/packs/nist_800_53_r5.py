"""NIST SP 800-53 revision 5 controls each built-in policy supports."""

from __future__ import annotations

from collections.abc import Mapping

PREFIX = "NIST-800-53-r5"

CONTROLS: Mapping[str, tuple[str, ...]] = {
    "AWS-S3-001": ("SC-28", "SC-28(1)", "SC-13"),
    "AWS-EC2-001": ("AC-4", "SC-7", "SC-7(5)", "CM-7"),
    "AWS-RDS-001": ("SC-28", "SC-28(1)", "SC-13"),
    "AWS-IAM-001": ("AC-2", "AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-002": ("AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-003": ("AC-3", "AC-6(2)", "AC-6(10)"),
    "AWS-IAM-004": ("AC-2", "AC-3", "AC-6"),
    "AWS-IAM-005": ("AC-3", "AC-6", "AC-6(10)"),
    "AWS-IAM-006": ("AC-21", "AC-3", "AC-4", "AC-6", "SC-7"),
    "AWS-IAM-007": ("AC-3", "AC-6"),
    "AWS-TAG-001": ("CM-8", "CM-8(1)"),
}
