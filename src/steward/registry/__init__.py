"""Governance: registry, lineage, deployments, approvals, audit chain, risk and compliance, privacy.

Modules, one concept each:

- `identity`     who acts (`Actor`: an API key or a named local operator), team scoping, the approver capability
- `audit`        the append-only, hash-chained audit log (`append`, `verify`, `transaction`)
- `versions`     immutable registry versions of models, prompts, datasets, policies, training runs; stages
- `lineage`      edges dataset → training run → model → eval run → deployment, and graph walks
- `apply`        `steward registry apply`: steward.yaml → registry versions and a config-change event
- `deployments`  canary, blue/green and sticky A/B routes; promote (gated), approve, rollback; `effective_route`
- `compliance`   EU AI Act tiers, questionnaire, controls with evidence
- `cards`, `pack` model and data cards; the self-contained compliance pack (HTML + JSON)
- `providers`    canary prompts that detect a silent change of a remote model
- `privacy`, `datasets`, `crypto`  retention, erasure, consent-respecting datasets, record bodies encrypted at rest

This package imports nothing at import time so that low layers (the store) may use `steward.registry.crypto`.
"""
