"""Monitoring: watch every app in production from its governed records, and say when it changes.

Fed by the records only (it imports the core and the store, nothing of the gateway):

- `rollups`: per app × model version × deployment arm × minute / hour / day bucket: requests by status,
  latency quantiles from a DDSketch, tokens, cost, each scanner's verdict rate, declines, fallbacks, feedback.
  `worker.RollupWorker` folds new records off the request path (`steward serve` runs it in a child process) and
  rebuilds them from the records on demand (`steward monitor rebuild`), with the same result either way.
- `drift`: two windows of an app's traffic compared on embeddings (domain classifier AUC, as Evidently; and a
  permutation test), lengths and language mix (PSI), verdict and decline rates (two-proportion tests) and
  sampled quality scores, at a family-wise false-alarm rate (`steward monitor drift`). `windows` parses and
  reads the windows; `drift_tests` holds the statistics; `schedule` runs drift on the schedule steward.yaml sets.
- `alerts`: rules under `monitor:` evaluated over the rollups and drift runs, states pending → firing → resolved,
  silences; `notify` delivers firings to the log, webhooks (JSON or Slack-shaped) and e-mail over SMTP.
- `export`: the same rules as a Prometheus alerting-rules file and a Grafana dashboard (`steward monitor export`).
"""
