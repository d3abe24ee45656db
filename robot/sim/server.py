"""SimServer: a FreeSWITCH + mod_audio_stream stand-in on one asyncio loop (ESL inbound + loopback calls)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import TextIO

from robot.clock import Clock, SystemClock
from robot.errors import ConfigError
from robot.settings import SimSettings
from robot.sim.api import SimApi
from robot.sim.bus import SimEvent
from robot.sim.call import PlaybackRecord, SimCall, SpeechRecord
from robot.sim.channel import EventSequence, core_headers, make_loopback_legs, new_uuid
from robot.sim.esl_session import EslSession
from robot.sim.outbound import OutboundDriver
from robot.sim.program import CalleeProgram, build_program
from robot.sim.scripts import DEFAULT_AUDIO_DIR, CalleeScript, load_scripts

log = logging.getLogger(__name__)

ROUTE_DELAY_S = 0.020  # failed originates and answers come ~20 ms after the bgapi (captures)


class SimServer:
    """Serve ESL on `settings.host:settings.port` (0: ephemeral, see `.port`) and simulate the calls it places."""

    def __init__(
        self, settings: SimSettings, *, clock: Clock | None = None, scripts: dict[str, CalleeScript] | None = None
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.scripts = scripts if scripts is not None else load_scripts(settings.scripts_dir)
        self.audio_dir = settings.audio_dir or DEFAULT_AUDIO_DIR
        self.password = settings.password.get_secret_value()
        self.calls: dict[str, SimCall] = {}
        self.calls_by_b: dict[str, SimCall] = {}
        self.sessions: set[EslSession] = set()
        self.seq = EventSequence()
        self.api = SimApi(self)
        self.outbound = OutboundDriver(self)
        self._programs: dict[str, CalleeProgram] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._session_ids = 0
        self._started_wall = self.clock.wall()
        self._originate_log: TextIO | None = None
        self.port = settings.port

    # ---- lifecycle ----

    async def start(self) -> None:
        for script in self.scripts.values():
            self.program(script)  # render audio once, up front; fails early on a missing WAV
        if self.settings.originate_log is not None:
            self._originate_log = open_originate_log(self.settings.originate_log)
        self._server = await asyncio.start_server(self._accept, self.settings.host, self.settings.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._started_wall = self.clock.wall()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for call in list(self.calls.values()):
            if not call.hung_up.is_set():
                await call.hangup("MANAGER_REQUEST")
            for task in list(call.tasks):
                task.cancel()
        for session in list(self.sessions):
            await session.close(goodbye=False)
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            await self._server.wait_closed()
        if self._originate_log is not None:
            self._originate_log.close()
            self._originate_log = None

    async def __aenter__(self) -> SimServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await EslSession(self, reader, writer).run()

    # ---- records for tests and benchmarks ----

    def playbacks(self, uuid: str) -> list[PlaybackRecord]:
        call = self.calls.get(uuid) or self.calls_by_b.get(uuid)
        return list(call.playbacks) if call else []

    def speech_log(self, uuid: str) -> list[SpeechRecord]:
        call = self.calls.get(uuid) or self.calls_by_b.get(uuid)
        return list(call.speech) if call else []

    def call(self, uuid: str) -> SimCall | None:
        return self.calls.get(uuid) or self.calls_by_b.get(uuid)

    # ---- events ----

    def fire(self, event: SimEvent) -> None:
        for session in list(self.sessions):
            session.deliver(event)

    async def run_job(self, job_uuid: str, line: str) -> None:
        result = await self.api.execute(line)
        command, _, arg = line.strip().partition(" ")
        headers = core_headers("BACKGROUND_JOB", self.clock.wall(), self.seq)
        headers += [("Job-UUID", job_uuid), ("Job-Command", command)]
        if arg.strip():
            headers.append(("Job-Command-Arg", arg.strip()))
        self.fire(SimEvent("BACKGROUND_JOB", headers, result))

    # ---- calls ----

    def record_originate(self, dial: str, a_uuid: str | None, variables: dict[str, str]) -> None:
        """Append the originate to the ledger (settings sim.originate_log), flushed at once: a crash of the
        robot right after sending it cannot lose the line."""
        if self._originate_log is None:
            return
        line = {"wall": self.clock.wall(), "dial": dial, "uuid": a_uuid, "variables": variables, "port": self.port}
        self._originate_log.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._originate_log.flush()

    def program(self, script: CalleeScript) -> CalleeProgram:
        program = self._programs.get(script.name)
        if program is None:
            program = self._programs[script.name] = build_program(script, self.audio_dir)
        return program

    def script_for(self, dial: str) -> tuple[str, CalleeScript | None]:
        """Dial string -> (extension shown in Channel-Name, script or None for no route). See robot.sim.api."""
        parts = dial.split("/")
        if parts[0] == "loopback" and len(parts) > 1:
            return parts[1], self.scripts.get(parts[1])
        if parts[0] == "sofia" and len(parts) >= 4 and parts[1] == "gateway":
            number = parts[3]
            name = number if number in self.scripts else None
            name = name or self.settings.number_suffix_scripts.get(number[-2:], self.settings.default_script)
            return name, self.scripts.get(name)
        return parts[-1] or dial, None

    async def originate(
        self, dial: str, script: tuple[str, CalleeScript | None], a_uuid: str | None, variables: dict[str, str]
    ) -> str:
        extension, found = script
        custom = [(k, v) for k, v in variables.items() if k != "origination_uuid"]
        self._session_ids += 2
        a, b = make_loopback_legs(a_uuid or new_uuid(), extension, custom, self.clock.wall(), self._session_ids)
        program = self.program(found) if found else None
        call = SimCall(a, b, program, self.clock, self.seq, self.fire, self.settings.missing_file_s)
        self.calls[a.uuid] = call
        self.calls_by_b[b.uuid] = call
        outcome = found.outcome if found else "no_route"
        if outcome == "no_route":
            await asyncio.sleep(ROUTE_DELAY_S)
            await call.hangup("NO_ROUTE_DESTINATION", by_callee=True)
            return "-ERR NO_ROUTE_DESTINATION\n"
        assert found is not None
        ring_s = (found.ring_ms if outcome == "noanswer" else found.answer_delay_ms) / 1000.0
        try:
            await asyncio.wait_for(call.hung_up.wait(), timeout=ring_s)
        except TimeoutError:
            pass
        else:
            return f"-ERR {a.hangup_cause or 'ORIGINATOR_CANCEL'}\n"
        if outcome == "busy":
            b.variables.update(current_application_data="USER_BUSY", current_application="hangup")
            call.spawn(call.hangup("USER_BUSY", by_callee=True), f"sim-busy-{a.uuid}")
            return "-ERR USER_BUSY\n"
        if outcome == "noanswer":
            b.variables.update(current_application_data="NO_ANSWER", current_application="hangup")
            await call.hangup("NO_ANSWER", by_callee=True)
            return "-ERR NO_ANSWER\n"
        call.mark_answered()
        call.spawn(self._after_answer(call, found), f"sim-answered-{a.uuid}")
        return f"+OK {a.uuid}\n"

    async def _after_answer(self, call: SimCall, script: CalleeScript) -> None:
        await asyncio.sleep(0)  # the BACKGROUND_JOB goes out first, then CHANNEL_PARK (captures)
        call.park_a()
        call.start_timeline()
        address = script.socket_address
        if address is not None and script.dialplan_socket is not None:
            # not a call task: the connection outlives the hangup (linger) until the robot says exit
            task = asyncio.create_task(self.outbound.connect(call, address, script.dialplan_socket))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def status_text(self) -> str:
        up = max(self.clock.wall() - self._started_wall, 0.0)
        days, rest = divmod(int(up), 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        ms = int((up - int(up)) * 1000)
        live = sum(1 for c in self.calls.values() if not c.hung_up.is_set()) * 2
        total = len(self.calls) * 2
        return (
            f"UP 0 years, {days} days, {hours} hours, {minutes} minutes, {seconds} seconds, {ms} milliseconds, "
            "0 microseconds\n"
            "FreeSWITCH (Version 1.10.12-release  64bit) is ready\n"
            f"{total} session(s) since startup\n"
            f"{live} session(s) - peak {total}, last 5min {total} \n"
            "0 session(s) per Sec out of max 50, peak 0, last 5min 0 \n"
            "1000 session(s) max\n"
            "min idle cpu 0.00/99.00\n"
            "Current Stack Size/Max 240K/8192K"
        )


def open_originate_log(path: Path) -> TextIO:
    """Open the originate ledger for appending (its folder must exist); a clear error names the file."""
    try:
        return path.open("a", encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"sim.originate_log {path}: cannot open for appending: {err}") from err
