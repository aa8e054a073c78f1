"""Which tools a request may offer its model: declared in the registry, listed for the app, admitting its team.

The registry's definition is authoritative, as an app's system prompt is: the model is shown the registry's
description and schema, whatever the client sent under `tools`, and calls are validated against it.
"""

from __future__ import annotations

from typing import Any

from steward.config import Project
from steward.config.tools import ToolSpec
from steward.errors import InvalidRequest, PermissionDenied


class ToolRegistry:
    """The project's `tools:` as requests use them."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def allowed(self, app: str) -> dict[str, ToolSpec]:
        """The tools app `app` may call (listed or inherited), by name."""
        spec = self.project.apps[app]
        return {
            name: self.project.tools[name]
            for name in self.project.tools_of(app)
            if name in self.project.tools and self.project.tools[name].admits(app, spec.team)
        }

    def offered(self, app: str, requested: tuple[str, ...]) -> dict[str, ToolSpec]:
        """The registry's specs of the tools a request offers; a clear refusal for one not declared or not the
        app's (a caller's mistake: nothing is called, and the request is recorded as failed)."""
        if not requested:
            return {}
        allowed = self.allowed(app)
        offered: dict[str, ToolSpec] = {}
        for name in requested:
            if name not in self.project.tools:
                raise InvalidRequest(
                    f"tool {name!r} is not declared in the tool registry (`tools:` in steward.yaml); "
                    f"app {app!r} may call: {', '.join(sorted(allowed)) or 'no tools'}.",
                    param="tools",
                )
            if name not in allowed:
                raise PermissionDenied(
                    f"app {app!r} may not call tool {name!r}; list it under `apps.{app}.tools` (and admit the app "
                    f"in `tools.{name}.apps`/`teams`), or leave it out of `tools`."
                )
            offered[name] = allowed[name]
        return offered

    @staticmethod
    def definitions(offered: dict[str, ToolSpec]) -> tuple[dict[str, Any], ...]:
        """What the model is shown: the registry's OpenAI function definitions."""
        return tuple(spec.openai_function(name) for name, spec in offered.items())
