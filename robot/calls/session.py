"""One answered call, from the audio stream to the hangup.

A `CallSession` owns everything of one call in one TaskGroup: the ESL event pump (hangup, playback events,
mod_audio_stream errors), the audio stream (restarted when the WebSocket drops while the call lives), AMD
(MACHINE / NO_ANSWER / OPERATOR -> hang up, or voicemail drop after the beep), then the scenario for humans.
CHANNEL_HANGUP_COMPLETE cancels the flow at once, whatever it is waiting for; an error in one call is logged
and hangs that call up, it never reaches other calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from robot.amd.beepwait import BeepWaitResult
from robot.amd.detector import AmdDetector
from robot.calls.esl_control import EslCallControl
from robot.clock import Clock
from robot.dialog.listener import CallListener
from robot.dialog.runner import DialogOutcome, ScenarioRunner
from robot.dialog.scenario import Scenario
from robot.errors import EslError, MediaError
from robot.esl.parser import EslEvent
from robot.esl.routing import CallEvents
from robot.events import AmdResult, AmdVerdict
from robot.media.audio import AudioChunk, Int16Array
from robot.media.call_audio import CallAudio

log = logging.getLogger(__name__)

HANGUP_WAIT_S = 10.0  # after we hang up, how long we wait for CHANNEL_HANGUP_COMPLETE
VOICEMAIL_PROMPT_DEFAULT_S = 10.0  # the voicemail prompt's length when its file cannot be read as a WAV
PROBE_PROMPT_DEFAULT_S = 1.0  # amd.probe_prompt's length when its file cannot be read as a WAV
ESL_LOST_CAUSE = "ROBOT_ESL_LOST"  # the call ended (or was given up) while the ESL link was down
HANGUP_RETRY_S = 2.0  # a uuid_kill that failed (ESL link down) is sent again this long after
AMD_GRACE_S = 3.0  # AMD gives up when no verdict came this long after its window (no audio at all)
RESTART_DELAY_S = 0.25  # wait before restarting a dropped audio stream (a hangup may be on its way)
HANG_UP_ON = (AmdResult.MACHINE, AmdResult.NO_ANSWER, AmdResult.OPERATOR)
PROBE_STOP_MARGIN_S = 0.5  # a verdict this soon after the probe's end may still hear it playing: it is stopped


class CallLogSink(Protocol):
    def __call__(self, event: str, **fields: Any) -> None: ...


class SessionResources(Protocol):
    """What a session borrows from the running robot (robot.calls.app.RobotApp)."""

    clock: Clock

    def new_amd_detector(self) -> AmdDetector: ...

    def new_listener(self) -> CallListener: ...

    async def wait_for_beep(self, stream: AsyncIterator[AudioChunk], started_at: float) -> BeepWaitResult: ...

    def new_runner(
        self, scenario: Scenario, control: EslCallControl, listener: CallListener, log_event: CallLogSink
    ) -> ScenarioRunner: ...

    def stream_url(self, uuid: str) -> str: ...

    @property
    def stream_rate(self) -> int: ...

    def on_amd_verdict(self, verdict: AmdVerdict, call_uuid: str, heard: Int16Array | None) -> None: ...


@dataclass(slots=True)
class SessionResult:
    hangup_cause: str = ""
    q850: int | None = None
    amd: AmdVerdict | None = None
    dialog: DialogOutcome | None = None
    talk_s: float = 0.0
    stream_restarts: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SessionPlan:
    run_amd: bool
    scenario: Scenario | None
    machine_action: str = "hangup"
    voicemail_prompt: Path | None = None
    voicemail_prompt_s: float = VOICEMAIL_PROMPT_DEFAULT_S  # how long it lasts (read once, when the app starts)
    metadata: str = ""
    max_stream_restarts: int = 5
    connect_timeout_s: float = 3.0
    amd_window_s: float = 2.3
    amd_probe: Path | None = None  # amd.probe_prompt (played when the line stays silent)
    amd_probe_s: float = PROBE_PROMPT_DEFAULT_S  # how long it lasts


@dataclass(frozen=True, slots=True)
class PlaybackUpdate:
    """A PLAYBACK_START/STOP event as the dialog runner takes it."""

    status: str  # "start", "done" or "break"
    path: str | None
    offset_samples: int | None  # PLAYBACK_STOP's variable_playback_last_offset_pos

    def apply_to(self, runner: ScenarioRunner) -> None:
        runner.on_playback_event(self.status, self.path, self.offset_samples)


def playback_update(event: EslEvent) -> PlaybackUpdate | None:
    """PLAYBACK_START / PLAYBACK_STOP -> PlaybackUpdate; None for any other event."""
    if event.name not in ("PLAYBACK_START", "PLAYBACK_STOP"):
        return None
    path = event.get("Playback-File-Path") or None
    if event.name == "PLAYBACK_START":
        return PlaybackUpdate("start", path, None)
    offset = event.variable("playback_last_offset_pos")
    return PlaybackUpdate(event.get("Playback-Status") or "done", path, int(offset) if offset.isdigit() else None)


def hangup_fields(event: EslEvent) -> tuple[str, int | None]:
    cause = event.get("Hangup-Cause") or event.variable("hangup_cause") or "UNKNOWN"
    q850 = event.variable("hangup_cause_q850")
    return cause, int(q850) if q850.isdigit() else None


class CallSession:
    def __init__(
        self,
        resources: SessionResources,
        plan: SessionPlan,
        control: EslCallControl,
        events: CallEvents,
        audio: CallAudio,
        log_event: CallLogSink,
    ) -> None:
        self.res = resources
        self.plan = plan
        self.control = control
        self.events = events
        self.audio = audio
        self.log_event = log_event
        self.result = SessionResult()
        self.hungup = asyncio.Event()
        self._runner: ScenarioRunner | None = None
        self._restart_tasks: set[asyncio.Task[None]] = set()
        self._probe_tasks: set[asyncio.Task[None]] = set()
        self._answered_at = resources.clock.monotonic()
        self._playback_done = asyncio.Event()
        self._hanging_up = False

    @property
    def uuid(self) -> str:
        return self.control.uuid

    async def run(self) -> SessionResult:
        """Run the call until CHANNEL_HANGUP_COMPLETE (or the event stream ends)."""
        self.audio.add_disconnect_callback(self._on_stream_dropped)
        async with asyncio.TaskGroup() as tg:
            pump = tg.create_task(self._pump(), name=f"events-{self.uuid}")
            flow = tg.create_task(self._guarded_flow(), name=f"flow-{self.uuid}")
            await self.hungup.wait()
            flow.cancel()
            pump.cancel()
        for task in list(self._restart_tasks | self._probe_tasks):
            task.cancel()
        self.result.talk_s = round(self.res.clock.monotonic() - self._answered_at, 3)
        return self.result

    # ---- events ------------------------------------------------------------------------------------------------
    async def _pump(self) -> None:
        try:
            async for event in self.events:
                self._on_event(event)
                if self.hungup.is_set():
                    return
        finally:
            self.hungup.set()  # the event stream ended (closed): nothing more will come for this call

    def _on_event(self, event: EslEvent) -> None:
        name = event.name
        if name == "CHANNEL_HANGUP_COMPLETE":
            self.result.hangup_cause, self.result.q850 = hangup_fields(event)
            self.audio.close()
            self.hungup.set()
        elif (playback := playback_update(event)) is not None:
            started = playback.status == "start"
            self.log_event(
                "prompt_start" if started else "prompt_stop", file=playback.path or "", status=playback.status
            )
            if self._runner is not None:
                playback.apply_to(self._runner)
            elif not started:
                self._playback_done.set()
        elif name == "CUSTOM" and event.subclass == "mod_audio_stream::error":
            log.warning("call %s: mod_audio_stream error %s", self.uuid, event.body[:200])
            self._schedule_restart("mod_audio_stream::error")

    def _on_stream_dropped(self, _audio: CallAudio) -> None:
        self._schedule_restart("websocket dropped")

    def _schedule_restart(self, why: str) -> None:
        if self.hungup.is_set() or self.audio.closed or self._hanging_up:
            return
        if self.result.stream_restarts >= self.plan.max_stream_restarts:
            log.error("call %s: audio stream lost (%s), restart budget spent", self.uuid, why)
            return
        self.result.stream_restarts += 1
        task = asyncio.get_running_loop().create_task(self._restart_stream(), name=f"restream-{self.uuid}")
        self._restart_tasks.add(task)
        task.add_done_callback(self._restart_tasks.discard)
        log.info("call %s: restarting audio stream (%s)", self.uuid, why)

    async def _restart_stream(self) -> None:
        # FreeSWITCH closes the WebSocket just before CHANNEL_HANGUP_COMPLETE: give the hangup a moment to arrive
        # so that a call ending is not mistaken for a dropped stream.
        await asyncio.sleep(RESTART_DELAY_S)
        if not (self.hungup.is_set() or self._hanging_up or self.audio.connected):
            await self._start_stream()

    async def _start_stream(self) -> None:
        try:
            await self.control.start_audio_stream(
                self.res.stream_url(self.uuid),
                16000 if self.res.stream_rate == 16000 else 8000,
                self.plan.metadata,
            )
        except EslError as err:
            if not self.hungup.is_set():
                log.warning("call %s: uuid_audio_stream start failed: %s", self.uuid, err)

    def channel_gone(self, cause: str) -> None:
        """The channel no longer exists but its CHANNEL_HANGUP_COMPLETE never reached us (ESL link lost)."""
        if self.hungup.is_set():
            return
        log.warning("call %s: channel gone without a hangup event, ending it as %s", self.uuid, cause)
        self.result.hangup_cause = cause
        self.audio.close()
        self.hungup.set()

    # ---- the flow ----------------------------------------------------------------------------------------------
    async def _guarded_flow(self) -> None:
        try:
            await self._flow()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # one call's failure must not reach other calls: record it and hang up
            log.exception("call %s: flow failed", self.uuid)
            self.result.errors.append(f"{type(err).__name__}: {err}")
            self.log_event("error", error=f"{type(err).__name__}: {err}")
            await self._hangup("NORMAL_TEMPORARY_FAILURE")

    async def _flow(self) -> None:
        await self._start_stream()
        stream = self.audio.chunks()
        try:
            if self.plan.run_amd:
                verdict = await self._amd(stream)
                if verdict.result in HANG_UP_ON:
                    if verdict.result is AmdResult.MACHINE and self.plan.machine_action == "voicemail_drop":
                        await self._voicemail_drop(stream)
                    await self._hangup()
                    return
            if self.plan.scenario is None:
                await self._hangup()
                return
            await self._dialog(stream)
            await self._hangup()
        finally:
            await _aclose(stream)

    async def _amd(self, stream: AsyncIterator[AudioChunk]) -> AmdVerdict:
        detector = self.res.new_amd_detector()
        limit = self.plan.amd_window_s + self.plan.connect_timeout_s + AMD_GRACE_S
        probe = _SessionProbe(self) if self.plan.amd_probe is not None else None
        try:
            async with asyncio.timeout(limit):
                verdict = await detector.run(stream, probe=probe)
        except TimeoutError:
            verdict = AmdVerdict(AmdResult.UNKNOWN, 0.0, round(limit, 3), ("no audio reached the robot in time",))
        if detector.probe_at is not None and verdict.result not in HANG_UP_ON:
            await self._end_probe(detector.probe_at, verdict.decided_at)
        self.result.amd = verdict
        self.res.on_amd_verdict(verdict, self.uuid, detector.heard)
        self.log_event(
            "amd",
            result=verdict.result.value,
            confidence=round(verdict.confidence, 3),
            decided_at=verdict.decided_at,
            reasons=list(verdict.reasons),
            transcript=verdict.transcript,
            evidence=dict(verdict.evidence),
        )
        return verdict

    def play_probe(self) -> None:
        assert self.plan.amd_probe is not None
        task = asyncio.get_running_loop().create_task(self._send_probe(self.plan.amd_probe), name=f"probe-{self.uuid}")
        self._probe_tasks.add(task)
        task.add_done_callback(self._probe_tasks.discard)

    async def _send_probe(self, path: Path) -> None:
        try:  # its PLAYBACK_START / STOP are logged as prompt_start / prompt_stop, like any prompt
            await self.control.play(path)
        except EslError as err:  # the call goes on without it: a silent line is then NO_ANSWER a little later
            log.warning("call %s: AMD probe not played: %s", self.uuid, err)
            self.log_event("error", error=f"amd probe: {err}")

    async def _end_probe(self, probe_at: float, decided_at: float) -> None:
        """The callee answered while the probe may still play: stop it before the dialog speaks."""
        for task in list(self._probe_tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task  # the broadcast was sent (or failed) before the break
        if decided_at < probe_at + self.plan.amd_probe_s + PROBE_STOP_MARGIN_S:
            try:
                await self.control.stop_playback()
            except EslError as err:
                log.warning("call %s: could not stop the AMD probe: %s", self.uuid, err)

    async def _voicemail_drop(self, stream: AsyncIterator[AudioChunk]) -> None:
        prompt = self.plan.voicemail_prompt
        if prompt is None:
            return
        assert self.result.amd is not None
        outcome = await self.res.wait_for_beep(stream, self.result.amd.decided_at)
        self.log_event("prompt_start", file=str(prompt), status="voicemail_drop", after=outcome.outcome.value)
        self._playback_done.clear()
        await self.control.play(prompt)
        # The message plays to its end (PLAYBACK_STOP), or as long as the file lasts if that event never comes.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.plan.voicemail_prompt_s + HANGUP_WAIT_S):
                await self._playback_done.wait()

    async def _dialog(self, stream: AsyncIterator[AudioChunk]) -> None:
        assert self.plan.scenario is not None
        listener = self.res.new_listener()
        runner = self.res.new_runner(self.plan.scenario, self.control, listener, self.log_event)
        self._runner = runner
        listen = asyncio.get_running_loop().create_task(listener.run(stream), name=f"listen-{self.uuid}")
        try:
            outcome = await runner.run()
        finally:
            listen.cancel()
            with contextlib.suppress(asyncio.CancelledError, MediaError):
                await listen
            await listener.aclose()
        self.result.dialog = outcome

    async def _hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        if self.hungup.is_set():
            return
        self._hanging_up = True
        sent = False
        for attempt in (1, 2):  # a failed uuid_kill (ESL link down) is retried once, after a wait for the reconnect
            try:
                await self.control.hangup(cause)
                sent = True
                break
            except EslError as err:
                log.warning("call %s: hangup failed (try %d): %s", self.uuid, attempt, err)
                if attempt == 1 and await self._hungup_within(HANGUP_RETRY_S):
                    return
        # The session always ends: it never waits forever for an event that a lost link will not bring.
        if not await self._hungup_within(HANGUP_WAIT_S if sent else 0.0):
            self.result.hangup_cause = self.result.hangup_cause or (cause if sent else ESL_LOST_CAUSE)
            self.hungup.set()

    async def _hungup_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.hungup.wait()
        return self.hungup.is_set()


async def _aclose(stream: AsyncIterator[AudioChunk]) -> None:
    closer = getattr(stream, "aclose", None)
    if closer is not None:
        with contextlib.suppress(RuntimeError):
            await closer()


class _SessionProbe:
    """robot.amd.detector.ProbePlayer for one session: amd.probe_prompt by uuid_broadcast, without waiting."""

    def __init__(self, session: CallSession) -> None:
        self._session = session
        self.duration_s = session.plan.amd_probe_s

    def start(self) -> None:
        self._session.play_probe()
