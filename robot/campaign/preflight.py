"""Checks made before a campaign is created or resumed: if one fails, nothing is created and nothing is dialled.

Always: the scenario loads and every prompt file it plays exists; the dial template gives a valid dial string.
With the live dialer also: the AMD keyword file loads, the voicemail prompt exists, the audio and metrics ports
are free, and FreeSWITCH's event socket answers (a refused password is an error; a switch that is down is not:
the campaign then starts in the "waiting for FreeSWITCH" state).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

from robot.amd.keywords import load_keywords
from robot.dialog.scenario import load_scenario
from robot.errors import ConfigError, DialTargetError, EslAuthError, EslError
from robot.esl.commands import dial_target_for
from robot.esl.connection import EslClient
from robot.esl.pool import endpoint_settings
from robot.paths import audio_dir_for, data_file
from robot.settings import Settings

SAMPLE_NUMBER = "+33100000000"


@dataclass(slots=True)
class PreflightReport:
    scenario: Path  # absolute: the campaign can be resumed from any directory
    notes: list[str] = field(default_factory=list)


def port_problem(host: str, port: int, setting: str) -> str | None:
    """None when `host:port` can be listened on now, else a one-line reason naming the setting."""
    if port == 0:
        return None
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as err:
        return f"{setting}: cannot listen on {host}:{port}: {err.strerror or err} (another robot running?)"
    return None


def check_files(settings: Settings, scenario: str, template: str, *, live: bool) -> PreflightReport:
    problems: list[str] = []
    path = Path(scenario).expanduser()
    if not path.is_file():
        problems.append(f"scenario {scenario}: file not found")
    else:
        try:
            load_scenario(path, audio_dir_for(path, settings.dialog.audio_dir))
        except ConfigError as err:
            problems.append(str(err))
    try:
        dial_target_for(template, SAMPLE_NUMBER)
    except DialTargetError as err:
        problems.append(str(err))
    if live:
        amd = settings.amd
        if amd.enabled or amd.on_handoff:
            try:
                load_keywords(data_file(amd.keywords_file))
            except ConfigError as err:
                problems.append(str(err))
        if amd.machine_action == "voicemail_drop" and not (
            amd.voicemail_prompt and Path(amd.voicemail_prompt).is_file()
        ):
            problems.append(f"amd.voicemail_prompt: file not found: {amd.voicemail_prompt}")
        model = settings.asr.model
        if model.startswith(("/", ".", "~")) and not Path(model).expanduser().is_dir():  # a path, not a model name
            problems.append(f"asr.model: {model}: no such model directory")
        c, m = settings.campaign, settings.media
        for problem in (
            port_problem(m.host, m.port, "media.port"),
            port_problem(c.metrics_host, c.metrics_port, "campaign.metrics_port") if c.metrics_port else None,
        ):
            if problem:
                problems.append(problem)
    if problems:
        raise ConfigError("the campaign cannot start (nothing was created or dialled):\n  " + "\n  ".join(problems))
    return PreflightReport(path.resolve())


async def probe_switch(settings: Settings) -> str:
    """One ESL connection attempt per server (esl.endpoints, or esl.host:port): a note for the operator;
    ConfigError when a FreeSWITCH refuses the password."""
    notes = []
    for server, _, _ in endpoint_settings(settings.esl):
        client = EslClient(server)
        try:
            await client.start()
        except EslAuthError as err:
            raise ConfigError(str(err)) from err
        except EslError as err:
            notes.append(f"FreeSWITCH is not reachable ({err}): waiting for it before dialling")
            continue
        await client.close()
        notes.append(f"FreeSWITCH ESL at {client.where}: reachable")
    return "; ".join(notes)
