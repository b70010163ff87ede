"""How long ``analyse()`` takes on large generated policy documents, and whether it stays linear.

Generated policies (least-privilege tooling, SSO permission sets, merged inline policies) reach
thousands of statements. Each size is analysed in a fresh process, as a scan meets it: the first
document pays for reading the catalogue, so the cold time is printed beside the warm median of
repeated runs, and the per-statement cost of each should stay flat as the document grows.

    python benchmarks/iam_analyse.py [--sizes 500,1000,4000] [--repeat 3] [--profile]

The document mixes services and access levels, exact actions, service and prefix wildcards,
suffix patterns (``s3:*Object``), NotAction and NotResource, ``Resource: "*"``,
conditions (with policy variables), public principals, escalation paths and misspelled actions.
A second document misspells a different EC2 action in every statement, the worst case for the
"did you mean" suggestions (warm runs reuse them, so its cold time is the one to read).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

ACTIONS: dict[str, tuple[str, ...]] = {
    "s3": ("GetObject", "PutObject", "DeleteObject", "ListBucket", "GetBucketPolicy",
           "PutBucketPolicy", "GetObjectTagging", "PutObjectAcl", "ListAllMyBuckets"),
    "ec2": ("DescribeInstances", "RunInstances", "TerminateInstances", "StartInstances",
            "StopInstances", "CreateTags", "DescribeSecurityGroups", "AuthorizeSecurityGroupIngress",
            "CreateVolume", "AttachVolume", "DescribeVpcs", "ModifyInstanceAttribute"),
    "iam": ("GetRole", "PassRole", "ListRoles", "CreatePolicyVersion", "AttachRolePolicy",
            "GetPolicy", "ListAttachedRolePolicies", "TagRole"),
    "kms": ("Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey", "CreateGrant", "PutKeyPolicy"),
    "lambda": ("InvokeFunction", "GetFunction", "CreateFunction", "UpdateFunctionCode",
               "ListFunctions", "AddPermission"),
    "dynamodb": ("GetItem", "PutItem", "Query", "Scan", "UpdateItem", "DeleteItem",
                 "DescribeTable", "BatchWriteItem"),
    "sqs": ("SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes",
            "SetQueueAttributes"),
    "sns": ("Publish", "Subscribe", "GetTopicAttributes", "SetTopicAttributes"),
    "logs": ("CreateLogGroup", "CreateLogStream", "PutLogEvents", "DescribeLogGroups",
             "PutRetentionPolicy"),
    "cloudwatch": ("PutMetricData", "GetMetricData", "PutMetricAlarm", "DescribeAlarms"),
    "secretsmanager": ("GetSecretValue", "DescribeSecret", "PutSecretValue", "RotateSecret"),
    "ssm": ("GetParameter", "GetParameters", "PutParameter", "SendCommand"),
    "ecr": ("GetAuthorizationToken", "BatchGetImage", "PutImage", "DescribeRepositories"),
    "ecs": ("RunTask", "DescribeTasks", "UpdateService", "RegisterTaskDefinition"),
    "sts": ("AssumeRole", "GetCallerIdentity", "TagSession"),
    "glue": ("GetTable", "CreateDevEndpoint", "StartJobRun", "UpdateDevEndpoint"),
}
PREFIXES = ("Get", "List", "Describe", "Put", "Create", "Delete", "Update", "Batch")
CONDITIONS: tuple[dict[str, Any], ...] = (
    {"StringEquals": {"aws:PrincipalTag/team": "payments"}},
    {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "shared/*"]}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "owner"]}},
    {"StringEqualsIfExists": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}},
    {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
    {"NumericLessThanEquals": {"s3:max-keys": "100"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
    {"Null": {"aws:MultiFactorAuthAge": "false"}},
)


def _arn(service: str, index: int, rng: random.Random) -> str:
    region = rng.choice(("us-east-1", "eu-west-1", "ap-southeast-2"))
    if service == "s3":
        return f"arn:aws:s3:::bucket-{index % 97}/team-{index % 13}/*"
    if service == "iam":
        return f"arn:aws:iam::123456789012:role/app-{index}"
    return f"arn:aws:{service}:{region}:123456789012:{service}-thing/{index}"


def _action(service: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return f"{service}:*"
    if roll < 0.14:
        return f"{service}:{rng.choice(PREFIXES)}*"
    if roll < 0.16:
        return f"{service}:*{rng.choice(ACTIONS[service])[-6:]}"
    name = rng.choice(ACTIONS[service])
    if roll < 0.19:  # a typo: drop one letter
        cut = rng.randrange(1, len(name))
        name = name[:cut] + name[cut + 1 :]
    return f"{service}:{name}"


def statement(index: int, rng: random.Random) -> dict[str, Any]:
    services = rng.sample(sorted(ACTIONS), rng.choice((1, 1, 1, 2, 3)))
    actions = sorted({_action(s, rng) for s in services for _ in range(rng.randint(1, 4))})
    body: dict[str, Any] = {"Sid": f"S{index}", "Effect": "Deny" if rng.random() < 0.1 else "Allow"}
    body["NotAction" if rng.random() < 0.03 else "Action"] = actions if len(actions) > 1 else actions[0]
    roll = rng.random()
    if roll < 0.3:
        body["Resource"] = "*"
    elif roll < 0.33:
        body["NotResource"] = _arn(services[0], index, rng)
    else:
        body["Resource"] = [_arn(s, index + k, rng) for s in services for k in range(rng.randint(1, 3))]
    if rng.random() < 0.02:
        body["Principal"] = "*" if rng.random() < 0.5 else {"AWS": "arn:aws:iam::123456789012:root"}
    if rng.random() < 0.3:
        condition: dict[str, Any] = {}
        for clause in rng.sample(CONDITIONS, rng.randint(1, 2)):
            for operator, keys in clause.items():
                condition.setdefault(operator, {}).update(keys)
        body["Condition"] = condition
    return body


def document(size: int, seed: int = 9) -> dict[str, Any]:
    """A deterministic ``size``-statement document; the same size always gives the same document."""
    rng = random.Random(seed)
    return {"Version": "2012-10-17", "Statement": [statement(i, rng) for i in range(size)]}


def misspelt_document(size: int) -> dict[str, Any]:
    """The worst case for suggestions: every statement misspells an EC2 action (the largest
    service) in its own way, so no suggestion can be reused."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": [f"ec2:DescribeInstancez{i}", "s3:GetObjekt"], "Resource": "*"}
            for i in range(size)
        ],
    }


_CHILD = """
import json, statistics, sys, time
from pytest_iaccompliance.iam import analyse
with open(sys.argv[1], encoding="utf-8") as handle:
    text = handle.read()
repeat, profile = int(sys.argv[2]), sys.argv[3] == "1"
if profile:
    import cProfile
    profiler = cProfile.Profile()
    profiler.enable()
started = time.perf_counter()
findings = analyse(text)
cold = time.perf_counter() - started
if profile:
    import pstats
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
warm = []
for _ in range(repeat):
    started = time.perf_counter()
    again = analyse(text)
    warm.append(time.perf_counter() - started)
    assert again == findings
print(json.dumps({"cold": cold, "warm": statistics.median(warm), "findings": len(findings)}))
"""


def measure(body: dict[str, Any], repeat: int, profile: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
        completed = subprocess.run(
            [sys.executable, "-c", _CHILD,
             str(path), str(repeat), "1" if profile else "0"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )
    if completed.returncode != 0:
        raise SystemExit(completed.stderr)
    if profile:
        sys.stderr.write(completed.stderr)
    result: dict[str, float] = json.loads(completed.stdout.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,4000", help="statement counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per size (median shown)")
    parser.add_argument("--profile", action="store_true",
                        help="print cProfile's top lines for each cold run (its time then includes the profiler)")
    args = parser.parse_args()
    print(f"{'document':>9} {'statements':>10} {'findings':>9} {'cold s':>8} {'warm s':>8} "
          f"{'cold ms/st':>11} {'warm ms/st':>11}")
    for kind, make in (("mixed", document), ("misspelt", misspelt_document)):
        for size in (int(s) for s in args.sizes.split(",")):
            result = measure(make(size), args.repeat, args.profile)
            print(f"{kind:>9} {size:>10} {int(result['findings']):>9} {result['cold']:>8.3f} "
                  f"{result['warm']:>8.3f} {1000 * result['cold'] / size:>11.3f} "
                  f"{1000 * result['warm'] / size:>11.3f}")


if __name__ == "__main__":
    main()
