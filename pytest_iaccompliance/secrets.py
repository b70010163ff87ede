"""Secrets read at run time from AWS Secrets Manager, and handed to Pulumi or cdktf without landing in code.

``resolve_secret("prod/db", key="password")`` reads the secret's current version (or another stage),
from a JSON secret the value under one key, and keeps it in a per-process cache until
``clear_secret_cache()``. Errors name the secret, the region and the stage, never the value.

Infrastructure code should not hold a secret's value at all: a value written into a cdktf stack lands
in ``cdk.tf.json`` and the plan, and one passed to Pulumi as plain text lands in the state.
``cdktf_secret`` therefore returns a reference to a ``data "aws_secretsmanager_secret_version"``
(Terraform reads the value at apply time; the synthesized JSON holds only the secret's id), and
``pulumi_secret`` wraps the resolved value in ``Output.secret`` so Pulumi encrypts it in the state and
masks it in every output.

boto3, cdktf and pulumi are imported only by the function that needs them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MalformedSecretError",
    "SecretAccessDeniedError",
    "SecretError",
    "SecretNotFoundError",
    "SecretResolver",
    "cdktf_secret",
    "clear_secret_cache",
    "pulumi_secret",
    "resolve_secret",
]

CURRENT = "AWSCURRENT"
_DENIED = frozenset({"AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
                     "DecryptionFailure", "KMSAccessDeniedException", "ExpiredTokenException"})
_MISSING = frozenset({"ResourceNotFoundException"})


class SecretError(LookupError):
    """A secret that could not be read; names the secret, region and stage, never any part of its value."""

    def __init__(self, secret_id: str, region: str | None, stage: str, reason: str) -> None:
        self.secret_id = secret_id
        self.region = region
        self.stage = stage
        self.reason = reason
        where = f"region {region}, " if region else ""
        super().__init__(f"secret {secret_id!r} ({where}stage {stage}): {reason}")


class SecretNotFoundError(SecretError):
    """No such secret, or no version at the asked stage."""


class SecretAccessDeniedError(SecretError):
    """The caller may not read the secret (or decrypt it with its KMS key)."""


class MalformedSecretError(SecretError):
    """The secret exists but does not hold what was asked: not JSON, no such key, binary data."""


_LOCK = threading.Lock()
_CACHE: dict[tuple[str | None, str, str], str] = {}


def clear_secret_cache() -> None:
    """Forget every cached secret of this process (after a rotation, or between tests)."""
    with _LOCK:
        _CACHE.clear()


class SecretResolver:
    """Reads secrets through one boto3 session (default: the environment's credentials) into the process cache.

    ``region`` falls back to the session's; ``version_stage`` to ``AWSCURRENT``.
    """

    def __init__(self, *, region: str | None = None, version_stage: str = CURRENT, session: Any = None) -> None:
        self.region = region
        self.version_stage = version_stage
        self._session = session
        self._clients: dict[str | None, Any] = {}

    def _client(self, region: str | None) -> Any:
        client = self._clients.get(region)
        if client is None:
            if self._session is None:
                import boto3

                self._session = boto3.session.Session()
            client = self._session.client("secretsmanager", region_name=region)
            self._clients[region] = client
        return client

    def _region(self, region: str | None) -> str | None:
        chosen = region or self.region
        if chosen:
            return chosen
        session = self._session
        return getattr(session, "region_name", None) if session is not None else None

    def get(self, secret_id: str, *, key: str | None = None, version_stage: str | None = None,
            region: str | None = None) -> str:
        """The secret's text, or with ``key`` the value under that key of its JSON object."""
        stage = version_stage or self.version_stage
        where = self._region(region)
        text = self._text(secret_id, stage, where)
        return text if key is None else _value_at(text, key, secret_id, where, stage)

    def _text(self, secret_id: str, stage: str, region: str | None) -> str:
        cache_key = (region, secret_id, stage)
        with _LOCK:
            if cache_key in _CACHE:
                return _CACHE[cache_key]
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client(region).get_secret_value(SecretId=secret_id, VersionStage=stage)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "")) or "an unknown error"
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _MISSING:
                raise SecretNotFoundError(secret_id, region, stage, "not found (no such secret, or no "
                                          "version at this stage)") from None
            if code in _DENIED or status == 403:
                raise SecretAccessDeniedError(secret_id, region, stage, f"access denied ({code})") from None
            raise SecretError(secret_id, region, stage, f"AWS answered {code}") from None
        except BotoCoreError as exc:  # no credentials, no region, no connection
            raise SecretError(secret_id, region, stage, f"cannot call Secrets Manager ({type(exc).__name__})") \
                from None
        text = answer.get("SecretString")
        if not isinstance(text, str):
            raise MalformedSecretError(secret_id, region, stage, "holds binary data (SecretBinary), not text")
        with _LOCK:
            _CACHE[cache_key] = text
        return text


def _value_at(text: str, key: str, secret_id: str, region: str | None, stage: str) -> str:
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    if not isinstance(document, Mapping):
        raise MalformedSecretError(secret_id, region, stage, f"is not a JSON object, so key {key!r} cannot be read")
    if key not in document:
        keys = ", ".join(sorted(map(str, document))[:10]) or "none"
        raise MalformedSecretError(secret_id, region, stage, f"has no key {key!r} (its keys: {keys})")
    value = document[key]
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        kind = "null" if value is None else type(value).__name__
        raise MalformedSecretError(secret_id, region, stage, f"key {key!r} holds {kind}, expected text")
    return str(value)


_DEFAULT = SecretResolver()


def resolve_secret(secret_id: str, *, key: str | None = None, version_stage: str | None = None,
                   region: str | None = None, resolver: SecretResolver | None = None) -> str:
    """The secret's value (under ``key`` for a JSON secret), read once per process and stage."""
    return (resolver or _DEFAULT).get(secret_id, key=key, version_stage=version_stage, region=region)


def pulumi_secret(secret_id: str, *, key: str | None = None, version_stage: str | None = None,
                  region: str | None = None, resolver: SecretResolver | None = None) -> Any:
    """The value as ``pulumi.Output.secret``: encrypted in the state, masked in previews and outputs."""
    import pulumi

    value = resolve_secret(secret_id, key=key, version_stage=version_stage, region=region, resolver=resolver)
    return pulumi.Output.secret(value)


def cdktf_secret(scope: Any, construct_id: str, secret_id: str, *, key: str | None = None,
                 version_stage: str | None = None) -> str:
    """A token for the secret's value that Terraform reads at apply time; the synthesized JSON holds only
    the reference and the secret's id.

    Never pass a resolved value into a cdktf construct: every literal is written to ``cdk.tf.json``, the
    plan and the state's configuration. Works with cdktf and cdktn and the AWS provider bindings.
    """
    from pytest_iaccompliance.cdktf.library import library_of, select_library

    library = (library_of(type(scope)) or select_library()).module()
    try:
        from cdktf_cdktf_provider_aws.data_aws_secretsmanager_secret_version import (
            DataAwsSecretsmanagerSecretVersion,
        )
    except ImportError as exc:
        raise ImportError("cdktf_secret needs the AWS provider bindings (cdktf-cdktf-provider-aws)") from exc
    data = DataAwsSecretsmanagerSecretVersion(scope, construct_id, secret_id=secret_id,
                                              version_stage=version_stage or CURRENT)
    if key is None:
        return str(data.secret_string)
    return str(library.Fn.lookup(library.Fn.jsondecode(data.secret_string), key))
