"""The alert rules as a Prometheus alerting-rules file, and a Grafana dashboard, over Steward's `/metrics`.

For teams that already run Prometheus and Grafana: the same rules as `monitor.alerts`, written in PromQL over the
gateway's counters and histograms (`steward_requests_total{app,model,status}`,
`steward_request_latency_seconds`, `steward_tokens_total`, `steward_cost_total`). Metrics that exist only in the
rollups (fallback rate, feedback, a scanner's verdict rate) have no Prometheus series; their rules are left out
of the file and named in `skipped`, never written as a rule that cannot fire. `promtool check rules` accepts the
file (tested in CI), and the dashboard passes `DASHBOARD_SCHEMA`.
"""

from __future__ import annotations

from typing import Any

from steward.config.monitor import AlertRule, MonitorSpec

_STATUS_RATES = {
    "error_rate": "failed",
    "client_error_rate": "client_error",  # the gateway labels a caller's mistake (a 4xx) so, as the rollups do
    "block_rate": "blocked",
    "decline_rate": "declined",
    "escalation_rate": "escalated",
}
DATASOURCE_VARIABLE = {"name": "datasource", "type": "datasource", "query": "prometheus"}
_QUANTILES = {"latency_p50_ms": 0.5, "latency_p95_ms": 0.95, "latency_p99_ms": 0.99}


def _duration(seconds: float) -> str:
    whole = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def _selector(app: str, extra: str = "") -> str:
    labels = [] if app == "*" else [f'app="{app}"']
    if extra:
        labels.append(extra)
    return "{" + ",".join(labels) + "}"


def promql(rule: AlertRule) -> str | None:
    """The rule's condition in PromQL, per app, or None when Prometheus has no series for its metric."""
    window = _duration(rule.window_s)
    every = _selector(rule.app)
    volume = f"sum by (app) (increase(steward_requests_total{every}[{window}]))"
    if rule.metric in _STATUS_RATES:
        status = _selector(rule.app, f'status="{_STATUS_RATES[rule.metric]}"')
        value = f"(sum by (app) (increase(steward_requests_total{status}[{window}])) or {volume} * 0) / {volume}"
    elif rule.metric in _QUANTILES:
        buckets = f"steward_request_latency_seconds_bucket{every}[{window}]"
        value = f"1000 * histogram_quantile({_QUANTILES[rule.metric]}, sum by (app, le) (rate({buckets})))"
    elif rule.metric == "requests":
        value = volume
    elif rule.metric == "cost":
        value = f"sum by (app) (increase(steward_cost_total{every}[{window}]))"
    elif rule.metric == "tokens":
        value = f"sum by (app) (increase(steward_tokens_total{every}[{window}]))"
    else:
        return None
    condition = rule.condition.strip()
    return f"({value}) {condition} and on (app) ({volume} >= {rule.min_requests})"


def prometheus_rules(spec: MonitorSpec) -> tuple[dict[str, Any], list[str]]:
    """(the rules file as a mapping to dump as YAML, the rules left out because Prometheus cannot see them)."""
    rules, skipped = [], []
    for name, rule in spec.alerts.items():
        expression = promql(rule)
        if expression is None:
            skipped.append(f"{name} ({rule.metric}: kept by the rollups only)")
            continue
        rules.append(
            {
                "alert": name,
                "expr": expression,
                "for": _duration(rule.for_s),
                "labels": {"severity": rule.severity, "source": "steward"},
                "annotations": {
                    "summary": f"{name}: {rule.metric} {rule.condition} over {rule.window} for app "
                    "{{ $labels.app }}"
                },
            }
        )
    return {"groups": [{"name": "steward", "rules": rules}]}, skipped


def _panel(index: int, title: str, expressions: list[tuple[str, str]], unit: str) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": title,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": 12, "x": (index % 2) * 12, "y": (index // 2) * 8},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend}
            for i, (expr, legend) in enumerate(expressions)
        ],
    }


def grafana_dashboard(spec: MonitorSpec) -> dict[str, Any]:
    """Traffic, error and block rates, latency quantiles, tokens and cost per app, and one panel per exportable
    alert rule with its threshold."""
    app = 'app=~"$app"'
    buckets = "steward_request_latency_seconds_bucket{{{a}}}[5m]"
    latency = "1000 * histogram_quantile({q}, sum by (app, le) (rate(" + buckets + ")))"
    panels = [
        (
            "Requests by status",
            [(f"sum by (app, status) (rate(steward_requests_total{{{app}}}[5m]))", "{{app}} {{status}}")],
            "reqps",
        ),
        (
            "Latency",
            [(latency.format(q=q, a=app), f"{{{{app}}}} p{round(q * 100)}") for q in (0.5, 0.95, 0.99)],
            "ms",
        ),
        (
            "Tokens",
            [(f"sum by (app, kind) (rate(steward_tokens_total{{{app}}}[5m]))", "{{app}} {{kind}}")],
            "short",
        ),
        (
            "Cost",
            [(f"sum by (app) (increase(steward_cost_total{{{app}}}[1h]))", "{{app}} per hour")],
            "currencyUSD",
        ),
    ]
    for name, rule in spec.alerts.items():
        expression = promql(rule)
        if expression is not None:
            value = expression.split(" and on (app)")[0]
            panels.append((f"Rule {name}: {rule.metric} {rule.condition}", [(value, "{{app}}")], "short"))
    app_variable = {
        "name": "app",
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": "label_values(steward_requests_total, app)",
        "includeAll": True,
        "multi": True,
    }
    return {
        "title": "Steward",
        "uid": "steward-overview",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "time": {"from": "now-24h", "to": "now"},
        "refresh": "1m",
        "tags": ["steward"],
        "templating": {"list": [DATASOURCE_VARIABLE, app_variable]},
        "panels": [_panel(i, title, exprs, unit) for i, (title, exprs, unit) in enumerate(panels)],
    }


DASHBOARD_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["title", "uid", "schemaVersion", "panels", "templating", "time"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "uid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"},
        "schemaVersion": {"type": "integer", "minimum": 30},
        "time": {"type": "object", "required": ["from", "to"]},
        "templating": {"type": "object", "required": ["list"]},
        "panels": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "type", "title", "gridPos", "targets", "datasource"],
                "properties": {
                    "id": {"type": "integer"},
                    "type": {"enum": ["timeseries", "stat", "table"]},
                    "gridPos": {"type": "object", "required": ["h", "w", "x", "y"]},
                    "targets": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "object", "required": ["refId", "expr"]},
                    },
                },
            },
        },
    },
}
