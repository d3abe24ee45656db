"""The running robot's shared parts: one ESL client (or pool), one audio server, one ASR engine, shared by every
call; their life cycle, the scenarios, what each call session borrows (SessionResources) and the calls handed off by
the dialplan (outbound-socket server). `RobotApp` (robot.calls.app) adds placing outbound calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from robot.amd.capture import AmdCaptureWriter, Capture
from robot.amd.classifier import BeepWaitResult
from robot.amd.detector import AmdDetector
from robot.amd.keywords import KeywordSet, load_keywords
from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel, StreamingVad
from robot.calllog import CallLogWriter
from robot.calls.esl_control import EslCallControl
from robot.calls.session import (
    ESL_LOST_CAUSE,
    PROBE_PROMPT_DEFAULT_S,
    VOICEMAIL_PROMPT_DEFAULT_S,
    CallLogSink,
    CallSession,
    SessionPlan,
)
from robot.calls.voicemail import wait_for_beep
from robot.clock import Clock, SystemClock
from robot.console.live import LiveView
from robot.console.server import ConsoleServer
from robot.dialog.listener import CallListener
from robot.dialog.runner import CALL_LOG_EVENTS, PromptLibrary, ScenarioRunner
from robot.dialog.scenario import Scenario, load_scenario
from robot.errors import ConfigError, EslError
from robot.esl import commands
from robot.esl.connection import EslClient
from robot.esl.outbound import OutboundServer, OutboundSession
from robot.esl.pool import SwitchPool
from robot.esl.routing import CallEvents
from robot.events import AmdVerdict
from robot.media.analysis import AnalysisWorker
from robot.media.audio import AudioChunk, Int16Array
from robot.media.server import AudioServer
from robot.media.wire import STREAM_BUFFER_VAR
from robot.metrics import RobotMetrics
from robot.paths import audio_dir_for, data_file
from robot.settings import Settings

log = logging.getLogger(__name__)


class RobotCore:
    """Everything of the running robot but placing outbound calls (RobotApp, robot.calls.app, adds it)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        metrics: RobotMetrics | None = None,
        engine: AsrEngine | None = None,
        serve_handoff: bool = False,
        serve_metrics: bool = False,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.metrics = metrics or RobotMetrics()
        self.pool = SwitchPool(settings.esl, clock=self.clock)  # esl.endpoints: several servers (robot.esl.pool)
        self.esl = self.pool.switches[0].client  # the first server
        self.audio = AudioServer(settings.media, clock=self.clock)
        self.call_log = CallLogWriter(settings.log.call_log, self.clock)
        c = settings.console
        self.live = LiveView(
            mask_numbers=c.mask_numbers,
            recent_calls=c.recent_calls,
            timeline_events=c.timeline_events,
            max_age_s=settings.campaign.max_call_s + settings.campaign.originate_timeout_s + 60.0,
        )
        self.call_log.subscribe(self.live.apply)  # the live view sees exactly what the call log says
        self.metrics.esl_connected.callback = lambda: float(self.pool.down_since() is None)
        self.engine = engine
        self.vad_model: SileroModel | None = None
        self.keywords: KeywordSet | None = None
        self.prompts = PromptLibrary()
        self._voicemail: tuple[Path | None, float] = (None, VOICEMAIL_PROMPT_DEFAULT_S)  # start() reads it
        self._probe: tuple[Path | None, float] = (None, PROBE_PROMPT_DEFAULT_S)  # amd.probe_prompt: start() reads it
        self.analysis = AnalysisWorker(clock=self.clock, threads=settings.media.analysis_threads)  # VAD + tones
        self.amd_capture: AmdCaptureWriter | None = None  # amd.capture_dir: start() opens it
        self._scenarios: dict[Path, Scenario] = {}
        self._outbound = (
            OutboundServer(
                settings.esl.outbound_host,
                settings.esl.outbound_port,
                self.handle_handoff,
                request_timeout_s=settings.esl.request_timeout_s,
            )
            if serve_handoff
            else None
        )
        self._metrics_server = (  # /metrics, the live API and the web console
            ConsoleServer(self.metrics, self.live, settings, self.clock)
            if serve_metrics and settings.campaign.metrics_port
            else None
        )
        self.active: dict[str, CallSession] = {}
        self.placing: set[str] = set()  # uuids of the calls `dial` has in hand (ringing or answered)
        self._refusal_hooks: dict[str, Callable[[], None]] = {}

    # ---- life cycle ----------------------------------------------------------------------------------------------
    async def start(self, *, wait_for_switch: bool = False) -> None:
        """Start everything once; with `wait_for_switch` a FreeSWITCH that is down is waited for in the background."""
        s = self.settings
        if self.engine is None:  # AMD keywords and the dialog's turns both need it
            self.engine = await AsrEngine.load(s.asr, clock=self.clock)
        self.metrics.asr_queue_depth.callback = lambda: float(self.engine.stats().queue_depth) if self.engine else 0.0
        self.vad_model = await asyncio.to_thread(SileroModel)
        if s.amd.enabled or s.amd.on_handoff:
            self.keywords = load_keywords(data_file(s.amd.keywords_file))
        self._voicemail = await asyncio.to_thread(self._read_voicemail_prompt)
        self._probe = await asyncio.to_thread(self._read_probe_prompt)
        if s.amd.capture_dir is not None and self.amd_capture is None:
            max_bytes = int(s.amd.capture_max_mb * 1_000_000)
            self.amd_capture = await asyncio.to_thread(AmdCaptureWriter, s.amd.capture_dir, max_bytes=max_bytes)
        await self.audio.start()
        for client in self.pool.clients:
            await client.start(wait=wait_for_switch)
            client.on_reconnect(functools.partial(self._check_calls_after_reconnect, client))
        if self._outbound is not None:
            await self._outbound.start()
        if self._metrics_server is not None:
            await self._metrics_server.start()

    async def close(self) -> None:
        if self._outbound is not None:
            await self._outbound.close()
        if self._metrics_server is not None:
            await self._metrics_server.close()
        await self.pool.close()
        await self.audio.close()
        if self.engine is not None:
            self.engine.close()
        self.analysis.close()
        if self.amd_capture is not None:
            self.amd_capture.close()
        self.call_log.close()

    def _read_voicemail_prompt(self) -> tuple[Path | None, float]:
        """The voicemail prompt and its length, read once (in a thread) with the other prompts, not during a call."""
        amd = self.settings.amd
        return self._prompt_and_length("voicemail prompt", amd.voicemail_prompt, VOICEMAIL_PROMPT_DEFAULT_S)

    def _read_probe_prompt(self) -> tuple[Path | None, float]:
        """amd.probe_prompt and its length (the echo window of the probe: robot/amd/probe.py), read once."""
        return self._prompt_and_length("amd.probe_prompt", self.settings.amd.probe_prompt, PROBE_PROMPT_DEFAULT_S)

    def _prompt_and_length(self, what: str, value: str | None, default_s: float) -> tuple[Path | None, float]:
        if not value:
            return None, default_s
        path = Path(value).resolve()
        try:
            return path, self.prompts.get(path).duration_s
        except ConfigError as err:  # played all the same: FreeSWITCH may read what the robot cannot
            log.warning("%s: %s; its length taken as %.1f s", what, err, default_s)
            return path, default_s

    @property
    def handoff_port(self) -> int:
        return self._outbound.port if self._outbound is not None else 0

    @property
    def metrics_port(self) -> int:
        return self._metrics_server.port if self._metrics_server is not None else 0

    def scenario(self, path: Path) -> Scenario:
        """Load (once) and validate a scenario file; ConfigError names the file and line."""
        key = path.resolve()
        if key not in self._scenarios:
            audio_dir = audio_dir_for(path, self.settings.dialog.audio_dir)
            self._scenarios[key] = load_scenario(path, audio_dir, self.prompts)  # prompts read now, not in a call
        return self._scenarios[key]

    async def _call_scenario(self, path: Path) -> Scenario:
        """`scenario(path)` for a call: a first load (the YAML, every prompt's WAV) runs in a thread, off the loop."""
        return await asyncio.to_thread(self.scenario, path)

    async def _check_calls_after_reconnect(self, esl: EslClient) -> None:
        """Events sent while the ESL link was down are lost: end the sessions whose channel is gone meanwhile, and
        hang up the calls that were ringing: their originate result is lost, `dial` gives them up (ROBOT_ESL_LOST),
        but a switch that stayed up still rings them (and would leave an answering person in silence)."""
        ringing = self.placing - set(self.active)  # taken before any await: no new call has started yet
        ringing = {u for u in ringing if self.client_of(u) is esl}  # the calls on that server
        for uuid in ringing:
            try:
                await esl.api(commands.kill(uuid, "NORMAL_CLEARING"))  # -ERR No such channel: already gone
            except EslError as err:
                log.warning("call %s: uuid_kill after reconnect failed: %s", uuid, err)
                return
        for uuid, session in list(self.active.items()):
            if self.client_of(uuid) is not esl:
                continue
            try:
                body = await esl.api(f"uuid_exists {commands.check_uuid(uuid)}")
            except EslError as err:  # the link dropped again: the next reconnect checks again
                log.warning("call %s: uuid_exists after reconnect failed: %s", uuid, err)
                return
            if body.strip() != "true":
                session.channel_gone(ESL_LOST_CAUSE)

    def client_of(self, uuid: str) -> EslClient:
        """The ESL link a call is on: the server `dial` placed it on or a hand-off came from, else the first one."""
        return self.pool.client_of(uuid) or self.esl

    # ---- SessionResources ----------------------------------------------------------------------------------------
    def new_amd_detector(self) -> AmdDetector:
        assert self.vad_model is not None, "start() first"
        detector = AmdDetector(
            self.settings, self.engine, self.vad_model, self.keywords, self.clock, worker=self.analysis
        )
        detector.keep_audio = self.amd_capture is not None
        return detector

    async def wait_for_beep(self, stream: AsyncIterator[AudioChunk], started_at: float) -> BeepWaitResult:
        assert self.vad_model is not None, "start() first"
        return await wait_for_beep(stream, self.settings, self.vad_model, started_at, worker=self.analysis)

    def new_listener(self) -> CallListener:
        assert self.vad_model is not None, "start() first"
        vad = StreamingVad(self.settings.vad, self.vad_model)
        return CallListener(self.settings.dialog, vad, self.engine, clock=self.clock, worker=self.analysis)

    def new_runner(
        self, scenario: Scenario, control: EslCallControl, listener: CallListener, log_event: CallLogSink
    ) -> ScenarioRunner:
        def on_event(name: str, fields: dict[str, object]) -> None:
            if name == "barge_in":
                self.metrics.bargeins.inc()
                onset, sent = fields.get("speech_onset"), fields.get("break_sent_at")
                if isinstance(onset, float | int) and isinstance(sent, float | int):
                    self.metrics.bargein_latency.observe(float(sent) - float(onset))
            if name == "step":  # the live view shows where each call is in its scenario
                self.live.step(control.uuid, str(fields.get("step")))
            if name == "refusal":  # stored by the campaign at once, not only at hangup
                self._refusal_hooks.get(control.uuid, _no_hook)()
            kind = CALL_LOG_EVENTS.get(name)
            if kind is not None:
                log_event(kind, **fields)
            else:
                log.debug("call %s: dialog %s %s", control.uuid, name, fields)

        return ScenarioRunner(
            scenario, control, listener, self.settings.dialog, self.clock, on_event=on_event, prompts=self.prompts
        )

    def stream_url(self, uuid: str) -> str:
        return self.audio.stream_url(uuid)

    @property
    def stream_rate(self) -> int:
        return self.settings.media.stream_rate

    def on_amd_verdict(self, verdict: AmdVerdict, call_uuid: str, heard: Int16Array | None) -> None:
        self.metrics.amd_verdicts.inc(result=verdict.result.value)
        if self.amd_capture is not None and heard is not None:
            self.amd_capture.submit(Capture(call_uuid, heard, verdict, self.clock.wall()))

    # ---- calls ---------------------------------------------------------------------------------------------------
    def _plan(self, *, run_amd: bool, scenario: Scenario | None, metadata: str) -> SessionPlan:
        s = self.settings
        prompt, prompt_s = self._voicemail
        return SessionPlan(
            run_amd=run_amd,
            scenario=scenario,
            machine_action=s.amd.machine_action,
            voicemail_prompt=prompt,
            voicemail_prompt_s=prompt_s,
            metadata=metadata,
            max_stream_restarts=s.media.max_stream_restarts if s.media.restart_stream else 0,
            connect_timeout_s=s.media.connect_timeout_s,
            amd_window_s=s.amd.longest_decision_with(probe_s=self._probe[1] if self._probe[0] else None),
            amd_probe=self._probe[0],
            amd_probe_s=self._probe[1],
        )

    async def _run_session(
        self,
        plan: SessionPlan,
        control: EslCallControl,
        events: CallEvents,
        call_audio: Any,
        log_event: CallLogSink,
    ) -> Any:
        session = CallSession(self, plan, control, events, call_audio, log_event)
        self.active[control.uuid] = session
        try:
            return await session.run()
        finally:
            self.active.pop(control.uuid, None)

    async def handle_handoff(self, outbound: OutboundSession) -> None:
        """A call the dialplan handed over with `socket ... async full`: run the scenario (AMD if configured)."""
        uuid = outbound.uuid
        data: Mapping[str, str] = outbound.channel_data
        caller = data.get("Caller-Caller-ID-Number", "")
        campaign = data.get("variable_robot_campaign") or None

        def log_event(event: str, **fields: Any) -> None:
            self.call_log.write(event, uuid, campaign=campaign, contact=caller or None, **fields)

        link = await self._handoff_link(uuid)
        if link is None:
            log_event("error", error=f"no server in esl.endpoints has call {uuid} (handed over by a dialplan)")
            with contextlib.suppress(EslError):
                await outbound.hangup("NORMAL_TEMPORARY_FAILURE")
                await outbound.exit()
            log_event("hangup", cause="NORMAL_TEMPORARY_FAILURE", q850=41, answered=True, handoff=True)
            return
        esl, events = link
        call_audio = self.audio.open_call(uuid)
        self.metrics.calls_in_flight.inc()
        try:
            path = Path(data.get("variable_robot_scenario") or self.settings.dialog.scenario)
            try:
                scenario = await self._call_scenario(path)
            except ConfigError as err:
                log_event("error", error=str(err))
                await outbound.hangup("NORMAL_TEMPORARY_FAILURE")
                log_event("hangup", cause="NORMAL_TEMPORARY_FAILURE", q850=41, answered=True, handoff=True)
                return
            log_event("answer", handoff=True, destination=data.get("Caller-Destination-Number", ""))
            plan = self._plan(run_amd=self.settings.amd.on_handoff, scenario=scenario, metadata=f'{{"call":"{uuid}"}}')
            control = EslCallControl(esl, uuid)
            await self._set_stream_buffer(control, data.get(f"variable_{STREAM_BUFFER_VAR}"))
            with self.pool.placing(uuid, self.pool.switch_of(esl)):  # counted on (and controlled through) its server
                result = await self._run_session(plan, control, events, call_audio, log_event)
            log_event("hangup", cause=result.hangup_cause or "NORMAL_CLEARING", q850=result.q850, answered=True)
        finally:
            events.close()
            await self.audio.close_call(uuid)
            self.metrics.calls_in_flight.dec()
            with contextlib.suppress(EslError):
                await outbound.exit()

    async def _handoff_link(self, uuid: str) -> tuple[EslClient, CallEvents] | None:
        """The server holding a handed-over call, and its events (subscribed before asking, so none is missed)."""
        clients = [c for c in self.pool.clients if c.connected] or [self.esl]
        subscribed = {id(c): c.call_events(uuid) for c in clients}
        esl = await self.pool.holder(uuid, clients)
        for client in clients:
            if client is not esl:
                subscribed[id(client)].close()
        return None if esl is None else (esl, subscribed[id(esl)])

    async def _set_stream_buffer(self, control: EslCallControl, current: str | None) -> None:
        """A handed-off call: `uuid_setvar` STREAM_BUFFER_SIZE (mod_audio_stream reads it at `start`) unless the
        channel already has media.stream_buffer_ms (or the module's 20 ms default is wanted and nothing is set)."""
        wanted = str(self.settings.media.stream_buffer_ms)
        if current == wanted or (current is None and wanted == "20"):
            return
        try:
            await control.set_var(STREAM_BUFFER_VAR, wanted)
        except EslError as err:  # the stream then runs with the channel's frame size: slower, not wrong
            log.warning("call %s: uuid_setvar %s failed: %s", control.uuid, STREAM_BUFFER_VAR, err)


def _no_hook() -> None:
    return None
