"""Dialplan `socket host:port async full`: the B leg connects to the robot's outbound-socket server.

Follows outbound_handoff.md: nothing is sent before `connect`; the reply is a header-only command/reply holding the
channel data; `myevents` then parks the channel (CHANNEL_PARK); `sendmsg` execute runs apps one after the other
(CHANNEL_EXECUTE / _COMPLETE; playback also fires PLAYBACK_*, which myevents does not carry); `sendmsg` hangup
fires CHANNEL_HANGUP, CHANNEL_UNPARK, CHANNEL_EXECUTE_COMPLETE (socket), CHANNEL_STATE x2, CHANNEL_HANGUP_COMPLETE,
then a linger notice (`Content-Length: 0`) or, without linger, the goodbye notice and close.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuid_mod
from typing import TYPE_CHECKING
from urllib.parse import quote

from robot.esl.parser import EslCommand, encode_disconnect_notice
from robot.sim.channel import Q850, Leg, core_headers
from robot.sim.esl_session import EslSession

if TYPE_CHECKING:
    from robot.sim.call import SimCall
    from robot.sim.server import SimServer

log = logging.getLogger(__name__)
_SAFE = "/,.()!*'"
PARK_DELAY_S = 0.001


class OutboundDriver:
    def __init__(self, server: SimServer) -> None:
        self.server = server

    async def connect(self, call: SimCall, address: tuple[str, int], socket_arg: str) -> None:
        """Open the outbound connection for the call's B leg and serve it until either side ends."""
        b = call.b
        b.variables.update(current_application_data=socket_arg, current_application="socket")
        b.variables["socket_host"] = address[0]
        app_uuid = str(uuid_mod.uuid4())
        try:
            reader, writer = await asyncio.open_connection(*address)
        except OSError as err:
            log.warning("outbound socket %s:%s unreachable for %s: %s", *address, b.uuid, err)
            await call.hangup("NORMAL_TEMPORARY_FAILURE", by_callee=True)
            return
        session = EslSession(self.server, reader, writer, outbound_call=call)
        call.hangup_hooks.append(lambda phase: self._on_hangup(session, call, socket_arg, app_uuid, phase))
        await session.run()

    def channel_data(self, call: SimCall) -> bytes:
        channel = call.b.channel_headers()
        profile = [(f"Channel-{k.removeprefix('Caller-')}", v) for k, v in channel if k.startswith("Caller-")]
        headers = core_headers("CHANNEL_DATA", call.clock.wall(), call.seq) + profile + channel
        headers += [("Content-Type", "command/reply"), ("Reply-Text", "+OK\n")]
        headers += [("Socket-Mode", "async"), ("Control", "full")]
        return ("".join(f"{k}: {quote(v, safe=_SAFE)}\n" for k, v in headers) + "\n").encode()

    def after_myevents(self, session: EslSession, call: SimCall) -> None:
        async def park() -> None:
            await asyncio.sleep(PARK_DELAY_S)
            if not call.hung_up.is_set():
                call.event("CHANNEL_PARK", call.b)

        call.spawn(park(), f"sim-outbound-park-{call.b.uuid}")

    def sendmsg(self, call: SimCall, leg: Leg, cmd: EslCommand) -> None:
        command = cmd.headers.get("call-command", "")
        if command == "hangup":
            cause = cmd.headers.get("hangup-cause", "NORMAL_CLEARING")
            call.spawn(call.hangup(cause if cause in Q850 else "NORMAL_CLEARING", by_callee=True), "sim-sendmsg-hangup")
        elif command == "execute":
            app = cmd.headers.get("execute-app-name", "")
            arg = cmd.headers.get("execute-app-arg", cmd.body.decode("utf-8", errors="replace"))
            self._execute(call, leg, app, arg)

    def _execute(self, call: SimCall, leg: Leg, app: str, arg: str) -> None:
        app_uuid = str(uuid_mod.uuid4())
        app_headers = [("Application", app), ("Application-Data", arg)]
        if app == "playback":
            leg.variables.update(current_loop="1", total_loops="1")
        leg.variables.update(current_application=app, current_application_data=arg)
        call.event("CHANNEL_EXECUTE", leg, [*app_headers, ("Application-UUID", app_uuid)])

        def complete(response: str) -> None:
            if call.hung_up.is_set():
                return
            leg.variables["current_application_response"] = response
            extra = [*app_headers, ("Application-Response", response), ("Application-UUID", app_uuid)]
            call.event("CHANNEL_EXECUTE_COMPLETE", leg, extra)

        if app == "playback":
            call.broadcast(arg, leg, lambda status: complete("FILE PLAYED"))
        elif app == "hangup":
            cause = arg if arg in Q850 else "NORMAL_CLEARING"
            call.spawn(call.hangup(cause, by_callee=True), "sim-exec-hangup")
        elif app == "sleep" and arg.isdigit():

            async def sleep_then() -> None:
                await asyncio.sleep(int(arg) / 1000.0)
                complete("_none_")

            call.spawn(sleep_then(), "sim-exec-sleep")
        else:
            complete("_none_")

    def _on_hangup(self, session: EslSession, call: SimCall, socket_arg: str, app_uuid: str, phase: str) -> None:
        b = call.b
        if phase == "before":
            b.state = ("CS_EXECUTE", "ACTIVE", "10")
            call.event("CHANNEL_HANGUP", b, cause_first=False)
            call.event("CHANNEL_UNPARK", b, cause_first=False)
            extra = [("Application", "socket"), ("Application-Data", socket_arg)]
            extra += [("Application-Response", "FILE PLAYED"), ("Application-UUID", app_uuid)]
            call.event("CHANNEL_EXECUTE_COMPLETE", b, extra, cause_first=False)
            b.state = ("CS_HANGUP", "ACTIVE", "10")
            call.event("CHANNEL_STATE", b, cause_first=False, with_variables=False)
            b.state = ("CS_REPORTING", "HANGUP", "11")
            call.event("CHANNEL_STATE", b, cause_first=False, with_variables=False)
            return
        if session.closed:
            return
        if session.lingering:
            extra = [("Controlled-Session-UUID", b.uuid), ("Content-Disposition", "linger")]
            extra += [("Channel-Name", b.name), ("Linger-Time", "-1")]
            session.write(encode_disconnect_notice(extra, ""))
        else:
            call.spawn(session.close(goodbye=True), "sim-outbound-close")
