"""The console in a real browser (issue 18): Debian's Chromium, driven by Playwright from PyPI through
`executable_path` (no browser download), against `steward serve`'s app on loopback.

Sign in, filter records, open one, approve and edit review items from the keyboard, silence an alert, an auditor
cannot act, a POST without the CSRF token is refused, sign out; every page passes axe-core (vendored from npm for
these tests only, tests/browser_vendor) with no serious or critical violation, runs under the console's own
Content-Security-Policy without a violation, and shows markup sent through the gateway as text (no script runs,
no element appears, even with the policy bypassed). Screenshots of each page go to $STEWARD_TEST_OUTPUT/console
(default test-output/ at the repository root) for a reviewer to look at.

Skips, saying why, when Playwright or Chromium is absent (`apt-get install chromium`; .ci/run installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.console_fixtures import CONSOLE_PROJECT, XSS, held, hostile_traffic, make_keys
from tests.gateway_fixtures import LiveServer, make_runtime

from steward.gateway.assemble import Runtime
from steward.monitor.worker import RollupWorker
from steward.store import AlertRow

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[test]' (it is in the test extra)"
)
CHROMIUM = os.environ.get("STEWARD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed: `apt-get install -y chromium` (or set STEWARD_CHROMIUM to its path)",
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "tests" / "browser_vendor" / "axe-core" / "axe.min.js"
OUTPUT = Path(os.environ.get("STEWARD_TEST_OUTPUT") or ROOT / "test-output") / "console"
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path_factory.mktemp("console-browser"), CONSOLE_PROJECT)
    yield rt
    rt.store.close()


@pytest.fixture(scope="module")
def live(runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(runtime) as server:
        yield server


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    return make_keys(runtime)


@pytest.fixture(scope="module")
def traffic(runtime: Runtime, live: LiveServer, keys: dict[str, str]) -> dict[str, Any]:
    """Hostile and plain traffic through the gateway, held answers, the rollups folded and one alert firing."""
    with httpx.Client(base_url=live.url, timeout=30) as http:
        hostile = hostile_traffic(runtime, http, keys)
        queue = [held(runtime, http, keys["app"], question=f"How should I save, part {i}?") for i in range(3)]
    RollupWorker(runtime.store, apps=runtime.project.apps).catch_up()
    now = time.time()
    alert = AlertRow("alr_demo", "latency", "helpdesk", "firing", "page", "p95_ms", "> 500", 900.0, now - 60, now)
    runtime.store.monitoring.open_alert(alert)
    return {"hostile": hostile, "queue": queue}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _context(chromium: Any, live: LiveServer, *, bypass_csp: bool = False) -> Any:
    """A fresh browser profile; `bypass_csp` only where axe (an injected script) must run or where the test checks
    that escaping alone keeps markup inert."""
    return chromium.new_context(base_url=live.url, bypass_csp=bypass_csp, viewport={"width": 1280, "height": 900})


def _sign_in(page: Any, key: str, path: str = "/ui") -> None:
    page.goto(path)
    assert "/ui/sign-in" in page.url
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/ui/sign-in" not in page.url, page.content()


def _shot(page: Any, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def _axe(page: Any, name: str) -> None:
    """axe-core's WCAG 2 A/AA rules on the page as it is: no serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
    blocking = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
    assert not blocking, f"{name}: {json.dumps(blocking, indent=1)}"


def _status(runtime: Runtime, record_id: str) -> str:
    status: str = runtime.store.reviews.get_item(record_id).status
    return status


def test_sign_in_filter_records_open_one_and_sign_out(
    chromium: Any, live: LiveServer, keys: dict[str, str], traffic: dict[str, Any]
) -> None:
    """Under the console's own CSP (not bypassed): its scripts run, the charts draw, nothing is refused."""
    context = _context(chromium, live)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/ui/records?app=helpdesk")
    assert page.url.endswith("/ui/sign-in?next=/ui/records%3Fapp%3Dhelpdesk")
    _shot(page, "01-sign-in")
    page.fill("#key", keys["admin"])
    page.click("button[type=submit]")
    page.wait_for_url("**/ui/records?app=helpdesk")
    assert keys["admin"] not in page.url
    page.select_option("select[name=status]", "served")
    page.fill("input[name=q]", "xss-2")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/ui/records?*q=xss-2*")  # htmx swapped the results and pushed the filters' URL
    rows = page.locator("#rows tr")
    assert rows.count() == 1 and "helpdesk" in rows.first.inner_text()
    _shot(page, "02-records-filtered")
    page.click("#rows a.record-link")
    page.wait_for_url("**/ui/records/rec_*")
    assert page.locator("article.message mark").first.inner_text() == "AKIAIOSFODNN7EXAMPLE"
    assert 'onerror=alert("xss-2")>' in page.locator("article.message").first.inner_text()  # shown as text
    _shot(page, "03-record")
    page.goto("/ui")
    page.wait_for_selector(".uplot")  # console.js drew the charts from the JSON block
    assert page.locator(".uplot").count() == 3 and "latency on helpdesk" in page.inner_text("body")
    _shot(page, "04-overview")
    page.click("#sign-out")
    page.wait_for_url("**/ui/sign-in")
    page.goto("/ui/audit")
    assert "/ui/sign-in" in page.url  # the session ended with the sign-out
    assert not refused, refused
    context.close()


def test_review_items_are_approved_and_edited_from_the_keyboard(
    chromium: Any, live: LiveServer, runtime: Runtime, keys: dict[str, str], traffic: dict[str, Any]
) -> None:
    first, second, third = traffic["queue"]
    context = _context(chromium, live)
    page = context.new_page()
    _sign_in(page, keys["developer"], "/ui/reviews?app=advice")
    items = page.locator("#queue .item")
    ids = [items.nth(i).get_attribute("data-id") for i in range(items.count())]
    at = ids.index(runtime.store.reviews.get_item(second).id)
    page.locator("body").press("Escape")
    for _ in range(at):
        page.keyboard.press("j")
    assert page.locator("#queue .item.selected").get_attribute("data-id") == ids[at]
    _shot(page, "05-reviews")
    with page.expect_navigation():
        page.keyboard.press("a")
    assert f"{second}: approved." in page.inner_text(".flash")
    assert (_status(runtime, first), _status(runtime, second)) == ("pending", "approved")
    assert page.locator("#queue .item.selected").get_attribute("data-id") == ids[at + 1]  # the next one
    page.goto("/ui/reviews?app=advice")
    target = runtime.store.reviews.get_item(third).id
    page.locator(f"#item-{target}").click(position={"x": 5, "y": 5})  # select it, as the keys would
    while page.locator("#queue .item.selected").get_attribute("data-id") != target:
        page.keyboard.press("j")
    page.keyboard.press("c")
    page.keyboard.type("hedged the promise")
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    page.locator(f"#item-{target} textarea").fill("Returns are never guaranteed.")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert f"{third}: approved with your edit." in page.inner_text(".flash")
    assert runtime.store.reviews.get_item(third).released_text == "Returns are never guaranteed."
    assert runtime.store.reviews.get_item(third).note == "hedged the promise"
    context.close()


def test_an_auditor_cannot_act_and_a_post_without_the_token_is_refused(
    chromium: Any, live: LiveServer, runtime: Runtime, keys: dict[str, str], traffic: dict[str, Any]
) -> None:
    first = traffic["queue"][0]
    context = _context(chromium, live)
    page = context.new_page()
    _sign_in(page, keys["auditor"], "/ui/reviews?app=advice")
    assert page.locator("form.decide").count() == 0 and "read-only" in page.inner_text("header")
    page.keyboard.press("a")  # nothing to press: no navigation, nothing decided
    page.wait_for_timeout(300)
    assert page.url.endswith("/ui/reviews?app=advice") and _status(runtime, first) == "pending"
    item = runtime.store.reviews.get_item(first).id
    script = """([url, withToken]) => {
        const token = document.querySelector('input[name=csrf]').value;
        const body = new URLSearchParams({action: 'approve'});
        if (withToken) body.set('csrf', token);
        return fetch(url, {method: 'POST', body}).then(r => r.status);
    }"""
    url = f"/ui/reviews/{item}/decision"
    assert page.evaluate(script, [url, True]) == 403  # a valid token, but an auditor
    _shot(page, "06-reviews-auditor")
    context.close()
    admin = _context(chromium, live).new_page()
    _sign_in(admin, keys["admin"], "/ui/reviews?app=advice")
    assert admin.evaluate(script, [url, False]) == 403  # an admin, but no token
    admin.evaluate(f"() => document.querySelector('#item-{item} input[name=csrf]').remove()")
    admin.locator(f"#item-{item} button.approve").click()
    admin.wait_for_load_state()
    assert "nothing was changed" in admin.inner_text("#error-message")
    _shot(admin, "07-refused-without-token")
    assert _status(runtime, first) == "pending"
    admin.context.close()


def test_an_alert_is_silenced_from_the_alerts_page(
    chromium: Any, live: LiveServer, runtime: Runtime, keys: dict[str, str], traffic: dict[str, Any]
) -> None:
    context = _context(chromium, live, bypass_csp=True)  # for axe
    page = context.new_page()
    _sign_in(page, keys["developer"], "/ui/alerts")
    _axe(page, "alerts-with-silence-form")
    row = page.locator("#alert-alr_demo")
    row.locator("select[name=for]").select_option("2h")
    row.locator("input[name=why]").fill("upstream maintenance, ticket OPS-42")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "latency on helpdesk silenced until" in page.inner_text(".flash")
    assert "upstream maintenance, ticket OPS-42" in page.inner_text("#alert-alr_demo")
    _shot(page, "08-alert-silenced")
    context.close()


@pytest.mark.parametrize(
    "name,path",
    [
        ("overview", "/ui"),
        ("records", "/ui/records"),
        ("record", "record"),
        ("reviews", "/ui/reviews?state=all"),
        ("audit", "/ui/audit"),
        ("alerts", "/ui/alerts?all=1"),
        ("not-found", "/ui/records/rec_missing"),
    ],
)
def test_every_page_passes_axe_and_renders_markup_inert(
    chromium: Any, live: LiveServer, keys: dict[str, str], traffic: dict[str, Any], name: str, path: str
) -> None:
    context = _context(chromium, live, bypass_csp=True)  # escaping alone must keep the markup inert
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _sign_in(page, keys["admin"], path if path != "record" else f"/ui/records/{traffic['hostile'][0]}")
    page.wait_for_load_state("networkidle")
    injected = page.evaluate("() => document.querySelectorAll('img[src=x], svg[onload], iframe').length")
    assert injected == 0 and not dialogs
    if name in ("record", "reviews"):
        assert any(payload in page.inner_text("main") for payload in XSS)  # shown, as text
    _axe(page, name)
    _shot(page, f"axe-{name}")
    context.close()


def test_the_sign_in_page_passes_axe(chromium: Any, live: LiveServer) -> None:
    page = _context(chromium, live, bypass_csp=True).new_page()
    page.goto("/ui/sign-in")
    _axe(page, "sign-in")
    page.context.close()
