"""Can the project's models serve? Used by `/readyz` and `steward serve` at start-up, and by `steward deploy`
(a model whose file is missing is refused before anything is written)."""

from __future__ import annotations

from pathlib import Path

from steward.config import Project, Settings
from steward.errors import StewardError
from steward.models.artefacts import fetch_command, model_file


def missing_file(project: Project, model_id: str, models_dir: Path, config: Path | None = None) -> str | None:
    """Why the local model `model_id` cannot be loaded (its file is not there), saying how to get it; None when
    it is there or the model is not a local file (cheap: no hashing, as `/readyz`). `config` is the steward.yaml
    named in the fetch command."""
    spec = project.models[model_id]
    if spec.backend != "llama_cpp":
        return None
    try:
        file = model_file(spec, models_dir, project.root, config)
    except StewardError as exc:
        return f"model {model_id}: {exc.message}"
    if file.path.is_file():
        return None
    fix = f"run `{fetch_command(spec.artefact, config)}`" if spec.artefact else "correct `path:`"
    return f"model {model_id}: {file.path} is missing; {fix}."


def model_problems(project: Project, settings: Settings) -> list[str]:
    """One line per routed local model whose file is missing, saying how to get it (cheap: no hashing)."""
    routed = {entry.model for app in project.apps.values() for entry in app.route}
    found = (missing_file(project, m, settings.models_dir, settings.config) for m in sorted(routed))
    return [problem for problem in found if problem is not None]
