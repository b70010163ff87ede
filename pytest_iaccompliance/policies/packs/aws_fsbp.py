"""AWS Security Hub controls (AWS Foundational Security Best Practices) each built-in policy checks.

A rule listed here fails where the Security Hub control would fail on the deployed resource, so findings
can be traced to the control a Security Hub report names. Ids as the Security Hub user guide spells them
("Security Hub controls reference"); a rule whose scope differs from every control (stricter, or on a
setting Security Hub does not read) is absent. One entry per line, sorted by policy id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

PREFIX = "AWS-FSBP"

CONTROLS: Mapping[str, tuple[str, ...]] = {
    "AWS-APIGW-002": ("APIGateway.3",),  # REST API stages should have X-Ray tracing enabled
    "AWS-APIGW-003": ("APIGateway.5",),  # REST API cache data should be encrypted at rest
    "AWS-ASG-002": ("AutoScaling.9",),  # Auto Scaling groups should use launch templates
    "AWS-CF-001": ("CloudFront.3",),  # distributions should require encryption in transit
    "AWS-CF-002": ("CloudFront.9",),  # distributions should encrypt traffic to custom origins
    "AWS-CF-004": ("CloudFront.6",),  # distributions should have WAF enabled
    "AWS-CF-005": ("CloudFront.5",),  # distributions should have logging enabled
    "AWS-CF-006": ("CloudFront.10",),  # no deprecated SSL protocols between edge locations and custom origins
    "AWS-CT-001": ("CloudTrail.1",),
    "AWS-CT-002": ("CloudTrail.4",),
    "AWS-CT-003": ("CloudTrail.2",),
    "AWS-CT-004": ("CloudTrail.5",),
    "AWS-CT-005": ("CloudTrail.1",),  # a trail that is not logging fails "enabled ... with at least one trail"
    "AWS-DDB-001": ("DynamoDB.2",),
    "AWS-EC-001": ("ElastiCache.5",),  # replication groups should be encrypted in transit
    "AWS-EC-002": ("ElastiCache.4",),  # replication groups should be encrypted at rest
    "AWS-EC2-001": ("EC2.13",),
    "AWS-EC2-002": ("EC2.18",),
    "AWS-EC2-003": ("EC2.2",),
    "AWS-EC2-005": ("EC2.21",),
    "AWS-EC2-006": ("EC2.21",),
    "AWS-EC2-007": ("EC2.8",),
    "AWS-EC2-008": ("EC2.9",),
    "AWS-EC2-009": ("EC2.3",),
    "AWS-EC2-010": ("EC2.3",),
    "AWS-EC2-011": ("EC2.7",),
    "AWS-ECR-001": ("ECR.1",),  # private repositories should have image scanning configured
    "AWS-ECR-002": ("ECR.2",),  # private repositories should have tag immutability configured
    "AWS-ECS-001": ("ECS.4",),  # containers should run as non-privileged
    "AWS-ECS-002": ("ECS.8",),  # secrets should not be passed as container environment variables
    "AWS-ECS-003": ("ECS.5",),  # containers should be limited to read-only access to root file systems
    "AWS-ECS-004": ("ECS.3",),  # task definitions should not share the host's process namespace
    "AWS-ECS-005": ("ECS.12",),  # clusters should use Container Insights
    "AWS-ECS-006": ("ECS.2",),  # services should not have public IP addresses assigned automatically
    "AWS-EFS-001": ("EFS.1",),
    "AWS-EKS-001": ("EKS.1",),  # cluster endpoints should not be publicly accessible
    "AWS-EKS-002": ("EKS.3",),  # clusters should use encrypted Kubernetes secrets
    "AWS-EKS-003": ("EKS.8",),  # clusters should have audit logging enabled
    "AWS-ELB-001": ("ELB.1",),
    "AWS-ELB-002": ("ELB.8",),
    "AWS-ELB-003": ("ELB.3",),
    "AWS-ELB-005": ("ELB.4",),  # Application Load Balancer should be configured to drop invalid http headers
    "AWS-ELB-006": ("ELB.5",),  # Application and Classic Load Balancers logging should be enabled
    "AWS-KMS-001": ("KMS.4",),
    "AWS-LAMBDA-001": ("Lambda.1",),
    "AWS-OS-001": ("Opensearch.1",),  # domains should have encryption at rest enabled
    "AWS-OS-002": ("Opensearch.3",),  # domains should encrypt data sent between nodes
    "AWS-OS-003": ("Opensearch.8",),  # connections should be encrypted using the latest TLS security policy
    "AWS-OS-004": ("Opensearch.2",),  # domains should not be publicly accessible
    "AWS-RDS-001": ("RDS.3",),
    "AWS-RDS-002": ("RDS.2",),
    "AWS-RDS-004": ("RDS.8",),
    "AWS-RS-001": ("Redshift.10",),  # clusters should be encrypted at rest
    "AWS-RS-002": ("Redshift.1",),  # clusters should prohibit public access
    "AWS-RS-003": ("Redshift.4",),  # clusters should have audit logging enabled
    "AWS-S3-001": ("S3.4",),
    "AWS-S3-002": ("S3.8",),
    "AWS-S3-003": ("S3.5",),
    "AWS-S3-006": ("S3.2", "S3.3"),
    "AWS-S3-007": ("S3.2",),  # buckets should prohibit public read access
    "AWS-SM-001": ("SecretsManager.1",),
    "AWS-SNS-001": ("SNS.1",),
    "AWS-SQS-001": ("SQS.1",),
    "AWS-VPC-001": ("EC2.6",),
}
