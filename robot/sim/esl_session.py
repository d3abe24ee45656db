"""The server side of one ESL connection, as mod_event_socket answers it.

Inbound (the robot connected to us): greeting, auth, api/bgapi, event subscriptions, exit.
Outbound (a B leg's `socket` app connected to the robot): nothing until `connect`, then the channel data reply,
`myevents`, `linger`, `sendmsg` execute/hangup, linger and disconnect notices. Events are written as they fire
(the transport buffers), replies in command order, so the byte order matches what FreeSWITCH sends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid as uuid_mod
from typing import TYPE_CHECKING

from robot.errors import EslProtocolError
from robot.esl.parser import (
    DISCONNECT_GOODBYE,
    EslCommand,
    EslCommandParser,
    encode_api_response,
    encode_command_reply,
    encode_disconnect_notice,
)
from robot.sim.bus import SimEvent, Subscription

if TYPE_CHECKING:
    from robot.sim.call import SimCall
    from robot.sim.server import SimServer

log = logging.getLogger(__name__)

# The fixed list `myevents` subscribes to (no PLAYBACK_START/STOP, captures).
MYEVENTS = {
    "CHANNEL_ANSWER",
    "CHANNEL_PARK",
    "CHANNEL_UNPARK",
    "CHANNEL_EXECUTE",
    "CHANNEL_EXECUTE_COMPLETE",
    "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE",
    "CHANNEL_STATE",
    "CHANNEL_BRIDGE",
    "CHANNEL_UNBRIDGE",
    "CHANNEL_PROGRESS",
    "CHANNEL_ORIGINATE",
    "DTMF",
    "DETECTED_SPEECH",
}


class EslSession:
    def __init__(
        self,
        server: SimServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        outbound_call: SimCall | None = None,
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.subscription = Subscription()
        self.outbound_call = outbound_call
        self.authed = outbound_call is not None
        self.connected = outbound_call is None  # outbound: waits for `connect`
        self.lingering = False
        self.closed = False
        self._bg_tasks: set[asyncio.Task[None]] = set()

    # ---- output ----

    def write(self, data: bytes) -> None:
        if not self.closed and not self.writer.is_closing():
            self.writer.write(data)

    def deliver(self, event: SimEvent) -> None:
        if self.subscription.wants(event) and self.subscription.format is not None:
            self.write(event.encode(self.subscription.format))

    def _notice_headers(self, disposition: str) -> list[tuple[str, str]]:
        call = self.outbound_call
        if call is None:
            return []
        return [("Controlled-Session-UUID", call.b.uuid), ("Content-Disposition", disposition)]

    async def close(self, goodbye: bool) -> None:
        if goodbye:
            self.write(encode_disconnect_notice(self._notice_headers("disconnect"), DISCONNECT_GOODBYE))
        self.closed = True
        self.server.sessions.discard(self)
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()

    def is_closed(self) -> bool:
        return self.closed

    # ---- input ----

    async def run(self) -> None:
        parser = EslCommandParser()
        self.server.sessions.add(self)
        if self.outbound_call is None:
            self.write(b"Content-Type: auth/request\n\n")
        try:
            while not self.closed:
                data = await self.reader.read(65536)
                if not data:
                    break
                for command in parser.feed(data):
                    await self.handle(command)
                    if self.is_closed():
                        return
                await self.writer.drain()
        except (ConnectionError, EslProtocolError) as err:
            log.debug("ESL session ended: %s", err)
        finally:
            if not self.closed:
                await self.close(goodbye=False)

    async def handle(self, cmd: EslCommand) -> None:
        verb, arg = cmd.verb, cmd.argument
        if not self.authed:
            await self._before_auth(verb, arg)
            return
        if not self.connected:
            if verb == "connect":
                self._connect_reply()
            elif verb == "exit":
                await self._exit()
            else:
                self.write(encode_command_reply("-ERR command not found"))
            return
        handler = getattr(self, f"_on_{verb}", None)
        if handler is None:
            self.write(encode_command_reply("-ERR command not found"))
            return
        await handler(cmd)

    async def _before_auth(self, verb: str, arg: str) -> None:
        if verb != "auth":
            self.write(encode_command_reply("-ERR command not found"))
            return
        if arg == self.server.password:
            self.authed = True
            self.write(encode_command_reply("+OK accepted"))
            return
        self.write(encode_command_reply("-ERR invalid"))
        await self.close(goodbye=True)

    async def _exit(self) -> None:
        self.write(encode_command_reply("+OK bye"))
        await self.close(goodbye=True)

    async def _on_exit(self, cmd: EslCommand) -> None:
        await self._exit()

    async def _on_api(self, cmd: EslCommand) -> None:
        self.write(encode_api_response(await self.server.api.execute(cmd.argument)))

    async def _on_bgapi(self, cmd: EslCommand) -> None:
        job = cmd.headers.get("Job-UUID") or str(uuid_mod.uuid4())
        self.write(encode_command_reply(f"+OK Job-UUID: {job}", [("Job-UUID", job)]))
        task = asyncio.create_task(self.server.run_job(job, cmd.argument), name=f"sim-bgapi-{job}")
        self._bg_tasks.add(task)
        task.add_done_callback(self._bg_tasks.discard)

    async def _on_event(self, cmd: EslCommand) -> None:
        words = cmd.argument.split()
        if not words or words[0] not in ("plain", "json"):
            self.write(encode_command_reply("-ERR invalid event format (the simulator speaks plain and json)"))
            return
        self.subscription.add(words[0], words[1:])
        self.write(encode_command_reply(f"+OK event listener enabled {words[0]}"))

    async def _on_nixevent(self, cmd: EslCommand) -> None:
        self.subscription.remove(cmd.argument.split())
        self.write(encode_command_reply("+OK events removed"))

    async def _on_noevents(self, cmd: EslCommand) -> None:
        self.subscription.clear()
        self.write(encode_command_reply("+OK no longer listening for events"))

    async def _on_linger(self, cmd: EslCommand) -> None:
        self.lingering = True
        self.write(encode_command_reply("+OK will linger"))

    async def _on_nolinger(self, cmd: EslCommand) -> None:
        self.lingering = False
        self.write(encode_command_reply("+OK will not linger"))

    async def _on_myevents(self, cmd: EslCommand) -> None:
        call = self.outbound_call
        uuid = cmd.argument.split()[0] if cmd.argument else (call.b.uuid if call else "")
        if not uuid:
            self.write(encode_command_reply("-ERR invalid uuid"))
            return
        self.subscription.add("plain", sorted(MYEVENTS))
        self.subscription.channel_uuid = uuid
        self.write(encode_command_reply("+OK Events Enabled"))
        if call is not None:
            self.server.outbound.after_myevents(self, call)

    async def _on_sendmsg(self, cmd: EslCommand) -> None:
        call = self.outbound_call
        target = cmd.argument.split()[0] if cmd.argument else (call.b.uuid if call else "")
        found = self.server.calls.get(target) or self.server.calls_by_b.get(target)
        if found is None or found.hung_up.is_set():
            self.write(encode_command_reply(f"-ERR invalid session id [{target}]"))
            return
        self.write(encode_command_reply("+OK"))
        self.server.outbound.sendmsg(found, found.leg(target), cmd)

    def _connect_reply(self) -> None:
        call = self.outbound_call
        assert call is not None
        self.connected = True
        self.write(self.server.outbound.channel_data(call))
