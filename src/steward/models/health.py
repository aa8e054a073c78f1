"""Can the project's routed models serve? Used by `/readyz` and `steward serve` at start-up."""

from __future__ import annotations

from steward.config import Project, Settings
from steward.errors import StewardError
from steward.models.artefacts import fetch_command, model_file


def model_problems(project: Project, settings: Settings) -> list[str]:
    """One line per routed local model whose file is missing, saying how to get it (cheap: no hashing)."""
    problems = []
    routed = {entry.model for app in project.apps.values() for entry in app.route}
    for model_id in sorted(routed):
        spec = project.models[model_id]
        if spec.backend != "llama_cpp":
            continue
        try:
            file = model_file(spec, settings.models_dir, project.root, settings.config)
        except StewardError as exc:
            problems.append(f"model {model_id}: {exc.message}")
            continue
        if not file.path.is_file():
            fix = f"run `{fetch_command(spec.artefact, settings.config)}`" if spec.artefact else "correct `path:`"
            problems.append(f"model {model_id}: {file.path} is missing; {fix}.")
    return problems
