"""SQL of the governance capability, one module per sub-area; this package re-exports them for its callers.

`hashing` (canonical JSON and row digests), `audit` (the hash chain and its head), `registry` (versions, labels,
lineage), `deployments` (releases, approvals, approvers), `compliance` (risk assessments, attestations),
`providers` (provider change checks), `datasets` (training datasets from records) and `privacy` (retention,
erasure, anonymisation, re-encryption). Tables are declared on the shared `metadata` and created by migration
`0005_governance` and later ones. The audit log is a hash chain with a one-row head (`audit_head`); every
governance transaction first takes the head's row lock (`lock_audit`), which serialises writers on both
backends — on SQLite the UPDATE takes the write lock before anything is read, so no transaction works from a
stale snapshot. Rows that the audit log vouches for are hashed with `row_digest` over their stored values, so
`steward audit verify` can recompute the digest from the table and compare it with the event that created it.

Reads that need no caller's transaction are methods of the repositories the `Store` hands out (`store.audit`,
`store.registry`, `store.deployments`, `store.compliance`, `store.providers`, `store.datasets`); functions that
take a unit of work (`steward.store.unit`) run inside the caller's transaction.
"""

from steward.store.governance.audit import (
    GENESIS,
    AuditLog,
    audit_events,
    audit_head,
    first_event,
    insert_event,
    last_event_after_hash,
    lock_audit,
    read_head,
)
from steward.store.governance.compliance import (
    Compliance,
    attestations,
    latest_assessment,
    risk_assessments,
)
from steward.store.governance.datasets import (
    Datasets,
    count_dataset_rows,
    dataset_rows,
    delete_dataset_rows,
)
from steward.store.governance.deployments import (
    Deployments,
    active_approver,
    approvals,
    approvals_of,
    approvers,
    deployments,
    get_approver,
    get_deployment,
    latest_deployment,
    revoke_approver,
    upsert_approver,
)
from steward.store.governance.hashing import (
    HASH,
    REF,
    canonical_json,
    digest,
    row_digest,
)
from steward.store.governance.privacy import (
    body_page,
    clear_feedback_comments,
    delete_records,
    expired_records,
    privacy_anonymised,
    rewrite_record,
    set_body,
    subject_records,
)
from steward.store.governance.providers import (
    ProviderChecks,
    accept_check,
    last_accepted_check,
    latest_check,
    provider_checks,
)
from steward.store.governance.registry import (
    Registry,
    add_edge,
    entry_by_version,
    find_entry,
    get_entry,
    insert_row,
    labelled,
    labels_of,
    lineage_edges,
    next_version,
    registry_entries,
    registry_labels,
    remove_label,
    set_label,
    sibling_ids,
    teams_with,
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
    "ProviderChecks",
    "Registry",
    "accept_check",
    "active_approver",
    "add_edge",
    "approvals",
    "approvals_of",
    "approvers",
    "attestations",
    "audit_events",
    "audit_head",
    "body_page",
    "canonical_json",
    "clear_feedback_comments",
    "count_dataset_rows",
    "dataset_rows",
    "delete_dataset_rows",
    "delete_records",
    "deployments",
    "digest",
    "entry_by_version",
    "expired_records",
    "feedback",
    "find_entry",
    "first_event",
    "get_approver",
    "get_deployment",
    "get_entry",
    "insert_event",
    "insert_row",
    "labelled",
    "labels_of",
    "last_accepted_check",
    "last_event_after_hash",
    "latest_assessment",
    "latest_check",
    "latest_deployment",
    "lineage_edges",
    "lock_audit",
    "metadata",
    "next_version",
    "privacy_anonymised",
    "provider_checks",
    "read_head",
    "records",
    "registry_entries",
    "registry_labels",
    "remove_label",
    "revoke_approver",
    "rewrite_record",
    "risk_assessments",
    "row_digest",
    "set_body",
    "set_label",
    "sibling_ids",
    "subject_records",
    "teams_with",
    "upsert_approver",
]
