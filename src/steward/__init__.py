"""Steward: a responsible LLMOps platform — a governed, OpenAI-compatible gateway with guardrails, grounded
RAG, evaluation, a registry and an audit trail, where every request becomes one governed record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from steward.client import Client
    from steward.remote import RemoteClient


def __getattr__(name: str) -> Any:  # keep `import steward` light: the client pulls in the whole pipeline
    if name == "Client":
        from steward.client import Client

        return Client
    if name == "RemoteClient":  # the management API over HTTP: httpx only
        from steward.remote import RemoteClient

        return RemoteClient
    raise AttributeError(name)


__all__ = ["Client", "RemoteClient", "__version__"]
