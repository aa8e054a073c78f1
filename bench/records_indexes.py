"""The first page of a team's records at migration 0013's indexes against 0014's, on the store that
`bench/records_listing.py` builds: a copy of it is taken back to 0013's single-column indexes (0014's downgrade,
without touching the original) and the same `Store.page_records` call is timed on both.

    python bench/records_indexes.py --db /tmp/steward-records-bench.db
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from steward.store import RecordFilter, Store

CASES = {
    "team": RecordFilter(team="default"),
    "team + model (none match)": RecordFilter(team="default", model_id="x"),
}


def first_page_ms(path: Path, where: RecordFilter) -> float:
    store = Store.open(f"sqlite:///{path}", migrate=False)
    try:
        t = time.perf_counter()
        store.page_records(where, None, 50)
        return (time.perf_counter() - t) * 1000
    finally:
        store.close()


def at_0013(source: Path, copy: Path) -> None:
    shutil.copyfile(source, copy)
    con = sqlite3.connect(copy)
    for column in ("team", "status", "subject"):
        con.execute(f"DROP INDEX ix_records_{column}_created_at")
        con.execute(f"CREATE INDEX ix_records_{column} ON records ({column})")
    con.execute("DROP INDEX ix_records_model_id_created_at")
    con.commit()
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/steward-records-bench.db"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.db.parent) as folder:
        before = Path(folder) / "at-0013.db"
        at_0013(args.db, before)
        for name, where in CASES.items():
            old, new = first_page_ms(before, where), first_page_ms(args.db, where)
            print(f"{name:26s} 0013 indexes {old:8.1f} ms   0014 indexes {new:6.1f} ms")


if __name__ == "__main__":
    main()
