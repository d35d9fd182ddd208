"""App: time from a cold start to the first rendered search result, and the rerun of a search.

With models/ prebuilt for the 2024 edition (built first into a temporary TEXTKIT_MODELS folder;
the build is timed too but is not part of the cold start), this starts `streamlit run app.py`
as a user would, opens the search page in headless Chromium, types a query and waits until its
result is on screen. Measured from the moment the server process is launched:

- server up: the health endpoint answers;
- first result: the hits of the first query are rendered in the browser;
then, in the same session:
- rerun, new query: a different query until its hits are rendered;
- rerun, same query again: the first query once more (served from Streamlit's caches).

Without Chromium (make bench does not install it) the same steps run through Streamlit's
AppTest, which executes the script without a browser; the output says which driver was used.

Usage: ``python bench/app_start.py [--json OUT]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from output import emit  # bench/output.py: this script's folder is first on sys.path

ROOT = Path(__file__).resolve().parent.parent
FIRST_QUERY = "hankehaku"
SECOND_QUERY = "tekoäly"
TIMEOUT_S = 90
# The search page: the query box is the first text input on the page, and a rendered result is
# a highlighted hit (<mark>) in the main area (see app_pages/haku.py).
QUERY_INPUT_CSS = '[data-testid="stMain"] [data-testid="stTextInput"] input'
RESULT_CSS = '[data-testid="stMain"] .snippet mark'
QUERY_KEY = "query"  # the search box's widget key, for AppTest
SNIPPET_CSS = '[data-testid="stMain"] .snippet'
# Shown in the top bar while the script runs.
RUNNING_CSS = '[data-testid="stStatusWidget"]'


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    result = run(progress=lambda msg: print(msg, file=sys.stderr, flush=True),
                 screenshot=Path(args.screenshot) if args.screenshot else None, driver=args.driver)
    emit(result, args.json)
    return 0


def run(progress=print, screenshot: Path | None = None, driver: str = "auto") -> dict:
    models = Path(tempfile.mkdtemp(prefix="textkit-bench-models-"))
    env = {**os.environ, "TEXTKIT_MODELS": str(models)}
    try:
        progress("app: building models for the 2024 edition (not part of the cold start) …")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "textkit", "build"], cwd=ROOT, env=env, check=True,
                       capture_output=True, text=True)
        build_s = time.perf_counter() - t0
        if driver == "browser" or (driver == "auto" and _chromium()):
            progress("app: cold start in headless Chromium …")
            timings = _browser_run(env, screenshot)
            used = "headless Chromium (selenium) against `streamlit run app.py`"
        else:
            progress("app: no Chromium (or --driver apptest); using Streamlit AppTest …")
            timings = _apptest_run(env)
            used = "Streamlit AppTest, no browser" + (
                "" if driver == "apptest" else " (Chromium is not installed)")
    finally:
        shutil.rmtree(models, ignore_errors=True)
    return {
        "name": "app",
        "title": "App: cold start to first rendered search result (2024 edition, prebuilt models)",
        "driver": used,
        "queries": [FIRST_QUERY, SECOND_QUERY],
        "models_build_s": round(build_s, 2),
        **{k: round(v, 2) for k, v in timings.items()},
        "tables": [{
            "title": "Timings (seconds)",
            "columns": ["step", "seconds"],
            "rows": [["models build, 2024 edition (before the cold start, not part of it)",
                      round(build_s, 2)]] + [[_STEP_NAMES[k], round(v, 2)] for k, v in timings.items()],
        }],
        "notes": [f"Driver: {used}. Queries: first `{FIRST_QUERY}`, then `{SECOND_QUERY}`, "
                  f"then `{FIRST_QUERY}` again. No baseline: no other tool serves this corpus."],
    }


_STEP_NAMES = {
    "server_up_s": "server up (health endpoint answers), from launch",
    "first_result_s": f"cold start → first rendered result (`{FIRST_QUERY}`), from launch",
    "rerun_new_query_s": f"rerun with a new query (`{SECOND_QUERY}`) until rendered",
    "rerun_same_query_s": f"rerun of the first query (`{FIRST_QUERY}`) until rendered",
}


def _browser_run(env: dict, screenshot: Path | None = None) -> dict:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver = _chrome()  # a user's browser is already open: not part of the cold start
    port = _free_port()
    server = None
    try:
        t0 = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _healthy(port), "the Streamlit server to answer")
        server_up = time.perf_counter() - t0
        driver.get(f"http://localhost:{port}/")
        box = _wait(lambda: _first(driver, By.CSS_SELECTOR, QUERY_INPUT_CSS), "the search box")
        box.send_keys(FIRST_QUERY, Keys.ENTER)
        _wait(lambda: _results_changed(driver, ()), f"results for {FIRST_QUERY}")
        first = time.perf_counter() - t0

        timings = {"server_up_s": server_up, "first_result_s": first}
        for key, query in (("rerun_new_query_s", SECOND_QUERY), ("rerun_same_query_s", FIRST_QUERY)):
            before = _snippets(driver)
            box = _first(driver, By.CSS_SELECTOR, QUERY_INPUT_CSS)
            t1 = time.perf_counter()
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(query, Keys.ENTER)
            _wait(lambda b=before: _results_changed(driver, b), f"results for {query}")
            timings[key] = time.perf_counter() - t1
        if screenshot:
            driver.save_screenshot(str(screenshot))
        return timings
    finally:
        driver.quit()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def _snippets(driver) -> tuple[str, ...]:
    from selenium.webdriver.common.by import By

    return tuple(e.text for e in driver.find_elements(By.CSS_SELECTOR, SNIPPET_CSS))


def _results_changed(driver, before: tuple[str, ...]) -> bool:
    """True once the script has finished and highlighted hits other than `before` are on screen
    (each query of the benchmark has different hits, so stale ones never count)."""
    from selenium.webdriver.common.by import By

    if driver.find_elements(By.CSS_SELECTOR, RUNNING_CSS):
        return False
    now = _snippets(driver)
    return bool(now) and now != before and bool(driver.find_elements(By.CSS_SELECTOR, RESULT_CSS))


def _apptest_run(env: dict) -> dict:
    os.environ.update(env)
    t0 = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT_S)
    at.run()
    _apptest_search(at, FIRST_QUERY)
    timings = {"first_result_s": time.perf_counter() - t0}
    for key, query in (("rerun_new_query_s", SECOND_QUERY), ("rerun_same_query_s", FIRST_QUERY)):
        t1 = time.perf_counter()
        _apptest_search(at, query)
        timings[key] = time.perf_counter() - t1
    return timings


def _apptest_search(at, query: str) -> None:
    at.text_input(key=QUERY_KEY).set_value(query).run()
    if at.exception:
        raise RuntimeError(f"the app raised: {at.exception}")
    if not any("<mark>" in e.proto.body for e in at.get("html")):
        raise RuntimeError(f"app benchmark: no highlighted hits rendered for {query!r}")


def _chrome():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000"):
        options.add_argument(arg)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver")
    service = Service(driver_path) if driver_path else Service()
    return webdriver.Chrome(options=options, service=service)


def _chromium() -> bool:
    return bool((shutil.which("chromium") or shutil.which("chromium-browser"))
                and shutil.which("chromedriver"))


def _first(driver, by, selector):
    found = driver.find_elements(by, selector)
    return found[0] if found else None


def _wait(check, what: str, timeout: float = TIMEOUT_S, every: float = 0.05):
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - stale elements while Streamlit re-renders
            value = None
        if value:
            return value
        time.sleep(every)
    raise RuntimeError(f"app benchmark: waited {timeout} s for {what}")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", help="write the results here instead of stdout")
    p.add_argument("--driver", choices=("auto", "browser", "apptest"), default="auto",
                   help="auto: headless Chromium when installed, else Streamlit AppTest")
    p.add_argument("--screenshot", help="save the last rendered page here (PNG), to check by eye")
    return p.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
