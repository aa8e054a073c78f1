"""The management API: JSON routes for the people who oversee the apps (issue 18), beside the OpenAI API.

One small module per area, each an `APIRouter` that parses and delegates to the functions the CLI calls
(`records`, `audit`, `monitoring`, `drift`, `silences`, `reviews`, `feedback`, `suites` (eval runs, A/B),
`registry`, `deployments`, `compliance`);
`common` holds who may call them and how their parameters are read. `mount` adds them to the gateway's FastAPI
app (`steward.gateway.http._admin_api`), with the handler that turns FastAPI's validation errors into
OpenAI-shaped 400s. They read the SQL `Store` through its repositories and `steward.governance.tenancy`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError

from steward.config import Project
from steward.errors import StewardError
from steward.gateway.auth import Authenticator
from steward.gateway.management import (
    audit,
    compliance,
    deployments,
    drift,
    feedback,
    monitoring,
    records,
    registry,
    reviews,
    silences,
    suites,
)
from steward.gateway.management.common import reader, validation_error
from steward.store import Store


def mount(
    api: FastAPI,
    store: Store,
    project: Project,
    authenticator: Authenticator,
    respond: Any,
    models: tuple[Path | None, Path | None] = (None, None),
) -> None:
    """Add the management routes to `api`; `respond` renders a `StewardError` as the API's error response;
    `models` is (the models folder, the steward.yaml) of the serving settings, where a deployment's model file
    is looked for and which the command that fetches it names."""
    who = reader(authenticator)
    api.include_router(records.router(store, project, who))
    api.include_router(audit.router(store, project, who))
    api.include_router(monitoring.router(store, project, who))
    api.include_router(reviews.router(store, project, who))
    api.include_router(deployments.router(store, project, who, models))
    api.include_router(drift.router(store, project, who))
    api.include_router(silences.router(store, project, who))
    api.include_router(feedback.router(store, project, who))
    api.include_router(suites.router(store, project, who))
    api.include_router(registry.router(store, project, who))
    api.include_router(compliance.router(store, project, who))

    @api.exception_handler(RequestValidationError)
    async def _bad_parameter(_: Request, exc: RequestValidationError) -> Any:
        error: StewardError = validation_error(exc)
        return respond(error)
