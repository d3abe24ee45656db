"""The running robot: one ESL client, one audio server, one ASR engine, shared by every call.

`RobotApp` places outbound calls (it is the campaign's `Dialer`), takes calls handed off by the dialplan
(outbound-socket server) and gives each answered call a `CallSession`. Placing outbound calls is here; the shared
parts, their life cycle, what the sessions borrow and the handed-off calls are in robot.calls.core (`RobotCore`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

from robot.calls.core import RobotCore
from robot.calls.esl_control import EslCallControl, originate
from robot.calls.session import ESL_LOST_CAUSE, hangup_fields
from robot.campaign.dialing import AttemptRequest, CallOutcome, NotDialled
from robot.dialog.runner import DialogOutcome
from robot.errors import DialTargetError, EslConnectionError, EslError
from robot.esl.connection import EslClient, EslNotConnectedError
from robot.esl.parser import EslEvent
from robot.esl.routing import CallEvents
from robot.events import AmdResult
from robot.media.wire import STREAM_BUFFER_VAR

log = logging.getLogger(__name__)

ANSWER_EVENTS = ("CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE")
JOB_AFTER_HANGUP_S = 5.0  # a failed originate's job result may trail its hangup events


class RobotApp(RobotCore):
    async def __aenter__(self) -> RobotApp:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- calls ---------------------------------------------------------------------------------------------------
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


def _safe_value(value: str) -> str:
    """A channel-variable value limited to the characters commands.check_var_value accepts."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "_.@+/-") else "_" for ch in value)[:256]
