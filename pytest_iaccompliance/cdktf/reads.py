"""What synthesis read: environment variables, files and folders, recorded so a cache entry can be checked.

A stack's output depends on more than its source and arguments: ``os.environ["OPEN_SSH"]``, a
config file, the listing of a folder. The synth cache keeps, with each entry, the digests of what
the code read while it ran and answers from the entry only while every digest still holds.

Recording has two parts, both installed once per process and inert until something is recorded:

* ``os.environ`` (and ``os.environb``) get a subclass that notes each variable read by name
  (``[...]``, ``get``, ``in``, ``os.getenv``); iterating or copying the environment means the code
  depends on all of it, which cannot be checked cheaply, so that entry is not cached.
* An audit hook (``sys.addaudithook`` cannot be undone, hence one hook forwarding to the active
  logs) sees files opened for reading and folders listed; a subprocess, a socket or a non-regular
  file makes what was read unknowable, so that entry is not cached either.

Reads are recorded while a synthesis runs (the window) and, at any time, while a project module is
being imported (its top-level code), attributed to that module's file: a module imported earlier
in the session keeps the values it read then, and a later process importing it afresh reads them
again. Reads made by jsii's runtime and by this package are not the user's and are left out, as are
files of the standard library and installed distributions (keyed by their versions). Values are
kept as salted SHA-256 digests, never in clear: a cache entry holds no secret.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
import stat
import sys
import sysconfig
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType
from typing import Any, Final

__all__ = [
    "ReadLog",
    "install",
    "module_reads",
    "recording",
    "unobserved_modules",
]

_PASS: Final = 0  # standard library or generated code: look at its caller
_IGNORE: Final = 1  # jsii's runtime or this package: not the user's read
_USER: Final = 2  # anything else: the user's code, or a library it called

_SPAWN_EVENTS: Final = frozenset(
    {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "pty.spawn"}
)
_NETWORK_EVENTS: Final = frozenset(
    {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "urllib.Request"}
)
_LISTING_EVENTS: Final = frozenset({"os.listdir", "os.scandir"})
_EVENTS: Final = frozenset({"open", *_LISTING_EVENTS, *_SPAWN_EVENTS, *_NETWORK_EVENTS})


@dataclass
class ReadLog:
    """Digests of what one piece of code read, or the reasons it cannot be known."""

    env: dict[str, str | None] = field(default_factory=dict)
    files: dict[str, str | None] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def read_env(self, name: str) -> None:
        if name not in self.env:
            self.env[name] = env_digest(name, os.environ.get(name))

    def read_path(self, path: str, listing: bool) -> None:
        key = f"{'dir' if listing else 'file'}:{path}"
        if key in self.files:
            return
        digest = path_digest(path, listing)
        if digest == _SPECIAL:
            self.give_up(f"read {path}, which is not a regular file")
        self.files[key] = digest

    def give_up(self, reason: str) -> None:
        if reason not in self.unknown:
            self.unknown.append(reason)

    def merge(self, other: ReadLog) -> None:
        for name, digest in other.env.items():
            self.env.setdefault(name, digest)
        for path, digest in other.files.items():
            self.files.setdefault(path, digest)
        for reason in other.unknown:
            self.give_up(reason)

    def module_files(self) -> list[str]:
        """Project Python files read (modules imported during synthesis): their own top-level reads count too."""
        return [key[5:] for key in self.files if key.startswith("file:") and key.endswith(".py")]

    def stale(self) -> str | None:
        """What changed since the reads were recorded (a variable or path name), or None if nothing did."""
        for name, digest in self.env.items():
            if env_digest(name, os.environ.get(name)) != digest:
                return f"environment variable {name}"
        for key, digest in self.files.items():
            kind, _, path = key.partition(":")
            if path_digest(path, kind == "dir") != digest:
                return f"{'folder' if kind == 'dir' else 'file'} {path}"
        return None

    def to_json(self) -> dict[str, Any]:
        return {"env": dict(sorted(self.env.items())), "files": dict(sorted(self.files.items()))}

    @classmethod
    def from_json(cls, data: Any) -> ReadLog | None:
        """The log stored in a cache entry; None when it is not one (a foreign or damaged entry)."""
        if not isinstance(data, Mapping):
            return None
        env, files = data.get("env"), data.get("files")
        if not isinstance(env, Mapping) or not isinstance(files, Mapping):
            return None
        items = [*env.items(), *files.items()]
        if not all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in items):
            return None
        return cls(env=dict(env), files=dict(files))


def env_digest(name: str, value: str | None) -> str | None:
    """Salted with the name, so equal values of two variables do not share a digest."""
    if value is None:
        return None
    data = b"env\0" + os.fsencode(name) + b"\0" + os.fsencode(value)
    return hashlib.sha256(data).hexdigest()


_SPECIAL: Final = "special"


def path_digest(path: str, listing: bool) -> str | None:
    """Content digest of a file, or of a folder's sorted names; None for a missing path."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"error:{exc.errno}"
    if stat.S_ISDIR(info.st_mode):
        try:
            names = sorted(os.listdir(path))
        except OSError as exc:
            return f"error:{exc.errno}"
        return "dir:" + hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()
    if not stat.S_ISREG(info.st_mode):
        return _SPECIAL  # a FIFO, socket or device: reading it again could block or differ
    if listing:
        return "file"  # listing a file fails the same way while it stays a file
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        return f"error:{exc.errno}"
    return digest.hexdigest()


# -- process-wide state ------------------------------------------------------------------------
_lock = threading.Lock()
_installed = False
_windows: list[ReadLog] = []  # logs of the syntheses running now (nested calls are allowed)
# project module file -> (namespace of its latest import, what that import's top-level code read)
_modules: dict[str, tuple[dict[str, Any], ReadLog]] = {}
_unobserved: frozenset[str] = frozenset()  # project modules imported before recording began
_guard = threading.local()
_frame_kinds: dict[CodeType, int] = {}
_dir_is_project: dict[str, bool] = {}
_own_roots: tuple[str, ...] = ()
_library_roots: tuple[str, ...] = ()
_stdlib_roots: tuple[str, ...] = ()


def _roots() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    paths = sysconfig.get_paths()
    stdlib = {paths[k] for k in ("stdlib", "platstdlib") if paths.get(k)}
    library = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(k)}
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        library.add(os.path.join(prefix, "lib"))
    own = {str(Path(__file__).resolve().parents[1])}
    try:
        spec = importlib.util.find_spec("jsii")  # located, not imported
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        own.add(os.path.dirname(spec.origin))

    def both(values: set[str]) -> tuple[str, ...]:
        forms = {os.path.abspath(v) for v in values} | {os.path.realpath(v) for v in values}
        return tuple(sorted(f.rstrip(os.sep) + os.sep for f in forms))

    return both(stdlib), both(library), both(own)


@functools.lru_cache(maxsize=4096)
def _canonical(path: str) -> str:
    """One name per module file, however it was reached (the cache keys sources by real path)."""
    return os.path.realpath(path)


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path.startswith(root) for root in roots)


def _is_project_path(path: str) -> bool:
    """Not the standard library, an installed distribution or a device; cached per folder."""
    folder = os.path.dirname(path)
    known = _dir_is_project.get(folder)
    if known is None:
        real = os.path.realpath(folder) + os.sep
        known = not (
            _under(folder + os.sep, _library_roots)
            or _under(real, _library_roots)
            or "site-packages" in real
            or "dist-packages" in real
            or _under(real, _own_roots)
            or real.startswith(("/dev/", "/proc/self/fd/"))
        )
        _dir_is_project[folder] = known
    return known


def _frame_kind(code: CodeType) -> int:
    kind = _frame_kinds.get(code)
    if kind is None:
        name = code.co_filename
        if name.startswith("<") or (
            _under(name, _stdlib_roots) and "site-packages" not in name and "dist-packages" not in name
        ):
            kind = _PASS
        elif _under(name, _own_roots) or _under(os.path.realpath(name), _own_roots):
            kind = _IGNORE
        else:
            kind = _USER
        if len(_frame_kinds) > 100_000:
            _frame_kinds.clear()  # code compiled at run time (exec, templates) must not pile up
        _frame_kinds[code] = kind
    return kind


def _reader(frame: FrameType | None) -> tuple[bool, list[FrameType]]:
    """Whether the innermost non-stdlib frame is the user's, and the project modules being imported."""
    user: bool | None = None
    importing: list[FrameType] = []
    while frame is not None:
        code = frame.f_code
        kind = _frame_kind(code)
        if user is None and kind != _PASS:
            user = kind == _USER
            if not user:
                return False, []
        if code.co_name == "<module>" and kind == _USER and _is_project_path(code.co_filename):
            importing.append(frame)
        frame = frame.f_back
    return bool(user), importing


def _targets(frame: FrameType | None) -> list[ReadLog]:
    """The logs a read made now belongs to: running syntheses and project modules being imported."""
    user, importing = _reader(frame)
    if not user:
        return []
    logs = list(_windows)
    for module in importing:
        real = _canonical(module.f_code.co_filename)
        known = _modules.get(real)
        if known is None or known[0] is not module.f_globals:
            # A first import, or the module imported afresh: what an earlier import read no longer counts.
            known = _modules[real] = (module.f_globals, ReadLog())
        logs.append(known[1])
    return logs


def _where(frame: FrameType | None) -> str:
    while frame is not None and _frame_kind(frame.f_code) == _PASS:
        frame = frame.f_back
    return f" at {frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""


def _path_of(value: Any) -> str | None:
    if isinstance(value, int) or value is None:
        return None  # an already-open descriptor: its opening was seen, or it is a pipe
    try:
        return os.path.abspath(os.fsdecode(value))
    except (TypeError, ValueError):
        return None


def _reads_content(mode: Any, flags: Any) -> bool:
    if isinstance(mode, str):
        return "r" in mode or "+" in mode
    if isinstance(flags, int):
        return flags & os.O_ACCMODE != os.O_WRONLY
    return True


def _module_source(path: str) -> str:
    """An imported module's ``__pycache__`` file stands for its source, which is what gets edited."""
    if path.endswith(".pyc") and os.path.basename(os.path.dirname(path)) == "__pycache__":
        try:
            return importlib.util.source_from_cache(path)
        except ValueError:
            return path
    return path


def _imports_listing(path: str, frame: FrameType | None) -> bool:
    """A folder on ``sys.path`` listed by the import system or a distribution lookup (``importlib.metadata``
    on behalf of an installed package), not by the user's own code: not something the stack read."""
    if frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
        return True
    if path not in {os.path.abspath(entry or os.curdir) for entry in sys.path}:
        return False
    while frame is not None and _frame_kind(frame.f_code) == _PASS:
        frame = frame.f_back
    return frame is None or not _is_project_path(frame.f_code.co_filename)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event not in _EVENTS or getattr(_guard, "active", False):
        return
    _guard.active = True  # the digests' own reads raise events too
    try:
        _on_event(event, args, sys._getframe(1))
    finally:
        _guard.active = False


def _on_event(event: str, args: tuple[Any, ...], frame: FrameType) -> None:
    if event == "open" or event in _LISTING_EVENTS:
        listing = event in _LISTING_EVENTS
        path = _path_of(args[0]) if args else None
        if path is None and listing and args and args[0] is None:
            path = os.getcwd()
        if path is None or not _is_project_path(path):
            return
        if not listing and not _reads_content(args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else None):
            return
        if listing and _imports_listing(path, frame):
            return
        for log in _targets(frame):
            log.read_path(_module_source(path), listing)
        return
    logs = _targets(frame)
    if not logs:
        return
    if event in _SPAWN_EVENTS:
        first = args[0] if args else None
        program = os.path.basename(os.fsdecode(first)) if isinstance(first, (str, bytes)) else ""
        reason = f"ran a subprocess{f' ({program})' if program else ''}{_where(frame)}, whose reads are unknown"
    else:
        reason = f"used the network{_where(frame)}"
    for log in logs:
        log.give_up(reason)


def _record_env(key: Any, frame: FrameType, whole: bool) -> None:
    if getattr(_guard, "active", False):
        return
    _guard.active = True
    try:
        logs = _targets(frame)
        if not logs:
            return
        if whole:
            for log in logs:
                log.give_up(f"read the whole environment{_where(frame)}")
            return
        try:
            name = os.fsdecode(key)
        except (TypeError, ValueError):
            return
        for log in logs:
            log.read_env(name)
    finally:
        _guard.active = False


class _RecordingEnviron(os._Environ):  # type: ignore[type-arg]
    """``os.environ`` noting each read. The existing object's class is swapped, so every reference
    to it (``from os import environ`` included) records; ``get``, ``in`` and ``os.getenv`` go
    through ``__getitem__``."""

    def __getitem__(self, key: Any) -> Any:
        _record_env(key, sys._getframe(1), whole=False)
        return super().__getitem__(key)

    def __iter__(self) -> Iterator[Any]:
        _record_env(None, sys._getframe(1), whole=True)
        return super().__iter__()

    def __len__(self) -> int:
        _record_env(None, sys._getframe(1), whole=True)
        return super().__len__()

    def __repr__(self) -> str:
        _record_env(None, sys._getframe(1), whole=True)
        return super().__repr__()


def install() -> None:
    """Start recording in this process (idempotent); modules already imported are noted as unobserved."""
    global _installed, _unobserved, _own_roots, _library_roots, _stdlib_roots
    with _lock:
        if _installed:
            return
        _stdlib_roots, _library_roots, _own_roots = _roots()
        for environ in (os.environ, getattr(os, "environb", None)):
            if type(environ) is os._Environ:
                environ.__class__ = _RecordingEnviron
        sys.addaudithook(_hook)
        _installed = True
        files = set()
        for module in list(sys.modules.values()):
            file = getattr(module, "__file__", None)
            if isinstance(file, str) and _is_project_path(os.path.abspath(file)):
                files.add(_canonical(file))
        _unobserved = frozenset(files)


def unobserved_modules(files: Iterator[str] | list[str]) -> list[str]:
    """Those of ``files`` imported before recording began: what their top-level code read is unknown."""
    return [f for f in files if _canonical(f) in _unobserved]


def module_reads(files: list[str]) -> ReadLog:
    """What the top-level code of these project modules read when they were imported."""
    log = ReadLog()
    for file in files:
        found = _modules.get(_canonical(file))
        if found is not None:
            log.merge(found[1])
    return log


@contextlib.contextmanager
def recording() -> Iterator[ReadLog]:
    """Record what the code run inside reads; the log is complete when the block ends."""
    install()
    log = ReadLog()
    if not isinstance(os.environ, _RecordingEnviron):
        log.give_up("os.environ was replaced by another mapping, so variable reads cannot be recorded")
    _windows.append(log)
    try:
        yield log
    finally:
        _windows.remove(log)
