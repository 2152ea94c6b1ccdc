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

sys.path.insert(0, str(ROOT / "bench"))
from app_first_paint import FLAGS  # noqa: E402  (the flags this machine's closed network needs)

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
    env = os.environ | {"STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "SYNGEN_OUT_DIR": str(home / "output")}
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


def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


def _set_number(page, label, value):
    box = page.get_by_label(label)
    box.wait_for(timeout=30_000)
    box.fill(str(value))
    box.press("Enter")
    time.sleep(0.8)


def _generate(page, n, seed):
    page.get_by_role("link", name="Generate").click()
    _set_number(page, "Rows to generate", n)
    _set_number(page, "Random seed", seed)
    page.get_by_role("button", name="Generate", exact=True).click()


@pytest.mark.timeout(3000)  # two embedded runs and a cancel: ~6 min alone, much longer on a busy machine
def test_the_whole_loop_in_a_browser(app_url, tmp_path):
    """Upload, plan, a dead backend refused in seconds, an embedded run, review (dislike in the
    grid), quality, the CSV of the newest run. Screenshots of each page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    console_errors = []
    with playwright.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
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
        page.get_by_text("Generation plan").wait_for(timeout=30_000)
        page.get_by_text("Who produces each column").wait_for(timeout=60_000)
        page.get_by_text("review:").first.wait_for(timeout=60_000)  # the prompt ends at the row's text
        page.screenshot(path=str(SHOTS / "2_prompt.png"), full_page=True)

        # a dead server is refused before the run starts, in seconds, with one red line
        page.get_by_role("link", name="Backend").click()
        page.get_by_text("Where the rows are written").wait_for(timeout=30_000)
        page.get_by_text("Ollama", exact=True).click()
        url = page.get_by_label("Server address (optional)")
        url.fill(f"http://127.0.0.1:{free_port()}")
        url.press("Enter")
        time.sleep(0.8)
        page.get_by_role("link", name="Generate").click()
        page.get_by_role("button", name="Generate", exact=True).wait_for(timeout=30_000)
        t = time.monotonic()
        page.get_by_role("button", name="Generate", exact=True).click()
        page.get_by_text("cannot reach").wait_for(timeout=10_000)
        dead_seconds = time.monotonic() - t
        page.screenshot(path=str(SHOTS / "3_dead_backend.png"), full_page=True)
        page.get_by_role("link", name="Backend").click()
        page.get_by_text("Embedded (Gemma 3 270M, offline)").click()
        page.get_by_text("Server address (optional)").wait_for(state="detached", timeout=30_000)
        page.screenshot(path=str(SHOTS / "4_backend.png"), full_page=True)

        # run 1, then review: dislike the first row in the grid and apply
        _generate(page, 2, 1)
        page.get_by_text("rows accepted").first.wait_for(timeout=60_000)
        page.screenshot(path=str(SHOTS / "5_generating.png"), full_page=True)
        page.get_by_text("2 rows generated").first.wait_for(timeout=900_000)
        page.get_by_text("Review").first.wait_for(timeout=30_000)
        grid = page.locator("[data-testid='stDataFrameResizable']").last
        grid.wait_for(timeout=30_000)
        page.wait_for_timeout(3000)  # the finished job redraws the page once more; let it settle
        option = page.get_by_text("dislike", exact=True)
        for dy in (54, 88, 20, 120, 54, 88):  # the grid is a canvas: find a feedback cell whose dropdown opens
            box = page.locator("[data-testid='stDataFrameResizable']").last.bounding_box()
            page.mouse.click(box["x"] + 50, box["y"] + dy)
            time.sleep(0.5)
            page.keyboard.press("Enter")
            time.sleep(0.8)
            if option.count():
                break
            page.keyboard.press("Escape")
        option.last.click()
        time.sleep(1.0)
        page.screenshot(path=str(SHOTS / "6_review.png"), full_page=True)
        page.get_by_role("button", name="Apply review").click()
        page.get_by_text("Removed 1 disliked row(s)").wait_for(timeout=30_000)
        page.screenshot(path=str(SHOTS / "7_reviewed.png"), full_page=True)

        page.get_by_role("link", name="Quality").click()
        page.get_by_text("What to look at").wait_for(timeout=120_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
        page.wait_for_timeout(1500)  # let the remaining charts draw before the screenshot
        page.screenshot(path=str(SHOTS / "8_quality.png"), full_page=True)

        page.get_by_role("link", name="Download").click()
        page.get_by_role("button", name="CSV").wait_for(timeout=60_000)
        page.screenshot(path=str(SHOTS / "9_download.png"), full_page=True)
        with page.expect_download(timeout=60_000) as dl:
            page.get_by_role("button", name="CSV").click()
        target = tmp_path / dl.value.suggested_filename
        dl.value.save_as(target)
        browser.close()
    assert dead_seconds < 5, dead_seconds
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) in (1, 2) and all(r["is_synthetic"] == "True" for r in rows)
    assert list(rows[0])[:7] == ["review_id", "drugName", "condition", "review", "rating", "date", "usefulCount"]
    assert not [e for e in console_errors if "favicon" in e.lower()], console_errors
    print(
        f"first paint {first_paint:.1f}s; dead backend refused in {dead_seconds:.1f}s; "
        f"console errors: {len(console_errors)}"
    )
