"""Capturing 1,000 resources: the ``pulumi_mocks`` runner against raw ``set_mocks`` with awaited
outputs.

The baseline is what a user writes today: a ``Mocks`` subclass, ``set_mocks``, the program, then
``@pulumi.runtime.test`` awaiting every resource's outputs. Both run in this process, alternately,
and
the ratio of the best times is printed (goal: at most 1.2).

    python benchmarks/pulumi_capture.py [--resources 1000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any


def program(count: int) -> list[Any]:
    import pulumi_aws as aws

    created = []
    for index in range(count):
        kind = index % 4
        if kind == 0:
            created.append(
                aws.s3.Bucket(f"bucket-{index}", tags={"Owner": "bench", "Index": str(index)})
            )
        elif kind == 1:
            created.append(
                aws.ec2.SecurityGroup(
                    f"sg-{index}",
                    ingress=[
                        {
                            "protocol": "tcp",
                            "from_port": 443,
                            "to_port": 443,
                            "cidr_blocks": ["10.0.0.0/8"],
                        }
                    ],
                )
            )
        elif kind == 2:
            created.append(
                aws.iam.Role(f"role-{index}", assume_role_policy='{"Version":"2012-10-17"}')
            )
        else:
            created.append(aws.sqs.Queue(f"queue-{index}", sqs_managed_sse_enabled=True))
    return created


def raw(count: int) -> int:
    import pulumi
    from pulumi.runtime import settings

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            return f"{args.name}_id", dict(args.inputs)

        def call(self, args: Any) -> dict[str, Any]:
            return {}

    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(Mocks(), preview=False)
    captured: list[Any] = []

    @pulumi.runtime.test
    def check() -> Any:
        resources = program(count)
        return pulumi.Output.all(*[r.urn for r in resources]).apply(captured.extend)

    check()
    return len(captured)


def fixture(count: int) -> int:
    from pytest_iaccompliance.pulumi import PulumiMocks

    return len(PulumiMocks().run(lambda: program(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    import pulumi_aws  # noqa: F401  (import cost out of both measurements)

    fixture(8)  # warm the SDK name tables and module imports once
    best = {"raw set_mocks": float("inf"), "pulumi_mocks": float("inf")}
    for _ in range(options.rounds):
        for label, run in (("raw set_mocks", raw), ("pulumi_mocks", fixture)):
            start = time.perf_counter()
            captured = run(options.resources)
            elapsed = time.perf_counter() - start
            assert captured == options.resources, (label, captured)
            best[label] = min(best[label], elapsed)
            print(f"{label:14s} {options.resources} resources: {elapsed:6.2f} s")
    ratio = best["pulumi_mocks"] / best["raw set_mocks"]
    print(
        f"best raw {best['raw set_mocks']:.2f} s, best pulumi_mocks {best['pulumi_mocks']:.2f} s, "
        f"ratio {ratio:.2f}x (goal <= 1.2x)"
    )


if __name__ == "__main__":
    main()
