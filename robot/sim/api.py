"""The `api` / `bgapi` commands the simulator knows, with FreeSWITCH's reply texts.

originate targets: `loopback/<script>[/<context>]` runs the script named like the extension (an unknown one gives
NO_ROUTE_DESTINATION, as a missing dialplan extension does); `sofia/gateway/<gw>/<number>` is carried as a
loopback call whose script is `<number>` itself if a script has that name, else the one mapped to the number's
last two digits in `sim.number_suffix_scripts`, else `sim.default_script`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from robot.sim.channel import Q850
from robot.sim.stream import StreamSpec

if TYPE_CHECKING:
    from robot.sim.call import SimCall
    from robot.sim.server import SimServer

NO_SUCH_CHANNEL = "-ERR No such channel!\n"
USAGE = {
    "originate": "<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] "
    "[<cid_num>] [<timeout_sec>]",
    "uuid_kill": "<uuid> [cause]",
    "uuid_break": "<uuid> [all]",
    "uuid_fileman": "<uuid> <cmd>:<val>",
    "uuid_broadcast": "<uuid> <path> [aleg|bleg|holdb|both]",
    "uuid_setvar": "<uuid> <var> [value]",
    "uuid_getvar": "<uuid> <var>",
    "uuid_transfer": "<uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]",
    "uuid_exists": "<uuid>",
    "uuid_audio_stream": "<uuid> [start | stop | send_text | pause | resume | graceful-shutdown ] [wss-url | path] "
    "[mono | mixed | stereo] [8000 | 16000] [metadata]",
}
_VAR_RE = re.compile(r"^\{(?P<vars>[^}]*)\}(?P<rest>.*)$")


def usage(command: str) -> str:
    return f"-USAGE: {USAGE[command]}\n"


def parse_originate_vars(text: str) -> dict[str, str]:
    """`a=1,b='x,y'` -> {a: 1, b: x,y} (commas inside single quotes do not split)."""
    out: dict[str, str] = {}
    for part in re.findall(r"(?:[^,']|'[^']*')+", text):
        name, sep, value = part.partition("=")
        if sep:
            out[name.strip()] = value.strip().strip("'")
    return out


def split_originate_target(arg: str) -> tuple[str, str]:
    """`{a='x y',b=1}target app...` -> (`{..}target`, `app...`): like FreeSWITCH, a space inside single quotes
    does not end the argument (`execute_on_answer='sched_hangup +900 ALLOTTED_TIMEOUT'`)."""
    quoted = False
    for i, ch in enumerate(arg):
        if ch == "'":
            quoted = not quoted
        elif ch == " " and not quoted:
            return arg[:i], arg[i + 1 :]
    return arg, ""


class SimApi:
    def __init__(self, server: SimServer) -> None:
        self.server = server

    async def execute(self, line: str) -> str:
        command, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        handler = getattr(self, f"_cmd_{command}", None) if re.fullmatch(r"[a-z_]+", command) else None
        if handler is None:
            return f"-ERR {command} Command not found!\n"
        result: str = await handler(arg)
        return result

    def _call(self, uuid: str) -> SimCall | None:
        call = self.server.calls.get(uuid) or self.server.calls_by_b.get(uuid)
        return None if call is None or call.hung_up.is_set() else call

    async def _cmd_status(self, arg: str) -> str:
        return self.server.status_text()

    async def _cmd_originate(self, arg: str) -> str:
        target, app = split_originate_target(arg)
        if not target or not app.strip():
            return usage("originate")
        match = _VAR_RE.match(target)
        variables = parse_originate_vars(match["vars"]) if match else {}
        dial = match["rest"] if match else target
        script = self.server.script_for(dial)
        a_uuid = variables.get("origination_uuid") or None
        self.server.record_originate(dial, a_uuid, variables)
        if a_uuid is not None and a_uuid in self.server.calls:
            return "-ERR DESTINATION_OUT_OF_ORDER\n"
        return await self.server.originate(dial, script, a_uuid, variables)

    async def _cmd_uuid_kill(self, arg: str) -> str:
        parts = arg.split()
        if not parts:
            return usage("uuid_kill")
        call = self._call(parts[0])
        if call is None:
            return NO_SUCH_CHANNEL
        cause = parts[1] if len(parts) > 1 and parts[1] in Q850 else "NORMAL_CLEARING"
        call.spawn(call.hangup(cause), f"sim-kill-{call.uuid}")
        return "+OK\n"

    async def _cmd_uuid_break(self, arg: str) -> str:
        parts = arg.split()
        if not parts:
            return usage("uuid_break")
        call = self._call(parts[0])
        if call is None:
            return NO_SUCH_CHANNEL
        call.break_playback(flush_all=len(parts) > 1 and parts[1] == "all")
        return "+OK\n"

    async def _cmd_uuid_fileman(self, arg: str) -> str:
        """`pause` toggles pause of the playing file (resumes from the same sample); `volume:`, `seek:`, `speed:`
        are accepted and change nothing here. Replies as FreeSWITCH 1.10.12 does (freeswitch-wire.md)."""
        parts = arg.split()
        if len(parts) < 2:
            return usage("uuid_fileman")
        call = self._call(parts[0])
        if call is None:
            return NO_SUCH_CHANNEL
        command = parts[1]
        if command == "pause":
            return "+OK\n" if call.toggle_pause() else "-ERR No file handle!\n"
        if call.playing_file is None:
            return "-ERR No file handle!\n"
        return "+OK\n" if command.split(":", 1)[0] in ("volume", "seek", "speed", "restart") else usage("uuid_fileman")

    async def _cmd_uuid_broadcast(self, arg: str) -> str:
        parts = arg.split()
        if len(parts) < 2:
            return usage("uuid_broadcast")
        call = self._call(parts[0])
        if call is None or not call.answered:
            return "-ERR Operation Failed\n"
        leg = call.leg(parts[0])  # the leg named: a handed-off call is the B leg
        call.broadcast(parts[1], leg=leg, delay_s=self.server.settings.broadcast_delay_ms / 1000.0)
        return "+OK Message sent\n"

    async def _cmd_uuid_setvar(self, arg: str) -> str:
        parts = arg.split(" ", 2)
        if len(parts) < 2 or not parts[1]:
            return usage("uuid_setvar")
        call = self._call(parts[0])
        if call is None:
            return NO_SUCH_CHANNEL
        leg = call.leg(parts[0])
        if len(parts) == 3:
            leg.variables[parts[1]] = parts[2]
        else:
            leg.variables.pop(parts[1], None)
        return "+OK\n"

    async def _cmd_uuid_getvar(self, arg: str) -> str:
        parts = arg.split()
        if len(parts) < 2:
            return usage("uuid_getvar")
        call = self._call(parts[0])
        if call is None:
            return NO_SUCH_CHANNEL
        return call.leg(parts[0]).variables.get(parts[1], "_undef_")

    async def _cmd_uuid_exists(self, arg: str) -> str:
        if not arg:
            return usage("uuid_exists")
        return "true" if self._call(arg.split()[0]) else "false"

    async def _cmd_uuid_transfer(self, arg: str) -> str:
        parts = [p for p in arg.split() if p not in ("-bleg", "-both")]
        if len(parts) < 2:
            return usage("uuid_transfer")
        call = self._call(parts[0])
        if call is None:
            return NO_SUCH_CHANNEL
        call.transfers.append(parts[1])
        call.leg(parts[0]).variables["transfer_destination"] = parts[1]
        return "+OK\n"

    async def _cmd_hupall(self, arg: str) -> str:
        parts = arg.split()
        cause = parts[0] if parts and parts[0] in Q850 else "MANAGER_REQUEST"
        for call in list(self.server.calls.values()):
            if not call.hung_up.is_set():
                call.spawn(call.hangup(cause), f"sim-hupall-{call.uuid}")
        return f"+OK hangup all channels with cause {cause}\n"

    async def _cmd_uuid_audio_stream(self, arg: str) -> str:
        parts = arg.split(" ", 5)
        if len(parts) < 2:
            return usage("uuid_audio_stream")
        call = self._call(parts[0])
        if call is None:
            return "-ERR Operation Failed\n"
        action = parts[1]
        if action == "start":
            if len(parts) < 5 or parts[3] not in ("mono", "mixed", "stereo"):
                return usage("uuid_audio_stream")
            rates = {"8k": 8000, "8000": 8000, "16k": 16000, "16000": 16000}
            if parts[4] not in rates or not parts[2].startswith(("ws://", "wss://")):
                return usage("uuid_audio_stream")
            frame_ms = _buffer_ms(call.leg(parts[0]).variables.get("STREAM_BUFFER_SIZE", ""))
            metadata = parts[5] if len(parts) > 5 else ""
            call.start_stream(StreamSpec(parts[2], parts[3], rates[parts[4]], metadata, frame_ms), call.leg(parts[0]))
            return "+OK Success\n"
        if action == "stop":  # +OK Success even when the server already closed the stream (capture)
            text = " ".join(parts[2:]) or None
            await call.stop_stream(text)
            return "+OK Success\n"
        if action == "send_text" and len(parts) > 2 and call.stream is not None:
            await call.stream.send_text(" ".join(parts[2:]))
            return "+OK Success\n"
        if action in ("pause", "resume") and call.stream is not None:
            return "+OK Success\n"
        return "-ERR Operation Failed\n" if action in ("send_text", "pause", "resume") else usage("uuid_audio_stream")


def _buffer_ms(raw: str) -> int:
    return int(raw) if raw.isdigit() and int(raw) >= 20 and int(raw) % 20 == 0 else 20
