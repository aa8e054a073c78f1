"""What the app's own start-up (its lifespan, which every host runs) does so that no request pays for it later:
compile the console's templates, then hide the start-up heap from full collections (`steward.gateway.heap`).

A full collection over the ~200,000 objects a server holds before its first request took 170-860 ms on the
loaded VM, inside whichever console request triggered it; each page's first view compiled its template (20-140
ms). BENCHMARKS.md, "Web console", session 14."""

from __future__ import annotations

import gc

from starlette.testclient import TestClient

from steward.gateway.assemble import Runtime
from steward.gateway.console import _environment
from steward.gateway.http import create_app


def _collectable(obj: object) -> bool:
    """Whether a collection would walk `obj` (frozen objects are in no generation `gc.get_objects` lists)."""
    return any(tracked is obj for tracked in gc.get_objects())


def test_serving_freezes_what_start_up_made_and_shutdown_gives_it_back(runtime: Runtime) -> None:
    gc.unfreeze()  # whatever an earlier test in this process may have left frozen
    app = create_app(runtime.gateway, runtime.authenticator)
    made_at_start_up = {"routes": [], "config": {}}
    assert _collectable(made_at_start_up) and gc.get_freeze_count() == 0

    with TestClient(app) as http:  # runs the lifespan, as uvicorn does under `steward serve`
        assert gc.get_freeze_count() > 0
        assert not _collectable(made_at_start_up)
        made_while_serving = {"request": []}
        assert _collectable(made_while_serving)  # what requests allocate is still collected
        assert http.get("/ui/sign-in").status_code == 200
        before = gc.get_freeze_count()
        gc.collect()
        assert gc.get_freeze_count() == before  # a full collection leaves the frozen heap where it is

    assert gc.get_freeze_count() == 0
    assert _collectable(made_at_start_up)  # a stopped app leaves nothing pinned (tests start many)


def test_an_app_that_is_not_started_freezes_nothing(runtime: Runtime) -> None:
    gc.unfreeze()
    http = TestClient(create_app(runtime.gateway, runtime.authenticator))  # no lifespan: no start-up ran
    assert http.get("/ui/sign-in").status_code == 200
    assert gc.get_freeze_count() == 0


def test_start_up_compiles_every_console_template(runtime: Runtime) -> None:
    templates = _environment()  # one per process: compiled once, whichever app asks first
    templates.cache.clear()  # type: ignore[union-attr]
    app = create_app(runtime.gateway, runtime.authenticator)
    assert not templates.cache
    with TestClient(app):
        compiled = {name for _loader, name in templates.cache}  # type: ignore[union-attr]
        assert compiled == set(templates.list_templates()) and "record.html" in compiled
