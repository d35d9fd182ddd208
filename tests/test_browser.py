"""The real app in a real browser: `streamlit run app.py` driven by headless Chromium.

Needs the Debian packages chromium and chromium-driver (installed by
`scripts/setup.sh --browser`, which `make test` runs). The server gets a free
localhost port and the session's prebuilt models/ (a tmp dir, via
TEXTKIT_MODELS); it is killed in teardown. A screenshot of the result page goes
to tests/_artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "_artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SERVER_START_SECONDS = 90
WAIT_SECONDS = 90

pytestmark = pytest.mark.browser


def test_search_te24_shows_results(app_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(app_url)  # Haku is the default page, at "/"
    type_into(browser, 'input[aria-label="Hakulauseke"]', "TE24" + Keys.ENTER)

    try:
        # Results: highlighted snippets (the full passages in closed expanders are hidden),
        # the hit count line, a theme heading and the per-theme chart.
        marks = wait_for_visible(browser, By.CSS_SELECTOR, '[data-testid="stHtml"] .snippet mark')
        assert any("te24" in m.text.lower() for m in marks), [m.text for m in marks[:5]]
        wait_for_text(browser, "osumaa")
        wait_for_text(browser, "Työmarkkinoiden kohtaanto")
        wait_for_visible(browser, By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"], .vega-embed')
        assert "Traceback" not in browser.page_source
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "browser_haku_te24.png"
        browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


def test_hits_per_theme_bars_show_on_a_phone_screen(app_url, browser):
    """At 390 px (a phone) the theme labels must leave the bars room: the bar of a theme with
    one hit is still clearly visible (with 360 px labels every bar was 0 px wide)."""
    size = browser.get_window_size()
    browser.set_window_size(390, 1800)
    try:
        browser.get(f"{app_url}/?q=kunta")
        wait_for_text(browser, "osumaa")
        wait_for_visible(browser, "css selector", ".vega-embed g.mark-rect path")
        time.sleep(1.0)
        widths = browser.execute_script(
            "return [...document.querySelectorAll('.vega-embed g.mark-rect path')]"
            ".map(p => p.getBoundingClientRect().width)")
        assert widths and min(widths) >= 40, widths
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_concordance_sorted_by_right_context(app_url, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from textkit import kwic

    browser.get(app_url)
    type_into(browser, 'input[aria-label="Hakulauseke"]', '"jatkuva oppiminen"' + Keys.ENTER)
    try:
        wait_for_visible(browser, By.CSS_SELECTOR, '[data-testid="stHtml"] .snippet mark')
        click_button(browser, "Konkordanssi")
        wait_for_visible(browser, By.CSS_SELECTOR, ".kwic-row .kwic-form mark")
        click_button(browser, "Oikea sana")

        def right_words(d):
            from selenium.common.exceptions import StaleElementReferenceException

            try:   # the rows are redrawn after the click: read them again until they settle
                texts = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".kwic-row .kwic-right")]
            except StaleElementReferenceException:
                return False
            keys = [[kwic.collation_key(w) for w in kwic.WORD.findall(t)][:3] for t in texts]
            return texts if len(texts) == 19 and keys == sorted(keys) else False

        from selenium.webdriver.support.ui import WebDriverWait

        texts = WebDriverWait(browser, WAIT_SECONDS).until(right_words)
        assert texts[0].startswith("2025") and "Traceback" not in browser.page_source
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "browser_haku_kwic_right.png"))


def test_first_page_says_what_it_is_with_example_queries(app_url, browser):
    browser.get(app_url)
    wait_for_text(browser, "toteutuskatsauksia")
    body = browser.find_element("tag name", "body").text
    assert "vuosikatsaus 2024 (12 teemaa" in body
    buttons = {example: wait_for_visible(browser, "xpath", f"//button[.//p[normalize-space(.)='{example}']]")
               for example in ("TE24", "tekoäly", '"jatkuva oppiminen"')}    # each with its search icon
    buttons["tekoäly"][0].click()
    wait_for_text(browser, "osumaa")
    assert browser.find_element("css selector", 'input[aria-label="Hakulauseke"]').get_attribute("value") == "tekoäly"


def test_a_query_runs_after_a_typing_pause_without_english_instructions(app_url, browser):
    """Streamlit writes "Press Enter to apply" (English, not configurable) under an input that
    waits for Enter; the query input commits after a typing pause instead, so the line never
    shows and the search runs without Enter."""
    browser.get(app_url)
    type_into(browser, 'input[aria-label="Hakulauseke"]', "kunta")   # no Enter
    seen: list[str] = []
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not any("osumaa" in text for text in seen):
        seen.append(browser.find_element("tag name", "body").text)   # every state while it waits
        time.sleep(0.1)
    assert any("osumaa" in text for text in seen), "the search did not run without Enter"
    assert not any("Press Enter" in text for text in seen), [t for t in seen if "Press Enter" in t][:1]


def test_language_choice_survives_a_reload(app_url, browser):
    browser.get(app_url)
    wait_for_text(browser, "Hakulauseke")
    browser.find_element("xpath", "//label[.//p[normalize-space(.)='English']]").click()
    wait_for_text(browser, "Query")
    wait_for_visible(browser, "xpath", "//h1[normalize-space(.)='Search']")
    assert "lang=en" in browser.current_url
    browser.refresh()
    wait_for_visible(browser, "xpath", "//h1[normalize-space(.)='Search']")
    assert "lang=en" in browser.current_url
    browser.get(app_url)   # without the parameter: Finnish again
    wait_for_visible(browser, "xpath", "//h1[normalize-space(.)='Haku']")


def click_button(driver, label: str, timeout: float = WAIT_SECONDS) -> None:
    """Click the (first visible) button whose text is `label`, e.g. a segmented-control option."""
    from selenium.webdriver.support.ui import WebDriverWait

    from selenium.common.exceptions import StaleElementReferenceException

    def clicked(d):
        try:   # a rerun may redraw the button between finding and clicking it
            for button in d.find_elements("xpath", f"//button[normalize-space(.)='{label}']"):
                if button.is_displayed() and button.is_enabled():
                    button.click()
                    return True
        except StaleElementReferenceException:
            pass
        return False

    WebDriverWait(driver, timeout).until(clicked)


def test_no_request_leaves_the_machine(app_url, browser):
    """Every page, and a search with results, asks only the app's own server for anything
    (page icons, fonts, scripts, charts): no request to another host, so the app works
    offline and a ministry laptop does not call out. Requests are read from Chromium's
    DevTools performance log (Network.requestWillBeSent and WebSocket events)."""
    from selenium.webdriver.common.keys import Keys

    own_host = urllib.parse.urlsplit(app_url).netloc
    requests(browser)   # drop what earlier tests left in the log
    browser.get(app_url)
    type_into(browser, 'input[aria-label="Hakulauseke"]', "tekoäly" + Keys.ENTER)
    wait_for_text(browser, "osumaa")
    for page in ("teemat", "aiheet", "vuosivertailu", "otteet", "aineisto"):
        browser.get(f"{app_url}/{page}")
        wait_for_visible(browser, "css selector", "h1")
        time.sleep(1.0)   # late requests: the page icon, fonts, chart libraries
    seen = requests(browser)
    assert any(urllib.parse.urlsplit(url).netloc == own_host for url in seen), seen[:5]
    outside = sorted({url for url in seen if not _is_local(url, own_host)})
    assert not outside, outside


# ---------------------------------------------------------------- fixtures and helpers


def requests(driver) -> list[str]:
    """URLs of every request and WebSocket the pages made since the last call (drains the log)."""
    import json

    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(params["request"]["url"])
        elif message.get("method") == "Network.webSocketCreated":
            urls.append(params["url"])
    return urls


def _is_local(url: str, own_host: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome", "chrome-untrusted"):   # inline data, the browser's own pages
        return True
    return parts.netloc == own_host


@pytest.fixture(scope="module")
def app_url(built_models, tmp_path_factory):
    """A `streamlit run app.py` server on a free port; killed (whole process group) in teardown."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "TEXTKIT_MODELS": str(built_models), "TEXTKIT_CORPUS": str(ROOT / "corpus"),
           "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, server, log_path)
        yield url
    finally:
        stop_process_group(server)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium through chromedriver, with a fresh profile and no background traffic."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1440,1800",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    # Every request the pages make goes to the DevTools performance log (test_no_request_leaves_the_machine).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"streamlit did not answer on {url} in {SERVER_START_SECONDS} s:\n{log_path.read_text()}")


def stop_process_group(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=15)


def type_into(driver, selector: str, text: str, timeout: float = WAIT_SECONDS) -> None:
    """Type into an input once it can take keys (the app may still be rendering it)."""
    from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def typed(d):
        try:
            box = d.find_element(By.CSS_SELECTOR, selector)
            if not (box.is_displayed() and box.is_enabled()):
                return False
            box.click()
            box.send_keys(text)
            return True
        except (ElementNotInteractableException, StaleElementReferenceException):
            return False

    WebDriverWait(driver, timeout, ignored_exceptions=(Exception,)).until(typed)


def wait_for(driver, by, selector, timeout: float = WAIT_SECONDS):
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(EC.visibility_of_element_located((by, selector)))


def wait_for_visible(driver, by, selector, timeout: float = WAIT_SECONDS):
    """The visible elements matching `selector`, once there is at least one."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    def visible(d):
        try:
            return [e for e in d.find_elements(by, selector) if e.is_displayed()] or False
        except StaleElementReferenceException:   # Streamlit re-rendered meanwhile: look again
            return False

    return WebDriverWait(driver, timeout).until(visible)


def wait_for_text(driver, text: str, timeout: float = WAIT_SECONDS) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element("tag name", "body").text)
