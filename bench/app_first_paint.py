"""Time to first paint of the workbench in headless Chromium (no model loads before it), and with
--first-row N the seconds from clicking Generate (bundled seed, embedded model) to the first
accepted row on the page: a run of N rows, whose click loads the model into the app's process,
then a run of N + 1 rows, which finds it loaded.

    python bench/app_first_paint.py [--runs 3] [--first-row 8]

Needs Debian's chromium (apt-get install chromium) and the playwright package.
Writes bench/results/app_first_paint.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
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


def set_number(page, label: str, value) -> None:
    """Type into a Streamlit number box and let the app take it (it reruns on Enter)."""
    box = page.get_by_label(label, exact=True)
    box.wait_for(timeout=30_000)
    box.fill(str(value))
    box.press("Enter")
    time.sleep(0.8)


def first_row(page, n: int, seed: int) -> float:
    """Seconds from clicking Generate to the page showing the first accepted row; then the run is
    cancelled (the figure is taken)."""
    page.get_by_role("link", name="Generate").click()
    set_number(page, "Rows to generate", n)
    set_number(page, "Random seed", seed)
    t = time.perf_counter()
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text(re.compile(rf"\b[1-9]\d*/{n} rows accepted")).first.wait_for(timeout=900_000)
    took = time.perf_counter() - t
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text(re.compile(r"cancelled by the user")).first.wait_for(timeout=120_000)
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--first-row", type=int, default=0, metavar="N", help="also time two N-row runs to their first row")
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
        env=os.environ | {"SYNGEN_OUT_DIR": tempfile.mkdtemp(prefix="syngen-bench-")},
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
    times, first_rows = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=FLAGS)
            for _ in range(a.runs):
                page = browser.new_page()
                t = time.perf_counter()
                page.goto(url)
                page.get_by_text("Synthetic rows that look and behave").wait_for(timeout=60_000)
                times.append(time.perf_counter() - t)
                if a.first_row and len(times) == a.runs:
                    # N, then N + 1 rows: the page still shows the first run's count when the second starts
                    first_rows = [first_row(page, a.first_row + i, seed=1 + i) for i in (0, 1)]
                page.close()
            browser.close()
    finally:
        proc.terminate()
    print(
        f"server up in {server_up:.1f}s; first paint {times[0]:.2f}s (first visit), "
        f"median {statistics.median(times):.2f}s over {len(times)} visits"
    )
    if first_rows:
        print(
            f"first accepted row after clicking Generate: {first_rows[0]:.1f}s ({a.first_row} rows, the click "
            f"loads the model), {first_rows[1]:.1f}s ({a.first_row + 1} rows, model already loaded)"
        )
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "app_first_paint.json").write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "server_up_s": round(server_up, 2),
                "first_paint_s": [round(t, 2) for t in times],
                "first_row_s": [round(t, 1) for t in first_rows],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
