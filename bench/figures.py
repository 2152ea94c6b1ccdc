"""BENCHMARKS.md from the figure files: one current table per host, each figure with its command.

    python bench/figures.py            write BENCHMARKS.md from bench/figures/*.json
    python bench/figures.py --check    exit 1 when BENCHMARKS.md is not what the files say

A bench script that measures a headline figure calls `record(...)`, which replaces that figure in
this host's file (bench/figures/<host>.json, the host told apart by its CPU: see `host_key`) and
writes BENCHMARKS.md again. The dated story of how each figure moved is in CHANGELOG.md.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "bench" / "figures"
TARGET = ROOT / "BENCHMARKS.md"
HOSTS = {  # key -> how BENCHMARKS.md names the host
    "intel-amx": "Intel Xeon, AVX-512 BF16 and AMX (2 vCPU)",
    "amd-avx512bf16": "AMD EPYC, AVX-512 BF16, no AMX (2 vCPU)",
    "amd-avx2": "AMD EPYC, AVX2 only (2 vCPU)",
}
HEAD = """# Benchmarks

The current figure for each host this project runs on: 2 vCPU, 24 GB, no GPU, shared, so compare
ratios measured in one run rather than absolutes. Each figure names the command that made it and
the day. Written by `python bench/figures.py` from `bench/figures/*.json` (bench scripts update
them as they measure); how the figures got here, change by change, is in CHANGELOG.md.
"""


def host_key() -> str:
    """Which of the known hosts this is, from /proc/cpuinfo's vendor and flags."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    flags = set(next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), []))
    if "amx_tile" in flags:
        return "intel-amx"
    amd = "AuthenticAMD" in info
    if "avx512_bf16" in flags:
        return "amd-avx512bf16" if amd else "intel-avx512bf16"
    return "amd-avx2" if amd else "intel-avx2"


def _read(key: str) -> dict:
    path = FOLDER / f"{key}.json"
    return (
        json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"host": HOSTS.get(key, key), "figures": []}
    )


def record(what: str, value: str, command: str, goal: str = "", host: str | None = None) -> None:
    """Set the figure `what` for this host (replacing the one before) and write BENCHMARKS.md."""
    key = host or host_key()
    data = _read(key)
    row = {"what": what, "value": value, "goal": goal, "command": command, "date": time.strftime("%Y-%m-%d")}
    data["figures"] = [f for f in data["figures"] if f["what"] != what] + [row]
    FOLDER.mkdir(parents=True, exist_ok=True)
    (FOLDER / f"{key}.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    TARGET.write_text(render(), encoding="utf-8")


def render() -> str:
    parts = [HEAD]
    order = list(HOSTS) + sorted(p.stem for p in FOLDER.glob("*.json") if p.stem not in HOSTS)
    for key in order:
        if not (FOLDER / f"{key}.json").exists():
            continue
        data = _read(key)
        parts.append(f"\n## {data['host']}\n")
        if data.get("note"):
            parts.append(data["note"].strip() + "\n")
        parts.append("\n| what | figure | goal | command | date |\n| --- | --- | --- | --- | --- |")
        for f in data["figures"]:
            cells = [f["what"], f["value"], f.get("goal", ""), f"`{f['command']}`", f["date"]]
            parts.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(parts) + "\n"


def main() -> int:
    if "--check" in sys.argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != render():
            print("BENCHMARKS.md is stale: python bench/figures.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
