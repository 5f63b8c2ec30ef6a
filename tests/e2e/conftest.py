"""Browser tests (Playwright, sync API) against Django's live server.

Run with ``.venv/bin/pytest tests/e2e`` (or ``-m e2e``). They drive the Debian
chromium at /usr/bin/chromium; Playwright's own browser download is not used.

Why DJANGO_ALLOW_ASYNC_UNSAFE is set here (and only here, only while the e2e
modules run):

The sync Playwright API keeps an asyncio event loop *marked as running* in the
main thread between its calls, for as long as Playwright is started (see
``wait_for_future`` in playwright/_impl/_greenlets.py). Django's
``async_unsafe`` guard sees that loop and raises SynchronousOnlyOperation for
any ORM call made in the main thread. Doing all ORM work before Playwright
starts is not enough: ``transactional_db`` flushes the database in the main
thread at the *teardown* of every test, while the module-scoped browser is
still alive, and each test has to load the demo again *after* the previous
test's flush. The guard is a false positive here: the loop is Playwright's
private dispatcher loop, no coroutine of ours ever runs Django code, and all
Django calls are plain blocking calls from one thread. The live server runs in
its own thread, which has no running loop, so the application itself is still
served under the normal rules.

The variable is set by a module-scoped fixture that is set up before the
browser starts and restored after it has stopped, so the relaxed check never
leaks into the rest of the test session (unit/functional tests that run after
tests/e2e/ in the same session keep the guard).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 10_000


def _safe_name(nodeid_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid_name).strip("_") or "test"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so `page` can tell a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="module", autouse=True)
def _e2e_module_env(django_db_blocker):
    """Allow ORM calls while Playwright's loop runs (see the module docstring).

    Autouse, so it is set up before `browser` and torn down after it. Its
    teardown also reloads the demo catalogue: `transactional_db` flushes every
    table after each e2e test, while tests/conftest.py promises every later
    test a database that starts with the demo catalogue, indexed.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    state = {"flushed": False}
    try:
        yield state
    finally:
        try:
            if state["flushed"]:
                with django_db_blocker.unblock():
                    from tests.helpers import load_demo_catalogue

                    load_demo_catalogue()
        finally:
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(_e2e_module_env):
    """One headless Debian chromium per test module."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so a missing browser is an error, not a skip)", pytrace=False)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh Japanese-locale browser context and page for one test.

    On failure a full-page screenshot goes to test-results/<test name>.png.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))
        if failed:
            out_dir = Path(request.config.rootpath) / "test-results"
            try:
                out_dir.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out_dir / f"{_safe_name(request.node.name)}.png"), full_page=True)
            except Exception as exc:  # a screenshot is a courtesy; never mask the real failure
                print(f"could not save a failure screenshot: {exc!r}")
        context.close()


@pytest.fixture
def demo_site(transactional_db, live_server, _e2e_module_env):
    """The live server's base URL, with the demo catalogue, CMS pages and search index loaded.

    `transactional_db` (which the live server needs, so that its thread sees
    committed data) flushes every table after each test, including Wagtail's
    root page, so the demo is reloaded inside each test.
    """
    from tests.helpers import load_demo_catalogue

    _e2e_module_env["flushed"] = True
    load_demo_catalogue()
    return live_server.url
