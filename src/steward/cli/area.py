"""Mount the command modules on the root app. One module per area keeps each small and owned."""

from __future__ import annotations

import importlib

import typer

# (module, sub-command name or None to add the module's commands at top level)
AREAS: tuple[tuple[str, str | None], ...] = (
    ("steward.cli.core", None),  # init, serve, ask, chat
    ("steward.cli.config_cmd", "config"),
    ("steward.cli.models_cmd", "models"),
    ("steward.cli.keys", "keys"),
    ("steward.cli.records", "records"),
    ("steward.cli.explain", None),  # steward explain RECORD
    ("steward.cli.guard", "guard"),
    ("steward.cli.review", "review"),
    ("steward.cli.rag", "rag"),
    ("steward.cli.evals", "eval"),
    ("steward.cli.testset", "testset"),
    ("steward.cli.monitor", "monitor"),
    ("steward.cli.alerts", "alerts"),
    ("steward.cli.tune", "tune"),
    ("steward.cli.tools", "tools"),
    ("steward.cli.redteam", None),
    ("steward.cli.governance", None),
)


def mount(root: typer.Typer) -> None:
    for module_name, name in AREAS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # an area not built yet
                continue
            raise
        sub: typer.Typer = module.app
        if name is None:
            for command in sub.registered_commands:
                root.registered_commands.append(command)
            for group in sub.registered_groups:
                root.registered_groups.append(group)
        else:
            root.add_typer(sub, name=name)
