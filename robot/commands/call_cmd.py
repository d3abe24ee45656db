"""`robot call NUMBER`: place one call through FreeSWITCH and run it (AMD, scenario) to the end."""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from robot.calls.app import RobotApp
from robot.campaign.dialing import AttemptRequest, CallOutcome, ContactRef
from robot.esl.commands import dial_target_for
from robot.settings import Settings


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "call", help="Place one call (AMD + scenario) and print its outcome."
    )
    parser.add_argument("number", help="E.164 number (+33...) or, with a loopback template, a script name.")
    parser.add_argument("--scenario", type=Path, default=None, help="Scenario YAML (default: dialog.scenario).")
    parser.add_argument(
        "--dial-template",
        default=None,
        help="Dial string with {number} (default: campaign.dial_template), e.g. loopback/{number}/default.",
    )
    parser.add_argument("--json", action="store_true", help="Print the outcome as JSON.")
    parser.set_defaults(func=run)


async def place_one(settings: Settings, number: str, scenario: Path, template: str) -> CallOutcome:
    dial = dial_target_for(template, number) if "{number}" in template else template
    attempt = AttemptRequest(
        attempt_id=0,
        attempt_no=1,
        campaign="adhoc",
        scenario=str(scenario),
        contact=ContactRef(number=number),
        dial_string=dial,
        call_uuid=str(uuid.uuid4()),
    )
    async with RobotApp(settings) as app:
        app.scenario(scenario)  # fail before dialing if the scenario is bad
        return await app.dial(attempt)


def run(args: argparse.Namespace, settings: Settings) -> int:
    scenario = args.scenario or settings.dialog.scenario
    template = args.dial_template or settings.campaign.dial_template
    outcome = asyncio.run(place_one(settings, args.number, scenario, template))
    if args.json:
        print(json.dumps(asdict(outcome), default=str))
    else:
        amd = outcome.amd_result.value if outcome.amd_result else "-"
        print(
            f"call {outcome.call_uuid}: {outcome.disposition} (cause {outcome.hangup_cause}, AMD {amd}, "
            f"intent {outcome.intent or '-'}, ring {outcome.ring_s:.1f} s, talk {outcome.talk_s:.1f} s)"
        )
    return 0
