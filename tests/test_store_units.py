"""One function per governance change, on its own or inside a caller's unit of work (issue 16).

Given the store, `versions.register` and `audit.append` commit in a transaction of their own; given the `Tx` of
`audit.changing(store)` they join it, so the change and its event commit or vanish with the caller's block.
"""

from __future__ import annotations

import pytest
from tests.gov_fixtures import Gov, gov_fixture  # noqa: F401

from steward.governance import audit, lineage, versions


class Abort(Exception):
    pass


def _events(gov: Gov) -> int:
    return len(list(gov.store.audit.iter_events()))


def test_given_the_store_a_change_commits_on_its_own(gov: Gov) -> None:
    before = _events(gov)
    version, created = versions.register(gov.store, gov.alice, "claims", "dataset", "units", {"source": "a"})
    assert created
    assert versions.resolve(gov.store, gov.alice, "dataset:units", "claims") == version
    assert _events(gov) == before + 1


def test_given_a_unit_changes_and_events_roll_back_with_the_callers_block(gov: Gov) -> None:
    before = _events(gov)
    with pytest.raises(Abort), audit.changing(gov.store) as tx:
        first, _ = versions.register(tx, gov.alice, "claims", "dataset", "units", {"source": "a"})
        second, _ = versions.register(tx, gov.alice, "claims", "dataset", "units2", {"source": "b"})
        assert lineage.add_edge(tx, gov.alice, first.node, second.node, "derived", "claims")
        assert versions.apply_label(tx, gov.alice, first, "staging")
        assert versions.resolve(tx, None, "dataset:units", "claims").labels == ("staging",)
        raise Abort
    assert _events(gov) == before
    assert versions.list_versions(gov.store, gov.alice, kind="dataset", name="units") == []
    assert lineage.walk(gov.store, "dataset:" + first.id, "down") == []


def test_given_a_unit_changes_commit_together_when_the_block_ends(gov: Gov) -> None:
    before = _events(gov)
    with audit.changing(gov.store) as tx:
        version, _ = versions.register(tx, gov.alice, "claims", "dataset", "units", {"source": "a"})
        audit.append(tx, gov.alice, "test.note", f"registry:{version.id}", team="claims")
    assert _events(gov) == before + 2
    assert audit.verify(gov.store).ok
