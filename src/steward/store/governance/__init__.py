"""SQL of the governance capability, one module per sub-area; this package re-exports them for its callers.

`hashing` (canonical JSON and row digests), `audit` (the hash chain and its head), `registry` (versions, labels,
lineage), `deployments` (releases, approvals, approvers), `compliance` (risk assessments, attestations),
`providers` (provider change checks), `datasets` (training datasets from records) and `privacy` (retention,
erasure, anonymisation, re-encryption). Tables are declared on the shared `metadata` and created by migration
`0005_governance` and later ones. The audit log is a hash chain with a one-row head (`audit_head`); every
governance transaction first takes the head's row lock (`AuditLog.lock`), which serialises writers on both
backends — on SQLite the UPDATE takes the write lock before anything is read, so no transaction works from a
stale snapshot. Rows that the audit log vouches for are hashed with `row_digest` over their stored values, so
`steward audit verify` can recompute the digest from the table and compare it with the event that created it.

Each sub-area is one repository class that owns its SQL as methods (`AuditLog`, `Registry`, `Deployments`,
`Compliance`, `ProviderChecks`, `Datasets`, `Privacy`): the `Store` hands them out for reads (`store.registry` …,
each call its own unit) and a governance transaction for changes (`with audit.changing(store) as tx:
tx.registry…`, where every call joins the one transaction).
"""

from steward.store.governance.audit import (
    GENESIS,
    AuditLog,
    audit_events,
    audit_head,
)
from steward.store.governance.compliance import (
    Compliance,
    attestations,
    risk_assessments,
)
from steward.store.governance.datasets import (
    Datasets,
    dataset_rows,
)
from steward.store.governance.deployments import (
    Deployments,
    approvals,
    approvers,
    deployments,
)
from steward.store.governance.hashing import (
    HASH,
    REF,
    canonical_json,
    digest,
    row_digest,
)
from steward.store.governance.privacy import Privacy, privacy_anonymised
from steward.store.governance.providers import (
    ProviderChecks,
    provider_checks,
)
from steward.store.governance.registry import (
    Registry,
    lineage_edges,
    registry_entries,
    registry_labels,
)
from steward.store.schema import feedback, metadata, records

__all__ = [
    "GENESIS",
    "HASH",
    "REF",
    "AuditLog",
    "Compliance",
    "Datasets",
    "Deployments",
    "Privacy",
    "ProviderChecks",
    "Registry",
    "approvals",
    "approvers",
    "attestations",
    "audit_events",
    "audit_head",
    "canonical_json",
    "dataset_rows",
    "deployments",
    "digest",
    "feedback",
    "lineage_edges",
    "metadata",
    "privacy_anonymised",
    "provider_checks",
    "records",
    "registry_entries",
    "registry_labels",
    "risk_assessments",
    "row_digest",
]
