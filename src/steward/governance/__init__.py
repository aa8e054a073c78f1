"""Governance: the version registry, lineage, deployments, approvals, audit chain, risk and compliance, privacy.

(This package was `steward.registry`; it took the name of what it governs so that "registry" means one thing:
the version registry below, `steward registry` on the command line. The metric lookup is the metric catalogue,
`steward.evals.metric_catalog`.)

Modules, one concept each:

- `identity`, `approvers`, `tenancy`  who acts (an API key or a named local operator), team scoping, approvers
- `audit`        the append-only, hash-chained audit log (`append`, `verify`, `changing`)
- `versions`     immutable registry versions of models, prompts, datasets, policies, training runs; stages
- `lineage`      edges dataset → training run → model → eval run → deployment, and graph walks
- `apply`        `steward registry apply`: steward.yaml → registry versions and a config-change event
- `deployments`  canary, blue/green and sticky A/B; promote (gated by `gates`), approve, rollback
- `routing`      what the gateway serves: `effective_route`, `GovernedPool`
- `risk`, `compliance`, `controls`  EU AI Act tiers, questionnaire, controls with evidence
- `cards`, `pack` model and data cards; the self-contained compliance pack (HTML + JSON)
- `providers`    canary prompts that detect a silent change of a remote model
- `privacy`, `datasets`  retention, erasure, consent-respecting datasets (bodies sealed by `store.crypto`)

Every change is one transaction that also appends its audit event, so a refused or failed change leaves nothing
behind; refusals raise `errors.RuleViolation` naming the rule. The database is reached only through the `Store`:
its repositories for reads (`store.audit`, `store.registry` …) and `audit.changing(db)`, a unit of work (a `Tx`:
`tx.registry`, `tx.deployments` …) that functions such as `versions.register` or `audit.append` open when given
the store and join when given a unit.
This package imports nothing at import time.
"""
