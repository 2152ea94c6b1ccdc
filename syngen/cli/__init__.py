"""The `syngen` command line: `syngen.cli.main` parses and runs; `args` builds the run config."""

from syngen.cli.main import main

__all__ = ["main"]
