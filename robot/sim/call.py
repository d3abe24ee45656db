"""One simulated call: two loopback legs, the callee script running on B, playbacks and the audio stream on A."""

from __future__ import annotations

import asyncio
import logging
import wave
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from robot.clock import Clock
from robot.sim.audio import wav_duration_s
from robot.sim.bus import SimEvent
from robot.sim.channel import EventSequence, Header, Leg, core_headers
from robot.sim.program import CallAudio, CalleeProgram, Cue
from robot.sim.stream import AudioStream, StreamSpec

log = logging.getLogger(__name__)

HANGUP_DELAY_S = 0.020  # uuid_kill's +OK comes first, the HANGUP_COMPLETEs ~20 ms later (captures)


@dataclass(slots=True)
class PlaybackRecord:
    """One uuid_broadcast on the A leg (monotonic seconds from the server's clock)."""

    file: str
    started: float
    duration_s: float
    ended: float | None = None
    status: str = "playing"  # playing | done | break | hangup
    offset_samples: int = 0  # `file@@<samples>`: started this far into the file (samples at `rate`)
    rate: int = 8000  # the file's sample rate (playback_last_offset_pos counts in it)
    pauses: int = 0  # uuid_fileman pause toggles that paused it
    first_paused: float | None = None  # monotonic time of its first pause
    paused_s: float = 0.0  # time it spent paused (not played, not counted in playback_ms), seconds


@dataclass(frozen=True, slots=True)
class SpeechRecord:
    """When the callee started a scripted segment (monotonic seconds) and what it was."""

    started: float
    duration_s: float
    kind: str
    label: str
    anchor: str  # "answer" or "broadcast N"


PlaybackDone = Callable[[str], None]  # called with the final status: done | break | hangup


@dataclass(slots=True)
class _Queued:
    path: str
    leg: Leg
    on_done: PlaybackDone | None


@dataclass(slots=True)
class _Playing:
    record: PlaybackRecord
    task: asyncio.Task[None]
    loop_start: float
    item: _Queued
    paused_at: float | None = None  # loop time of the pause that holds it now
    paused_total: float = 0.0  # loop seconds spent paused before that

    def played(self, now: float) -> float:
        """Seconds of the file played so far (paused time left out)."""
        return (self.paused_at if self.paused_at is not None else now) - self.loop_start - self.paused_total


@dataclass(slots=True)
class SimCall:
    """A call the simulator carries. The server fires events through `fire`; time comes from `clock`."""

    a: Leg
    b: Leg
    program: CalleeProgram | None
    clock: Clock
    seq: EventSequence
    fire: Callable[[SimEvent], None]
    missing_file_s: float
    audio: CallAudio | None = None
    answered_loop: float = 0.0
    hung_up: asyncio.Event = field(default_factory=asyncio.Event)
    playbacks: list[PlaybackRecord] = field(default_factory=list)
    speech: list[SpeechRecord] = field(default_factory=list)
    stream: AudioStream | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _playing: _Playing | None = None
    _queue: list[_Queued] = field(default_factory=list)
    _broadcasts: int = 0
    _starting: bool = False
    transfers: list[str] = field(default_factory=list)
    # called with "before" (B is hanging up, before its HANGUP_COMPLETE) and "after" (both legs are gone)
    hangup_hooks: list[Callable[[str], None]] = field(default_factory=list)
    stream_leg: Leg | None = None

    @property
    def uuid(self) -> str:
        return self.a.uuid

    @property
    def answered(self) -> bool:
        return bool(self.a.answered_wall)

    def spawn(self, coro: object, name: str) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro, name=name)  # type: ignore[arg-type]
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def leg(self, uuid: str) -> Leg:
        return self.a if uuid == self.a.uuid else self.b

    # ---- events ----

    def event(
        self,
        name: str,
        leg: Leg,
        extra: list[Header] | None = None,
        body: str = "",
        subclass: str = "",
        *,
        cause_first: bool = True,
        with_variables: bool = True,
    ) -> None:
        headers = core_headers(name, self.clock.wall(), self.seq, subclass)
        headers += leg.channel_headers(cause_first, with_variables)
        headers += extra or []
        self.fire(SimEvent(name, headers, body, subclass, leg.uuid))

    # ---- answer and the callee's timeline ----

    def mark_answered(self) -> None:
        wall = self.clock.wall()
        self.answered_loop = asyncio.get_running_loop().time()
        self.a.answered_wall = self.b.answered_wall = wall
        self.a.state = ("CS_CONSUME_MEDIA", "DOWN", "7")
        self.b.state = ("CS_EXECUTE", "RINGING", "4")
        self.b.variables["current_application"] = "answer"
        self.event("CHANNEL_ANSWER", self.a)
        self.event("CHANNEL_ANSWER", self.b)
        if self.program is not None:
            self.audio = CallAudio(self.program)
        self._execute_on_answer()

    def _execute_on_answer(self) -> None:
        """The originate's `execute_on_answer='sched_hangup +<s> [<cause>]'` (mod_dptools): hang up that much later."""
        app, _, args = self.a.variables.get("execute_on_answer", "").partition(" ")
        parts = args.split()
        if app != "sched_hangup" or not parts or not parts[0].lstrip("+").isdigit():
            return
        cause = parts[1] if len(parts) > 1 else "ALLOTTED_TIMEOUT"
        self.spawn(self._scheduled_hangup(int(parts[0].lstrip("+")), cause), f"sim-sched-hangup-{self.uuid}")

    async def _scheduled_hangup(self, delay_s: float, cause: str) -> None:
        await asyncio.sleep(delay_s)
        await self.hangup(cause)

    def park_a(self) -> None:
        a = self.a
        a.state = ("CS_EXECUTE", "ACTIVE", "4")
        a.hit_dialplan = True
        a.cid_flipped = True
        a.variables.pop("call_uuid", None)
        a.variables.update(endpoint_disposition="ANSWER", pre_transfer_caller_id_number="0000000000")
        a.variables.update(channel_cid_flipped="yes", call_uuid=a.uuid, current_application="park")
        self.b.state = ("CS_EXECUTE", "ACTIVE", "4")
        self.b.variables["endpoint_disposition"] = "ANSWER"
        self.event("CHANNEL_PARK", a)

    def position_s(self) -> float:
        """Seconds of callee audio elapsed since answer (drives which samples a stream sends)."""
        return asyncio.get_running_loop().time() - self.answered_loop

    def start_timeline(self) -> None:
        if self.program is None:
            return
        for cue in self.program.answer_cues():
            self.spawn(self._play_cue(cue, cue.start_s, "answer"), f"sim-cue-{self.uuid}")
        hangup_ms = self.program.script.hangup_after_ms
        if hangup_ms is not None:
            self.spawn(self._hangup_later(hangup_ms / 1000.0), f"sim-callee-hangup-{self.uuid}")

    async def _hangup_later(self, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        await self.hangup("NORMAL_CLEARING", by_callee=True)

    async def _play_cue(self, cue: Cue, delay_s: float, anchor: str) -> None:
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        if self.hung_up.is_set():
            return
        self.speech.append(SpeechRecord(self.clock.monotonic(), cue.duration_s, cue.kind, cue.label, anchor))
        if cue.kind in ("noise", "silence"):
            return
        b = self.b
        b.variables.update(current_application_data=cue.label, current_application="playback")
        self.event("PLAYBACK_START", b, [("Playback-File-Path", cue.label)])
        await asyncio.sleep(cue.duration_s)
        if self.hung_up.is_set():
            return
        samples = str(int(cue.duration_s * 8000))
        b.variables.update(playback_last_offset_pos=samples, playback_seconds=str(int(cue.duration_s)))
        b.variables.update(playback_ms=str(int(cue.duration_s * 1000)), playback_samples=samples)
        self.event("PLAYBACK_STOP", b, [("Playback-File-Path", cue.label), ("Playback-Status", "done")])

    # ---- robot playbacks on the A leg ----

    def broadcast(
        self, path: str, leg: Leg | None = None, on_done: PlaybackDone | None = None, delay_s: float = 0.0
    ) -> None:
        """Queue a file on a leg (A by default); plays after the current one, as uuid_broadcast does.

        The first one starts `delay_s` later (the api reply goes out first; the capture shows ~200 ms)."""
        self._queue.append(_Queued(path, leg or self.a, on_done))
        if self._playing is None and not self._starting:
            self._starting = True
            self.spawn(self._start_after(delay_s), f"sim-broadcast-{self.uuid}")

    async def _start_after(self, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        self._starting = False
        if self._playing is None:
            self._next_playback()

    def _file_duration(self, path: str) -> float:
        if path.startswith("silence_stream://"):
            head = path.removeprefix("silence_stream://").split(",")[0]
            return int(head) / 1000.0 if head.isdigit() else self.missing_file_s
        file = Path(path)
        if file.suffix.lower() == ".wav" and file.is_file():
            return wav_duration_s(file)
        return self.missing_file_s

    def _file_rate(self, path: str) -> int:
        file = Path(path)
        if file.suffix.lower() == ".wav" and file.is_file():
            with wave.open(str(file), "rb") as wav:
                return wav.getframerate()
        return 8000

    def _next_playback(self) -> None:
        if not self._queue or self.hung_up.is_set():
            self._playing = None
            return
        item = self._queue.pop(0)
        path, _, start = item.path.partition("@@")  # FreeSWITCH: `file@@<samples>` starts that far into the file
        offset, rate = (int(start), self._file_rate(path)) if start.isdigit() else (0, 8000)
        duration = max(0.0, self._file_duration(path) - offset / rate)
        record = PlaybackRecord(path, self.clock.monotonic(), duration, offset_samples=offset, rate=rate)
        self.playbacks.append(record)
        self._broadcasts += 1
        a = item.leg
        a.variables.update(current_loop="1", total_loops="1")
        a.variables.update(current_application_data=path, current_application="playback")
        self.event("PLAYBACK_START", a, [("Playback-File-Path", path)])
        loop_start = asyncio.get_running_loop().time()
        task = self.spawn(self._finish_playback(record), f"sim-playback-{self.uuid}")
        self._playing = _Playing(record, task, loop_start, item)
        if self.program is not None and self.audio is not None:
            for cue in self.program.broadcast_cues(self._broadcasts):
                self.audio.add(self.position_s() + cue.start_s, cue)
                anchor = f"broadcast {self._broadcasts}"
                self.spawn(self._play_cue(cue, cue.start_s, anchor), f"sim-bargein-{self.uuid}")

    async def _finish_playback(self, record: PlaybackRecord, remaining_s: float | None = None) -> None:
        await asyncio.sleep(record.duration_s if remaining_s is None else remaining_s)
        self._stop_playback("done")
        self._next_playback()

    def toggle_pause(self) -> bool:
        """`uuid_fileman <uuid> pause`: pause the file playing now, or resume it from the same sample; False when
        nothing plays. FreeSWITCH leaves paused time out of playback_ms and of playback_last_offset_pos."""
        playing = self._playing
        if playing is None:
            return False
        now = asyncio.get_running_loop().time()
        if playing.paused_at is None:
            playing.task.cancel()
            playing.paused_at = now
            playing.record.pauses += 1
            if playing.record.first_paused is None:
                playing.record.first_paused = self.clock.monotonic()
        else:
            paused = now - playing.paused_at
            playing.paused_total += paused
            playing.record.paused_s += paused
            playing.paused_at = None
            remaining = max(0.0, playing.record.duration_s - playing.played(now))
            playing.task = self.spawn(self._finish_playback(playing.record, remaining), f"sim-playback-{self.uuid}")
        return True

    def _stop_playback(self, status: str) -> None:
        playing = self._playing
        if playing is None:
            return
        self._playing = None
        now = asyncio.get_running_loop().time()
        elapsed = playing.played(now)
        rec = playing.record
        if playing.paused_at is not None:
            rec.paused_s += now - playing.paused_at
        rec.ended, rec.status = self.clock.monotonic(), status
        if status == "hangup":
            return
        pos = str(rec.offset_samples + int(min(elapsed, rec.duration_s) * rec.rate))
        a = playing.item.leg
        a.variables.update(playback_last_offset_pos=pos, playback_seconds=str(int(elapsed)))
        a.variables.update(playback_ms=str(int(elapsed * 1000)), playback_samples=pos)
        if status == "done":
            a.variables["current_application_response"] = "FILE PLAYED"
        self.event("PLAYBACK_STOP", a, [("Playback-File-Path", rec.file), ("Playback-Status", status)])
        if playing.item.on_done is not None:
            playing.item.on_done(status)
        a.variables.pop("current_loop", None)
        a.variables.pop("total_loops", None)

    @property
    def playing_file(self) -> str | None:
        return self._playing.record.file if self._playing is not None else None

    def break_playback(self, flush_all: bool) -> None:
        playing = self._playing
        if flush_all:
            self._queue.clear()
        if playing is None:
            return
        playing.task.cancel()
        self._stop_playback("break")
        self._next_playback()

    # ---- audio stream ----

    def start_stream(self, spec: StreamSpec, leg: Leg) -> None:
        if self.stream is not None:
            self.spawn(self.stream.close(), f"sim-ws-replace-{self.uuid}")
        self.stream_leg = leg
        stream = AudioStream(leg.uuid, spec, self._frame, self.position_s, self._stream_event)
        self.stream = stream
        stream.task = self.spawn(stream.run(), f"sim-ws-{self.uuid}")

    def _frame(self, rate: int, position: int, samples: int) -> bytes:
        if self.audio is None:
            return bytes(samples * 2)
        return self.audio.frame(rate, position, samples)

    def _stream_event(self, subclass: str, body: str) -> None:
        if self.hung_up.is_set():
            return  # the session is gone: no ::disconnect on hangup (captures)
        if subclass in ("mod_audio_stream::error", "mod_audio_stream::disconnect"):
            self.stream = None
        self.event("CUSTOM", self.stream_leg or self.a, body=body, subclass=subclass)

    async def stop_stream(self, text: str | None) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            await stream.close(text)

    # ---- hangup ----

    async def hangup(self, cause: str, by_callee: bool = False, job_after: Callable[[], None] | None = None) -> None:
        """Tear the call down: close the stream (FreeSWITCH waits for it), then CHANNEL_HANGUP_COMPLETE x2."""
        if self.hung_up.is_set():
            return
        self.hung_up.set()
        current = asyncio.current_task()
        for task in list(self.tasks):
            if task is not current and (self.stream is None or task is not self.stream.task):
                task.cancel()
        if self._playing is not None:
            self._stop_playback("hangup")
        await self.stop_stream(None)
        await asyncio.sleep(HANGUP_DELAY_S)
        wall = self.clock.wall()
        first, second = (self.b, self.a) if by_callee or not self.answered else (self.a, self.b)
        for leg in (first, second):
            leg.hangup_wall, leg.hangup_cause = wall, cause
        for hook in self.hangup_hooks:
            hook("before")
        for leg in (first, second):
            leg.state = ("CS_REPORTING", "HANGUP", "11")
            leg.set_cdr_variables()
            self.event("CHANNEL_HANGUP_COMPLETE", leg)
        for hook in self.hangup_hooks:
            hook("after")
        if job_after is not None:
            job_after()
