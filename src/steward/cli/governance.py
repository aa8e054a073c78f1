"""Governance commands, mounted at the top level: `deploy`, `promote`, `rollback`, `approve`, `approvers`,
`deployments`, `registry`, `audit`, `compliance`, `privacy`, `providers`.

Each group lives in its own `gov_*` module; this one only collects them into the Typer `app` that
`steward.cli.area` mounts. Every command delegates to `steward.governance`.
"""

from __future__ import annotations

import typer

from steward.cli import gov_audit, gov_compliance, gov_deploy, gov_privacy, gov_providers, gov_registry

app = typer.Typer()

for command in gov_deploy.commands.registered_commands:
    app.registered_commands.append(command)
app.add_typer(gov_deploy.approvers, name="approvers")
app.add_typer(gov_registry.app, name="registry")
app.add_typer(gov_audit.app, name="audit")
app.add_typer(gov_compliance.app, name="compliance")
app.add_typer(gov_privacy.app, name="privacy")
app.add_typer(gov_providers.app, name="providers")
