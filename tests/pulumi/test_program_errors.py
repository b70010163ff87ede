"""A program that fails under mocks fails clearly: the user's own line, never Pulumi's internals."""

from __future__ import annotations

import pytest

from pytest_iaccompliance.pulumi.runner import PulumiProgramError, run_program
from tests.runs import run_subprocess


def failing_in_apply() -> None:
    import pulumi_aws as aws

    bucket = aws.s3.Bucket("logs")
    aws.s3.BucketPolicy("logs", bucket=bucket.id, policy=bucket.arn.apply(lambda arn: arn.no_such_method()))


def asserting_in_unused_apply() -> None:
    import pulumi_aws as aws

    bucket = aws.s3.Bucket("logs")

    def check(tags: object) -> None:
        assert tags, "the bucket must be tagged"

    bucket.tags.apply(check)  # nothing consumes this output


def test_error_names_the_users_line_without_chaining() -> None:
    with pytest.raises(PulumiProgramError) as info:
        run_program(failing_in_apply)
    message = str(info.value)
    assert message.startswith("failing_in_apply failed under mocks: AttributeError:")
    assert "test_program_errors.py:" in message
    assert "arn.no_such_method()" in message
    assert info.value.__cause__ is None
    assert isinstance(info.value.original, AttributeError)


def test_assertion_inside_an_unconsumed_apply_fails_the_run() -> None:
    with pytest.raises(PulumiProgramError, match="AssertionError: the bucket must be tagged") as info:
        run_program(asserting_in_unused_apply)
    assert "in check: assert tags" in str(info.value)


def test_failure_output_is_one_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pulumi_aws as aws

        def program():
            bucket = aws.s3.Bucket("b")
            aws.s3.BucketPolicy("p", bucket=bucket.id, policy=bucket.arn.apply(lambda a: {"x": missing_name}))

        def test_program(pulumi_mocks):
            pulumi_mocks.run(program)
        """
    )
    # Its own interpreter: an unretrieved task's error is logged when it is collected, at the latest at exit.
    result = run_subprocess(pytester, "-W", "ignore::DeprecationWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "E *PulumiProgramError: program failed under mocks: NameError: name 'missing_name' is not defined",
        "E *at *test_failure_output_is_one_clear_error.py:5 in <lambda>: aws.s3.BucketPolicy(*",
    ])
    output = result.stdout.str() + result.stderr.str()
    assert "never retrieved" not in output
    assert "INTERNALERROR" not in output
    assert "rpc_manager.py" not in output


# A value the mocks do not provide: the instance's public DNS name is computed by AWS, and no answer gives it.
INSTANCE = "aws:ec2/instance:Instance"
HINT = f'pulumi_mocks.register_resource("{INSTANCE}", {{"publicDns": "..."}})'
MISSING = f'{INSTANCE} "web".publicDns is not provided by the mocks'


def concat_of_a_missing_value() -> None:
    import pulumi
    import pulumi_aws as aws

    web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
    url = pulumi.Output.concat("http://", web.public_dns)  # the line to name
    aws.ssm.Parameter("url", type="String", value=url)


def exported_concat_of_a_missing_value() -> None:
    import pulumi
    import pulumi_aws as aws

    web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
    pulumi.export("url", pulumi.Output.concat("http://", web.public_dns))  # the line to name


def apply_on_a_missing_value() -> None:
    import pulumi_aws as aws

    web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
    aws.ssm.Parameter("host", type="String", value=web.public_dns.apply(lambda dns: dns.upper()))


def all_then_apply_on_a_missing_value() -> None:
    import pulumi
    import pulumi_aws as aws

    web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
    both = pulumi.Output.all(web.arn, web.public_dns).apply(lambda args: args[0] + "/" + args[1])
    aws.ssm.Parameter("both", type="String", value=both)


def named_all_then_apply_on_a_missing_value() -> None:
    import pulumi
    import pulumi_aws as aws

    web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
    text = pulumi.Output.all(arn=web.arn, dns=web.public_dns).apply(lambda v: v["dns"].split("."))
    aws.ssm.Parameter("both", type="String", value=text.apply(lambda parts: parts[0]))


def format_on_a_missing_value() -> None:
    import pulumi
    import pulumi_aws as aws

    web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
    aws.ssm.Parameter("short", type="String", value=pulumi.Output.format("{0:.12}", web.public_dns))


def chained_apply_on_a_missing_value() -> None:
    import pulumi_aws as aws

    web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
    same = web.public_dns.apply(lambda dns: dns)

    def host(dns: str) -> str:
        return dns.split(".")[0]

    aws.ssm.Parameter("host", type="String", value=same.apply(host))


def _line_of(function: object, marker: str) -> int:
    import inspect

    lines, start = inspect.getsourcelines(function)  # type: ignore[arg-type]
    return start + next(i for i, line in enumerate(lines) if marker in line)


@pytest.mark.parametrize("program", [concat_of_a_missing_value, exported_concat_of_a_missing_value])
def test_concat_of_a_missing_value_names_the_line_the_attribute_and_how_to_register_it(
    program: object,
) -> None:
    with pytest.raises(PulumiProgramError) as info:
        run_program(program)  # type: ignore[arg-type]
    message = str(info.value)
    assert "TypeError: sequence item 1: expected str instance, NoneType found" in message
    line = _line_of(program, "the line to name")
    assert f"test_program_errors.py:{line} in {program.__name__}: " in message  # type: ignore[attr-defined]
    assert "pulumi.Output.concat(" in message
    assert MISSING in message
    assert HINT in message
    assert "output.py" not in message


@pytest.mark.parametrize(
    ("program", "source"),
    [
        (apply_on_a_missing_value, "dns.upper()"),
        (all_then_apply_on_a_missing_value, 'args[0] + "/" + args[1]'),
        (named_all_then_apply_on_a_missing_value, 'v["dns"].split(".")'),
        (format_on_a_missing_value, 'pulumi.Output.format("{0:.12}", web.public_dns)'),
        (chained_apply_on_a_missing_value, 'dns.split(".")[0]'),
    ],
)
def test_combinators_on_a_missing_value_name_the_attribute(program: object, source: str) -> None:
    with pytest.raises(PulumiProgramError) as info:
        run_program(program)  # type: ignore[arg-type]
    message = str(info.value)
    assert source in message
    assert MISSING in message
    assert HINT in message
    # Only the attribute that was missing: the ARN the mocks gave is not blamed.
    assert "\"web\".arn" not in message


def test_following_the_hint_runs_the_program() -> None:
    from pytest_iaccompliance.pulumi.recording import RecordingMocks

    mocks = RecordingMocks()
    mocks.register_resource(INSTANCE, {"publicDns": "ec2-1-2-3-4.compute-1.amazonaws.com"})
    resources = run_program(concat_of_a_missing_value, mocks=mocks)
    (parameter,) = resources.by_name("url")
    assert parameter.properties["value"] == "http://ec2-1-2-3-4.compute-1.amazonaws.com"


def test_missing_value_error_from_the_users_seat(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pulumi
        import pulumi_aws as aws

        def program():
            web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
            url = pulumi.Output.concat("http://", web.public_dns)
            aws.ssm.Parameter("url", type="String", value=url)

        def test_program(pulumi_mocks):
            pulumi_mocks.run(program)
        """
    )
    # Its own interpreter: an unretrieved task's error is logged when it is collected, at the latest at exit.
    result = run_subprocess(pytester, "-W", "ignore::DeprecationWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "E *PulumiProgramError: program failed under mocks: TypeError: sequence item 1: "
        "expected str instance, NoneType found",
        "E *at *test_missing_value_error_from_the_users_seat.py:6 in program: "
        'url = pulumi.Output.concat("http://", web.public_dns)',
        f"E *{MISSING}*",
        f"E *{HINT}*",
    ])
    output = result.stdout.str() + result.stderr.str()
    for internal in ("output.py", "rpc.py", "rpc_manager.py", "runner.py", "never retrieved", "INTERNALERROR"):
        assert internal not in output


@pytest.mark.parametrize("program", [concat_of_a_missing_value, failing_in_apply])
def test_output_methods_are_pulumis_own_again_after_a_run(program: object) -> None:
    import pulumi

    apply, gather = pulumi.Output.__dict__["apply"], pulumi.Output.__dict__["all"]
    with pytest.raises(PulumiProgramError):
        run_program(program)  # type: ignore[arg-type]
    assert pulumi.Output.__dict__["apply"] is apply
    assert pulumi.Output.__dict__["all"] is gather


def test_a_load_balancer_url_runs_under_the_default_mocks() -> None:
    """``Output.concat("http://", lb.dns_name)``: the mocks answer the name AWS would give the load balancer."""
    import pulumi
    import pulumi_aws as aws

    def program() -> None:
        lb = aws.lb.LoadBalancer("web", internal=False, load_balancer_type="application")
        aws.ssm.Parameter("url", type="String", value=pulumi.Output.concat("http://", lb.dns_name))

    (parameter,) = run_program(program).by_name("url")
    assert parameter.properties["value"].startswith("http://web-")
    assert parameter.properties["value"].endswith(".us-east-1.elb.amazonaws.com")


def several_missing_values_in_an_unconsumed_output() -> None:
    import pulumi
    import pulumi_aws as aws

    web = aws.ec2.Instance("web", ami="ami-0123", instance_type="t3.micro")
    api = aws.ec2.Instance("api", ami="ami-0123", instance_type="t3.micro")
    pulumi.Output.concat(web.public_dns, ",", api.public_ip, ",", web.public_ip)  # nothing consumes it


def test_every_missing_attribute_is_named_once_with_one_registration_per_type() -> None:
    with pytest.raises(PulumiProgramError) as info:
        run_program(several_missing_values_in_an_unconsumed_output)
    message = str(info.value)
    assert "pulumi.Output.concat(web.public_dns" in message
    for missing in ('"web".publicDns', '"api".publicIp', '"web".publicIp'):
        assert message.count(f"{INSTANCE} {missing} is not provided by the mocks") == 1
    assert f'pulumi_mocks.register_resource("{INSTANCE}", {{"publicDns": "...", "publicIp": "..."}})' in message
    assert "register them before running the program" in message
