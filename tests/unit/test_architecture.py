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


def test_every_page_tells_the_browser_its_server_is_at_the_root():
    """A page's HTML names the root as its server, so a reload of /prompt asks /_stcore/health
    first (it asked /prompt/_stcore/health: a 404 in the console); files and endpoints pass as is."""
    import asyncio

    from syngen.ui.serving import ROOT_BACKEND, RootBackend

    page = b"<!doctype html><html><head><title>x</title></head><body></body></html>"

    async def inner(scope, receive, send):
        if scope["path"] == "/prompt":  # asked uncompressed, so its head can be found
            assert not any(k == b"accept-encoding" for k, _ in scope["headers"])
        body = b'{"ok": 1}' if scope["path"].endswith(".json") else page
        kind = b"application/json" if scope["path"].endswith(".json") else b"text/html"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def get(path):
        sent = []

        async def send(m):
            sent.append(m)

        scope = {"type": "http", "method": "GET", "path": path, "headers": [(b"accept-encoding", b"gzip")]}
        asyncio.run(RootBackend(inner)(scope, None, send))
        headers = dict(sent[0]["headers"])
        return sent[1]["body"], int(headers[b"content-length"])

    body, length = get("/prompt")
    assert ROOT_BACKEND in body and body.index(ROOT_BACKEND) < body.index(b"<title>") and length == len(body)
    for path in ("/manifest.json", "/_stcore/health.json"):
        body, length = get(path)
        assert ROOT_BACKEND not in body and length == len(body)
