"""Fixtures of the browser tests: headless Chromium driven by Playwright, and ``edrive app``
served on a free port in a process of its own.

The tests skip, saying why, where Playwright, Chromium (Debian's ``chromium`` package, at
``/usr/bin/chromium`` or ``EDRIVE_CHROMIUM``) or Shiny is missing; with
``EDRIVE_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing piece fails them instead, so a
green CI run proves they ran. Screenshots go to ``tests/browser/artifacts/`` (not tracked).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("EDRIVE_CHROMIUM", "/usr/bin/chromium")
START_TIMEOUT_S = 120.0
# Longest wait for anything on a page [ms]: in a fresh environment the first run of each
# compiled kernel (simulation, batch, plan) compiles it, which takes tens of seconds on a
# small machine.
WAIT_MS = 300_000


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -e '.[test]')"
    if importlib.util.find_spec("shiny") is None:
        return "Shiny for Python is not installed (pip install -e '.[app]')"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set EDRIVE_CHROMIUM)"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("EDRIVE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (EDRIVE_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        _skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        except Exception as exc:  # noqa: BLE001 - a browser that will not start is a skip
            _skip_or_fail(f"Chromium at {CHROMIUM} does not start: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_url(browser, tmp_path_factory):
    """``edrive app`` on a free port of 127.0.0.1, stopped after the tests."""
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "edrive.cli", "app", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"edrive app exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"edrive app did not listen within {START_TIMEOUT_S:.0f} s")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        text = log.read_text()
        if "Traceback" in text:  # what the page never shows must not hide in the log either
            print(text[-4000:])


@pytest.fixture
def page(browser, app_url):
    """A fresh page on the app, with every request that does not go to the app aborted (the
    app must work without a network) and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.outside_requests = []

    def route(r):
        if r.request.url.startswith(app_url) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            page.outside_requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(app_url)
    page.wait_for_selector("#p_test_mass")
    yield page
    context.close()


@pytest.fixture
def open_offline(browser, artifacts):
    """``open_offline(path, shot)``: open the HTML file ``path`` with every request that is
    not for a local file or a data URI aborted, screenshot it to ``artifacts/shot``, and
    return (context, page, blocked requests, images that did not load)."""
    opened = []

    def open_(path, shot: str):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        opened.append(context)
        page = context.new_page()
        blocked: list[str] = []

        def route(r):
            if r.request.url.startswith(("file://", "data:")):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(Path(path).as_uri())
        page.wait_for_load_state("load")
        broken = page.eval_on_selector_all(
            "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0))"
            ".map(i => i.alt)")
        page.screenshot(path=artifacts / shot, full_page=True)
        return context, page, blocked, broken

    yield open_
    for context in opened:
        context.close()
