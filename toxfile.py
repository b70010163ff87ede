"""tox hook: a local run skips a Python it cannot find, CI (``CI=true``) requires every one."""

from __future__ import annotations

import os

from tox.config.sets import CoreConfigSet
from tox.plugin import impl
from tox.session.state import State

_TRUE = {"1", "true", "yes", "on"}


@impl
def tox_add_core_config(core_conf: CoreConfigSet, state: State) -> None:
    """A CI run must not go green with a Python version silently left out."""
    explicit = state.conf.options.skip_missing_interpreters != "config"
    if not explicit and os.environ.get("CI", "").strip().lower() in _TRUE:
        state.conf.options.skip_missing_interpreters = "false"
