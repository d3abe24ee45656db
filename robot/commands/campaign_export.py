"""`robot campaign export NAME [--format csv|jsonl] [-o FILE]`: a campaign's contacts and attempts, one row each.

CSV cells a spreadsheet would run as formulas are neutralised; an export file is created 0600 (personal data).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from robot.campaign.open_store import open_store
from robot.private_files import open_private
from robot.settings import Settings

EXPORT_COLUMNS = (
    "line", "phone", "name", "contact_state", "contact_result", "call_uuid", "created", "ended", "result",
    "hangup_cause", "q850", "amd_result", "intent", "answered", "ring_s", "talk_s", "variables",
)  # fmt: skip


def _iso(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings.campaign)
    try:
        rows = store.export_rows(store.get_campaign(args.name).id)
    finally:
        store.close()
    for row in rows:
        row["created"], row["ended"] = _iso(row["created"]), _iso(row["ended"])
    if args.output is None:
        write_export(rows, args.format, sys.stdout)
    else:
        with os.fdopen(open_private(args.output), "w", encoding="utf-8", newline="") as out:  # personal data: 0600
            write_export(rows, args.format, out)
        print(f"{len(rows)} rows written to {args.output}", file=sys.stderr)
    return 0


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def neutralise_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading quote (OWASP CSV injection advice).

    Plain numbers (E.164 phone numbers, -1.5) cannot run anything and stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_export(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        cells = {**row, "variables": json.dumps(row["variables"], ensure_ascii=False)}
        writer.writerow({k: neutralise_cell(v) for k, v in cells.items()})
