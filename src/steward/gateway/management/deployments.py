"""`/v1/deployments` and `/v1/approvals`: which model versions serve an app and how a release moves, as `steward
deploy | promote | rollback | approve | deployments` work them.

Handlers parse and delegate to `steward.governance.deployments`, the functions the CLI calls, so the rules are the
CLI's: promotion needs a passing eval run of the candidate, and for a high-risk app two approvals by two different
people, neither the deployer; nobody approves their own deployment or approves twice, and two keys of one owner
(or a key and the SSO session of its owner's e-mail) are one person: the second approval is a 409. A refusal by a
rule is a 409 whose message names the rule. Every change is made as the caller's key and audited as the CLI's
(`deployment.deploy|promote|rollback|approve`). Admin and developer keys change their team's deployments,
auditor keys read them (403 on a change); another team's app, or one the key is not for, answers 404.
FastAPI reads the handlers' annotations at run time, so this module does not postpone them.
"""

import asyncio
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from steward.config import Project
from steward.errors import InvalidRequest
from steward.gateway.management.common import (
    CHANGES,
    ERRORS,
    JSON,
    MAX_LIMIT,
    NOT_FOUND,
    Reader,
    actor,
    app_of,
    check_choice,
    readable_apps,
)
from steward.governance import deployments
from steward.store import Store
from steward.types import Principal


class DeploymentOut(BaseModel):
    """One row of an app's deployment history, as `steward deployments --json` prints it."""

    model_config = ConfigDict(extra="allow")

    id: str
    app: str
    team: str
    seq: int
    action: str = Field(description="baseline, deploy, promote or rollback")
    stable: list[tuple[str, float]] = Field(description="(model version, weight) of the stable route")
    candidate: dict[str, Any] | None = Field(description="the model in flight: model, version, strategy, share")
    traffic: list[tuple[str, float]] = Field(description="(model, percent of requests) as the router splits them")
    created_at: float
    created_by: str
    note: str | None
    approvals: list[dict[str, Any]] = Field(description="approvals of this row's candidate")


class StateOut(BaseModel):
    """Where an app's release stands: its current deployment (null: it serves steward.yaml's route), the
    candidate's share of traffic, and the approvals promotion needs and has."""

    app: str
    team: str
    risk_tier: str = Field(description="the more severe of the declared and the assessed tier")
    deployment: DeploymentOut | None
    canary_share: float = Field(description="percent of requests the candidate takes (0: none, or blue/green)")
    approvals_required: int = Field(description="2 for a high-risk app's promotion, else 0")
    approvers: list[str] = Field(
        description="distinct people whose approval of the candidate counts now: `person:<e-mail>` (a key's owner "
        "or an SSO user's verified e-mail), or the key (`key:<id>`) or SSO subject of an approver without one"
    )


class StateListOut(BaseModel):
    object: str = "list"
    data: list[StateOut]


class HistoryOut(BaseModel):
    object: str = "list"
    data: list[DeploymentOut]


class DeployIn(BaseModel):
    """A model version to put in flight: a canary share, a sticky A/B split, or staged blue/green (the default)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(description="NAME, NAME@VERSION or model:NAME@VERSION of the registry")
    canary: float | None = Field(default=None, gt=0, lt=100, description="percent of requests to it")
    ab: float | None = Field(default=None, gt=0, lt=100, description="A/B split, sticky per subject (percent)")
    blue_green: bool = Field(default=False, description="stage it with no traffic; promote switches")
    note: str | None = Field(default=None, max_length=2000, description="why (kept in the audit log)")


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    eval_run: str | None = Field(default=None, description="the eval run to cite (default: newest that qualifies)")
    note: str | None = Field(default=None, max_length=2000, description="why (kept in the audit log)")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000, description="why (kept in the audit log)")


class ApproveIn(NoteIn):
    app: str = Field(description="the app whose candidate you approve, with your own approver key")


class ApprovalOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    deployment_id: str
    app: str
    team: str
    approver: str = Field(description="`key:<key id>` or `oidc:<subject>` (single sign-on) of the approver")
    person: str | None = Field(
        default=None, description="the person it counts as (the key's owner, the SSO e-mail); null: the approver"
    )
    at: float
    note: str | None


class ApprovalListOut(BaseModel):
    object: str = "list"
    data: list[ApprovalOut]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A store row's mapping with plain `str` keys (SQLAlchemy's are a str subclass orjson refuses)."""
    return {str(name): value for name, value in row.items()}


def _row(store: Store, dep: deployments.Deployment) -> dict[str, Any]:
    return dep.as_dict() | {"approvals": [_plain(a) for a in deployments.approvals(store, dep.id)]}


def _state(store: Store, project: Project, app: str) -> dict[str, Any]:
    from steward.governance import gates
    from steward.governance.risk import effective_tier

    spec = project.apps[app]
    tier = effective_tier(store.compliance, app, spec)
    dep = deployments.current(store, app)
    cand = dep.candidate if dep is not None else None
    approvers = (
        gates.valid_approvers(store.deployments, spec.team, cand.deployment_id, cand.by, cand.by_person)
        if cand
        else []
    )
    return {
        "app": app,
        "team": spec.team,
        "risk_tier": tier,
        "deployment": _row(store, dep) if dep is not None else None,
        "canary_share": cand.share if cand else 0.0,
        "approvals_required": gates.REQUIRED_APPROVALS if tier == "high" else 0,
        "approvers": approvers,
    }


def _approvals(store: Store, apps: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for app in apps:
        dep = deployments.current(store, app)
        if dep is not None and dep.candidate is not None:
            found += [_plain(a) for a in deployments.approvals(store, dep.candidate.deployment_id)]
    return found


def _one_strategy(asked: DeployIn) -> None:
    """Refuse two strategies at once, naming this API's fields (the CLI's refusal names its flags)."""
    chosen = [
        f"`{name}`"
        for name, on in (
            ("canary", asked.canary is not None),
            ("ab", asked.ab is not None),
            ("blue_green", asked.blue_green),
        )
        if on
    ]
    if len(chosen) > 1:
        raise InvalidRequest(
            f"send one of `canary` (percent), `ab` (percent) or `blue_green` (true), not {' and '.join(chosen)} "
            "together.",
            param=chosen[1].strip("`"),
        )


def _chosen(project: Project, who: Principal, app: str | None) -> list[str]:
    apps = readable_apps(project, who)
    chosen = check_choice(app, apps, "app")
    return [chosen] if chosen else apps


# What the routes and the console call (both as the caller's key; read them off the event loop).


def deployment_states(
    store: Store, project: Project, who: Principal, app: str | None = None
) -> list[dict[str, Any]]:
    """`StateOut` of each app of the caller's team (or of `app`)."""
    return [_state(store, project, a) for a in _chosen(project, who, app)]


def deployment_history(
    store: Store, project: Project, who: Principal, app: str, limit: int
) -> list[dict[str, Any]]:
    """`DeploymentOut` rows of the app, newest first."""
    app_of(project, who, app)
    return [_row(store, d) for d in deployments.history(store, actor(who), project, app, limit)]


def promote_candidate(
    store: Store, project: Project, who: Principal, app: str, asked: PromoteIn
) -> dict[str, Any]:
    """Promote the app's candidate as `who` (the rules' refusals are `RuleViolation`s, 409)."""
    app_of(project, who, app)
    return _row(
        store, deployments.promote(store, project, app, actor(who), eval_run=asked.eval_run, note=asked.note)
    )


def rollback_app(store: Store, project: Project, who: Principal, app: str, asked: NoteIn) -> dict[str, Any]:
    """Drop the app's candidate, or return to its previous release, as `who`."""
    app_of(project, who, app)
    return _row(store, deployments.rollback(store, project, app, actor(who), note=asked.note))


def approve_candidate(store: Store, project: Project, who: Principal, asked: ApproveIn) -> dict[str, Any]:
    """Approve the app's candidate with `who`'s own approver key: `ApprovalOut`."""
    app_of(project, who, asked.app)
    return _plain(deployments.approve(store, project, asked.app, actor(who), note=asked.note))


def approvals_of(store: Store, project: Project, who: Principal, app: str | None = None) -> list[dict[str, Any]]:
    """Approvals of the candidates in flight of the caller's team's apps (or of `app`)."""
    return _approvals(store, _chosen(project, who, app))


def router(
    store: Store, project: Project, reader: Reader, models: tuple[Path | None, Path | None] = (None, None)
) -> APIRouter:
    """The deployment and approval routes over `store`, for the callers `reader` admits; `models` is (the
    models folder, the steward.yaml) where a deployed model's file must be (`deployments.deploy`)."""
    api = APIRouter(tags=["Management: deployments"], responses=ERRORS)
    Who = Annotated[Principal, Depends(reader)]

    def run(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return asyncio.to_thread(fn, *args, **kwargs)

    def shown(fn: Any, *args: Any, **kwargs: Any) -> Any:
        """`fn`'s deployment with its approvals, read off the event loop."""
        return asyncio.to_thread(lambda: _row(store, fn(*args, **kwargs)))

    @api.get("/v1/deployments", response_model=StateListOut)
    async def states(
        who: Who, app: Annotated[str | None, Query(description="an app of your team (default: all)")] = None
    ) -> JSON:
        """Where each app of your team stands: current deployment, canary share, approvals needed and given."""
        return JSON({"object": "list", "data": await run(deployment_states, store, project, who, app)})

    @api.get("/v1/deployments/{app}", response_model=HistoryOut, responses=NOT_FOUND)
    async def history(
        app: str, who: Who, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="rows, newest first")] = 20
    ) -> JSON:
        """An app's deployment history, newest first, with approvals (`steward deployments APP --json`)."""
        return JSON({"object": "list", "data": await run(deployment_history, store, project, who, app, limit)})

    @api.post("/v1/deployments/{app}", response_model=DeploymentOut, responses=CHANGES)
    async def deploy(app: str, who: Who, body: Annotated[DeployIn, Body()]) -> JSON:
        """Put a model version in flight as your key (`steward deploy`): `canary` percent, an `ab` split, or
        staged `blue_green` (the default), one of them. A local model must be fetched first (409 naming the
        `steward models fetch` command otherwise; nothing is written)."""
        app_of(project, who, app)
        _one_strategy(body)
        dep = await shown(
            deployments.deploy,
            store,
            project,
            app,
            body.model,
            actor(who),
            canary=body.canary,
            ab=body.ab,
            blue_green=body.blue_green,
            note=body.note,
            models_dir=models[0],
            config=models[1],
        )
        return JSON(dep)

    @api.post("/v1/deployments/{app}/promote", response_model=DeploymentOut, responses=CHANGES)
    async def promote(app: str, who: Who, body: Annotated[PromoteIn | None, Body()] = None) -> JSON:
        """Make the candidate the whole route as your key (`steward promote`): needs a passing eval run of it,
        and for a high-risk app two approvals by different approvers (409 naming the rule otherwise)."""
        return JSON(await run(promote_candidate, store, project, who, app, body or PromoteIn()))

    @api.post("/v1/deployments/{app}/rollback", response_model=DeploymentOut, responses=CHANGES)
    async def rollback(app: str, who: Who, body: Annotated[NoteIn | None, Body()] = None) -> JSON:
        """Drop the candidate in flight, or return to the previous release, as your key (`steward rollback`)."""
        return JSON(await run(rollback_app, store, project, who, app, body or NoteIn()))

    @api.get("/v1/approvals", response_model=ApprovalListOut)
    async def approvals(
        who: Who, app: Annotated[str | None, Query(description="an app of your team (default: all)")] = None
    ) -> JSON:
        """Approvals of the candidates in flight of your team's apps."""
        return JSON({"object": "list", "data": await run(approvals_of, store, project, who, app)})

    @api.post("/v1/approvals", response_model=ApprovalOut, responses=CHANGES)
    async def approve(who: Who, body: Annotated[ApproveIn, Body()]) -> JSON:
        """Approve an app's candidate with your own approver key (`steward approve APP --key`): never your own
        deployment, once per person (two keys of one owner are one approver: 409); a key is an approver once an
        admin ran `steward approvers add --key-id` (or `--owner` for the person)."""
        return JSON(await run(approve_candidate, store, project, who, body))

    return api
