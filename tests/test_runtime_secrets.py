"""Secrets resolved at run time from Secrets Manager, tested on moto through the ``aws_mock`` fixture.

Every case the seed asks for: a hit, a miss, access denied, a key of a JSON secret, rotation (the cache
serves the old value until cleared), plus stages, regions and malformed secrets. No error ever quotes a
value, and no request leaves the machine.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import TYPE_CHECKING, Any

import pytest

from pytest_iaccompliance.secrets import (
    MalformedSecretError,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretResolver,
    clear_secret_cache,
    resolve_secret,
)

if TYPE_CHECKING:
    from pytest_iaccompliance.awsmock import AwsMock

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

PASSWORD = "s3cr3t-Pa55-7c1d"
DENY_READ = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
]}


def test_hit_returns_the_value(aws_mock: AwsMock) -> None:
    aws_mock.seed_secret("app/token", PASSWORD)
    value = resolve_secret("app/token")
    assert value is not None
    assert value == PASSWORD


def test_miss_names_the_secret_region_and_stage(aws_mock: AwsMock) -> None:
    with pytest.raises(SecretNotFoundError) as caught:
        resolve_secret("app/absent")
    assert str(caught.value) == ("secret 'app/absent' (region us-east-1, stage AWSCURRENT): not found (no such "
                                 "secret, or no version at this stage)")


def test_access_denied_is_its_own_error_and_never_quotes_the_value(aws_mock: AwsMock) -> None:
    aws_mock.seed_secret("app/locked", PASSWORD)
    session = aws_mock.principal("reader", DENY_READ)
    with aws_mock.enforce_iam(), pytest.raises(SecretAccessDeniedError) as caught:
        SecretResolver(session=session).get("app/locked")
    assert "secret 'app/locked'" in str(caught.value)
    assert "access denied" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_json_secret_key(aws_mock: AwsMock) -> None:
    aws_mock.seed_secret("db/creds", {"username": "app", "password": PASSWORD, "port": 5432})
    assert resolve_secret("db/creds", key="password") == PASSWORD
    assert resolve_secret("db/creds", key="port") == "5432"


@pytest.mark.parametrize(("stored", "key", "reason"), [
    ({"username": "app", "password": PASSWORD}, "pass", "has no key 'pass' (its keys: password, username)"),
    (PASSWORD, "password", "is not a JSON object, so key 'password' cannot be read"),
    ({"password": {"nested": PASSWORD}}, "password", "key 'password' holds dict, expected text"),
])
def test_malformed_json_secret_names_the_problem_not_the_value(aws_mock: AwsMock, stored: Any, key: str,
                                                                 reason: str) -> None:
    aws_mock.seed_secret("db/creds", stored)
    with pytest.raises(MalformedSecretError) as caught:
        resolve_secret("db/creds", key=key)
    assert str(caught.value).endswith(reason)
    assert PASSWORD not in str(caught.value)


def test_binary_secret_is_malformed_for_text(aws_mock: AwsMock) -> None:
    aws_mock.seed_binary_secret("app/cert", PASSWORD.encode())
    with pytest.raises(MalformedSecretError, match=r"holds binary data \(SecretBinary\), not text"):
        resolve_secret("app/cert")


def test_rotation_is_served_after_the_cache_is_cleared(aws_mock: AwsMock) -> None:
    aws_mock.seed_secret("db/creds", {"password": "first"})
    assert resolve_secret("db/creds", key="password") == "first"
    aws_mock.rotate_secret("db/creds", {"password": "second"})
    assert resolve_secret("db/creds", key="password") == "first", "the process cache answers until cleared"
    clear_secret_cache()
    assert resolve_secret("db/creds", key="password") == "second"
    assert resolve_secret("db/creds", key="password", version_stage="AWSPREVIOUS") == "first"


def test_region_is_part_of_the_lookup(aws_mock: AwsMock) -> None:
    aws_mock.seed_secret("eu/only", PASSWORD, region="eu-west-1")
    assert resolve_secret("eu/only", region="eu-west-1") == PASSWORD
    assert SecretResolver(region="eu-west-1").get("eu/only") == PASSWORD
    with pytest.raises(SecretNotFoundError, match="region us-east-1"):
        resolve_secret("eu/only")


def test_fake_credentials_and_region_replace_the_users_own(aws_mock: AwsMock) -> None:
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in os.environ
    assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_seeded_buckets_and_parameters_are_readable(aws_mock: AwsMock) -> None:
    aws_mock.seed_bucket("iac-config", {"app.json": '{"ok": true}'})
    aws_mock.seed_parameter("/app/api-key", PASSWORD)
    body = boto3.client("s3").get_object(Bucket="iac-config", Key="app.json")["Body"].read()
    assert body == b'{"ok": true}'
    parameter = boto3.client("ssm").get_parameter(Name="/app/api-key", WithDecryption=True)["Parameter"]
    assert (parameter["Type"], parameter["Value"]) == ("SecureString", PASSWORD)


def _is_local(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    try:
        return host == "localhost" or ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


def test_no_request_leaves_the_machine(aws_mock: AwsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection and name lookup a socket attempts is recorded; none may go beyond this machine."""
    attempts: list[Any] = []
    connect, lookup = socket.socket.connect, socket.getaddrinfo

    def record_connect(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        connect(sock, address)

    def record_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append((host,))
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", record_connect)
    monkeypatch.setattr(socket, "getaddrinfo", record_lookup)
    aws_mock.seed_secret("db/creds", {"password": PASSWORD})
    aws_mock.seed_bucket("iac-state")
    aws_mock.seed_parameter("/app/key", PASSWORD)
    assert resolve_secret("db/creds", key="password") == PASSWORD
    for service in ("s3", "ssm", "sts", "iam", "kms", "dynamodb"):
        client = boto3.client(service)
        call = {"s3": "list_buckets", "ssm": "describe_parameters", "sts": "get_caller_identity",
                "iam": "list_roles", "kms": "list_keys", "dynamodb": "list_tables"}[service]
        getattr(client, call)()
    assert [a for a in attempts if not _is_local(a)] == []


def test_a_connection_beyond_the_machine_is_refused(aws_mock: AwsMock) -> None:
    from pytest_iaccompliance.awsmock import NetworkBlockedError

    with pytest.raises(NetworkBlockedError, match=r"198\.51\.100\.7"):
        socket.create_connection(("198.51.100.7", 443), timeout=1)
    with pytest.raises(NetworkBlockedError, match=r"secretsmanager\.us-east-1\.amazonaws\.com"):
        socket.getaddrinfo("secretsmanager.us-east-1.amazonaws.com", 443)


def test_the_guard_is_lifted_and_the_environment_restored_after(pytester: pytest.Pytester,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_user="""
import os
import socket


def test_inside(aws_mock):
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"


def test_after():
    assert os.environ.get("AWS_PROFILE") == "real-profile"
    assert "AWS_SECRET_ACCESS_KEY" not in os.environ
    assert socket.getaddrinfo("localhost", 80)
    assert socket.socket.connect.__qualname__ == "socket.connect"
""")
    monkeypatch.setenv("AWS_PROFILE", "real-profile")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_seeds_resolver_test_from_the_users_seat(pytester: pytest.Pytester) -> None:
    """As the seed writes it: a fixture that mocks boto3, and assertions on non-null outputs."""
    pytester.makepyfile(test_resolver="""
import pytest
from pytest_iaccompliance.secrets import SecretNotFoundError, clear_secret_cache, resolve_secret


@pytest.fixture
def creds(aws_mock):
    aws_mock.seed_secret("prod/db", {"username": "app", "password": "first"})
    return aws_mock


def test_password_is_resolved(creds):
    assert resolve_secret("prod/db", key="password") is not None


def test_rotation(creds):
    resolve_secret("prod/db", key="password")
    creds.rotate_secret("prod/db", {"username": "app", "password": "second"})
    clear_secret_cache()
    assert resolve_secret("prod/db", key="password") == "second"


def test_missing(creds):
    with pytest.raises(SecretNotFoundError):
        resolve_secret("prod/other")


def test_cache_does_not_outlive_a_test(creds):
    assert resolve_secret("prod/db", key="password") == "first"
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=4)
