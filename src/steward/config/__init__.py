"""Settings and the `steward.yaml` schema.

`steward.yaml` is the declarative, Git-versioned source of truth: models, apps, guardrail policies and RAG
collections. It is validated once at load; unknown keys and bad values are rejected with `file:line` and a
hint. Secrets are referenced (`$env:NAME`), never stored. When no file is found the embedded defaults
(`steward/defaults/steward.yaml`, the airport booking assistant) are used, so `steward serve` works anywhere.
"""

from steward.config.loader import check_installed_scanners, find_project_file, load_project, load_project_text
from steward.config.schema import AppSpec, ModelSpec, Params, Project, PromptSpec, RouteEntry, SecretRef
from steward.config.settings import Secrets, Settings

__all__ = [
    "AppSpec",
    "ModelSpec",
    "Params",
    "Project",
    "PromptSpec",
    "RouteEntry",
    "SecretRef",
    "Secrets",
    "Settings",
    "check_installed_scanners",
    "find_project_file",
    "load_project",
    "load_project_text",
]
