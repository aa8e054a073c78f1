"""Load `steward.yaml` with line numbers, so validation errors point at `file:line`.

Parsing (`load_project_text`, `load_project`) depends on the file alone. Whether the scanners a policy names
under `plugins:` are installed depends on the environment, so it is a separate check,
`check_installed_scanners`, made by everything that validates or runs policies (`steward config check`,
`open_runtime` behind `steward serve` and `ask`, and `Guard` behind `steward guard check`) with the same
`file:line` message; the project keeps the line of every key for it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from steward.config.schema import Project
from steward.errors import ConfigError

PROJECT_FILE = "steward.yaml"

Path_ = tuple[str | int, ...]


def _to_python(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            if key in out:
                raise ConfigError(f"{{file}}:{key_node.start_mark.line + 1}: duplicate key {key!r}; keep one.")
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _to_python(value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(item, (*path, i), lines) for i, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def _line_for(loc: tuple[Any, ...], lines: dict[Path_, int]) -> int:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return 1


def _hint(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key; check the spelling against `steward init` or the README's steward.yaml reference"
    if kind == "missing":
        return "this key is required"
    if kind.startswith("literal_error"):
        return str(error["msg"]).replace("Input should be", "use")
    return str(error["msg"])


def load_project_text(text: str, source: str = PROJECT_FILE) -> Project:
    """Parse and validate a steward.yaml document; raise ConfigError naming `source:line`."""
    lines: dict[Path_, int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise ConfigError(f"{source}:{line}: not valid YAML ({exc.problem}); fix the syntax.") from None
    try:
        data = _to_python(node, (), lines) if node is not None else {}
    except ConfigError as exc:
        raise ConfigError(exc.message.replace("{file}", source)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: expected a mapping with `models:` and `apps:`; see `steward init`.")
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(f"{source}:{_line_for(loc, lines)}: {where}: {_hint(error)}")
        raise ConfigError("invalid steward.yaml:\n  " + "\n  ".join(problems)) from None
    project.source = source
    project._lines = lines
    project.check_references()
    return project


def check_installed_scanners(project: Project) -> None:
    """Fail with `file:line`, the installed scanners and what to do when a policy's enabled `plugins:` entry
    names a scanner that no installed plugin registers.

    Cheap: with no such entry nothing is consulted; otherwise the `register_scanners` hook hands over each
    scanner's name and factory only (the built-ins import their modules when a factory is called), so no model,
    spaCy or classifier is loaded here.
    """
    if not any(policy.plugin_rules() for policy in project.policies.values()):
        return
    from steward.plugins import collect

    project.check_scanners(collect("register_scanners"))


def default_project_text() -> str:
    return resources.files("steward.defaults").joinpath(PROJECT_FILE).read_text(encoding="utf-8")


def find_project_file(start: Path | None = None) -> Path | None:
    """The steward.yaml in `start` or its parents, or None."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def load_project(path: Path | str | None = None) -> Project:
    """Load the given file, else the nearest steward.yaml, else the embedded defaults."""
    file = Path(path) if path else find_project_file()
    if file is None:
        project = load_project_text(default_project_text(), "<embedded defaults>")
        project.root = Path.cwd()
        return project
    if not file.is_file():
        raise ConfigError(f"{file}: no such file; run `steward init` to create one.")
    project = load_project_text(file.read_text(encoding="utf-8"), str(file))
    project.root = file.resolve().parent
    return project
