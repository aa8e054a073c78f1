"""A unit of work with the repositories bound to it: what `Store.transaction()` and `Store.reading()` hand out.

Inside `with store.transaction() as tx:` every `tx.<repository>.<method>(…)` runs on the one connection of the
transaction, so the changes commit or roll back together; capabilities hold the `Tx`, never the connection (it
stays `tx._unit`, for the `Store`'s own methods that join a caller's transaction, such as `create_key(tx=…)`).
A function that works on its own or inside a caller's transaction takes `Store | Tx` (`steward.store.Database`).
"""

from __future__ import annotations

from steward.config.settings import Secrets
from steward.store.console import ConsoleSessions
from steward.store.evals import EvalRuns
from steward.store.explanations import Explanations
from steward.store.governance.audit import AuditLog
from steward.store.governance.compliance import Compliance
from steward.store.governance.datasets import Datasets
from steward.store.governance.deployments import Deployments
from steward.store.governance.privacy import Privacy
from steward.store.governance.providers import ProviderChecks
from steward.store.governance.registry import Registry
from steward.store.guardrails import Reviews
from steward.store.integrity import read_head
from steward.store.monitor import Monitoring
from steward.store.rag import RagRepository
from steward.store.unit import Changes, Unit, changes_of, cipher_of, keys_of


class Tx:
    """One unit of work (`Store.transaction()` / `Store.reading()`) and the repositories that run on it."""

    __slots__ = (
        "_unit",
        "audit",
        "changes",
        "compliance",
        "console",
        "datasets",
        "deployments",
        "evals",
        "explanations",
        "monitoring",
        "privacy",
        "providers",
        "rag",
        "registry",
        "reviews",
        "secrets",
    )

    def __init__(self, unit: Unit) -> None:
        self._unit = unit  # the `Store`'s own methods join it; capabilities go through the repositories
        self.secrets: Secrets = keys_of(unit)  # the keys of the store that opened it (the audit chain seals)
        self.changes: Changes = changes_of(unit)  # that store's change counters (a deployment drops cached routes)
        self.rag = RagRepository(unit)  # RAG collections, documents, chunks and their search
        self.evals = EvalRuns(unit)  # stored eval and red-team runs, the answer cache
        self.audit = AuditLog(unit)  # the audit chain: its head's lock, its events
        self.registry = Registry(unit)  # registry versions, labels and lineage edges
        self.deployments = Deployments(unit)  # deployment history, approvals and approvers
        self.compliance = Compliance(unit)  # risk assessments and attestations
        self.datasets = Datasets(unit)  # rows of training datasets
        self.providers = ProviderChecks(unit)  # provider change checks
        self.privacy = Privacy(unit)  # retention, erasure, anonymisation and re-encryption of records
        self.monitoring = Monitoring(unit, cipher_of(unit))  # rollups, cursors, alerts and silences
        self.reviews = Reviews(unit)  # the review queue's items and reviewers' corrections
        self.console = ConsoleSessions(unit)  # the console's sessions (a revoked key's end with it)
        self.explanations = Explanations(unit)  # explanations of records by kind (`steward.explain`)

    def records_head(self) -> int | None:
        """The last position given in the chain of records (`steward.store.integrity`), for an audit anchor."""
        return read_head(self._unit)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`, for the few capabilities whose plan differs (e.g. vector search)."""
        return str(self._unit.dialect.name)
