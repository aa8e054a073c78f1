"""The collector and the server's long-lived heap: what start-up loads is frozen while the app serves.

A process that serves the gateway holds ~200,000 container objects before its first request (the libraries,
the config, the models, the routes). Python's full (generation 2) collection walks all of them whenever enough
new objects have survived, which on a shared 2-core VM took 170-330 ms, inside whichever request happened to
allocate the last object (`bench/console.py --each` showed it as one slow request among pages of 10-25 ms;
BENCHMARKS.md, "Web console", session 14). None of those objects becomes garbage while the app serves, so the
app's start-up moves them to the collector's permanent generation (`gc.freeze`), and a full collection then walks
only what requests allocate (7-9 ms on the same heap). The app's shutdown gives them back (`gc.unfreeze`), so a
process that starts and stops apps (tests) does not keep each one's cycles for good.

This is the app's own lifespan, not the CLI's: every host runs it (`steward serve`, uvicorn or any ASGI server
given the app, Starlette's `TestClient` used as a context manager), and nothing serves without it.
"""

from __future__ import annotations

import gc


def freeze_start_up() -> None:
    """Hide everything alive now from future collections (the app is about to serve)."""
    gc.freeze()


def release_start_up() -> None:
    """Give the frozen objects back to the collector (the app has stopped serving)."""
    gc.unfreeze()
