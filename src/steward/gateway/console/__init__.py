"""The web console at /ui (issue 18): server-rendered pages for the people who oversee the apps.

`steward serve` serves it beside the API; nothing else runs and nothing is fetched from a CDN. Pages are Jinja
templates (autoescaped: every user-controlled text renders as text), with two small libraries vendored from npm
under `static/vendor` (htmx for partial updates, uPlot for charts; see VENDORED.json) and the console's own
`console.js` and `console.css`. A person signs in with an API key, which becomes a server-side session
kept in the store (`sessions`); what each request is checked against is in `security`, how often one client may
try to sign in in `throttle`. Pages read and act through the management
API's service functions (`steward.gateway.management.records.record_page`, `reviews.decide_item`, …), never the
store directly, so the console shows and may do exactly what the same key may through the API, and every action is
made, and audited, as the signed-in key.

Modules: `signin` (sign-in, sign-out), `overview` (traffic, latency, verdict rates, firing alerts), `records`
(explorer and one record's governed view, with `highlight`), `reviews` (the queue, worked from the keyboard),
`oversight` (audit log with its verify status, alerts), `deployments` (arms, canary, history; approve, promote,
rollback), `drift`, `silences`, `registry` (with the lineage graph of `graph`), `suites` (eval runs, reports, A/B),
`compliance` (controls, evidence pack). Each has `routes(router, console)`, is named in `PAGES` with a link in
`NAV`, and calls its area's service functions in `steward.gateway.management`; an action is a POST that checks
the CSRF token first (`actions.acting`) and then calls the service function as `visitor.who`.
"""

from __future__ import annotations

import functools
import importlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from steward.config import Project
from steward.errors import AuthenticationError, NotFound, StewardError
from steward.gateway.auth import Authenticator
from steward.gateway.console.security import HEADERS, SignInNeeded, Visitor, preload
from steward.gateway.console.security import visitor as current_visitor
from steward.gateway.console.sessions import Sessions
from steward.gateway.console.throttle import SignInThrottle
from steward.gateway.errors_http import status_of
from steward.store import Store

log = logging.getLogger(__name__)
# modules of this package with `routes`, and the links at the top of every page
PAGES: tuple[str, ...] = ("signin", "overview", "records", "reviews", "oversight", "deployments", "drift")
PAGES += ("silences", "registry", "suites", "compliance")
NAV: tuple[tuple[str, str], ...] = (
    ("/ui", "Overview"),
    ("/ui/records", "Records"),
    ("/ui/reviews", "Reviews"),
    ("/ui/deployments", "Deployments"),
    ("/ui/evals", "Evals"),
    ("/ui/registry", "Registry"),
    ("/ui/compliance", "Compliance"),
    ("/ui/drift", "Drift"),
    ("/ui/alerts", "Alerts"),
    ("/ui/silences", "Silences"),
    ("/ui/audit", "Audit"),
)
HERE = Path(__file__).parent
STATIC = "/ui/static"


def when_text(at: float | None) -> str:
    """Epoch seconds as `2026-12-07 13:05:09 UTC` (empty for none)."""
    if at is None:
        return ""
    return datetime.fromtimestamp(float(at), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def code_spans(text: object) -> Markup:
    """`text` escaped, its `backticked` commands set as code: messages written for the CLI (a fix, an error's
    what to do) read in a page as in a terminal, without raw backticks. Unbalanced backticks stay as they are."""
    parts = str(text if text is not None else "").split("`")
    if len(parts) % 2 == 0:
        return Markup(escape("`".join(parts)))
    shown = (Markup("<code>%s</code>") % part if i % 2 else escape(part) for i, part in enumerate(parts))
    return Markup("").join(shown)


@functools.cache
def _environment() -> Environment:
    """The console's templates, one environment per process: a template is compiled once (20-140 ms each on the
    shared VM) however many apps the process builds, and `compile_templates` does it before the first request."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when_text
    env.filters["code_spans"] = code_spans
    env.globals["static"] = STATIC
    env.globals["nav"] = NAV
    return env


@dataclass
class Console:
    """What the console's routes share: the store and project they read, who may sign in, the sessions, the
    templates, and each team's last audit verification."""

    store: Store
    project: Project
    authenticator: Authenticator
    sessions: Sessions = field(init=False)  # in the store: they outlive the process and serve every worker
    throttle: SignInThrottle = field(default_factory=SignInThrottle)  # sign-in attempts per client address
    templates: Environment = field(default_factory=_environment)
    verified: dict[str, dict[str, Any]] = field(default_factory=dict)  # a team's last audit verification

    def __post_init__(self) -> None:
        self.sessions = Sessions(self.store)

    def compile_templates(self) -> None:
        """Compile every template now (the app's start-up), so that no visitor's first view of a page waits for
        it: on the loaded VM each page's first request took 60-190 ms more than the next ones (session 14)."""
        for name in self.templates.list_templates():
            self.templates.get_template(name)

    def page(self, visitor: Visitor | None, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page rendered for `visitor` (None on the sign-in form), with the console's security headers."""
        flash = visitor.take_flash() if visitor is not None else []
        html = self.templates.get_template(template).render(visitor=visitor, flash=flash, **context)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def error(self, visitor: Visitor | None, exc: StewardError) -> HTMLResponse:
        status, kind = status_of(exc)
        return self.page(visitor, "error.html", status=status, message=exc.message, kind=kind, status_code=status)


def route_class(console: Console) -> type[APIRoute]:
    """Console routes answer a missing session with the sign-in form and any refusal with an HTML page (the API's
    handlers answer JSON)."""

    class ConsoleRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handle = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                started = time.perf_counter()
                try:
                    await preload(console, request)  # the session, looked up off the event loop
                    response = await handle(request)
                except SignInNeeded as needed:
                    if request.method != "GET":
                        response = console.error(None, _signed_out())
                    else:
                        where = "/ui/sign-in" + (
                            "" if needed.next_path == "/ui" else f"?next={quote(needed.next_path)}"
                        )
                        response = RedirectResponse(where, status_code=303, headers=HEADERS)
                except StewardError as exc:
                    response = console.error(getattr(request.state, "visitor", None), exc)
                except Exception:  # a bug: the page says so, the log has the traceback
                    log.exception("unexpected error serving %s %s", request.method, request.url.path)
                    failed = StewardError("internal error; nothing more is shown here, see the server log.")
                    response = console.error(getattr(request.state, "visitor", None), failed)
                response.headers["server-timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
                return response

            return guarded

    return ConsoleRoute


def _signed_out() -> StewardError:
    return AuthenticationError("you are not signed in, or your session ended; sign in again at /ui/sign-in.")


def mount(api: FastAPI, store: Store, project: Project, authenticator: Authenticator) -> Console:
    """Serve the console at /ui on `api` (its static files at /ui/static) and return it (tests move its clock)."""
    console = Console(store, project, authenticator)
    api.router.on_startup.append(console.compile_templates)  # before the app's heap is frozen (create_app)
    for name in PAGES:
        router = APIRouter(route_class=route_class(console), include_in_schema=False)
        importlib.import_module(f"steward.gateway.console.{name}").routes(router, console)
        api.include_router(router)
    api.mount(STATIC, StaticFiles(directory=HERE / "static"), name="console-static")
    unknown = APIRouter(route_class=route_class(console), include_in_schema=False)

    @unknown.get("/ui/{rest:path}")
    async def not_a_page(rest: str, request: Request) -> Response:  # after the static files: it matches last
        current_visitor(console, request)
        raise NotFound(f"the console has no page /ui/{rest}; the links at the top lead to its pages.")

    api.include_router(unknown)
    api.state.console = console
    return console
