"""A VPC with private subnets as one component, so the tests see parents and children."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


class Network(pulumi.ComponentResource):
    def __init__(
        self, name: str, cidr: str, tags: dict[str, str], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("pulumi-app:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=tags,
            opts=child,
        )
        zones = aws.get_availability_zones(state="available")
        self.subnets = [
            aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                availability_zone=zone,
                cidr_block=f"10.0.{index}.0/24",
                map_public_ip_on_launch=False,
                tags=tags,
                opts=child,
            )
            for index, zone in enumerate(zones.names[:2])
        ]
        self.flow_logs = aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="s3",
            log_destination="arn:aws:s3:::central-flow-logs",
            tags=tags,
            opts=child,
        )
        self.register_outputs({"vpcId": self.vpc.id})
