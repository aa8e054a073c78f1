"""Slow guardrail work runs off the event loop: one request's scan never holds up another request."""

from __future__ import annotations

import contextlib
import threading
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from tests.gateway_fixtures import SCRIPTED_PROJECT, LiveServer, make_runtime

from steward import plugins
from steward.guardrails.base import ScanContext
from steward.types import Finding

RELEASE = threading.Event()  # set by the test once the other request has been answered
SCANNING = threading.Event()  # set by the scanner when it starts blocking
SCANNED = threading.Event()  # set by the scanner when it returns (released, or timed out)


class BlockingScanner:
    """A scanner that blocks its thread (as a CPU-bound model does) until the test releases it."""

    name = "blocking"

    def scan(self, text: str, context: ScanContext) -> list[Finding]:
        SCANNING.set()
        RELEASE.wait(timeout=20)
        SCANNED.set()
        return []

    def reason_code(self, finding: Finding) -> str:
        return "blocking"


PLUGIN = types.SimpleNamespace(
    register_scanners=plugins.hookimpl(lambda register: register("blocking", lambda options: BlockingScanner()))
)

PROJECT = (
    SCRIPTED_PROJECT.replace("  demo:\n", "  demo:\n    policy: slow\n", 1)
    + """
  plain:
    owner: qa@example.com
    purpose: An app without a policy.
    route: [{model: scripted-b}]
policies:
  slow:
    input:
      plugins: {blocking: {action: block, threshold: 0.5}}
"""
)


@contextlib.contextmanager
def _server_with_blocking_scanner(tmp_path: Path, project: str) -> Iterator[tuple[LiveServer, str]]:
    manager = plugins.manager()
    manager.register(PLUGIN, "test-blocking-scanner")
    for event in (RELEASE, SCANNING, SCANNED):
        event.clear()
    runtime = make_runtime(tmp_path, project)
    key, _ = runtime.store.create_key(role="admin", name="test")
    try:
        with LiveServer(runtime) as server:
            yield server, key
    finally:
        RELEASE.set()
        manager.unregister(name="test-blocking-scanner")
        runtime.store.close()


@pytest.fixture
def live_with_slow_policy(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    with _server_with_blocking_scanner(tmp_path, PROJECT) as served:
        yield served


def test_a_blocking_scan_does_not_hold_up_other_requests(live_with_slow_policy: tuple[LiveServer, str]) -> None:
    live, key = live_with_slow_policy
    headers = {"Authorization": f"Bearer {key}"}

    def ask(app: str) -> httpx.Response:
        body = {"model": app, "messages": [{"role": "user", "content": "hi"}]}
        return httpx.post(f"{live.url}/v1/chat/completions", json=body, headers=headers, timeout=60)

    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(ask, "demo")
        assert SCANNING.wait(timeout=20), "the slow app's scanner never ran"
        other = ask("plain")  # an app without a policy, sent while the scan blocks its thread
        answered_while_scanning = not SCANNED.is_set()
        RELEASE.set()
        assert other.status_code == 200, other.text
        assert answered_while_scanning, "the other request waited for the scan: scans block the event loop"
        assert slow.result().status_code == 200


def test_only_a_request_alone_commits_its_record_inline(live_with_slow_policy: tuple[LiveServer, str]) -> None:
    live, key = live_with_slow_policy
    stats = live.runtime.store.writer_stats
    headers = {"Authorization": f"Bearer {key}"}

    def ask(app: str) -> httpx.Response:
        body = {"model": app, "messages": [{"role": "user", "content": "hi"}]}
        return httpx.post(f"{live.url}/v1/chat/completions", json=body, headers=headers, timeout=60)

    assert ask("plain").status_code == 200
    assert (stats.rows, stats.inline_rows) == (1, 1)  # alone: committed on the event loop
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(ask, "demo")
        assert SCANNING.wait(timeout=20), "the slow app's scanner never ran"
        assert ask("plain").status_code == 200  # two in flight: group commit
        assert (stats.rows, stats.inline_rows) == (2, 1)
        RELEASE.set()
        assert slow.result().status_code == 200  # alone again by the time it is recorded
    assert (stats.rows, stats.inline_rows) == (3, 2)
    assert live.runtime.gateway._in_flight == 0


def test_a_streamed_request_leaves_the_in_flight_count_when_its_response_ends(
    live_with_slow_policy: tuple[LiveServer, str],
) -> None:
    live, key = live_with_slow_policy
    headers = {"Authorization": f"Bearer {key}"}
    body = {"model": "plain", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.stream("POST", f"{live.url}/v1/chat/completions", json=body, headers=headers, timeout=60) as answer:
        lines = [line for line in answer.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert live.runtime.gateway._in_flight == 0  # not left to the garbage collector
    assert ask_plain(live, headers).status_code == 200
    assert live.runtime.store.writer_stats.inline_rows == 2  # so the next request, alone, commits inline


def ask_plain(live: LiveServer, headers: dict[str, str]) -> httpx.Response:
    body = {"model": "plain", "messages": [{"role": "user", "content": "hi"}]}
    return httpx.post(f"{live.url}/v1/chat/completions", json=body, headers=headers, timeout=60)
