"""End to end in a real headless Chromium (Debian's, driven by Playwright): upload the bundled
CSV, generate rows with the embedded model, review them, cancel a second run, reload the browser,
download each run's report and rows. Screenshots of each page go to artifacts/screenshots/ for a
person to look at."""

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest
from helpers import DRUG_TRAIN, ROOT, free_port, tweets_table, wait_until_up

from syngen.runs.export import safe_cell
from syngen.runs.store import list_runs, read_run
from syngen.ui.reports import utility_short

sys.path.insert(0, str(ROOT / "bench"))
from app_first_paint import FLAGS, set_number  # noqa: E402  (FLAGS: what this machine's closed network needs)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"

if not os.path.exists(CHROMIUM):
    if os.environ.get("SYNGEN_REQUIRE_BROWSER"):
        raise RuntimeError("SYNGEN_REQUIRE_BROWSER is set but chromium is missing: apt-get install chromium")
    pytest.skip("no Chromium here (apt-get install chromium); .ci/run installs it", allow_module_level=True)

pytestmark = pytest.mark.model
playwright = pytest.importorskip("playwright.sync_api")


def _serve(tmp_path_factory, **extra_env):
    """Start the app; yields its URL and its output folder (where run folders go)."""
    port = free_port()
    home = tmp_path_factory.mktemp("app")
    out = home / "output"
    env = os.environ | {
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "SYNGEN_OUT_DIR": str(out),
        "SYNGEN_ADAPTER_DIR": str(home / "adapters"),
        **extra_env,
    }
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
    wait_until_up(proc, url + "/_stcore/health", home / "streamlit.log", "streamlit", 60)
    APP_LOGS.append(home / "streamlit.log")
    yield url, out
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The app (uploads are not tuned in the background: tests/conftest.py)."""
    yield from _serve(tmp_path_factory)


@pytest.fixture
def tuning_app(tmp_path_factory):
    """The app as users get it: an upload starts tuning in the background (a 1-minute budget)."""
    yield from _serve(tmp_path_factory, SYNGEN_AUTO_TUNE="1", SYNGEN_TUNE_MINUTES="1")


APP_LOGS = []  # the app's log, printed when a browser test fails


def _launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


@pytest.fixture
def new_page(request):
    """A factory of pages in one headless Chromium. If the test fails, each page is kept as a
    screenshot and its text is printed with the end of the app's log: CI keeps only the output,
    so the text is what explains a failure there."""
    pages = []
    with playwright.sync_playwright() as p:
        browser = _launch(p)

        def make(**options):
            pages.append(browser.new_page(viewport={"width": 1400, "height": 1000}, **options))
            return pages[-1]

        yield make
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            _explain_failure(request.node.name, pages)
        browser.close()


def _explain_failure(name, pages):
    for i, page in enumerate(pages):
        try:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"FAILED_{name}_{i}.png"), full_page=True)
            print(f"--- the page's text when {name} failed ---\n" + page.inner_text("body")[-4000:])
        except Exception as exc:  # a crashed page: the log below still says something
            print(f"(no screenshot of page {i}: {exc})")
    for log in APP_LOGS:
        print(f"--- the end of {log} ---\n" + log.read_text(errors="replace")[-4000:])


def _switch_on(page, name):
    """Turn a Streamlit toggle on and wait until it is on. The label's text shows up before the
    switch is drawn (a subheader with the same words), so find the switch by its role."""
    switch = page.get_by_role("switch", name=name)
    page.locator("label").filter(has=switch).click()
    playwright.expect(switch).to_be_checked(timeout=10_000)


def _pick_run(page, run_id):
    """Choose a run in the page's Run selectbox (options end with the run id)."""
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name=re.compile(run_id)).click()
    time.sleep(1.0)


def _download(page, name, tmp_path):
    with page.expect_download(timeout=60_000) as dl:
        page.get_by_role("button", name=name, exact=True).click()
    target = tmp_path / dl.value.suggested_filename
    dl.value.save_as(target)
    return target


def _mark_row(page, mark, row=None):
    """Set a feedback cell in the review grid (a canvas) to `mark`: of the first or second row
    (whichever takes the click), or of row `row` (0 or 1)."""
    option = page.get_by_text(mark, exact=True)
    table = page.locator("[data-testid='stDataFrameResizable']").last
    table.scroll_into_view_if_needed()
    for attempt in range(8):  # open the feedback cell's dropdown (never the header)
        box = table.bounding_box()
        y = (54 if attempt % 2 == 0 else 88) if row is None else 54 + 34 * row + 3 * (attempt % 2)
        page.mouse.click(box["x"] + 50, box["y"] + y)
        time.sleep(0.6)
        page.keyboard.press("Enter")
        try:
            option.last.wait_for(timeout=2_000)
            break
        except playwright.TimeoutError:
            page.keyboard.press("Escape")
            time.sleep(0.5)
    for _ in range(3):  # on a busy machine the first click can land before the list takes it
        option.last.click()
        try:
            option.last.wait_for(state="hidden", timeout=5_000)  # the list closes once the cell is set
            break
        except playwright.TimeoutError:
            pass


def _generate(page, n, seed):
    page.get_by_role("link", name="Generate").click()
    set_number(page, "Rows to generate", n)
    set_number(page, "Random seed", seed)
    page.get_by_role("button", name="Generate", exact=True).click()


@pytest.mark.timeout(3000)  # two embedded runs: ~6 min alone, much longer on a busy machine
def test_the_whole_loop_in_a_browser(app, tmp_path, new_page):
    """Upload, plan, a dead backend refused in seconds, an embedded run, review (dislike in the
    grid), quality, a second run cancelled mid-batch, a browser reload that keeps both runs, each
    run's own HTML report and CSV, utility. Screenshots of each page."""
    app_url, out = app
    SHOTS.mkdir(parents=True, exist_ok=True)
    console_errors = []
    page = new_page(accept_downloads=True)
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
    page.screenshot(path=str(SHOTS / "01_data.png"), full_page=True)

    page.get_by_role("link", name="Prompt").click()
    page.get_by_text("Generation plan").wait_for(timeout=30_000)
    page.get_by_text("Who produces each column").wait_for(timeout=60_000)
    page.get_by_text("review:").first.wait_for(timeout=60_000)  # the prompt ends at the row's text
    page.screenshot(path=str(SHOTS / "02_prompt.png"), full_page=True)

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
    dead_lines = page.get_by_text("cannot reach").count()
    page.screenshot(path=str(SHOTS / "03_dead_backend.png"), full_page=True)
    assert not list_runs(out), "a refused run must leave no folder"
    page.get_by_role("link", name="Backend").click()
    page.get_by_text("Embedded (Gemma 3 270M, offline)").click()
    page.get_by_text("Server address (optional)").wait_for(state="detached", timeout=30_000)
    page.screenshot(path=str(SHOTS / "04_backend.png"), full_page=True)

    # run 1, then review: dislike the first row in the grid and apply
    _generate(page, 2, 1)
    page.get_by_text("rows accepted").first.wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "05_generating.png"), full_page=True)
    page.get_by_text("2 rows generated").first.wait_for(timeout=900_000)
    page.get_by_text("Review").first.wait_for(timeout=30_000)
    assert page.get_by_label("Random seed", exact=True).input_value() == "2"  # moved on: new rows next time
    grid = page.locator("[data-testid='stDataFrameResizable']").last
    grid.wait_for(timeout=30_000)
    page.wait_for_timeout(3000)  # the finished job redraws the page once more; let it settle
    _mark_row(page, "dislike")
    time.sleep(1.0)
    page.screenshot(path=str(SHOTS / "06_review.png"), full_page=True)
    page.get_by_role("button", name="Apply review").click()
    page.get_by_text("Removed 1 disliked row (1 new negative example").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "07_reviewed.png"), full_page=True)
    (run1,) = list_runs(out)
    assert run1.rows == 1 and run1.status == "complete", run1

    page.get_by_role("link", name="Quality").click()
    page.get_by_text("What was made").wait_for(timeout=120_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
    page.wait_for_timeout(1500)  # let the remaining charts draw before the screenshot
    page.screenshot(path=str(SHOTS / "08_quality.png"), full_page=True)

    # run 2: cancel in the middle of a batch, once it has rows; it must stop within 2 s
    _generate(page, 8, 2)
    page.get_by_text(re.compile(r"\b[2-7]/8 rows accepted")).first.wait_for(timeout=900_000)
    page.get_by_text("Working on a batch").first.wait_for(timeout=120_000)
    t = time.monotonic()
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelling…").wait_for(timeout=10_000)
    page.get_by_text(re.compile(r"cancelled by the user, kept \d+ rows?")).first.wait_for(timeout=30_000)
    cancel_seconds = time.monotonic() - t  # no screenshot in between: it would be timed too
    page.get_by_text(re.compile(r"^cancelled by the user, kept \d+ rows?$")).wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / "09_cancelled.png"), full_page=True)

    # a reload (a new session) still has both runs, read from their folders
    page.reload()
    page.get_by_role("link", name="Compare").wait_for(timeout=60_000)
    page.get_by_role("link", name="Compare").click()
    page.get_by_text("Name and delete runs").wait_for(timeout=120_000)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)  # the chart drew, not a blank box
    page.screenshot(path=str(SHOTS / "10_compare_after_reload.png"), full_page=True)
    run2 = next(r for r in list_runs(out) if r.run_id != run1.run_id)
    assert run2.status == "cancelled" and 2 <= run2.rows < 8, run2

    # each run downloads its own report and rows (the stale-report case)
    page.get_by_role("link", name="Download").click()
    page.get_by_role("button", name="CSV").wait_for(timeout=60_000)
    page.locator("[data-testid='stSelectbox']").first.click()
    listed = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    reports = {}
    for run in (run1, run2):
        _pick_run(page, run.run_id)
        page.get_by_role("button", name="Prepare the HTML report").click()
        page.get_by_role("button", name="HTML report", exact=True).wait_for(timeout=120_000)
        reports[run.run_id] = _download(page, "HTML report", tmp_path)
    page.screenshot(path=str(SHOTS / "11_download.png"), full_page=True)
    csv_path = _download(page, "CSV", tmp_path)
    xlsx_path = _download(page, "Excel", tmp_path)

    page.get_by_role("link", name="Utility").click()
    # the runs were made from the bundled rows (uploaded), whose held-out rows ship with them
    page.get_by_text("Held-out real rows: data/drug_reviews/test.csv").wait_for(timeout=60_000)
    page.get_by_role("button", name="Evaluate").click()
    page.get_by_text("Can a classifier tell them apart?").wait_for(timeout=300_000)
    assert page.get_by_text(
        re.compile(r"Adding these rows helped|Adding these rows did not help|No clear difference")
    ).count()
    small_warning = page.get_by_text(re.compile(r"Only \d+ synthetic rows")).count()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "12_utility.png"), full_page=True)
    assert dead_seconds < 5 and dead_lines == 1, (dead_seconds, dead_lines)
    assert cancel_seconds < 2.0, cancel_seconds
    assert all(any(r.run_id in o for o in listed) for r in (run1, run2)), listed
    for run in (run1, run2):
        other = run2 if run is run1 else run1
        html = reports[run.run_id].read_text(encoding="utf-8")
        assert run.run_id in reports[run.run_id].name and run.run_id in html and other.run_id not in html
    rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert run2.run_id in csv_path.name and len(rows) == run2.rows
    assert all(r["is_synthetic"] == "True" and r["run_id"] == run2.run_id for r in rows)
    assert list(rows[0])[:7] == ["review_id", "drugName", "condition", "review", "rating", "date", "usefulCount"]
    sheet = pd.read_excel(xlsx_path, dtype=str, keep_default_na=False)  # the same rows, as a spreadsheet
    assert run2.run_id in xlsx_path.name and [safe_cell(v) for v in sheet["review"]] == [r["review"] for r in rows]
    assert small_warning == 1
    assert not [e for e in console_errors if "favicon" in e.lower()], console_errors
    print(
        f"first paint {first_paint:.1f}s; dead backend refused in {dead_seconds:.1f}s; "
        f"cancel shown as done in {cancel_seconds:.1f}s; console errors: {len(console_errors)}"
    )


@pytest.mark.timeout(1800)
def test_an_upload_is_tuned_in_the_background_while_k_shot_writes_rows(tuning_app, tmp_path, new_page):
    """Issue 47 as a user meets it: an uploaded seed starts tuning by itself (the sidebar says so,
    with an ETA); a run started meanwhile is written by k-shot prompting and finishes; once the
    tuning and its check are done, the sidebar and the Generate page say who writes the rows, and
    a run with the adapter chosen is written by it (k=0)."""
    from syngen.runs.path_choice import PathChoice, read_choice

    app_url, out = tuning_app
    SHOTS.mkdir(parents=True, exist_ok=True)
    seed_path = tmp_path / "two_labels.csv"
    good = ["Great relief and I sleep well again", "Worked within a week, no side effects", "Best pill I have tried"]
    bad = ["Terrible headaches and dizziness", "Made me sick for days", "Did nothing but cost a fortune"]
    rows = pd.DataFrame(  # 40 rows: enough training steps that the ETA shows for most of the minute
        {
            "review": [f"{good[i % 3]} (week {i})" for i in range(30)]
            + [f"{bad[i % 3]} (week {i})" for i in range(10)],
            "rating": ["positive"] * 30 + ["negative"] * 10,
        }
    )
    rows.to_csv(seed_path, index=False)
    page = new_page()
    page.goto(app_url)
    page.get_by_text("Upload a file").click()
    page.locator("input[type=file]").set_input_files(str(seed_path))
    page.get_by_text("Seed in use: two_labels.csv").wait_for(timeout=60_000)
    page.get_by_text("In the background: adapting the model to this table").first.wait_for(timeout=60_000)
    page.get_by_role("link", name="Generate").click()
    page.get_by_text("written by k-shot prompting").first.wait_for(timeout=60_000)
    set_number(page, "Rows to generate", 1)
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text(re.compile(r"(about \d+ min|under a minute) left")).first.wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / "50_tuning_in_background.png"), full_page=True)
    page.get_by_text("1 row generated").first.wait_for(timeout=900_000)
    (first,) = [r for r in list_runs(out)]
    assert first.config["backend_options"].get("adapter", "") == "" and first.config["k"] > 0, first.config

    page.get_by_text("Rows: written by").first.wait_for(timeout=900_000)  # tuned and checked
    page.screenshot(path=str(SHOTS / "51_tuned_and_checked.png"), full_page=True)
    (folder,) = [p for p in (out.parent / "adapters").iterdir() if (p / "adapter_config.json").exists()]
    choice = read_choice(folder)
    assert choice is not None and choice.figures["adapter"]["parsed"], choice
    if choice.path != "adapter":  # a 1-minute adapter on a toy seed may lose: the runs that follow a win are tested
        PathChoice("adapter", "set by the test", choice.figures, choice.measured).save(folder)
    page.reload()
    page.get_by_text("written by the adapter tuned for this seed").first.wait_for(timeout=120_000)
    set_number(page, "Rows to generate", 1)  # a new session starts from the default count
    page.get_by_role("button", name="Generate", exact=True).click()
    # a 1-minute adapter on a toy seed may spend the run's prompt budget on off-label text: the
    # run ends either way, and it is the adapter's (what is tested here is who wrote it)
    page.get_by_text(re.compile(r"1 row generated|stopped after \d+ prompts")).first.wait_for(timeout=900_000)
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SHOTS / "52_written_by_the_adapter.png"), full_page=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        second = [r for r in list_runs(out) if r.run_id != first.run_id]
        if second and second[0].status != "running":
            break
        time.sleep(1)
    assert second[0].config["backend_options"]["adapter"] == str(folder) and second[0].config["k"] == 0
    writer = json.loads((second[0].folder / "state.json").read_text(encoding="utf-8"))["writer"]
    assert writer.startswith("the adapter tuned for this seed (k=0): the seed's check chose it"), writer


def test_an_uploaded_real_table_is_understood_on_the_data_page(app, tmp_path, new_page):
    """A tweets table as people download it: a day-first timestamp, a user-handle column, a home
    town, tweet IDs. The Data page shows the timestamp's format, the people columns as personal
    (fresh values, never the seed's), and the Prompt page says how each is produced."""
    app_url, _ = app
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "airline_tweets.csv"
    tweets_table(60).to_csv(path, index=False)
    page = new_page()
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(app_url)
    page.get_by_text("Upload a file").click()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text("Seed in use: airline_tweets.csv").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"a date or time written like \d\d-\d\d-\d{4} \d\d:\d\d")).first.wait_for(
        timeout=30_000
    )
    page.get_by_text("personal data (handle): fresh values, never the seed's").wait_for(timeout=30_000)
    page.get_by_text("personal data (location): fresh values, never the seed's").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "17_real_table_data.png"), full_page=True)
    page.get_by_role("link", name="Prompt").click()
    page.get_by_text("Preview of one prompt").wait_for(timeout=60_000)
    preview = page.locator("[data-testid='stCode']").last
    preview.wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "18_real_table_prompt.png"), full_page=True)
    # the row the model is asked to finish carries a fresh handle, not one of the seed's people
    given = [ln for ln in preview.inner_text().splitlines() if ln.startswith("name:")]
    assert given and given[-1].split(":", 1)[1].strip() not in set(tweets_table(60)["name"])
    assert not console_errors, console_errors


def _select_rows(page, condition, n, shown):
    """Filter the Data page's seed rows and tick the first n (the grid's selection boxes)."""
    box = page.get_by_label("Filter", exact=True)
    box.fill(condition)
    box.press("Enter")
    page.get_by_role("button", name=re.compile(shown)).wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # a new filter draws a new grid: let the old one go
    table = page.locator("[data-testid='stDataFrameResizable']").last
    table.scroll_into_view_if_needed(timeout=30_000)
    time.sleep(0.5)
    grid = table.bounding_box()
    for i in range(n):
        page.mouse.click(grid["x"] + 12, grid["y"] + 35 + 35 * i + 17)
        time.sleep(0.8)


def _wait_for_runs(out, n, seconds=900):
    """The newest finished "like these" run once there are n of them (the page shows the rows
    before the run's folder is written and scored)."""
    deadline = time.monotonic() + seconds
    while True:
        done = [r for r in list_runs(out) if r.status == "complete" and r.config.get("like")]
        if len(done) >= n or time.monotonic() > deadline:
            assert len(done) >= n, [(r.run_id, r.status) for r in list_runs(out)]
            return done[0]
        time.sleep(2)


@pytest.mark.timeout(2400)
def test_more_like_these_then_dislike_and_generate_again_in_a_browser(app, new_page):
    """Data page: filter, select three seed rows, generate rows like them with the embedded model;
    dislike one in the review and generate again for the same target: the second run carries the
    disliked row as a negative and the same chosen rows; a reload keeps the negative."""
    app_url, out = app
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page()
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(app_url)
    page.get_by_text("Seed rows: generate more like them").wait_for(timeout=60_000)
    _select_rows(page, "condition = Sinusitis", 3, "like the 4 filtered rows")
    set_number(page, "Rows to write", 3)
    go = page.get_by_role("button", name="Generate 3 like the 3 selected rows")
    go.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "19_like_selected.png"), full_page=True)
    liked_before = len([r for r in list_runs(out) if r.config.get("like")])
    go.click()
    page.get_by_text("Target: like 3 chosen rows").wait_for(timeout=60_000)
    page.get_by_text("3 rows generated").first.wait_for(timeout=900_000)
    page.get_by_text("Review").first.wait_for(timeout=30_000)
    page.wait_for_timeout(3000)
    page.screenshot(path=str(SHOTS / "20_like_generated.png"), full_page=True)
    first = _wait_for_runs(out, liked_before + 1)
    assert len(first.config["like"]) == 3 and {r["condition"] for r in first.config["like"]} == {"Sinusitis"}
    _mark_row(page, "dislike")
    time.sleep(1.0)
    page.get_by_role("button", name="Apply review").click()
    page.get_by_text("Removed 1 disliked row").wait_for(timeout=30_000)
    again = page.get_by_role("button", name="Generate again for this target")
    again.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "21_like_reviewed.png"), full_page=True)
    again.click()
    second = _wait_for_runs(out, liked_before + 2)
    assert second.run_id != first.run_id and second.rows == 3, second
    assert second.config["like"] == first.config["like"]
    new = [r for r in second.config["negatives"] if r not in first.config["negatives"]]
    kept = set(pd.read_csv(first.rows_file, dtype=str)["review"])  # the first run after its review
    assert len(new) == 1 and new[0]["condition"] == "Sinusitis" and new[0]["review"] not in kept, new
    assert (pd.read_csv(second.rows_file, dtype=str)["condition"] == "Sinusitis").all()
    page.wait_for_timeout(2000)
    page.screenshot(path=str(SHOTS / "22_like_again.png"), full_page=True)
    page.reload()  # a new session: the negatives come back from the seed's workspace on disk
    page.get_by_role("link", name="Prompt").click()
    shown = page.get_by_text(re.compile(r"Negative examples \((\d+)\)"))
    shown.wait_for(timeout=60_000)
    assert int(re.search(r"\((\d+)\)", shown.inner_text()).group(1)) >= 1
    page.screenshot(path=str(SHOTS / "23_negatives_after_reload.png"), full_page=True)
    assert not [e for e in console_errors if "404" not in e], console_errors


PAGES = ("Data", "Prompt", "Backend", "Generate", "Quality", "Utility", "Compare", "Download")
RAW = re.compile(r"\{'[^']*':|\bNone\b|\bnan\b")  # a Python dict, a None or a NaN on the page


def _page_text_is_clean(page, name):
    text = page.inner_text("body")
    assert not RAW.search(text), (name, RAW.search(text).group(0), text[:2000])
    shares = [float(x) for x in re.findall(r"share[^\n]{0,60}?(\d+\.\d+)", text)]
    assert all(x <= 1 for x in shares), (name, shares)


@pytest.mark.timeout(2400)
def test_a_demo_quick_start_review_and_reload_in_a_browser(app, tmp_path, new_page):
    """The stakeholder path: the quick start from the Data page lands on the plain-words summary
    with a quality and a utility verdict; a review likes one row and dislikes another; after a
    reload the liked row and the negative are still there; Quality, Compare (the saved scores) and
    the HTML report give the same overall score after the review; no page shows a raw dict, a
    None or a share above 1. Screenshots of every page before and after."""
    app_url, out = app
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(accept_downloads=True)
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto(app_url)
    quick = page.get_by_role("button", name=re.compile("Quick start"))
    quick.wait_for(timeout=60_000)
    before = {r.run_id for r in list_runs(out)}
    t0 = time.monotonic()
    quick.click()
    page.get_by_text(re.compile(r"^[1-9]\d*/20 rows accepted")).first.wait_for(timeout=600_000)
    first_rows = time.monotonic() - t0
    page.get_by_text("What was made").wait_for(timeout=900_000)
    summary = time.monotonic() - t0
    page.get_by_text("Does it help a model?").wait_for(timeout=30_000)
    page.wait_for_timeout(2000)
    body = page.inner_text("body")
    assert "Not measured yet" not in body and re.search(r"Adding these rows|No clear difference", body), body[:3000]
    (run,) = [r for r in list_runs(out) if r.run_id not in before]
    assert run.status == "complete" and run.rows == 20
    for name in PAGES:
        page.get_by_role("link", name=name).click()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(SHOTS / f"30_before_{name.lower()}.png"), full_page=True)
        _page_text_is_clean(page, name)

    page.get_by_role("link", name="Generate").click()
    page.get_by_text("Run to review").wait_for(timeout=60_000)
    page.wait_for_timeout(2000)
    _mark_row(page, "like", row=0)
    page.wait_for_timeout(1000)
    _mark_row(page, "dislike", row=1)
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Apply review").click()
    page.get_by_text(re.compile(r"Removed 1 disliked row .*1 liked row will be preferred")).wait_for(timeout=120_000)
    kept_for_seed = json.loads(next((out / ".workspace").glob("*.json")).read_text(encoding="utf-8"))
    kept_rows = pd.read_csv(read_run(run.folder).rows_file, dtype=str)
    liked, negative = kept_for_seed["liked"][-1], kept_for_seed["negatives"][-1]
    assert liked["review"] in set(kept_rows["review"]) and negative["review"] not in set(kept_rows["review"])
    page.screenshot(path=str(SHOTS / "31_reviewed.png"), full_page=True)

    page.reload()
    page.get_by_role("link", name="Generate").click()
    kept = page.get_by_text(re.compile(r"Kept for this seed"))
    kept.wait_for(timeout=60_000)
    assert re.search(r"(\d+) liked rows?", kept.inner_text()) and re.search(
        r"[1-9]\d* negative example", kept.inner_text()
    )
    page.get_by_role("link", name="Quality").click()
    page.get_by_text("What was made").wait_for(timeout=300_000)
    page.wait_for_timeout(2000)
    body = page.inner_text("body")
    assert "1 row removed in review, 19 kept" in body, body[:2000]
    overall = re.search(r"Overall\s*\n\s*(\d\.\d\d)", body).group(1)
    saved = read_run(run.folder).scores["overall"]
    assert f"{saved:.2f}" == overall, (saved, overall)  # what Compare and the history show
    page.get_by_role("link", name="Download").click()
    page.get_by_role("button", name="Prepare the HTML report").click()
    page.get_by_role("button", name="HTML report", exact=True).wait_for(timeout=300_000)
    html = _download(page, "HTML report", tmp_path).read_text(encoding="utf-8")
    assert f"Overall score <b>{float(overall):.3g}</b>" in html or f"<b>{saved:.3g}</b>" in html
    words = re.sub(r"<script.*?</script>", "", html, flags=re.S)  # the report's own text, not plotly.js
    assert "What was made" in words and "{'" not in words
    for name in PAGES:
        page.get_by_role("link", name=name).click()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(SHOTS / f"32_after_{name.lower()}.png"), full_page=True)
        _page_text_is_clean(page, name)
    report = json.loads((run.folder / "report.json").read_text(encoding="utf-8"))
    assert all(m["value"] is None or m["value"] <= 1 for m in report["metrics"] if "share" in m["metric"])
    print(f"quick start: first rows {first_rows:.0f} s, summary {summary:.0f} s; console errors {console}")
    assert not [e for e in console if "404" not in e], console


ALEXA = ROOT.parent / "shared" / "data" / "realworld" / "amazon_alexa.tsv"


@pytest.mark.timeout(1800)
def test_rows_like_chosen_negatives_of_a_real_world_table_in_a_browser(app, tmp_path, new_page):
    """The Amazon Alexa reviews (../shared, skipped when absent; its label column is called
    feedback, as the review grid's marks used to be): filter the negative reviews, choose two,
    generate rows like them, review one; every row is a negative review, no exception."""
    if not ALEXA.exists():
        pytest.skip(f"{ALEXA} is not here")
    app_url, out = app
    table = pd.read_csv(ALEXA, sep="\t", dtype=str).drop_duplicates()
    seed = pd.concat([table[table["feedback"] == "0"].head(40), table[table["feedback"] == "1"].head(160)])
    path = tmp_path / "alexa_reviews.csv"
    seed.to_csv(path, index=False)
    page = new_page()
    page.goto(app_url)
    page.get_by_text("Upload a file").click()
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text("Seed in use: alexa_reviews.csv").wait_for(timeout=60_000)
    _select_rows(page, "feedback = 0", 2, r"like the \d+ filtered rows")
    set_number(page, "Rows to write", 3)
    page.get_by_role("button", name="Generate 3 like the 2 selected rows").click()
    page.get_by_text("Target: like 2 chosen rows").wait_for(timeout=60_000)
    page.get_by_text("3 rows generated").first.wait_for(timeout=900_000)
    page.get_by_text("Review").first.wait_for(timeout=30_000)
    page.wait_for_timeout(3000)
    _mark_row(page, "dislike", row=0)
    page.wait_for_timeout(1000)  # the grid hands the edit to the app before Apply reads it
    page.get_by_role("button", name="Apply review").click()
    page.get_by_text("Removed 1 disliked row").wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / "24_alexa_like_reviewed.png"), full_page=True)
    text = page.inner_text("body")
    assert "Traceback" not in text and "Exception" not in text, text[-2000:]
    run = next(r for r in list_runs(out) if r.config.get("like") and "alexa" in r.config.get("data", ""))
    rows = pd.read_csv(run.rows_file, dtype=str)
    assert len(rows) == 2 and (rows["feedback"] == "0").all(), rows


@pytest.mark.timeout(2400)
def test_an_uploaded_run_is_judged_against_its_own_seed_after_a_reload(app, tmp_path, new_page):
    """Issue 44's demo: upload a table, generate, measure utility on held-out rows, review, reload.
    After the reload the upload is back (not the bundled drug reviews), and Quality, Compare (the
    saved scores) and the HTML report give the same overall score, the same utility verdict and
    the review's counts. Then the server's log holds no traceback from any browser test."""
    app_url, out = app
    SHOTS.mkdir(parents=True, exist_ok=True)
    seed_path, held_path = tmp_path / "airline_tweets_demo.csv", tmp_path / "held_out_tweets.csv"
    tweets_table(60, seed=5).to_csv(seed_path, index=False)
    tweets_table(60, seed=6).to_csv(held_path, index=False)
    page = new_page(accept_downloads=True)
    page.goto(app_url)
    page.get_by_text("Upload a file").click()
    page.locator("input[type=file]").set_input_files(str(seed_path))
    page.get_by_text("Seed in use: airline_tweets_demo.csv").wait_for(timeout=60_000)
    assert "seed=" in page.url
    page.get_by_role("link", name="Generate").click()
    set_number(page, "Rows to generate", 4)
    before = {r.run_id for r in list_runs(out)}
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text("Run to review").wait_for(timeout=900_000)
    deadline = time.monotonic() + 300
    while True:  # the page shows the rows before the folder is written and scored
        runs = [r for r in list_runs(out) if r.run_id not in before]
        if (runs and runs[0].status != "running") or time.monotonic() > deadline:
            break
        time.sleep(1)
    (run,) = runs
    assert run.status == "complete" and run.rows == 4 and ".uploads" in run.config["data"], run

    page.get_by_role("link", name="Utility").click()
    page.locator("input[type=file]").set_input_files(str(held_path))
    page.get_by_role("button", name="Evaluate").click()
    page.get_by_text(re.compile(r"Adding these rows|No clear difference")).first.wait_for(timeout=600_000)
    verdict = json.loads((run.folder / "utility.json").read_text(encoding="utf-8"))
    assert verdict["held_out"] == 60 and verdict["held_out_file"] == "held_out_tweets.csv"
    page.screenshot(path=str(SHOTS / "40_upload_utility.png"), full_page=True)

    page.get_by_role("link", name="Generate").click()
    page.get_by_text("Run to review").wait_for(timeout=60_000)
    page.wait_for_timeout(2000)
    _mark_row(page, "dislike", row=0)
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Apply review").click()
    page.get_by_text("Removed 1 disliked row").wait_for(timeout=120_000)

    assert "seed=" in page.url and f"run={run.run_id}" in page.url
    page.reload()  # a new session: the upload, its run and its review come back
    page.get_by_text("Run to review").wait_for(timeout=120_000)
    page.get_by_role("link", name="Data").click()
    page.get_by_text("Seed in use: airline_tweets_demo.csv").wait_for(timeout=60_000)
    page.get_by_role("link", name="Quality").click()
    page.get_by_text("What was made").wait_for(timeout=300_000)
    page.wait_for_timeout(2000)
    body = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "41_upload_quality_after_reload.png"), full_page=True)
    assert "1 row removed in review, 3 kept" in body and "drugName" not in body, body[:3000]
    assert verdict["sentence"] in body and "before a review changed them" in body, body[:3000]
    overall = re.search(r"Overall\s*\n\s*(\d\.\d\d)", body).group(1)
    saved = read_run(run.folder).scores["overall"]
    assert f"{saved:.2f}" == overall, (saved, overall)  # the number Compare shows
    page.get_by_role("link", name="Compare").click()
    page.get_by_text("Name and delete runs").wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / "42_upload_compare.png"), full_page=True)
    assert read_run(run.folder).scores["overall"] == saved  # Compare did not judge it against another seed
    # the grid is a canvas; its accessibility table holds the cells as shown (newest run first)
    grid = page.locator("[data-testid='stDataFrame'] table[role='grid']").first
    grid.wait_for(state="attached", timeout=30_000)
    first_row = grid.locator("tbody tr").first.text_content()
    assert run.name.split(",")[0] in first_row and f"{saved:.2f}" in first_row, first_row
    assert utility_short(verdict["sentence"]) in first_row and "3" in first_row, first_row
    page.get_by_role("link", name="Download").click()
    page.get_by_role("button", name="Prepare the HTML report").click()
    page.get_by_role("button", name="HTML report", exact=True).wait_for(timeout=300_000)
    html = _download(page, "HTML report", tmp_path).read_text(encoding="utf-8")
    import html as html_text

    assert f"<b>{saved:.3g}</b>" in html and html_text.escape(verdict["sentence"].split(" (")[0]) in html
    log = "\n".join(p.read_text(errors="replace") for p in APP_LOGS)
    assert "Traceback" not in log, log[log.index("Traceback") - 200 :][:3000]
