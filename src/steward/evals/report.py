"""Reports of a stored run: a JSON document and a self-contained HTML page with plots; publishing a run.

The JSON report is the run as data (versions, scores, gates, every case with its scores) and can be read back
as a run (`run_from_payload`), so `steward eval compare` works on report files as well as on stored runs.
The HTML page embeds its plots as base64 PNGs drawn with matplotlib (headline scores against their gates,
per-case distributions, latency), and its CSS, so it can be attached to a CI job or mailed as one file.
`publish` writes both reports to temporary files, commits the run, and only then renames the files.
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from steward.errors import InvalidRequest
from steward.evals.compare import MetricDelta
from steward.store import Store, StoredCase, StoredRun

_UNIT_INTERVAL_HINT = (
    "rate",
    "faithfulness",
    "relevance",
    "precision",
    "recall",
    "rouge",
    "exact_match",
    "f1",
    "accuracy",
    "similarity",
)


def run_payload(run: StoredRun, comparison: Sequence[MetricDelta] | None = None) -> dict[str, Any]:
    """The JSON report of a run."""
    head = asdict(run)
    head.pop("cases")
    head.pop("case_count")
    payload: dict[str, Any] = {"run": head, "cases": [asdict(c) for c in run.cases]}
    if comparison is not None:
        payload["comparison"] = [d.to_dict() for d in comparison]
    return payload


def run_from_payload(payload: dict[str, Any]) -> StoredRun:
    """A run read back from its JSON report."""
    head = dict(payload["run"])
    run = StoredRun(**head)
    run.cases = [StoredCase(**c) for c in payload.get("cases", [])]
    run.case_count = len(run.cases)
    return run


def _figure_png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(run: StoredRun) -> list[tuple[str, str]]:
    """(title, base64 PNG) for the headline chart, per-case distributions and latency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = []
    bounded = [
        s
        for s in run.summary
        if s.get("value") is not None and 0 <= s["value"] <= 1 and any(h in s["name"] for h in _UNIT_INTERVAL_HINT)
    ]
    if bounded:
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(bounded) + 1))
        names = [s["name"] for s in bounded]
        ax.barh(names, [s["value"] for s in bounded], color="#4c78a8")
        for gate in run.gates:
            if gate["metric"] in names:
                ax.plot(
                    [gate["threshold"]] * 2,
                    [names.index(gate["metric"]) - 0.4, names.index(gate["metric"]) + 0.4],
                    color="#d62728" if not gate["passed"] else "#2ca02c",
                    linewidth=3,
                )
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_title("scores (bars) and gates (red: failed, green: passed)")
        plots.append(("Scores and gates", _figure_png(fig)))
    per_case: dict[str, list[float]] = {}
    for s in bounded[:6]:
        values = [float(v) for c in run.cases if (v := c.scores.get(s["name"])) is not None]
        if values:
            per_case[s["name"]] = values
    if per_case:
        fig, axes = plt.subplots(1, len(per_case), figsize=(3 * len(per_case), 2.6), squeeze=False)
        for ax, (name, values) in zip(axes[0], per_case.items(), strict=True):
            ax.hist(values, bins=10, range=(0, 1), color="#72b7b2")
            ax.set_title(name, fontsize=9)
        plots.append(("Per-case distributions", _figure_png(fig)))
    latency = [float(v) for c in run.cases if (v := c.scores.get("latency_mean_ms")) is not None]
    if latency:
        fig, ax = plt.subplots(figsize=(6, 2.6))
        ax.hist(latency, bins=20, color="#f58518")
        ax.set_xlabel("latency (ms)")
        plots.append(("Latency", _figure_png(fig)))
    return plots


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ run.kind }} {{ run.name }} · {{ run.id }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1rem 0;width:100%}td,th{border:1px solid #ddd;padding:4px 8px;
text-align:left;vertical-align:top;font-size:.9rem}th{background:#f4f4f4}.pass{color:#2ca02c;font-weight:bold}
.fail{color:#d62728;font-weight:bold}code{background:#f4f4f4;padding:1px 4px}img{max-width:100%}
details{margin:.3rem 0}
</style></head><body>
<h1>{{ run.kind }} · {{ run.name }}</h1>
<p>Run <code>{{ run.id }}</code> of app <b>{{ run.app }}</b>
{% if run.variant %} (variant <b>{{ run.variant }}</b>){% endif %},
{{ started }} · {{ "%.1f"|format(run.finished_at - run.created_at) }} s · {{ cases|length }} cases ·
<span class="{{ 'pass' if run.passed else 'fail' }}">{{ 'PASSED' if run.passed else 'FAILED' }}</span></p>
<h2>Versions</h2><table>
{% for k, v in versions %}<tr><th>{{ k }}</th><td><code>{{ v }}</code></td></tr>{% endfor %}
{% if run.dataset %}<tr><th>dataset</th><td><code>{{ run.dataset }}</code> {{ run.dataset_hash }}</td></tr>
{% endif %}
</table>
{% if run.gates %}<h2>Gates</h2><table><tr><th>gate</th><th>value</th><th>result</th></tr>
{% for g in run.gates %}<tr><td><code>{{ g.gate }}</code></td><td>{{ fmt(g.value) }}</td>
<td class="{{ 'pass' if g.passed else 'fail' }}">{{ 'pass' if g.passed else 'fail' }}
{{ g.get('reason', '') }}</td>
</tr>{% endfor %}</table>{% endif %}
<h2>Scores</h2><table>
<tr><th>metric</th><th>value</th><th>mean</th><th>scored</th><th>unscored</th><th>detail</th></tr>
{% for s in run.summary %}<tr><td>{{ s.name }}{% if s.get('corpus') %} (corpus){% endif %}</td>
<td>{{ fmt(s.value) }}</td><td>{{ fmt(s.get('mean')) }}</td><td>{{ s.get('scored', '') }}</td>
<td>{{ s.get('unscored', '') }}</td><td>{{ s.get('detail', '') if run.kind != 'redteam' else '' }}</td></tr>
{% endfor %}</table>
{% for s in run.summary if (s.get('detail') or {}).get('per_label') %}<h2>Per label · {{ s.name }}</h2><table>
<tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>false-alarm rate</th><th>support</th></tr>
{% for label, f in s.detail.per_label.items() %}<tr><td>{{ label }}</td><td>{{ fmt(f.precision) }}</td>
<td>{{ fmt(f.recall) }}</td><td>{{ fmt(f.f1) }}</td><td>{{ fmt(f.fpr) }}</td><td>{{ f.support }}</td></tr>
{% endfor %}</table>{% endfor %}
{% if run.kind == 'redteam' %}<h2>Probe families</h2><table>
<tr><th>family</th><th>OWASP Top 10 for LLM apps (2025)</th><th>pass rate</th><th>failing examples</th></tr>
{% for s in run.summary if s.get('detail', {}).get('owasp') %}
<tr><td>{{ s.name|replace('_pass_rate', '') }}</td><td>{{ s.detail.owasp }} {{ s.detail.owasp_title }}</td>
<td>{{ fmt(s.value) }}</td><td>{% for e in s.detail.failing_examples %}
<details><summary>{{ e.probe }}: {{ e.why }}</summary><b>input</b> {{ e.input }}<br><b>answer</b> {{ e.answer }}
</details>{% endfor %}</td></tr>{% endfor %}</table>{% endif %}
{% if comparison %}<h2>Comparison with the other variant</h2><table>
<tr><th>metric</th><th>A</th><th>B</th><th>delta</th><th>95% interval</th><th>pairs</th><th>verdict</th></tr>
{% for d in comparison %}<tr><td>{{ d.name }}</td><td>{{ fmt(d.a) }}</td><td>{{ fmt(d.b) }}</td>
<td>{{ fmt(d.delta) }}</td><td>[{{ fmt(d.low) }}, {{ fmt(d.high) }}]</td><td>{{ d.pairs }}</td>
<td>{{ d.verdict }}</td></tr>{% endfor %}</table>{% endif %}
{% for title, png in plots %}<h2>{{ title }}</h2><img alt="{{ title }}" src="data:image/png;base64,{{ png }}">
{% endfor %}
<h2>Cases</h2><table><tr><th>#</th><th>case</th><th>status</th><th>input / answer</th><th>scores</th></tr>
{% for c in cases %}<tr><td>{{ c.position + 1 }}</td>
<td>{{ c.case_id }}{% if c.record_id %}<br><code>{{ c.record_id }}</code>{% endif %}</td>
<td>{{ c.status or '' }}</td>
<td><details><summary>{{ c.input[-1].content[:120] if c.input is not string else c.input[:120] }}</summary>
<pre style="white-space:pre-wrap">{{ c.prediction }}</pre>{% if c.detail %}<small>{{ c.detail }}</small>{% endif %}
</details></td><td>{% for k, v in c.scores.items() %}{{ k }}={{ fmt(v) }}<br>{% endfor %}</td></tr>{% endfor %}
</table>
</body></html>
"""


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.1f}"
    return str(value)


def render_html(run: StoredRun, comparison: Sequence[MetricDelta] | None = None) -> str:
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.tests["string"] = lambda v: isinstance(v, str)
    started = datetime.fromtimestamp(run.created_at, UTC).isoformat(timespec="seconds")
    versions = [(k, v) for k, v in run.versions.items() if k not in ("metrics",)]
    return env.from_string(_TEMPLATE).render(
        run=run,
        cases=run.cases,
        versions=versions,
        started=started,
        plots=_plots(run),
        fmt=_fmt,
        comparison=[d.to_dict() for d in comparison] if comparison else None,
    )


def _write_temp(path: Path, text: str) -> Path:
    temp = path.with_name(f".{path.name}.partial")
    with temp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    return temp


def publish(
    store: Store, run: StoredRun, folder: Path, comparison: Sequence[MetricDelta] | None = None
) -> dict[str, str]:
    """Write the JSON and HTML reports and store the run; files appear only once the run is committed."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{run.name}-{run.variant + '-' if run.variant else ''}{run.id}"
    final = {"json": folder / f"{stem}.json", "html": folder / f"{stem}.html"}
    run.reports = {kind: str(path) for kind, path in final.items()}
    temps = {
        "json": _write_temp(final["json"], json.dumps(run_payload(run, comparison), indent=1, default=str)),
        "html": _write_temp(final["html"], render_html(run, comparison)),
    }
    try:
        store.evals.save_run(run)
    except BaseException:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
        raise
    for kind, temp in temps.items():
        os.replace(temp, final[kind])
    return run.reports


def load_run(reference: str, store: Store | None) -> StoredRun:
    """A run from a JSON report path, or from the store by id (or id prefix)."""
    path = Path(reference)
    if path.suffix == ".json" and path.is_file():
        return run_from_payload(json.loads(path.read_text(encoding="utf-8")))
    if store is None:
        raise InvalidRequest(f"{reference}: no such JSON report; give a report file or a stored run id.")
    return store.evals.get_run(reference)
