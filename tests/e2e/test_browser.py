"""End to end in a real headless Chromium (Debian's, driven by Playwright): upload the bundled
CSV, generate rows with the embedded model, open the quality page, download the CSV and read it.
Screenshots of each page go to artifacts/screenshots/ for a person to look at."""

import csv
import io
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
from helpers import DRUG_TRAIN, ROOT, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"

if not os.path.exists(CHROMIUM):
    if os.environ.get("SYNGEN_REQUIRE_BROWSER"):
        raise RuntimeError("SYNGEN_REQUIRE_BROWSER is set but chromium is missing: apt-get install chromium")
    pytest.skip("no Chromium here (apt-get install chromium); .ci/run installs it", allow_module_level=True)

pytestmark = pytest.mark.model
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = free_port()
    home = tmp_path_factory.mktemp("app")
    env = os.environ | {"STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=open(home / "streamlit.log", "w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start: " + (home / "streamlit.log").read_text()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_upload_generate_quality_download(app_url, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        t0 = time.monotonic()
        page.goto(app_url)
        page.get_by_text("Synthetic rows that look and behave").wait_for(timeout=60_000)
        first_paint = time.monotonic() - t0
        page.get_by_text("Upload a file").click()
        page.locator("input[type=file]").set_input_files(str(DRUG_TRAIN))
        # the bundled sample is on screen already: wait until the page says it uses the upload
        page.get_by_text("Seed in use: train.csv").wait_for(timeout=60_000)
        page.get_by_text("Columns and what generated values must satisfy").wait_for(timeout=60_000)
        page.screenshot(path=str(SHOTS / "1_data.png"), full_page=True)

        page.get_by_role("link", name="Prompt").click()
        page.get_by_text("Preview of one prompt").wait_for(timeout=30_000)
        page.get_by_text("review_id:").first.wait_for(timeout=30_000)  # the prompt text itself
        page.screenshot(path=str(SHOTS / "2_prompt.png"), full_page=True)
        page.get_by_role("link", name="Backend").click()
        page.get_by_text("Where the rows are written").wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "3_backend.png"), full_page=True)

        page.get_by_role("link", name="Generate").click()
        rows = page.get_by_label("Rows to generate")
        rows.wait_for(timeout=30_000)
        rows.fill("2")
        rows.press("Enter")
        batch = page.get_by_label("Prompts per batch")
        batch.fill("4")
        batch.press("Enter")
        time.sleep(1)
        page.get_by_role("button", name="Generate").click()
        page.get_by_text("rows accepted").first.wait_for(timeout=60_000)
        page.screenshot(path=str(SHOTS / "4_generating.png"), full_page=True)
        page.get_by_text("2 rows generated").first.wait_for(timeout=600_000)
        page.get_by_text("Review").first.wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "5_generated.png"), full_page=True)

        page.get_by_role("link", name="Quality").click()
        page.get_by_text("Seed vs synthetic").wait_for(timeout=120_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)  # let the remaining charts draw before the screenshot
        page.screenshot(path=str(SHOTS / "6_quality.png"), full_page=True)

        page.get_by_role("link", name="Download").click()
        page.get_by_role("button", name="CSV").wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "7_download.png"), full_page=True)
        with page.expect_download(timeout=30_000) as dl:
            page.get_by_role("button", name="CSV").click()
        target = tmp_path / dl.value.suggested_filename
        dl.value.save_as(target)
        browser.close()
    assert target.name.startswith("train_base_hf_gemma3-270m_2_output") and target.suffix == ".csv"
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 2
    assert list(rows[0])[:7] == ["review_id", "drugName", "condition", "review", "rating", "date", "usefulCount"]
    assert all(r["is_synthetic"] == "True" for r in rows)
    print(f"time to first paint {first_paint:.1f}s")
