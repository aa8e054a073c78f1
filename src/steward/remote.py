"""`steward.RemoteClient`: the management API of a running Steward server, over HTTP, with an API key.

`steward.Client` runs the governed pipeline in-process; this client reads what a server holds (records, the audit
log, rollups, drift, alerts and silences, the review queue, feedback, eval runs and A/B comparisons, the registry,
deployments, compliance) and acts through the management API (claims and decides review items, deploys, promotes,
rolls back, approves, silences), as the key's role and team allow. Errors come back as Steward's own exceptions
(`InvalidRequest` for a 400, `NotFound`, `PermissionDenied`, `RuleViolation` for a governance rule's 409 …)
carrying the server's message, which says what to send. It needs only httpx: importing it loads no model, no
guardrail and no database.

    from steward import RemoteClient
    with RemoteClient("http://127.0.0.1:8080", key="sk-stw-...") as steward:
        for record in steward.records(app="airport-assistant", status="blocked", since="2026-12-01T00:00:00Z"):
            print(record["id"], record["decisions"])
        print(steward.verify_audit()["ok"])
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from steward.errors import (
    AuthenticationError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    StewardError,
)
from steward.governance.errors import RuleViolation


class ServerUnreachable(StewardError):
    """No answer from the server: a wrong URL, a server not running, a network fault or a timeout."""

    code = "server_unreachable"


ERRORS: dict[int, type[StewardError]] = {
    400: InvalidRequest,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    409: RuleViolation,
    429: RateLimited,
}


def _segment(value: str) -> str:
    """One path segment, every reserved character percent-encoded: an id or name taken from elsewhere (a record,
    a user) never adds a segment, a query or a fragment, so `claim_review("../deployments/x/rollback#")` claims
    the item of that (odd) id rather than rolling back a deployment."""
    text = str(value)
    return "%2E" * len(text) if text in (".", "..") else quote(text, safe="")  # a dot segment is no segment


class RemoteClient:
    """A Steward server's management API, used with one API key (an admin, developer or auditor key)."""

    def __init__(
        self, base_url: str, key: str, *, timeout: float = 60.0, http: httpx.Client | None = None
    ) -> None:
        """`http`: an httpx-shaped client to send through instead of a new one (its base URL is used as is)."""
        self._owned = http is None
        self.http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self.headers = {"authorization": f"Bearer {key}"}

    @contextlib.contextmanager
    def _reaching(self) -> Iterator[None]:
        """httpx's transport errors raised as a `StewardError` too, so that one `except StewardError` covers a
        call."""
        try:
            yield
        except httpx.TransportError as exc:
            raise ServerUnreachable(
                f"the Steward server at {self.http.base_url} did not answer ({type(exc).__name__}: {exc}); check "
                "the URL and that `steward serve` is running there."
            ) from exc

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        with self._reaching():
            response = self.http.get(path, params=_params(params), headers=self.headers)
        return _json(response)

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        with self._reaching():
            response = self.http.post(path, json=body, headers=self.headers)
        return _json(response)

    def records_page(self, *, after: str | None = None, limit: int = 50, **filters: Any) -> dict[str, Any]:
        """One page of records, newest first: `{"data": [...], "next": cursor or None}` (`GET /v1/records`).
        `filters`: app, status, reason, subject, model, since, until (ISO 8601), q (text)."""
        page: dict[str, Any] = self._get("/v1/records", {**filters, "after": after, "limit": limit})
        return page

    def records(self, *, limit: int = 100, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every matching record, newest first, fetched a page of `limit` at a time as the iteration goes."""
        after = None
        while True:
            page = self.records_page(after=after, limit=limit, **filters)
            yield from page["data"]
            after = page["next"]
            if after is None:
                return

    def record(self, record_id: str) -> dict[str, Any]:
        """One record in full; an erased one has `erased` set (`GET /v1/records/{id}`)."""
        found: dict[str, Any] = self._get(f"/v1/records/{_segment(record_id)}", {})
        return found

    def export_records(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every matching record, oldest first, streamed as the server writes them (`GET /v1/records/export`)."""
        params = _params(filters)
        with (
            self._reaching(),
            self.http.stream("GET", "/v1/records/export", params=params, headers=self.headers) as response,
        ):
            if response.status_code != 200:
                response.read()
                _json(response)
            for line in response.iter_lines():
                if line:
                    yield orjson.loads(line)

    def audit(self, *, limit: int = 100, **filters: Any) -> Iterator[dict[str, Any]]:
        """Audit events of the key's team, newest first (`GET /v1/audit`; filters: actor, action, subject, since,
        until), fetched a page at a time."""
        after = None
        while True:
            page = self._get("/v1/audit", {**filters, "after": after, "limit": limit})
            yield from page["data"]
            after = page["next"]
            if after is None:
                return

    def verify_audit(self, *, shallow: bool = False, anchor: str | None = None) -> dict[str, Any]:
        """What `steward audit verify --json` prints, from the server (`POST /v1/audit/verify`), less the key
        file's path (`integrity_key` says `file`)."""
        body = {"shallow": shallow, "anchor": anchor}
        result: dict[str, Any] = self._post("/v1/audit/verify", body)
        return result

    def rollups(self, **filters: Any) -> list[dict[str, Any]]:
        """Rollup buckets of the key's team's apps (`GET /v1/monitor/rollups`; app, grain, since, until)."""
        found: list[dict[str, Any]] = self._get("/v1/monitor/rollups", filters)["data"]
        return found

    def alerts(self, *, everything: bool = False) -> list[dict[str, Any]]:
        """Open alerts of the key's team's apps (with `everything`, resolved ones too) (`GET /v1/alerts`)."""
        found: list[dict[str, Any]] = self._get("/v1/alerts", {"all": everything})["data"]
        return found

    def reviews(self, *, state: str = "pending", limit: int = 100, **filters: Any) -> Iterator[dict[str, Any]]:
        """The review queue of the key's team, oldest first (`GET /v1/reviews`; state pending, approved, rejected,
        decided, needs_second_label, disagreements or all; app), fetched a page at a time."""
        after = None
        while True:
            page = self._get("/v1/reviews", {**filters, "state": state, "after": after, "limit": limit})
            yield from page["data"]
            after = page["next"]
            if after is None:
                return

    def review_agreement(
        self, *, app: str | None = None, since: str | float | None = None, until: str | float | None = None
    ) -> dict[str, Any]:
        """Cohen's κ of the first against the second label of the key's team's items with two labels (the
        two-person rule), overall, per app, per policy and per pair of reviewers (`GET /v1/reviews/agreement`)."""
        found: dict[str, Any] = self._get("/v1/reviews/agreement", {"app": app, "since": since, "until": until})
        return found

    def review(self, record_id: str) -> dict[str, Any]:
        """Where a held request stands, with the released answer once approved (`GET /v1/reviews/{record_id}`)."""
        found: dict[str, Any] = self._get(f"/v1/reviews/{_segment(record_id)}", {})
        return found

    def claim_review(self, record_id: str) -> dict[str, Any]:
        """Claim a pending item for 15 minutes as the key's identity (again: renew it), so other reviewers see it
        taken (`POST /v1/reviews/{id}/claim`)."""
        claimed: dict[str, Any] = self._post(f"/v1/reviews/{_segment(record_id)}/claim", {})
        return claimed

    def unclaim_review(self, record_id: str) -> dict[str, Any]:
        """Let go of the key's claim on an item before it expires (`DELETE /v1/reviews/{id}/claim`)."""
        with self._reaching():
            response = self.http.delete(f"/v1/reviews/{_segment(record_id)}/claim", headers=self.headers)
        found: dict[str, Any] = _json(response)
        return found

    def decide_review(
        self, record_id: str, action: str, comment: str = "", text: str | None = None
    ) -> dict[str, Any]:
        """Approve, reject or edit (`text`: the answer to release instead) a held request as the key's identity,
        with a comment (required for edit); the decided item (`POST /v1/reviews/{id}/decision`). Under the
        two-person rule the first approval returns the item still pending, with `approvals` 1."""
        body: dict[str, Any] = {"action": action, "comment": comment}
        if text is not None:
            body["text"] = text
        decided: dict[str, Any] = self._post(f"/v1/reviews/{_segment(record_id)}/decision", body)
        return decided

    # ---- feedback, evals, registry, compliance (reads) ----

    def feedback(self, *, limit: int = 100, **filters: Any) -> list[dict[str, Any]]:
        """Feedback on the key's team's answers, newest first, every page (`GET /v1/feedback`; app, below,
        since, until)."""
        found: list[dict[str, Any]] = []
        after = None
        while True:
            page = self._get("/v1/feedback", {**filters, "after": after, "limit": limit})
            found += page["data"]
            after = page["next"]
            if after is None:
                return found

    def eval_runs(
        self, *, app: str | None = None, kind: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Stored eval and red-team runs of the key's team, newest first (`GET /v1/evals/runs`)."""
        found: list[dict[str, Any]] = self._get("/v1/evals/runs", {"app": app, "kind": kind, "limit": limit})[
            "data"
        ]
        return found

    def eval_report(self, run_id: str) -> dict[str, Any]:
        """A run's JSON report, as `steward eval show RUN --json` prints it (`GET /v1/evals/runs/{id}`)."""
        found: dict[str, Any] = self._get(f"/v1/evals/runs/{_segment(run_id)}", {})
        return found

    def comparisons(self, *, app: str | None = None) -> list[dict[str, Any]]:
        """The A/B pairs A/B suites stored, newest first (`GET /v1/evals/comparisons`)."""
        found: list[dict[str, Any]] = self._get("/v1/evals/comparisons", {"app": app})["data"]
        return found

    def compare(self, run_a: str, run_b: str, *, seed: int = 0) -> dict[str, Any]:
        """Per-metric deltas of B against A with 95 % intervals and verdicts (`GET /v1/evals/comparisons/A/B`)."""
        path = f"/v1/evals/comparisons/{_segment(run_a)}/{_segment(run_b)}"
        found: dict[str, Any] = self._get(path, {"seed": seed})
        return found

    def registry(self, *, kind: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
        """Registry versions of the key's team (`GET /v1/registry`)."""
        found: list[dict[str, Any]] = self._get("/v1/registry", {"kind": kind, "name": name})["data"]
        return found

    def registry_version(self, ref: str) -> dict[str, Any]:
        """One version, e.g. `model:qwen@2` (`GET /v1/registry/{ref}`)."""
        found: dict[str, Any] = self._get(f"/v1/registry/{_segment(ref)}", {})
        return found

    def lineage(self, ref: str) -> dict[str, Any]:
        """Where a version came from and what it fed (`GET /v1/registry/{ref}/lineage`)."""
        found: dict[str, Any] = self._get(f"/v1/registry/{_segment(ref)}/lineage", {})
        return found

    def compliance(self, app: str) -> dict[str, Any]:
        """The app's controls, as `steward compliance check APP --json` prints them (`GET /v1/compliance/APP`)."""
        found: dict[str, Any] = self._get(f"/v1/compliance/{_segment(app)}", {})
        return found

    def evidence_pack(self, app: str, *, format: str = "json") -> tuple[str, bytes]:
        """(file name, content) of the app's evidence pack, json or html (`GET /v1/compliance/{app}/pack`)."""
        with self._reaching():
            path = f"/v1/compliance/{_segment(app)}/pack"
            response = self.http.get(path, params={"format": format}, headers=self.headers)
        if response.status_code != 200:
            _json(response)
        disposition = response.headers.get("content-disposition", "")
        name = disposition.partition('filename="')[2].rstrip('"') or f"{app}-compliance.{format}"
        return name, response.content

    # ---- drift and silences (`steward monitor drift`, `steward alerts silence | unsilence`) ----

    def drift(
        self,
        app: str,
        *,
        reference: str,
        current: str = "-24h..now",
        alpha: float = 0.01,
        embeddings: bool = True,
        max_records: int | None = None,
    ) -> dict[str, Any]:
        """One drift run: what `steward monitor drift APP --json` prints (`POST /v1/monitor/drift`)."""
        body = {"app": app, "reference": reference, "current": current, "alpha": alpha, "embeddings": embeddings}
        if max_records is not None:
            body["max_records"] = max_records
        found: dict[str, Any] = self._post("/v1/monitor/drift", body)
        return found

    def silences(self, *, everything: bool = False) -> list[dict[str, Any]]:
        """Silences over the key's team's apps in force (with `everything`, every one) (`GET /v1/silences`)."""
        found: list[dict[str, Any]] = self._get("/v1/silences", {"all": everything})["data"]
        return found

    def silence(
        self, alert_id: str, *, why: str, duration: str | None = None, until: str | None = None
    ) -> dict[str, Any]:
        """Silence an alert's rule for its app for `duration` ("2h") or until a time, as the key, with why
        (`POST /v1/alerts/{id}/silence`)."""
        body = {"why": why, "for": duration, "until": until}
        path = f"/v1/alerts/{_segment(alert_id)}/silence"
        found: dict[str, Any] = self._post(path, {k: v for k, v in body.items() if v})
        return found

    def unsilence(self, alert_id: str, *, why: str) -> dict[str, Any]:
        """Lift the silences in force over an alert (`POST /v1/alerts/{id}/unsilence`)."""
        found: dict[str, Any] = self._post(f"/v1/alerts/{_segment(alert_id)}/unsilence", {"why": why})
        return found

    # ---- deployments and approvals (`steward deploy | promote | rollback | approve | deployments`) ----

    def deployments(self, *, app: str | None = None) -> list[dict[str, Any]]:
        """Where each app of the key's team stands: deployment, `canary_share`, approvals needed and given
        (`GET /v1/deployments`)."""
        found: list[dict[str, Any]] = self._get("/v1/deployments", {"app": app})["data"]
        return found

    def deployment_history(self, app: str, *, limit: int = 20) -> list[dict[str, Any]]:
        """An app's deployment history, newest first, with approvals (`GET /v1/deployments/{app}`)."""
        found: list[dict[str, Any]] = self._get(f"/v1/deployments/{_segment(app)}", {"limit": limit})["data"]
        return found

    def deploy(
        self,
        app: str,
        model: str,
        *,
        canary: float | None = None,
        ab: float | None = None,
        blue_green: bool = False,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Put a model version in flight as the key (`POST /v1/deployments/{app}`)."""
        body = {"model": model, "canary": canary, "ab": ab, "blue_green": blue_green, "note": note}
        found: dict[str, Any] = self._post(f"/v1/deployments/{_segment(app)}", body)
        return found

    def promote(self, app: str, *, eval_run: str | None = None, note: str | None = None) -> dict[str, Any]:
        """Promote the candidate (`POST /v1/deployments/{app}/promote`); a rule's refusal raises RuleViolation."""
        path = f"/v1/deployments/{_segment(app)}/promote"
        found: dict[str, Any] = self._post(path, {"eval_run": eval_run, "note": note})
        return found

    def rollback(self, app: str, *, note: str | None = None) -> dict[str, Any]:
        """Drop the candidate, or return to the previous release (`POST /v1/deployments/{app}/rollback`)."""
        found: dict[str, Any] = self._post(f"/v1/deployments/{_segment(app)}/rollback", {"note": note})
        return found

    def approvals(self, *, app: str | None = None) -> list[dict[str, Any]]:
        """Approvals of the candidates in flight of the key's team's apps (`GET /v1/approvals`)."""
        found: list[dict[str, Any]] = self._get("/v1/approvals", {"app": app})["data"]
        return found

    def approve(self, app: str, *, note: str | None = None) -> dict[str, Any]:
        """Approve the app's candidate with this (approver) key (`POST /v1/approvals`)."""
        found: dict[str, Any] = self._post("/v1/approvals", {"app": app, "note": note})
        return found

    def close(self) -> None:
        if self._owned:
            self.http.close()

    def __enter__(self) -> RemoteClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _params(given: dict[str, Any]) -> dict[str, Any]:
    return {
        name: ("true" if value else "false") if isinstance(value, bool) else value
        for name, value in given.items()
        if value is not None
    }


def _json(response: httpx.Response) -> Any:
    """The answer's JSON, or the server's error raised as Steward's exception with its message."""
    if response.status_code < 400:
        return response.json()
    try:
        error = response.json()["error"]
        message, param = str(error["message"]), error.get("param")
    except (ValueError, KeyError, TypeError):
        message, param = f"HTTP {response.status_code}: {response.text[:200]}", None
    raise ERRORS.get(response.status_code, StewardError)(message, param=param)
