"""The stage rule (pyproject.toml's [tool.importlinter]) holds, and it would catch a break."""

import shutil
import subprocess
import sys
from pathlib import Path

from helpers import ROOT


def _lint(cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    return subprocess.run([exe, "--no-cache"], cwd=cwd, capture_output=True, text=True, env=env)


def test_imports_flow_down_the_stages_with_no_circles():
    got = _lint(ROOT)
    assert got.returncode == 0, got.stdout[-3000:]
    assert "3 kept, 0 broken" in got.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """A copy of the package where the seed stage imports the plan stage above it."""
    shutil.copytree(ROOT / "syngen", tmp_path / "syngen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with open(tmp_path / "syngen/seed/table.py", "a", encoding="utf-8") as f:
        f.write("\nfrom syngen.plan import resolve  # noqa\n")
    got = _lint(tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": str(Path(sys.executable).parent)})
    assert got.returncode != 0
    assert "stages import downwards only BROKEN" in got.stdout
