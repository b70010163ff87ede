"""A program that fails under mocks fails clearly: the user's own line, never Pulumi's internals."""

from __future__ import annotations

import pytest

from pytest_iaccompliance.pulumi.runner import PulumiProgramError, run_program


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
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "E *PulumiProgramError: program failed under mocks: NameError: name 'missing_name' is not defined",
        "E *at *test_failure_output_is_one_clear_error.py:5 in <lambda>: aws.s3.BucketPolicy(*",
    ])
    output = result.stdout.str() + result.stderr.str()
    assert "never retrieved" not in output
    assert "INTERNALERROR" not in output
    assert "rpc_manager.py" not in output
