"""Turning files into resource sets: each input kind is recognized by content, not by file name."""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_iaccompliance.model import ResourceSet, paused_gc

__all__ = [
    "JsonDocument", "KeptPairs", "LoadedSource", "SourceError", "discover", "first_repeated_key",
    "has_repeated_keys", "load_document", "load_path", "may_hold_dynamic_blocks", "parse_json",
    "read_bytes", "read_json",
    "refuse_repeated_keys",
]


class SourceError(ValueError):
    """An input that is not infrastructure we understand; always names the file at fault."""

    def __init__(self, path: str | os.PathLike[str], message: str) -> None:
        self.path = str(path)
        self.reason = message
        super().__init__(f"{self.path}: {message}")


@dataclass(frozen=True)
class LoadedSource:
    """One stack or document read from a file."""

    path: Path
    kind: str
    resources: ResourceSet

    @property
    def label(self) -> str:
        return self.resources.name or self.path.name


# A loader answers None for a document that is not its kind, so detection is by content.
Loader = Callable[[Mapping[str, Any], Path], "list[LoadedSource] | None"]


def _loaders() -> tuple[Loader, ...]:
    from pytest_iaccompliance.sources import pulumi_export, terraform_json

    return (terraform_json.load_document, pulumi_export.load_document)


_SKIPPED_DIRS = {"node_modules", ".terraform", ".git", "__pycache__", ".venv", "venv"}


def discover(path: Path, *, companions: bool = True) -> list[Path]:
    """The files a path stands for: itself, or every ``*.tf.json`` below a folder such as ``cdktf.out``.

    With ``companions`` (a scan), also what configures the infrastructure beside it: ``.env`` files in a
    file source's folder or below a folder source, and Pulumi project and stack files below a folder.

    Symbolic links are followed once: a linked stack folder is scanned, a folder reached twice is scanned
    once, and a link that leads back into itself is an error naming it, never a silent skip.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise SourceError(path, _os_reason(path, exc)) from None
    if not stat.S_ISDIR(info.st_mode):
        # read_json says what is wrong with anything that is not a regular file
        return [path, *_dotenv_beside(path)] if companions else [path]

    def unreadable_folder(exc: OSError) -> None:
        raise SourceError(exc.filename or path, f"cannot read folder: {exc.strerror or exc}")

    found: list[Path] = []
    seen: set[str] = set()
    walked: set[str] = set()
    for root, dirs, files in os.walk(path, onerror=unreadable_folder, followlinks=True):
        real_root = os.path.realpath(root)
        walked.add(real_root)
        kept = []
        for name in sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(".")):
            real = os.path.realpath(os.path.join(root, name))
            if real == real_root or real_root.startswith(real.rstrip(os.sep) + os.sep):
                raise SourceError(Path(root, name), f"is a symbolic link loop (it leads back to {real})")
            if real not in walked:  # reached before through another link: already scanned
                walked.add(real)
                kept.append(name)
        dirs[:] = kept
        for name in sorted(f for f in files if _is_source_name(f, companions)):
            file = Path(root, name)
            try:
                os.stat(file)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise SourceError(file, _os_reason(file, exc)) from None
            real = os.path.realpath(file)
            if real not in seen:
                seen.add(real)
                found.append(file)
    if not any(not _is_dotenv(file) for file in found):
        raise SourceError(path, "folder holds no *.tf.json file (expected e.g. cdktf.out/stacks/*/cdk.tf.json)"
                          + (" and no Pulumi project or stack file" if companions else ""))
    return found


def _is_dotenv(path: Path) -> bool:
    from pytest_iaccompliance.sources.dotenv import is_dotenv

    return is_dotenv(path)


def _is_source_name(name: str, companions: bool) -> bool:
    """Files a folder scan reads: Terraform JSON; with ``companions`` Pulumi project and stack files and
    ``.env`` files too."""
    from pytest_iaccompliance.sources.pulumi_project import is_pulumi_file

    if name.endswith(".tf.json"):
        return True
    path = Path(name)
    return companions and (is_pulumi_file(path) or _is_dotenv(path))


def _dotenv_beside(path: Path) -> list[Path]:
    """``.env`` files in the folder of a source given as a file: they sit next to the IaC they configure."""
    folder = path.parent
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    return [folder / name for name in names
            if _is_dotenv(folder / name) and folder / name != path and os.path.isfile(folder / name)]


def _os_reason(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "is a broken symbolic link (its target does not exist)" if os.path.islink(path) else \
            "no such file or folder"
    return f"cannot read: {exc.strerror or exc}"


_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def _not_regular(mode: int) -> str:
    kind = next((label for test, label in _FILE_KINDS if test(mode)), "a special file")
    return f"is not a regular file ({kind}); only regular files are read"


def read_bytes(path: Path) -> bytes:
    """A regular file's bytes; anything else (a FIFO would block the run forever) is refused unopened."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise SourceError(path, _not_regular(mode))
        # Non-blocking, so a FIFO swapped in after the check cannot block the open either.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(descriptor, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                raise SourceError(path, _not_regular(mode))
            return handle.read()
    except OSError as exc:
        raise SourceError(path, _os_reason(path, exc)) from None


class KeptPairs(dict[str, Any]):
    """A JSON object as written, ``pairs`` holding every (key, value), a repeated key's values included.

    Made only for an object whose text repeats a key (and for a document's top object, see
    ``JsonDocument``), so reading a document without repeated keys costs one ``dict`` per object.
    """

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


class JsonDocument(KeptPairs):
    """The top object of a document ``read_json`` read, with what the reader saw on the way: whether any
    object repeats a key, and whether any object has a ``dynamic`` key at all (when not, no body needs
    searching for one)."""

    __slots__ = ("mentions_dynamic", "repeated_keys")

    def __init__(self, pairs: list[tuple[str, Any]], *, repeated_keys: bool, mentions_dynamic: bool) -> None:
        super().__init__(pairs)
        self.repeated_keys = repeated_keys
        self.mentions_dynamic = mentions_dynamic


def has_repeated_keys(document: Any) -> bool:
    """True when some object of a document gives a key more than once (only ``read_json`` can tell)."""
    if isinstance(document, JsonDocument):
        return document.repeated_keys
    return isinstance(document, KeptPairs)


def may_hold_dynamic_blocks(document: Any) -> bool:
    """False only for a document whose text never names a ``dynamic`` block."""
    return not isinstance(document, JsonDocument) or document.mentions_dynamic


def first_repeated_key(value: Any, where: str = "") -> str | None:
    """The dotted path of the first key given twice in one object, for an error message."""
    if isinstance(value, Mapping):
        if isinstance(value, KeptPairs) and len(value) != len(value.pairs):
            keys: set[str] = set()
            for key, _ in value.pairs:
                if key in keys:
                    return f"{where}.{key}" if where else key
                keys.add(key)
        for key, item in value.items() if not isinstance(value, KeptPairs) else value.pairs:
            found = first_repeated_key(item, f"{where}.{key}" if where else str(key))
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_repeated_key(item, f"{where}[{index}]")
            if found:
                return found
    return None


def refuse_repeated_keys(document: Any, path: Path, kind: str) -> None:
    """A document a tool writes (plan, state, stack export) never repeats a key: one that does is ambiguous."""
    if has_repeated_keys(document):
        where = first_repeated_key(document)
        raise SourceError(path, f"is ambiguous: `{where}` is given more than once in one object, which {kind} "
                                "never does; which value to trust cannot be known")


def parse_json(text: str, path: Path) -> Any:
    """JSON text as data, repeated keys kept (Terraform's JSON syntax gives them meaning, see ``KeptPairs``)."""
    repeated = dynamic = False

    def keep(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated, dynamic
        made = dict(pairs)
        if "dynamic" in made:  # the key as read, \u escapes decoded: a dict lookup, not a scan of the text
            dynamic = True
        if len(made) != len(pairs):
            repeated = True
            return KeptPairs(pairs)
        return made

    try:
        document = json.loads(text, object_pairs_hook=keep)
    except json.JSONDecodeError as exc:
        raise SourceError(path, f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise SourceError(path, "is not valid JSON we can read: nested too deeply") from None
    except ValueError as exc:
        detail = (f"a number has more than {sys.get_int_max_str_digits()} digits"
                  if "integer string conversion" in str(exc) else type(exc).__name__)
        raise SourceError(path, f"is not valid JSON we can read: {detail}") from None
    if isinstance(document, dict):
        pairs = document.pairs if isinstance(document, KeptPairs) else list(document.items())
        document = JsonDocument(pairs, repeated_keys=repeated, mentions_dynamic=dynamic)
    return document


def read_json(path: Path) -> Any:
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SourceError(path, "is not UTF-8 text") from None
    if not text.strip():
        raise SourceError(path, "is empty")
    return parse_json(text, path)


def load_document(document: Any, path: Path) -> list[LoadedSource]:
    if not isinstance(document, Mapping):
        raise SourceError(path, f"top-level JSON value is {type(document).__name__}, expected an object")
    for loader in _loaders():
        try:
            loaded = loader(document, path)
        except SourceError:
            raise
        except RecursionError:
            raise SourceError(path, "is nested too deeply to read") from None
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            # A document of a known kind with a wrong shape somewhere inside: name the file and the kind of
            # fault, never the exception's text (it can quote a value, and values can be secrets).
            raise SourceError(path, f"has an unexpected shape ({type(exc).__name__})") from None
        if loaded is not None:
            return loaded
    keys = ", ".join(sorted(map(str, document))[:8]) or "none"
    raise SourceError(
        path,
        "is not a cdktf/cdktn synthesis, Terraform JSON configuration, `terraform show -json` plan or "
        f"state, or `pulumi stack export` file (top-level keys: {keys})",
    )


def load_file(path: Path) -> list[LoadedSource]:
    from pytest_iaccompliance.sources import dotenv, pulumi_project

    if dotenv.is_dotenv(path):
        return [LoadedSource(path, dotenv.KIND_DOTENV, dotenv.load_file(path, read_bytes(path)))]
    if pulumi_project.is_pulumi_file(path):
        resources = pulumi_project.load_file(path, read_bytes(path))
        return [LoadedSource(path, pulumi_project.KIND_PULUMI_PROJECT, resources)]
    with paused_gc():  # parsing a large plan allocates millions of acyclic containers
        return load_document(read_json(path), path)


def load_path(path: str | os.PathLike[str], *, companions: bool = True) -> list[LoadedSource]:
    """Every stack in a file or folder (and, with ``companions``, the ``.env`` and Pulumi files that
    configure it; see ``discover``); raises ``SourceError`` naming the first bad file."""
    return [loaded for file in discover(Path(path), companions=companions) for loaded in load_file(file)]
