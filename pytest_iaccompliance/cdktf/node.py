"""Node.js, which jsii needs: found once, version-checked, and its end-of-life banner silenced.

jsii starts ``node`` (or ``$JSII_NODE``) as a child process; without it the failure surfaces as a
bare ``FileNotFoundError`` deep in the kernel, so synthesis checks first and names what to install.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from typing import TYPE_CHECKING

from pytest_iaccompliance.cdktf.errors import NodeError

if TYPE_CHECKING:
    from collections.abc import MutableMapping

__all__ = [
    "BANNER_VARIABLES",
    "MIN_NODE_MAJOR",
    "check_node",
    "parse_node_version",
    "silence_node_banner",
]

MIN_NODE_MAJOR = 18
_INSTALL_HINT = (
    "install Node.js 20 or newer (https://nodejs.org/, or your system's package, e.g. "
    "`apt-get install nodejs`), or set JSII_NODE to the path of a node executable"
)
# jsii reads these before printing its "Node N is end-of-life" / "has reached end-of-life" banners.
_EOL_VARIABLE = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"  # comma-separated major versions
_DEPRECATED_VARIABLE = "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"  # any value
BANNER_VARIABLES = (_EOL_VARIABLE, _DEPRECATED_VARIABLE)
_SILENCED_EOL_MAJORS = "20"


def parse_node_version(text: str) -> tuple[int, int, int] | None:
    match = re.search(r"v?(\d+)\.(\d+)\.(\d+)", text)
    if not match:
        return None
    return int(match[1]), int(match[2]), int(match[3])


def silence_node_banner(environ: MutableMapping[str, str] | None = None) -> dict[str, str | None]:
    """Silence jsii's Node 20 end-of-life banner unless the user set the variables themselves.

    Returns the previous values, so a caller (the pytest glue) can restore them.
    """
    env = os.environ if environ is None else environ
    previous: dict[str, str | None] = {}
    for name, value in ((_EOL_VARIABLE, _SILENCED_EOL_MAJORS), (_DEPRECATED_VARIABLE, "1")):
        if name not in env:
            previous[name] = None
            env[name] = value
    return previous


@functools.lru_cache(maxsize=8)
def _probe(executable: str) -> str:
    try:
        completed = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise NodeError(
            f"cannot run Node.js at {executable!r} ({exc.strerror or exc}); cdktf/cdktn synthesis "
            f"runs every construct in node: {_INSTALL_HINT}"
        ) from None
    except subprocess.TimeoutExpired:
        raise NodeError(
            f"`{executable} --version` did not answer within 30 s: {_INSTALL_HINT}"
        ) from None
    return completed.stdout.strip() or completed.stderr.strip()


def check_node(environ: MutableMapping[str, str] | None = None) -> tuple[int, int, int]:
    """The node version jsii will use; ``NodeError`` naming what to install if missing or old."""
    env = os.environ if environ is None else environ
    configured = env.get("JSII_NODE")
    executable = configured or shutil.which("node", path=env.get("PATH"))
    if not executable:
        raise NodeError(
            "Node.js is not installed (no `node` on PATH): cdktf/cdktn synthesis runs every "
            f"construct in node through jsii; {_INSTALL_HINT}"
        )
    output = _probe(executable)
    version = parse_node_version(output)
    source = f"JSII_NODE={configured}" if configured else executable
    if version is None:
        raise NodeError(
            f"`{source} --version` printed {output[:80]!r}, not a Node.js version: {_INSTALL_HINT}"
        )
    if version[0] < MIN_NODE_MAJOR:
        found = ".".join(map(str, version))
        raise NodeError(
            f"Node.js {found} ({source}) is too old: cdktf/cdktn synthesis needs Node.js >= "
            f"{MIN_NODE_MAJOR}; {_INSTALL_HINT}"
        )
    return version
