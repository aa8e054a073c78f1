"""The console's governance pages in a real browser (issue 18), as test_console_browser.py drives the others:
Debian's Chromium through Playwright's `executable_path`, against `steward serve`'s app on loopback.

A canary of a high-risk app is promoted with two approvers, each in their own browser session, under the console's
own Content-Security-Policy; the drift page draws its rollup charts under that policy; every governance page
(deployments, drift with a run, silences, registry, a version's lineage graph, evals, a run's report, an A/B
comparison, compliance) passes axe-core with no serious or critical violation and shows markup sent in notes,
reasons and run names as text. Screenshots go where test_console_browser.py writes its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tests.console_fixtures import XSS, ab_runs, api, make_gov_keys, past_traffic
from tests.gateway_fixtures import LiveServer, make_runtime
from tests.gov_fixtures import PROJECT, stored_run
from tests.test_console_browser import CHROMIUM, _axe, _context, _shot, _sign_in, sync_api

from steward.gateway.assemble import Runtime
from steward.governance import apply
from steward.governance.identity import Actor
from steward.monitor.worker import RollupWorker
from steward.store import AlertRow


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path_factory.mktemp("console-browser-gov"), PROJECT)
    apply.apply_project(rt.store, rt.project, Actor.user("alice"))
    yield rt
    rt.store.close()


@pytest.fixture(scope="module")
def live(runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(runtime) as server:
        yield server


@pytest.fixture(scope="module")
def keys(runtime: Runtime) -> dict[str, str]:
    return make_gov_keys(runtime)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def seeded(runtime: Runtime, live: LiveServer, keys: dict[str, str]) -> dict[str, Any]:
    """A canary in flight with its passing eval, A/B runs, two windows of traffic folded into rollups, alerts
    (one silenced), with markup in every note, reason and run name."""
    now = time.time()
    with httpx.Client(base_url=live.url, timeout=30) as http:
        body = {"model": "model-b", "canary": 10, "note": XSS[0]}
        api(http, keys["deployer"], "POST", "/v1/deployments/claims", json=body)
        stored_run(runtime.store, runtime.project, "claims-b", served=["model-b"])
        run_a, run_b = ab_runs(runtime, f"ab {XSS[1]}")
        for i, rule in enumerate(("errors", "latency")):
            alert = AlertRow(
                f"alr_b{i}", rule, "claims-c", "firing", "page", "p95_ms", "> 500", 900.0, now - 60, now
            )
            runtime.store.monitoring.open_alert(alert)
        api(http, keys["dave"], "POST", "/v1/alerts/alr_b0/silence", json={"for": "2h", "why": XSS[2]})
    past_traffic(runtime, "claims-c", now - 3 * 86_400, ["car", "house", "travel"], seed=1)
    past_traffic(runtime, "claims-c", now - 3_600, ["flood flood flood long words", "fire"], seed=2)
    RollupWorker(runtime.store, apps=runtime.project.apps).catch_up()
    return {"a": run_a, "b": run_b}


def _approve(page: Any, note: str) -> None:
    section = page.locator("#app-claims")
    section.locator(".approve-form input[name=note]").fill(note)
    with page.expect_navigation():
        section.locator("button.approve").click()
    assert "You approved the candidate of claims." in page.inner_text(".flash")


def test_a_canary_is_promoted_with_two_approvers_in_two_sessions(
    chromium: Any, live: LiveServer, runtime: Runtime, keys: dict[str, str], seeded: dict[str, Any]
) -> None:
    """Bob and Carol each in their own browser, both signed in at once, under the console's own CSP."""
    refused: list[str] = []
    pages = []
    for name in ("bob", "carol"):
        page = _context(chromium, live).new_page()
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        _sign_in(page, keys[name], "/ui/deployments")
        pages.append(page)
    bob, carol = pages
    claims = bob.locator("#app-claims")
    assert "10%" in claims.locator(".share").inner_text() and "0 of 2" in claims.locator(".approvals").inner_text()
    _shot(bob, "09-deployments-canary")
    carol.locator("#app-claims button.promote").click()  # too early: the page says which rule, nothing changes
    carol.wait_for_load_state()
    assert "needs approval by 2 different approvers" in carol.inner_text("#action-error")
    _approve(bob, "checked the eval run")
    assert "1 of 2" in bob.locator("#app-claims .approvals").inner_text()
    assert bob.locator("#app-claims .approve-form").count() == 0  # once per approver
    carol.goto("/ui/deployments")
    _approve(carol, "agreed")
    assert "2 of 2" in carol.locator("#app-claims .approvals").inner_text()
    _shot(carol, "10-deployments-approved")
    carol.locator("#app-claims .promote-form input[name=note]").fill("two approvals, eval passed")
    with carol.expect_navigation():
        carol.locator("#app-claims button.promote").click()
    assert "claims: promote done; it now serves model-b 100%." in carol.inner_text(".flash")
    carol.locator("#app-claims details.history summary").click()
    _shot(carol, "11-deployments-promoted")
    state = api(httpx.Client(base_url=live.url), keys["auditor"], "GET", "/v1/deployments/claims")["data"][0]
    assert state["action"] == "promote" and state["traffic"] == [["model-b", 100.0]]
    assert not refused, refused
    for page in pages:
        page.context.close()


def test_the_drift_page_draws_its_charts_under_the_console_csp(
    chromium: Any, live: LiveServer, keys: dict[str, str], seeded: dict[str, Any]
) -> None:
    page = _context(chromium, live).new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    _sign_in(page, keys["auditor"], "/ui/drift")
    page.select_option("select[name=app]", "claims-c")
    page.fill("input[name=reference]", "-4d..-2d")
    page.fill("input[name=current]", "-1d..now")
    with page.expect_navigation():
        page.click("#run-drift")
    page.wait_for_selector(".uplot")
    assert page.locator(".uplot").count() == 3 and page.locator("table.signals tbody tr").count() >= 3
    _shot(page, "12-drift")
    assert not refused, refused
    page.context.close()


@pytest.mark.parametrize(
    "name,path",
    [
        ("deployments", "/ui/deployments"),
        ("drift", "/ui/drift?run=1&app=claims-c&reference=-4d..-2d&current=-1d..now"),
        ("silences", "/ui/silences?all=1"),
        ("registry", "/ui/registry"),
        ("lineage", "/ui/registry/model:model-b@1"),
        ("evals", "/ui/evals"),
        ("eval-run", "run"),
        ("eval-compare", "compare"),
        ("compliance", "/ui/compliance?app=claims"),
    ],
)
def test_every_governance_page_passes_axe_and_renders_markup_inert(
    chromium: Any, live: LiveServer, keys: dict[str, str], seeded: dict[str, Any], name: str, path: str
) -> None:
    path = {
        "run": f"/ui/evals/runs/{seeded['b']}",
        "compare": f"/ui/evals/compare?a={seeded['a']}&b={seeded['b']}",
    }.get(path, path)
    context = _context(chromium, live, bypass_csp=True)  # for axe; escaping alone must keep the markup inert
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _sign_in(page, keys["carol"], path)
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")  # history too
    assert page.locator("#error-message").count() == 0, page.inner_text("main")
    injected = page.evaluate("() => document.querySelectorAll('img[src=x], svg[onload], iframe').length")
    assert injected == 0 and not dialogs
    if name in ("deployments", "silences", "evals", "eval-run"):
        assert any(payload in page.inner_text("main") for payload in XSS)  # shown, as text
    _axe(page, name)
    _shot(page, f"axe-{name}")
    context.close()
