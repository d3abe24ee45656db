"""CallControl over the inbound ESL client (api uuid_* commands), and a typed `originate`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from robot.errors import EslCommandError
from robot.esl import commands
from robot.esl.commands import StreamRate
from robot.esl.connection import EslClient

_GONE = "No such channel"


@dataclass(frozen=True, slots=True)
class OriginateResult:
    """Outcome of `bgapi originate`: ok with the call uuid, or the cause FreeSWITCH gave (USER_BUSY...)."""

    ok: bool
    uuid: str
    cause: str
    raw: str


def parse_originate_result(uuid: str, body: str) -> OriginateResult:
    """`+OK <uuid>` -> ok; `-ERR USER_BUSY` -> cause USER_BUSY; anything else -> cause UNKNOWN."""
    text = body.strip()
    if text.startswith("+OK"):
        return OriginateResult(True, uuid, "", body)
    if text.startswith("-ERR"):
        words = text[4:].split()
        return OriginateResult(False, uuid, words[0] if words else "UNKNOWN", body)
    return OriginateResult(False, uuid, "UNKNOWN", body)


async def originate(
    client: EslClient,
    target: str,
    uuid: str,
    variables: Mapping[str, str] | None = None,
    app: str = "&park()",
    timeout_s: int | None = None,
    max_call_s: int | None = None,
) -> OriginateResult:
    """`bgapi originate {origination_uuid=<uuid>,...}<target> <app>` and wait for its BACKGROUND_JOB.

    Register `client.call_events(uuid)` BEFORE calling this: CHANNEL_ANSWER arrives before the job result.
    The wait lasts the ringing time plus the client's request timeout (the job ends when the call is
    answered or has failed)."""
    line = commands.originate(target, uuid, variables, app, timeout_s, max_call_s)
    wait_s = None if timeout_s is None else timeout_s + client.request_timeout_s
    body = await client.bgapi(line, timeout=wait_s)
    return parse_originate_result(uuid, body)


class EslCallControl:
    """robot.calls.control.CallControl for one call, over `api` commands of an EslClient."""

    def __init__(self, client: EslClient, uuid: str) -> None:
        self.uuid = commands.check_uuid(uuid)
        self._client = client

    async def play(self, path: Path | str) -> None:
        await self._client.api_ok(commands.broadcast(self.uuid, str(path), "aleg"))

    async def stop_playback(self) -> None:
        await self._client.api_ok(commands.break_all(self.uuid))

    async def pause_playback(self) -> None:
        await self._client.api_ok(commands.fileman(self.uuid, "pause"))

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        body = await self._client.api(commands.kill(self.uuid, cause))
        if body.startswith("-ERR") and _GONE not in body:
            raise EslCommandError(f"uuid_kill {self.uuid}", body.strip())

    async def transfer(self, destination: str, context: str = "default") -> None:
        await self._client.api_ok(commands.transfer(self.uuid, destination, context))

    async def set_var(self, name: str, value: str) -> None:
        await self._client.api_ok(commands.setvar(self.uuid, name, value))

    async def get_var(self, name: str) -> str | None:
        """The variable's value, or None when it is not set (`_undef_`)."""
        body = (await self._client.api_ok(commands.getvar(self.uuid, name))).rstrip("\n")
        return None if body == "_undef_" else body

    async def start_audio_stream(self, url: str, rate: StreamRate = 16000, metadata: str = "") -> None:
        await self._client.api_ok(commands.audio_stream_start(self.uuid, url, rate, metadata))

    async def stop_audio_stream(self) -> None:
        await self._client.api_ok(commands.audio_stream_stop(self.uuid))
