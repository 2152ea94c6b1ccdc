"""Time to first paint of the workbench in headless Chromium (no model loads before it).

    python bench/app_first_paint.py [--runs 3]

Needs Debian's chromium (apt-get install chromium) and the playwright package.
Writes bench/results/app_first_paint.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists("/usr/bin/chromium"):
        print("skipped: no /usr/bin/chromium (apt-get install chromium)")
        return
    from playwright.sync_api import sync_playwright

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    t_start = time.perf_counter()
    while True:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    server_up = time.perf_counter() - t_start
    times = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=FLAGS)
            for _ in range(a.runs):
                page = browser.new_page()
                t = time.perf_counter()
                page.goto(url)
                page.get_by_text("Synthetic rows that look and behave").wait_for(timeout=60_000)
                times.append(time.perf_counter() - t)
                page.close()
            browser.close()
    finally:
        proc.terminate()
    print(
        f"server up in {server_up:.1f}s; first paint {times[0]:.2f}s (first visit), "
        f"median {statistics.median(times):.2f}s over {len(times)} visits"
    )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "app_first_paint.json").write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "server_up_s": round(server_up, 2),
                "first_paint_s": [round(t, 2) for t in times],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
