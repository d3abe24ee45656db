"""`robot settings`: print the effective settings (secrets masked) with their documentation."""

from __future__ import annotations

import argparse
import json
from typing import Any

from pydantic import BaseModel

from robot.settings import Settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "settings", help="Show the effective settings (secrets masked) and what each one means."
    )
    parser.add_argument("--json", action="store_true", help="Print values as JSON only.")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    values = json.loads(settings.model_dump_json())  # SecretStr dumps as "**********"
    if args.json:
        print(json.dumps(values, indent=2))
        return 0
    for section_name, section_field in Settings.model_fields.items():
        section = getattr(settings, section_name)
        assert isinstance(section, BaseModel)
        print(f"[{section_name}]  {section_field.description or ''}".rstrip())
        for name, field in type(section).model_fields.items():
            env = f"ROBOT_{section_name.upper()}__{name.upper()}"
            print(f"  {name} = {values[section_name][name]!r}    # {field.description}  ({env})")
    return 0
