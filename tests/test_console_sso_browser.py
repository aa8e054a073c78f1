"""Single sign-on to the console in a real browser (Chromium through Playwright, as test_console_browser.py):
the provider runs on `localhost` and the console on `127.0.0.1`, two different sites, and the person clicks
"Continue" on the provider's page, so the way back is a cross-site navigation and the browser applies SameSite as
it would between a company's identity provider and Steward. The flow's Lax cookie must come back on the
provider's redirect and the Strict session cookie must be sent on the page after the callback; a person whose
groups map to no role is told so on the sign-in page. Skips, saying why, without Playwright or Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.console_fixtures import CONSOLE_PROJECT
from tests.gateway_fixtures import LiveServer, make_runtime
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, ProviderServer
from tests.test_console_sso import DEVELOPER, SECRET_VAR, SSO_SECTION

from steward.gateway.assemble import Runtime
from steward.governance import audit

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install -e '.[test]' (it is in the test extra)"
)
CHROMIUM = os.environ.get("STEWARD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed: `apt-get install -y chromium` (or set STEWARD_CHROMIUM to its path)",
        allow_module_level=True,
    )
AXE = Path(__file__).resolve().parent / "browser_vendor" / "axe-core" / "axe.min.js"
OUTPUT = (
    Path(os.environ.get("STEWARD_TEST_OUTPUT") or Path(__file__).resolve().parents[1] / "test-output") / "console"
)


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with ProviderServer(Provider(host="localhost", interactive=True)) as running:
        yield running


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, provider: Provider) -> Iterator[Runtime]:
    os.environ[SECRET_VAR] = CLIENT_SECRET
    text = CONSOLE_PROJECT + SSO_SECTION.format(issuer=provider.issuer, client_id=CLIENT_ID, var=SECRET_VAR)
    rt = make_runtime(tmp_path_factory.mktemp("console-sso-browser"), text)
    yield rt
    rt.store.close()
    os.environ.pop(SECRET_VAR, None)


@pytest.fixture(scope="module")
def live(runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(runtime) as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def test_sso_across_sites_lands_signed_in_where_the_person_was_going(
    chromium: Any, live: LiveServer, runtime: Runtime, provider: Provider
) -> None:
    provider.user = dict(DEVELOPER)
    page = chromium.new_context(base_url=live.url).new_page()
    page.goto("/ui/reviews?state=all")
    assert "/ui/sign-in" in page.url
    page.click("#sign-in-sso")
    page.click("#idp-continue")  # on the provider's site: the way back is a cross-site navigation
    page.wait_for_url(f"{live.url}/ui/reviews?state=all")
    assert page.inner_text("#signed-in-as") == "jane@example.com (developer, team default)"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "sso-signed-in.png"), full_page=True)
    events = audit.list_events(runtime.store, action="console.sign_in", limit=5)
    assert events[0].actor == "oidc:248289761001 (jane@example.com)"
    page.click("#sign-out")
    page.wait_for_url(f"{live.url}/ui/sign-in")


def test_a_person_without_a_mapped_group_is_told_on_the_sign_in_page(
    chromium: Any, live: LiveServer, provider: Provider
) -> None:
    provider.user = {"sub": "visitor-1", "groups": ["cafeteria"]}
    page = chromium.new_context(base_url=live.url).new_page()
    page.goto("/ui/sign-in")
    page.click("#sign-in-sso")
    page.click("#idp-continue")  # on the provider's site: the way back is a cross-site navigation
    page.wait_for_selector("#sign-in-error")
    assert "none of your groups is given a console role" in page.inner_text("#sign-in-error")
    page.goto("/ui")
    assert "/ui/sign-in" in page.url  # no session was made


def test_the_sign_in_page_with_sso_passes_axe(chromium: Any, live: LiveServer) -> None:
    page = chromium.new_context(base_url=live.url, bypass_csp=True).new_page()  # axe is an injected script
    page.goto("/ui/sign-in")
    assert page.inner_text("#sign-in-sso") == "sign in with Example SSO"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})")
    blocking = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not blocking, blocking
