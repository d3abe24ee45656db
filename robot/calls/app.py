"""The running robot: one ESL client, one audio server, one ASR engine, shared by every call.

`RobotApp` places outbound calls (it is the campaign's `Dialer`), takes calls handed off by the dialplan
(outbound-socket server) and gives each answered call a `CallSession`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from robot.amd.classifier import BeepWaitResult
from robot.amd.detector import AmdDetector
from robot.amd.keywords import KeywordSet, load_keywords
from robot.asr.engine import AsrEngine
from robot.asr.vad import SileroModel, StreamingVad
from robot.calllog import CallLogWriter
from robot.calls.esl_control import EslCallControl, originate
from robot.calls.session import (
    ESL_LOST_CAUSE,
    VOICEMAIL_PROMPT_DEFAULT_S,
    CallLogSink,
    CallSession,
    SessionPlan,
    hangup_fields,
)
from robot.calls.voicemail import wait_for_beep
from robot.campaign.dialing import AttemptRequest, CallOutcome, NotDialled
from robot.clock import Clock, SystemClock
from robot.console.live import LiveView
from robot.console.server import ConsoleServer
from robot.dialog.listener import CallListener
from robot.dialog.runner import CALL_LOG_EVENTS, DialogOutcome, PromptLibrary, ScenarioRunner
from robot.dialog.scenario import Scenario, load_scenario
from robot.errors import ConfigError, DialTargetError, EslConnectionError, EslError
from robot.esl import commands
from robot.esl.connection import EslClient, EslNotConnectedError
from robot.esl.outbound import OutboundServer, OutboundSession
from robot.esl.parser import EslEvent
from robot.esl.pool import SwitchPool
from robot.esl.routing import CallEvents
from robot.events import AmdResult, AmdVerdict
from robot.media.analysis import AnalysisWorker
from robot.media.audio import AudioChunk
from robot.media.server import AudioServer
from robot.media.wire import STREAM_BUFFER_VAR
from robot.metrics import RobotMetrics
from robot.paths import audio_dir_for, data_file
from robot.settings import Settings

log = logging.getLogger(__name__)

ANSWER_EVENTS = ("CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE")
JOB_AFTER_HANGUP_S = 5.0  # a failed originate's job result may trail its hangup events


class RobotApp:
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
        self.analysis = AnalysisWorker(clock=self.clock, threads=settings.media.analysis_threads)  # VAD + tones
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
        self.call_log.close()

    async def __aenter__(self) -> RobotApp:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _read_voicemail_prompt(self) -> tuple[Path | None, float]:
        """The voicemail prompt and its length, read once (in a thread) with the other prompts, not during a call."""
        if not self.settings.amd.voicemail_prompt:
            return None, VOICEMAIL_PROMPT_DEFAULT_S
        path = Path(self.settings.amd.voicemail_prompt).resolve()
        try:
            return path, self.prompts.get(path).duration_s
        except ConfigError as err:  # played all the same: FreeSWITCH may read what the robot cannot
            log.warning("voicemail prompt: %s; its length taken as %.0f s", err, VOICEMAIL_PROMPT_DEFAULT_S)
            return path, VOICEMAIL_PROMPT_DEFAULT_S

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
        return AmdDetector(self.settings, self.engine, self.vad_model, self.keywords, self.clock, worker=self.analysis)

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

    def on_amd_verdict(self, verdict: AmdVerdict) -> None:
        self.metrics.amd_verdicts.inc(result=verdict.result.value)

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
            amd_window_s=s.amd.longest_decision_s,
        )

    async def dial(self, attempt: AttemptRequest) -> CallOutcome:
        """Place one call and run it to the end (the campaign's Dialer). Never raises for call failures; raises
        NotDialled when the originate cannot reach FreeSWITCH (no ESL link): that attempt did not happen."""
        switch = self.pool.pick()  # the least loaded server that is up (robot.esl.pool)
        if switch is None:
            where = ", ".join(c.where for c in self.pool.clients)
            raise NotDialled(f"no ESL link to FreeSWITCH (or all full) at {where}")
        with self.pool.placing(attempt.call_uuid, switch) as esl:
            return await self._dial_on(esl, attempt)

    async def _dial_on(self, esl: EslClient, attempt: AttemptRequest) -> CallOutcome:
        uuid = attempt.call_uuid
        scenario = await self._call_scenario(Path(attempt.scenario)) if attempt.scenario else None
        # Only safe values travel as channel variables (commands.check_var_value); the store keeps the rest.
        variables = {"robot_campaign": _safe_value(attempt.campaign), "robot_attempt": str(attempt.attempt_id)}
        variables[STREAM_BUFFER_VAR] = str(self.settings.media.stream_buffer_ms)  # read at uuid_audio_stream start

        def log_event(event: str, **fields: Any) -> None:
            self.call_log.write(event, uuid, campaign=attempt.campaign, contact=attempt.contact.number, **fields)

        events = esl.call_events(uuid)
        call_audio = self.audio.open_call(uuid)
        self.metrics.calls_in_flight.inc()
        self.placing.add(uuid)
        self._refusal_hooks[uuid] = attempt.on_refusal
        started = self.clock.monotonic()
        log_event("originate", dial_string=attempt.dial_string, attempt=attempt.attempt_no)
        try:
            job = asyncio.create_task(
                originate(
                    esl,
                    attempt.dial_string,
                    uuid,
                    variables,
                    timeout_s=self.settings.campaign.originate_timeout_s,
                    max_call_s=self.settings.campaign.max_call_s,
                ),
                name=f"originate-{uuid}",
            )
            first = await self._wait_answer(events, job)
            if first is None and job.done() and isinstance(job.exception(), EslNotConnectedError):
                log_event("error", error=f"not placed: {job.exception()}")
                raise NotDialled(str(job.exception()))
            ring_s = round(self.clock.monotonic() - started, 3)
            if first is None or first.name != "CHANNEL_ANSWER":
                cause, q850 = await self._failure_cause(first, job)
                log_event("hangup", cause=cause, q850=q850, answered=False)
                self.metrics.originate_results.inc(cause=cause)
                return CallOutcome(uuid, False, cause, q850, disposition=cause.lower(), ring_s=ring_s)
            log_event("answer", ring_s=ring_s)
            attempt.on_answer()
            plan = self._plan(run_amd=self.settings.amd.enabled, scenario=scenario, metadata=f'{{"call":"{uuid}"}}')
            control = EslCallControl(esl, uuid)
            result = await self._run_session(plan, control, events, call_audio, log_event)
            with contextlib.suppress(asyncio.CancelledError, EslError):
                await asyncio.wait_for(job, JOB_AFTER_HANGUP_S)
            cause = result.hangup_cause or "NORMAL_CLEARING"
            log_event("hangup", cause=cause, q850=result.q850, answered=True, talk_s=result.talk_s)
            self.metrics.originate_results.inc(cause=cause)
            dialog = result.dialog
            amd = result.amd.result if result.amd is not None else None
            return CallOutcome(
                uuid,
                True,
                cause,
                result.q850,
                amd_result=amd,
                intent=(dialog.intents[-1] if dialog and dialog.intents else None),
                refusal=bool(dialog and dialog.refusal),
                disposition=_disposition(amd, dialog),
                ring_s=ring_s,
                talk_s=result.talk_s,
            )
        except DialTargetError as err:
            log_event("error", error=str(err))
            return CallOutcome(uuid, False, "INVALID_DIAL_TARGET", None, disposition="invalid_dial_target")
        except EslError as err:
            log_event("error", error=str(err))
            return CallOutcome(uuid, False, "ROBOT_ESL_ERROR", None, disposition="error")
        finally:
            events.close()
            self.placing.discard(uuid)
            self._refusal_hooks.pop(uuid, None)
            await self.audio.close_call(uuid)
            self.metrics.calls_in_flight.dec()

    async def _wait_answer(self, events: CallEvents, job: asyncio.Task[Any]) -> Any:
        """First CHANNEL_ANSWER / CHANNEL_HANGUP_COMPLETE, or None when the originate job failed first."""
        while True:
            getter = asyncio.ensure_future(_next_event(events))
            done, _ = await asyncio.wait({getter, job}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                event = getter.result()
                if event is None or event.name in ANSWER_EVENTS:
                    return event
                continue
            getter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await getter
            if isinstance(job.exception(), EslNotConnectedError):
                return None  # nothing was sent: no hangup event will come
            if job.exception() is not None or not job.result().ok:
                return await self._hangup_after_failure(events)

    async def _hangup_after_failure(self, events: CallEvents) -> Any:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                while (event := await _next_event(events)) is not None:
                    if event.name == "CHANNEL_HANGUP_COMPLETE":
                        return event
        return None

    async def _failure_cause(self, event: Any, job: asyncio.Task[Any]) -> tuple[str, int | None]:
        if event is not None and event.name == "CHANNEL_HANGUP_COMPLETE":
            cause, q850 = hangup_fields(event)
            with contextlib.suppress(asyncio.CancelledError, EslError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(job), JOB_AFTER_HANGUP_S)
            if job.done() and not job.cancelled() and isinstance(job.exception(), EslConnectionError):
                return ESL_LOST_CAUSE, q850  # the link was lost while it rang: that hangup is the robot's doing
            return cause, q850
        if job.done() and job.exception() is None:
            return job.result().cause, None
        err = job.exception() if job.done() else None
        if isinstance(err, EslConnectionError):  # sent, then the link was lost: the switch may have placed it
            return ESL_LOST_CAUSE, None
        return ("ROBOT_ESL_ERROR" if err else "UNKNOWN"), None

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


def _disposition(amd: AmdResult | None, dialog: DialogOutcome | None) -> str:
    if amd in (AmdResult.MACHINE, AmdResult.NO_ANSWER, AmdResult.OPERATOR):
        return amd.value.lower()
    if dialog is None:
        return "answered"
    if dialog.refusal:
        return "refused"
    return dialog.result or dialog.tag or (dialog.intents[-1] if dialog.intents else "completed")


async def _next_event(events: CallEvents) -> EslEvent | None:
    """The call's next event, or None once its stream is closed."""
    try:
        return await events.get()
    except EOFError:
        return None


def _no_hook() -> None:
    return None


def _safe_value(value: str) -> str:
    """A channel-variable value limited to the characters commands.check_var_value accepts."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_.@+/-") else "_" for ch in value)[:256]
