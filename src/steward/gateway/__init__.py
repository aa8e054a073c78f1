"""The governed gateway: one request, one record.

`pipeline.Gateway` runs a request as a straight sequence of stages over one `context.RequestContext`: admission
(key, app, budget), the input stages (`input_stages`: guardrails on the messages, retrieval), the model stage
(`guarded_model.GuardedModel`: the route with fallback, output scanning, streamed release and the schema re-ask,
returning a `ModelResult`), then `_apply` and `_seal`, the one place the record's status is set, and the store's
writer. Streamed and non-streamed requests differ only at the model stage.

Around it: `http` (the OpenAI-compatible API, FastAPI for everything but the chat lane), `auth` (keys, teams,
budgets), `errors_http` (the one map from Steward's errors to HTTP statuses), `review_release` (held answers
released after a human's decision), `redaction` (what a record may keep), `upkeep` (feedback, readiness),
`metrics` and `telemetry` (Prometheus, OpenTelemetry), `monitoring` (the monitoring child process) and
`assemble` (the `Runtime` a process serves from). Collaborators are typed by the protocols of `collaborators`.
"""
