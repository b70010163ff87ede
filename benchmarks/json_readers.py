"""What reading a large cdk.tf.json costs with each JSON reader, and which keeps the sources' guarantees.

    python benchmarks/json_readers.py benchmarks/.work/cdk-mixed-50000.tf.json [--repeat 5]

Times (CPU, best of ``--repeat``, collector paused as the loader pauses it): the project's reader
(``parse_json``: the standard library with a pairs hook that keeps repeated keys), the standard library
without a hook, and orjson when installed. Then asks each reader the questions the hostile-input tests
ask: is a repeated key seen, is a 5,000-deep nesting read or refused with an error, is a 5,000-digit
integer read or refused. A reader that silently keeps the last of two values for a key cannot be the
project's: a ``.tf.json`` may give a key twice, and Terraform reads both (or refuses the file).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pytest_iaccompliance.sources import SourceError, has_repeated_keys, parse_json


def best_of(repeat: int, read: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        gc.disable()
        started = time.process_time()
        read()
        times.append(time.process_time() - started)
        gc.enable()
    return min(times)


def answers(read: Callable[[bytes], Any], sees_repeats: Callable[[Any], bool]) -> str:
    """How a reader answers a repeated key, deep nesting and a huge integer."""
    found = []
    found.append("repeated key seen" if sees_repeats(read(b'{"a": 1, "a": 2}')) else "repeated key LOST")
    for label, text in (("deep nesting", b"[" * 5000 + b"]" * 5000), ("5,000-digit int", b"1" * 5000)):
        try:
            read(text)
            found.append(f"{label} read")
        except (SourceError, ValueError, RecursionError) as error:
            found.append(f"{label} refused ({type(error).__name__})")
    return "; ".join(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    data = args.file.read_bytes()
    text = data.decode("utf-8")

    def ours(raw: bytes) -> Any:
        return parse_json(raw.decode("utf-8"), args.file)

    readers: list[tuple[str, Callable[[bytes], Any], Callable[[Any], bool]]] = [
        ("parse_json (json + pairs hook)", ours, has_repeated_keys),
        ("json.loads, no hook", lambda raw: json.loads(raw), lambda doc: len(doc) != 1),
    ]
    try:
        import orjson

        readers.append(("orjson.loads", orjson.loads, lambda doc: len(doc) != 1))
    except ImportError:
        print("orjson is not installed: not measured")
    for label, read, sees_repeats in readers:
        if read is ours:
            seconds = best_of(args.repeat, lambda: parse_json(text, args.file))
        else:
            seconds = best_of(args.repeat, lambda read=read: read(data))  # type: ignore[misc]
        print(f"{label:32} {seconds:6.3f} s  {answers(read, sees_repeats)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
