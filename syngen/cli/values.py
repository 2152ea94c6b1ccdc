"""Values typed on the command line: NAME=VALUE pairs."""

from __future__ import annotations

from syngen.common.errors import ConfigError


def pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for it in items:
        k, sep, v = it.partition("=")
        if not sep or not k.strip():
            raise ConfigError(f"{what} '{it}' must look like NAME=VALUE")
        out[k.strip()] = v.strip()
    return out
