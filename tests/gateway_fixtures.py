"""Fixtures for gateway tests: a project on the scripted model, a runtime, the gateway's ASGI app called
in-process (`InProcessServer`, the default for API tests), and a real loopback server (`LiveServer`) for the
tests where uvicorn itself is the point: disconnects, uvloop, connection handling, concurrency."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.testclient import TestClient

from steward.client import Client
from steward.config import Settings, load_project_text
from steward.gateway.assemble import Runtime, open_runtime
from steward.gateway.http import create_app

SCRIPTED_PROJECT = """
version: 1
models:
  scripted-a:
    backend: scripted
    replies: ["Hello from A."]
    price_per_1k: {input: 1.0, output: 2.0}
    context_length: 512
  scripted-b:
    backend: scripted
    replies: ["Hello from B."]
apps:
  demo:
    owner: qa@example.com
    purpose: Answer test questions.
    route: [{model: scripted-a}]
    fallback: [scripted-b]
    prompt: {system: "Be brief."}
    params: {temperature: 0.1, seed: 7, max_tokens: 64}
    limits: {max_input_chars: 2000}
  other:
    owner: qa@example.com
    purpose: Another team's app.
    team: other-team
    route: [{model: scripted-b}]
"""


def make_runtime(home: Path, text: str = SCRIPTED_PROJECT) -> Runtime:
    project = load_project_text(text, "test-steward.yaml")
    project.root = home
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'steward.db'}")
    return open_runtime(project, settings)


def module_runtime(project: str, name: str, prepare: Callable[[Runtime], object] | None = None) -> Any:
    """A module-scoped `runtime` fixture serving `project`, for modules whose tests share one server-side state
    (a test module assigns it, `runtime = module_runtime(...)`, and imports `module_client` or `module_server`
    beside it). `prepare` runs once on the new runtime (e.g. `apply.apply_project`)."""

    @pytest.fixture(scope="module", name="runtime")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
        rt = make_runtime(tmp_path_factory.mktemp(name), project)
        if prepare is not None:
            prepare(rt)
        yield rt
        rt.store.close()

    return fixture


@pytest.fixture(scope="module", name="client")
def module_client(runtime: Runtime) -> Iterator[Client]:
    """The in-process client of the module's runtime (`module_runtime`)."""
    yield Client(runtime=runtime)


@pytest.fixture(scope="module", name="server")
def module_server(runtime: Runtime) -> Iterator[InProcessServer]:
    """The in-process HTTP server of the module's runtime (`module_runtime`)."""
    with InProcessServer(runtime) as in_process:
        yield in_process


def scripted_model(runtime: Runtime, model: str = "scripted") -> Any:
    """A scripted model of the runtime, to enqueue its next answers and read what it was sent."""
    return runtime.gateway.models.get(model)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    rt = make_runtime(tmp_path)
    yield rt
    rt.store.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real uvicorn server on loopback, in a thread, for clients that speak HTTP (the openai package)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.port = _free_port()
        config = uvicorn.Config(
            create_app(runtime.gateway, runtime.authenticator),
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class InProcessServer:
    """The same ASGI app `LiveServer` serves, called in-process through Starlette's `TestClient`: no socket,
    no uvicorn, no server thread. `http` is the client (httpx-shaped, and what the `openai` package takes as its
    `http_client`); one event loop serves every request of a test, as one server process would."""

    url = "http://testserver"

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        app = create_app(runtime.gateway, runtime.authenticator)
        # a bug must come back as the 500 a client would see, not as an exception raised into the test
        self.http = TestClient(app, base_url=self.url, raise_server_exceptions=False)

    def __enter__(self) -> InProcessServer:
        self.http.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.http.__exit__(*exc)


@pytest.fixture
def server(runtime: Runtime) -> Iterator[InProcessServer]:
    with InProcessServer(runtime) as in_process:
        yield in_process


@pytest.fixture
def live(runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(runtime) as server:
        yield server


@pytest.fixture
def admin_key(runtime: Runtime) -> str:
    secret, _ = runtime.store.create_key(role="admin", name="test admin")
    return secret
