"""Default answers that look like AWS: identifiers, ARNs with the right service and region, common invokes.

Pure functions of the request, no pulumi import: the recording mocks call them, tests read them directly.
Answers are deterministic (a hash of the logical name, not a random number) so two runs of one program give
the same identifiers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pytest_iaccompliance.pulumi.mapping import (
    parse_token,
    resource_source,
    sdk_module_dir,
    terraform_type,
)

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_INVOKES",
    "DEFAULT_REGION",
    "AwsAnswers",
    "policy_document_json",
]

DEFAULT_ACCOUNT_ID: Final = "123456789012"
DEFAULT_REGION: Final = "us-east-1"

# Pulumi module -> the ARN's service, where they differ.
_ARN_SERVICE: Final[Mapping[str, str]] = {
    "lb": "elasticloadbalancing",
    "alb": "elasticloadbalancing",
    "elb": "elasticloadbalancing",
    "efs": "elasticfilesystem",
    "ebs": "ec2",
    "vpc": "ec2",
    "cloudwatch": "logs",
    "apigatewayv2": "apigateway",
}

# Terraform type -> (id prefix, ARN resource part with {id} / {name}); services with a global
# namespace
# (IAM, S3) have no region, and IAM has the account but S3 does not.
_SHAPES: Final[Mapping[str, tuple[str, str]]] = {
    "aws_vpc": ("vpc-", "vpc/{id}"),
    "aws_subnet": ("subnet-", "subnet/{id}"),
    "aws_security_group": ("sg-", "security-group/{id}"),
    "aws_default_security_group": ("sg-", "security-group/{id}"),
    "aws_security_group_rule": ("sgrule-", "security-group-rule/{id}"),
    "aws_vpc_security_group_ingress_rule": ("sgr-", "security-group-rule/{id}"),
    "aws_vpc_security_group_egress_rule": ("sgr-", "security-group-rule/{id}"),
    "aws_network_acl": ("acl-", "network-acl/{id}"),
    "aws_default_network_acl": ("acl-", "network-acl/{id}"),
    "aws_internet_gateway": ("igw-", "internet-gateway/{id}"),
    "aws_nat_gateway": ("nat-", "natgateway/{id}"),
    "aws_route_table": ("rtb-", "route-table/{id}"),
    "aws_eip": ("eipalloc-", "elastic-ip/{id}"),
    "aws_flow_log": ("fl-", "vpc-flow-log/{id}"),
    "aws_instance": ("i-", "instance/{id}"),
    "aws_launch_template": ("lt-", "launch-template/{id}"),
    "aws_ebs_volume": ("vol-", "volume/{id}"),
    "aws_db_instance": ("", "db:{id}"),
    "aws_rds_cluster": ("", "cluster:{id}"),
    "aws_rds_cluster_instance": ("", "db:{id}"),
    "aws_db_subnet_group": ("", "subgrp:{id}"),
    "aws_kms_key": ("", "key/{id}"),
    "aws_kms_alias": ("", "{id}"),
    "aws_iam_role": ("", "role/{id}"),
    "aws_iam_policy": ("", "policy/{id}"),
    "aws_iam_user": ("", "user/{id}"),
    "aws_s3_bucket": ("", "{id}"),
    "aws_sqs_queue": ("", "{name}"),
    "aws_sns_topic": ("", "{id}"),
    "aws_lambda_function": ("", "function:{id}"),
    "aws_secretsmanager_secret": ("", "secret:{id}-AbCdEf"),
    "aws_dynamodb_table": ("", "table/{id}"),
    "aws_cloudtrail": ("", "trail/{id}"),
    "aws_cloudwatch_log_group": ("", "log-group:{id}"),
    "aws_lb": ("", "loadbalancer/app/{id}/0123456789abcdef"),
    "aws_lb_listener": ("", "listener/app/{id}/0123456789abcdef"),
    "aws_lb_target_group": ("", "targetgroup/{id}/0123456789abcdef"),
    "aws_efs_file_system": ("fs-", "file-system/{id}"),
    "aws_ecr_repository": ("", "repository/{id}"),
    "aws_ecs_cluster": ("", "cluster/{id}"),
    "aws_eks_cluster": ("", "cluster/{id}"),
}

# Terraform type -> the wire property Pulumi auto-names when the program leaves it out; also the id.
_AUTONAME: Final[Mapping[str, str]] = {
    "aws_s3_bucket": "bucket",
    "aws_db_instance": "identifier",
    "aws_rds_cluster": "clusterIdentifier",
    "aws_rds_cluster_instance": "identifier",
    "aws_iam_role": "name",
    "aws_iam_policy": "name",
    "aws_iam_user": "name",
    "aws_iam_group": "name",
    "aws_iam_instance_profile": "name",
    "aws_launch_template": "name",
    "aws_elb": "name",
    "aws_security_group": "name",
    "aws_db_subnet_group": "name",
    "aws_lb": "name",
    "aws_lb_target_group": "name",
    "aws_sqs_queue": "name",
    "aws_sns_topic": "name",
    "aws_lambda_function": "name",
    "aws_secretsmanager_secret": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_dynamodb_table": "name",
    "aws_ecr_repository": "name",
    "aws_ecs_cluster": "name",
    "aws_eks_cluster": "name",
    "aws_cloudtrail": "name",
}
_GLOBAL_SERVICES: Final = frozenset({"iam", "s3"})
# Outputs left unset although declared: the program did not choose what they carry (a DB endpoint holds the port).
# ARNs a resource has besides its own ``arn`` that name the resource itself (any other ``*Arn`` output names
# another resource, which a default would invent).
_OWN_ARNS: Final = frozenset({"executionarn", "invokearn", "qualifiedarn", "qualifiedinvokearn", "streamarn"})
_LEFT_UNSET: Final[Mapping[str, frozenset[str]]] = {"aws_db_instance": frozenset({"endpoint"})}
_KEBAB = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


_GETTER = re.compile(
    r'@pulumi\.getter(?:\(name="(?P<wire>[^"]+)"\))?\s*\n(?:\s*@[^\n]*\n)*'
    r"\s*def (?P<python>\w+)\(self\) -> (?P<annotation>[^\n]*):"
)
_CLASS = re.compile(r"^class (?P<name>\w+)\((?P<base>[^)]*)\):|^class (?P<plain>\w+):", re.MULTILINE)
_STRING = re.compile(r"^(?:pulumi\.Output\[)?(?:Optional\[)?_builtins\.str\]?\]?$")
_NESTED_LIST = re.compile(r"Sequence\['outputs\.(?P<type>\w+)'\]")


@dataclass(frozen=True)
class Declared:
    """What a resource class declares: its input wire names, and its outputs with their annotations."""

    inputs: frozenset[str]
    outputs: Mapping[str, str]


_NOTHING_DECLARED = Declared(frozenset(), {})


def _class_bodies(text: str) -> dict[str, str]:
    matches = list(_CLASS.finditer(text))
    bodies: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        bodies[match["name"] or match["plain"]] = text[match.end():end]
    return bodies


@functools.cache
def declared(token: str) -> Declared:
    """Inputs and outputs the installed SDK's class for ``token`` declares (read as text, once)."""
    text = resource_source(token)
    if text is None:
        return _NOTHING_DECLARED
    name = token.rsplit(":", 1)[-1]
    bodies = _class_bodies(text)
    inputs = frozenset(m["wire"] or m["python"] for m in _GETTER.finditer(bodies.get(f"{name}Args", "")))
    outputs = {m["wire"] or m["python"]: m["annotation"] for m in _GETTER.finditer(bodies.get(name, ""))}
    return Declared(inputs, outputs)


@functools.cache
def _nested_fields(token: str, type_name: str) -> Mapping[str, str]:
    """Fields of an output type (``outputs.CertificateDomainValidationOption``) with their annotations."""
    parsed = parse_token(token)
    directory = sdk_module_dir(parsed[0], parsed[1]) if parsed else None
    if directory is None:
        return {}
    try:
        text = (directory / "outputs.py").read_text(encoding="utf-8")
    except OSError:
        return {}
    body = _class_bodies(text).get(type_name, "")
    return {m["wire"] or m["python"]: m["annotation"] for m in _GETTER.finditer(body)}


def _declares_arn(token: str) -> bool:
    return "arn" in declared(token).outputs


def _string_outputs(token: str) -> frozenset[str]:
    """Wire names the SDK's resource class for ``token`` declares as string outputs."""
    return frozenset(wire for wire, annotation in declared(token).outputs.items() if _STRING.match(annotation))


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:length]


class AwsAnswers:
    """Identifiers and ARNs for one account and region."""

    def __init__(self, account_id: str = DEFAULT_ACCOUNT_ID, region: str = DEFAULT_REGION) -> None:
        self.account_id = account_id
        self.region = region

    def resource_state(
        self, token: str, name: str, inputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """The id and the output state a freshly created resource would have."""
        state = dict(inputs)
        # A policy document given as an object (``Union[str, PolicyDocumentArgs]``) comes back from
        # the provider as JSON text, and the SDK refuses anything else for a string output.
        for wire in _string_outputs(token):
            if isinstance(state.get(wire), (Mapping, list)):
                state[wire] = json.dumps(state[wire])
        rtype = terraform_type(token)
        parsed = parse_token(token)
        package, module = (parsed[0], parsed[1]) if parsed else ("", "")
        if package != "aws":
            return f"{name}-{_digest(token, name, length=7)}", state
        # Pulumi auto-names a resource whose class takes a name with its prefix (``name``/``namePrefix``,
        # ``keyName``/``keyNamePrefix``: the provider's sign of a generated name), besides the types listed.
        taken = declared(token).inputs
        prefixed = sorted(wire for wire in taken if wire.lower().endswith("name") and f"{wire}Prefix" in taken)
        autoname = _AUTONAME.get(rtype) or next(iter(prefixed), None)
        named = None
        if autoname is not None:
            named = state.get(autoname)
            if not isinstance(named, str) or not named:
                named = f"{name}-{_digest(token, name, length=7)}"
                state[autoname] = named
        prefix, arn_resource = _SHAPES.get(rtype, ("", ""))
        if rtype == "aws_kms_key":
            digest = _digest(token, name, length=32)
            resource_id = (
                f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"
            )
        elif named is not None and not prefix:
            resource_id = named
        elif rtype == "aws_kms_alias" and isinstance(state.get("name"), str):
            resource_id = str(state["name"])
        else:
            resource_id = f"{prefix or name + '-'}{_digest(token, name)}"
        state.setdefault("id", resource_id)
        if not arn_resource:
            parsed_name = parsed[2] if parsed else name
            arn_resource = _KEBAB.sub("-", parsed_name).lower() + "/{id}"
        if rtype in _SHAPES or _declares_arn(token):
            state.setdefault(
                "arn", self.arn(module, arn_resource.format(id=resource_id, name=named or name))
            )
        if rtype == "aws_sqs_queue":
            state.setdefault(
                "url", f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{named}"
            )
        for wire, value in self._addresses(rtype, token, name, resource_id, state).items():
            state.setdefault(wire, value)
        for wire, value in self._declared_outputs(rtype, token, name, resource_id, state).items():
            state.setdefault(wire, value)
        return resource_id, state

    def _declared_outputs(
        self, rtype: str, token: str, name: str, resource_id: str, state: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Plausible values for what the class declares as output only (AWS computes it: an ARN, an endpoint,
        a DNS name, a generated name, an ACM certificate's validation records), so a program that reads them
        runs. Derived from the declaration, not per resource; addresses and ports stay unset (see ``_addresses``).
        """
        parsed = parse_token(token)
        module = parsed[1] if parsed else ""
        found = declared(token)
        values: dict[str, Any] = {}
        for wire, annotation in found.outputs.items():
            if wire in found.inputs or wire in state or wire in _LEFT_UNSET.get(rtype, ()):
                continue
            if _STRING.match(annotation):
                value = self._string_value(wire, module, token, name, resource_id, "")
                if value is not None:
                    values[wire] = value
                continue
            nested = _NESTED_LIST.search(annotation)
            if nested is not None:
                entries = self._per_domain(token, nested["type"], module, name, resource_id, state)
                if entries:
                    values[wire] = entries
        return values

    def _per_domain(
        self, token: str, type_name: str, module: str, name: str, resource_id: str, state: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """One entry per domain the program named (``domainName`` and ``subjectAlternativeNames``)."""
        fields = _nested_fields(token, type_name)
        domain = state.get("domainName")
        if "domainName" not in fields or not isinstance(domain, str):
            return []
        alternatives = state.get("subjectAlternativeNames")
        domains = [domain, *(d for d in (alternatives or ()) if isinstance(d, str) and d != domain)]
        entries = []
        for each in domains:
            entry: dict[str, Any] = {"domainName": each}
            for wire, annotation in fields.items():
                if wire != "domainName" and _STRING.match(annotation):
                    value = self._string_value(wire, module, token, name, resource_id, each)
                    if value is not None:
                        entry[wire] = value
            entries.append(entry)
        return entries

    def _string_value(
        self, wire: str, module: str, token: str, name: str, resource_id: str, domain: str
    ) -> str | None:
        """A value shaped as AWS shapes what ``wire`` names; ``None`` for anything else (a status, an IP)."""
        lowered = wire.lower()
        digest = _digest(token, name, wire, domain)
        service = _ARN_SERVICE.get(module, module)
        host = f"{resource_id}-{digest[:8]}.{service}.{self.region}.amazonaws.com".lower()
        if lowered.endswith("recordname"):
            return f"_{digest[:16]}.{domain}."
        if lowered.endswith("recordtype"):
            return "CNAME"
        if lowered.endswith("recordvalue"):
            return f"_{_digest(token, name, wire, domain, 'value')[:16]}.acm-validations.aws."
        if lowered == "arn" or lowered in _OWN_ARNS:
            parsed = parse_token(token)
            kind = _KEBAB.sub("-", parsed[2]).lower() if parsed else "resource"
            suffix = "" if lowered == "arn" else "/" + _KEBAB.sub("-", wire[: -len("arn")]).lower()
            return self.arn(module, f"{kind}/{resource_id}{suffix}")
        if lowered.endswith("zoneid"):
            return "Z" + _digest(self.region, module, length=13).upper()
        if lowered in ("ownerid", "accountid", "owneraccountid"):
            return self.account_id
        if service == "cloudfront" and lowered.endswith("domainname"):
            return f"d{digest[:13]}.cloudfront.net"
        if lowered.endswith(("url", "uri")):
            return f"https://{host}/"
        if "endpoint" in lowered or lowered.endswith(("dnsname", "domainname")):
            return host
        if lowered.endswith("name"):
            return f"{name}-{digest[:7]}"
        if lowered in ("etag", "fingerprint", "versionid", "version"):
            return digest
        return None

    def _addresses(
        self, rtype: str, token: str, name: str, resource_id: str, state: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The names AWS gives a resource (DNS names, endpoints, a key's id), which programs build URLs from.

        Only addresses derived from what the program chose: an attribute whose value the program left to AWS
        and a rule could judge (a port, a public IP) stays unset, so no rule reads a value nobody chose.
        """
        digest = _digest(token, name, length=12)
        if rtype in ("aws_lb", "aws_elb"):
            prefix = "internal-" if state.get("internal") is True else ""
            number = int(_digest(token, name, length=8), 16) % 10**10
            return {
                "dnsName": f"{prefix}{resource_id}-{number}.{self.region}.elb.amazonaws.com",
                "zoneId": "Z" + _digest(self.region, "elb", length=13).upper(),
            }
        if rtype == "aws_db_instance":
            address = f"{resource_id}.{digest}.{self.region}.rds.amazonaws.com"
            port = state.get("port")  # a number from the wire is a float
            if isinstance(port, (int, float)) and not isinstance(port, bool) and float(port).is_integer():
                return {"address": address, "endpoint": f"{address}:{int(port)}"}
            return {"address": address}
        if rtype == "aws_rds_cluster":
            return {
                "endpoint": f"{resource_id}.cluster-{digest}.{self.region}.rds.amazonaws.com",
                "readerEndpoint": f"{resource_id}.cluster-ro-{digest}.{self.region}.rds.amazonaws.com",
            }
        if rtype == "aws_s3_bucket":
            bucket = state.get("bucket") or resource_id
            return {
                "bucketDomainName": f"{bucket}.s3.amazonaws.com",
                "bucketRegionalDomainName": f"{bucket}.s3.{self.region}.amazonaws.com",
            }
        if rtype == "aws_kms_key":
            return {"keyId": resource_id}
        return {}

    def arn(self, module: str, resource: str) -> str:
        service = _ARN_SERVICE.get(module, module)
        if service == "s3":
            return f"arn:aws:s3:::{resource}"
        region = "" if service in _GLOBAL_SERVICES else self.region
        return f"arn:aws:{service}:{region}:{self.account_id}:{resource}"

    # ---- invokes -------------------------------------------------------------------------------
    def caller_identity(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "accountId": self.account_id,
            "arn": f"arn:aws:iam::{self.account_id}:user/pytest",
            "userId": "AIDAEXAMPLEUSERID0001",
            "id": self.account_id,
        }

    def region_info(self, args: Mapping[str, Any]) -> dict[str, Any]:
        region = str(args.get("region") or args.get("name") or self.region)
        return {
            "name": region,
            "region": region,
            "id": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
            "description": region,
        }

    def partition(self, args: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
            "id": "aws",
        }

    def availability_zones(self, args: Mapping[str, Any]) -> dict[str, Any]:
        excluded = set(args.get("excludeNames") or ())
        names = [f"{self.region}{s}" for s in "abc" if f"{self.region}{s}" not in excluded]
        return {
            "names": names,
            "zoneIds": [f"use1-az{i}" for i in range(1, len(names) + 1)],
            "groupNames": [self.region],
            "id": self.region,
            "state": args.get("state") or "available",
        }

    def ami(self, args: Mapping[str, Any]) -> dict[str, Any]:
        filters = args.get("filters") or []
        seed = json.dumps([args.get("owners"), filters], sort_keys=True, default=str)
        image_id = f"ami-{_digest(seed)}"
        name = next(
            (
                str(v[0])
                for f in filters
                if isinstance(f, Mapping) and f.get("name") == "name"
                for v in [f.get("values") or ["image"]]
            ),
            "image",
        )
        return {
            "id": image_id,
            "imageId": image_id,
            "arn": f"arn:aws:ec2:{self.region}::image/{image_id}",
            "architecture": "x86_64",
            "name": name.replace("*", "2024.01.01"),
            "ownerId": str((args.get("owners") or [self.account_id])[0]),
            "rootDeviceName": "/dev/xvda",
            "rootDeviceType": "ebs",
            "virtualizationType": "hvm",
            "state": "available",
            "mostRecent": bool(args.get("mostRecent")),
        }

    def policy_document(self, args: Mapping[str, Any]) -> dict[str, Any]:
        document = policy_document_json(args)
        return {
            "json": json.dumps(document, indent=2),
            "minifiedJson": json.dumps(document, separators=(",", ":")),
            "id": _digest(json.dumps(document, sort_keys=True), length=10),
            "statements": args.get("statements"),
            "version": document["Version"],
        }

    def invokes(self) -> dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]]:
        return {
            "aws:index/getCallerIdentity:getCallerIdentity": self.caller_identity,
            "aws:index/getRegion:getRegion": self.region_info,
            "aws:index/getPartition:getPartition": self.partition,
            "aws:index/getAvailabilityZones:getAvailabilityZones": self.availability_zones,
            "aws:ec2/getAmi:getAmi": self.ami,
            "aws:iam/getPolicyDocument:getPolicyDocument": self.policy_document,
        }


DEFAULT_INVOKES: Final = tuple(AwsAnswers().invokes())


_INVOKE_KEYS = {"notActions": "not_actions", "notResources": "not_resources",
                "notPrincipals": "not_principals", "conditions": "condition"}


def policy_document_json(args: Mapping[str, Any]) -> dict[str, Any]:
    """The IAM JSON ``aws.iam.get_policy_document`` computes, the provider's merge rules included."""
    from pytest_iaccompliance.iam.terraform import render_policy_document

    blocks = [
        {_INVOKE_KEYS.get(str(key), str(key)): value for key, value in block.items()}
        for block in args.get("statements") or ()
        if isinstance(block, Mapping)
    ]
    try:
        return render_policy_document(
            blocks,
            sources=args.get("sourcePolicyDocuments") or (),
            overrides=args.get("overridePolicyDocuments") or (),
            version=args.get("version"),
            policy_id=args.get("policyId"),
        )
    except ValueError as exc:
        raise ValueError(f"aws.iam.get_policy_document: {exc}") from None
