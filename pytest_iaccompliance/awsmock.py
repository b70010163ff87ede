"""AWS on moto, offline: fake credentials and region, every boto3 client served by moto, no socket out.

``mocked_aws()`` is what the ``aws_mock`` fixture runs; it works in any runner. Inside it:

- the environment holds fake credentials and a region, and points boto3 away from the user's own
  config and credentials files, so no real profile can be read or used;
- moto answers every boto3/botocore client created inside, whatever service;
- a socket that would connect to anything but this machine raises ``NetworkBlockedError`` before a
  packet is sent (and a host name other than ``localhost`` is never looked up), so a client moto does
  not cover fails loudly instead of reaching AWS.

``AwsMock`` seeds secrets, buckets and parameters, and makes principals whose calls IAM authorizes.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import socket
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["DEFAULT_REGION", "AwsMock", "NetworkBlockedError", "block_network", "mocked_aws"]

DEFAULT_REGION = "us-east-1"
FAKE_CREDENTIALS: Mapping[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
}
# Variables that would lead boto3 to real credentials, endpoints or config.
_CLEARED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ENDPOINT_URL",
            "AWS_CA_BUNDLE")


class NetworkBlockedError(OSError):
    """A connection to another machine was attempted while AWS is mocked."""


def _is_local(address: Any, family: int) -> bool:
    if family == getattr(socket, "AF_UNIX", None):
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _is_address(host: str) -> bool:
    """An IP literal: looking it up sends nothing; connecting to it is what the guard judges."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def block_network() -> Iterator[list[str]]:
    """Refuse connections and name lookups beyond this machine; yields the refused targets (for reports)."""
    refused: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guard(sock: socket.socket, address: Any) -> None:
        if not _is_local(address, sock.family):
            refused.append(repr(address))
            raise NetworkBlockedError(f"network access to {address!r} blocked: AWS is mocked (moto) and no request "
                                      "may leave the machine")

    def connect(sock: Any, address: Any) -> None:
        guard(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: Any, address: Any) -> int:
        guard(sock, address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _is_local((name,), socket.AF_INET) and not _is_address(name):
            refused.append(repr(name))
            raise NetworkBlockedError(f"name lookup of {name!r} blocked: AWS is mocked (moto) and no request may "
                                      "leave the machine")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    try:
        yield refused
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo


@contextlib.contextmanager
def _environment(region: str, config_dir: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in
             (*FAKE_CREDENTIALS, *_CLEARED, "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_CONFIG_FILE",
              "AWS_SHARED_CREDENTIALS_FILE")}
    try:
        for name in _CLEARED:
            os.environ.pop(name, None)
        os.environ.update(FAKE_CREDENTIALS)
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region
        os.environ["AWS_CONFIG_FILE"] = os.path.join(config_dir, "config")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(config_dir, "credentials")
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class AwsMock:
    """Seeds and clients inside ``mocked_aws``; every call is answered by moto."""

    def __init__(self, region: str) -> None:
        self.region = region

    def client(self, service: str, *, region: str | None = None, session: Any = None) -> Any:
        import boto3

        return (session or boto3).client(service, region_name=region or self.region)

    def seed_secret(self, name: str, value: str | Mapping[str, Any], *, region: str | None = None) -> str:
        """Create a secret (a mapping is stored as JSON); returns its ARN."""
        text = value if isinstance(value, str) else json.dumps(dict(value))
        answer = self.client("secretsmanager", region=region).create_secret(Name=name, SecretString=text)
        return str(answer["ARN"])

    def rotate_secret(self, name: str, value: str | Mapping[str, Any], *, region: str | None = None) -> str:
        """Store a new current version (the old one becomes AWSPREVIOUS); returns the new version id."""
        text = value if isinstance(value, str) else json.dumps(dict(value))
        answer = self.client("secretsmanager", region=region).put_secret_value(SecretId=name, SecretString=text)
        return str(answer["VersionId"])

    def seed_binary_secret(self, name: str, value: bytes, *, region: str | None = None) -> str:
        answer = self.client("secretsmanager", region=region).create_secret(Name=name, SecretBinary=value)
        return str(answer["ARN"])

    def seed_bucket(self, name: str, objects: Mapping[str, bytes | str] | None = None, *,
                    region: str | None = None) -> str:
        """Create a bucket holding ``objects`` (key to body); returns the bucket name."""
        where = region or self.region
        s3 = self.client("s3", region=where)
        if where == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": where})
        for key, body in (objects or {}).items():
            s3.put_object(Bucket=name, Key=key, Body=body.encode() if isinstance(body, str) else body)
        return name

    def seed_parameter(self, name: str, value: str, *, secure: bool = True, region: str | None = None) -> str:
        """Create an SSM parameter (a SecureString unless ``secure=False``); returns its name."""
        self.client("ssm", region=region).put_parameter(
            Name=name, Value=value, Type="SecureString" if secure else "String", Overwrite=True)
        return name

    def principal(self, name: str, policy: Mapping[str, Any]) -> Any:
        """A boto3 session for a new IAM user holding only ``policy``; its calls are authorized under
        ``enforce_iam()``."""
        import boto3

        iam = self.client("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(dict(policy)))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return boto3.session.Session(aws_access_key_id=key["AccessKeyId"],
                                     aws_secret_access_key=key["SecretAccessKey"], region_name=self.region)

    @contextlib.contextmanager
    def enforce_iam(self) -> Iterator[None]:
        """Inside, moto authorizes every call against the caller's IAM policies, as AWS does."""
        from moto.core import enable_iam_authentication

        with enable_iam_authentication():
            yield


@contextlib.contextmanager
def mocked_aws(region: str = DEFAULT_REGION) -> Iterator[AwsMock]:
    """Fake credentials and region, moto for every boto3 client, and no connection beyond this machine."""
    import tempfile

    try:
        from moto import mock_aws
    except ImportError as exc:
        raise ImportError("mocking AWS needs the `aws` extra (pip install pytest-iaccompliance[aws])") from exc
    with tempfile.TemporaryDirectory(prefix="iac-aws-") as config_dir, mock_aws(), \
            _environment(region, config_dir), block_network():
        yield AwsMock(region)
