"""Several `robot campaign run --worker` processes on one PostgreSQL campaign against `robot sim`; prints JSON.

Runs, on a fresh database each (a PostgreSQL server started in a temporary directory, as the tests do):
1 worker, N workers, and N workers with the first killed -9 once a third of the contacts were dialled. Ground truth
is the simulator's originate ledger (tests/integration/workers_kit.py): double-dialled numbers, lost contacts or
calls, attempt cap, throughput (originates per second of wall time, startup included; paced by --cps per worker).

PYTHONPATH=. .venv/bin/python benchmarks/campaign_workers.py [--contacts 2000] [--workers 3] [--cps 30]
    [--concurrency 20] [-o benchmarks/results/campaign_workers.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.workers_kit import run_workers
from tests.pg_server import fresh_database, postgres_server


async def one(dsn: str, label: str, **kwargs: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"robot-bench-{label}-") as tmp:
        run = await run_workers(Path(tmp), fresh_database(dsn, label), **kwargs)
    figures = run.figures()
    figures["label"] = label
    print(json.dumps(figures), file=sys.stderr)
    return figures


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    common = {"contacts": args.contacts, "cps": args.cps, "concurrency": args.concurrency, "timeout_s": 900.0}
    with postgres_server() as dsn:
        single = await one(dsn, "one_worker", workers=1, **common)
        many = await one(dsn, f"{args.workers}_workers", workers=args.workers, **common)
        killed = await one(
            dsn,
            f"{args.workers}_workers_kill9",
            workers=args.workers,
            kill_after_originates=args.contacts // 3,
            **common,
        )
    return {
        "benchmark": "campaign_workers",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)",
        "store": "PostgreSQL (loopback, fsync off)",
        "callees": "by last digit: 40 % answer (0.3 s call), 20 % answer (1.5 s call), 20 % busy, 20 % no answer "
        "(0.2 s ring); busy/no answer retried after 0.2 s, at most 3 attempts",
        "speedup": round(many["calls_per_s"] / single["calls_per_s"], 2) if single["calls_per_s"] else None,
        "runs": [single, many, killed],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--cps", type=float, default=30.0, help="new calls per second per worker")
    parser.add_argument("--concurrency", type=int, default=20, help="calls in flight per worker")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    result = asyncio.run(bench(args))
    text = json.dumps(result, indent=2)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
