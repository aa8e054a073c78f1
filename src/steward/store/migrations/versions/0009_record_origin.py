"""Records: where a request came from (`origin`: traffic, eval, redteam, test), so that datasets take traffic only.

Records stored before this revision carry no origin. Those an eval or red-team run names in `eval_cases` are
marked from it (`eval` for suite runs, `redteam` for scans); nothing else tells the rest apart, so they are
marked `traffic`. The README says so, and how to leave them out of a dataset (`dataset-build --since`).
A record's body written before this revision reads as `traffic` (the codec's default); the column decides what
a dataset takes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_record_origin"
down_revision = "0008_integrity"


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=False, server_default="traffic"))
    if "eval_cases" not in sa.inspect(op.get_bind()).get_table_names():
        return  # a fresh database (the evals branch not created yet): no run names any record
    for kind, origin in (("suite", "eval"), ("redteam", "redteam")):
        op.execute(
            sa.text(
                "UPDATE records SET origin = :origin WHERE id IN (SELECT c.record_id FROM eval_cases c "
                "JOIN eval_runs r ON r.id = c.run_id WHERE r.kind = :kind AND c.record_id IS NOT NULL)"
            ).bindparams(origin=origin, kind=kind)
        )


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("origin")
