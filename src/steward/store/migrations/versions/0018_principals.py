"""Approvals count people, not keys: an API key's `owner` (an e-mail address) and an approval's `person`.

One person holding two keys (or a key and a single sign-on identity with the same e-mail) is one approver of a
release and one reviewer of a two-person review. `api_keys.owner` names the person a key belongs to; null for the
keys made before (each counts as itself). `approvals.person` keeps whom an approval counted as when it was made.
Both columns are left out of the rows' digests while null, so every key and approval sealed before verifies as it
did; nothing is backfilled.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_principals"
# the main chain, joined by the governance branch (whose table `approvals` gains a column): a merge point
down_revision = ("0017_review_labels", "0005_governance")


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))
    with op.batch_alter_table("approvals") as batch:
        batch.add_column(sa.Column("person", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("approvals") as batch:
        batch.drop_column("person")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("owner")
