"""The training report: `<run_dir>/report.html`, one self-contained page (plots as embedded PNGs, no script, no
CDN): the loss curve, the export's verification, and the base-vs-tuned evaluation side by side."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from steward.tune.export import atomic_path


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def loss_plot(loss: list[dict[str, Any]], validation_loss: float | None) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [(p["step"], p["loss"]) for p in loss if p.get("loss") is not None]
    if not points:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.plot([s for s, _ in points], [v for _, v in points], label="training loss")
    if validation_loss is not None:
        ax.axhline(
            validation_loss, color="tab:orange", linestyle="--", label=f"validation loss {validation_loss:.3f}"
        )
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend()
    ax.grid(alpha=0.3)
    return _png(fig)


def eval_plot(evaluation: dict[str, Any]) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in evaluation.get("base", {}) if evaluation["base"].get(n) is not None]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    width = 0.38
    xs = range(len(names))
    ax.bar([x - width / 2 for x in xs], [evaluation["base"][n] for n in names], width, label="base")
    ax.bar([x + width / 2 for x in xs], [evaluation["tuned"].get(n) or 0 for n in names], width, label="tuned")
    ax.set_xticks(list(xs), names)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else _esc(value)


def suite_section(suite: dict[str, Any] | None) -> str:
    """The app's eval suite run on the base and on the tuned model, side by side, with the paired comparison."""
    if not suite:
        return ""
    rows = "".join(
        f"<tr><td>{_esc(d['name'])}</td><td>{_num(d['a'])}</td><td>{_num(d['b'])}</td><td>{_num(d['delta'])}</td>"
        f"<td>{_num(d['low'])} to {_num(d['high'])}</td><td>{_esc(d['verdict'])}</td></tr>"
        for d in suite["comparison"]
    )
    gates = "".join(
        f"<tr><td>{_esc(g['gate'])}</td><td>{_num(g.get('value'))}</td><td>{'passed' if g['passed'] else 'FAILED'}"
        f"</td><td>{_num(t.get('value'))}</td><td>{'passed' if t['passed'] else 'FAILED'}</td></tr>"
        for g, t in zip(suite["gates"]["base"], suite["gates"]["tuned"], strict=False)
    )
    return f"""<h2>The app's eval suite: base against tuned</h2>
<p>Suite <code>{_esc(suite["suite"])}</code> on app {_esc(suite["app"])}: eval runs
<code>{_esc(suite["runs"]["base"])}</code> (base) and <code>{_esc(suite["runs"]["tuned"])}</code> (tuned);
{_esc(suite["verdict"])}; {_esc(suite["message"])}.</p>
<table><tr><th>metric</th><th>base</th><th>tuned</th><th>tuned − base</th><th>95 % paired bootstrap</th>
<th>verdict</th></tr>{rows}</table>
<table><tr><th>gate</th><th>base</th><th></th><th>tuned</th><th></th></tr>{gates}</table>"""


def render(run: dict[str, Any], result: dict[str, Any]) -> str:
    loss_png = loss_plot(run.get("loss") or [], (run.get("validation") or {}).get("loss"))
    evaluation = result.get("evaluation") or {}
    eval_png = eval_plot(evaluation) if evaluation else None
    rows = "".join(
        f"<tr><td>{_esc(n)}</td><td>{_esc(evaluation['base'].get(n))}</td><td>{_esc(evaluation['tuned'].get(n))}</td></tr>"
        for n in evaluation.get("base", {})
    )
    examples = "".join(
        f"<tr><td>{_esc(e['reference'])}</td><td>{_esc(e['base'])}</td><td>{_esc(e['tuned'])}</td></tr>"
        for e in evaluation.get("examples", [])
    )
    checks = "".join(
        f"<tr><td>{_esc(v.get('lora') or v['file'])}</td><td>{v['agreed']}/{v['positions']}</td>"
        f"<td>{v['agreement']:.2%}</td><td>{'passed' if v['passed'] else 'FAILED'}</td></tr>"
        for v in result.get("verification", [])
    )
    hyper = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in (run.get("hyper") or {}).items())
    base = run.get("base") or {}
    dataset = run.get("dataset") or {}
    img = lambda png, alt: f'<img alt="{alt}" src="data:image/png;base64,{png}">' if png else "<p>no data</p>"  # noqa: E731
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Training report: {_esc(run.get("name"))} ({_esc(run.get("run_id"))})</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:.5rem 0}}td,th{{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;
vertical-align:top}}img{{max-width:100%}}.side{{display:flex;gap:1rem;flex-wrap:wrap}}</style></head><body>
<h1>Training report: {_esc(run.get("name"))}</h1>
<p>Run <code>{_esc(run.get("run_id"))}</code>, {_esc(run.get("steps"))} steps, seed {_esc(run.get("seed"))},
code {_esc(run.get("code_version"))}. Base {_esc(base.get("model"))}
(sha256 <code>{_esc(base.get("sha256"))}</code>);
data {_esc(dataset.get("version") or dataset.get("path"))}. Model version {_esc(result.get("model_version"))},
artefact <code>{_esc(result.get("artefact"))}</code> (sha256 <code>{_esc(result.get("sha256"))}</code>).</p>
<h2>Loss</h2>{img(loss_png, "training loss by step")}
<h2>Hyper-parameters</h2><table>{hyper}</table>
<h2>Export verification</h2><p>Greedy next token of llama.cpp against the merged PyTorch model, teacher-forced over
the validation rows.</p>
<table><tr><th>file</th><th>positions agreeing</th><th>agreement</th><th>verdict</th></tr>
{checks}</table>
<h2>Base against tuned</h2>
<p>{_esc(evaluation.get("data", "not evaluated"))}; {_esc(evaluation.get("rows", 0))} rows.</p>
<div class="side"><div><table><tr><th>metric</th><th>base</th><th>tuned</th></tr>{rows}</table></div>
<div>{img(eval_png, "base and tuned scores side by side")}</div></div>
<h3>Examples</h3><table><tr><th>reference</th><th>base</th><th>tuned</th></tr>{examples}</table>
{suite_section(result.get("suite"))}
</body></html>
"""


def write(run_dir: Path, run: dict[str, Any], result: dict[str, Any]) -> Path:
    path = Path(run_dir) / "report.html"
    with atomic_path(path) as partial:
        partial.write_text(render(run, result), encoding="utf-8")
    return path


def previous(run_dir: Path) -> bytes | None:
    """The report an earlier export wrote, kept so that a failed export does not leave its own in its place."""
    path = Path(run_dir) / "report.html"
    return path.read_bytes() if path.is_file() else None


def restore(run_dir: Path, kept: bytes | None) -> None:
    """Put back the earlier report (or none) after a failed export."""
    path = Path(run_dir) / "report.html"
    if kept is None:
        path.unlink(missing_ok=True)
        return
    with atomic_path(path) as partial:
        partial.write_bytes(kept)
