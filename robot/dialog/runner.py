"""Runs a scenario on one answered call: play, listen, branch, act.

The session builds a `ScenarioRunner` once AMD says HUMAN, feeds the call's audio to the `CallListener`, passes
the call's PLAYBACK_START/STOP events in with `on_playback_event(status, path)` and awaits `run()`.

Barge-in: the listener calls back synchronously when the policy decides; the runner then sends
`control.stop_playback()` in a task of its own at once (it never waits behind ASR or audio work), and the step
listens for the answer from the barge-in's speech onset. Prompts of steps that do not listen (goodbyes) are not
interruptible. A prompt ends on PLAYBACK_STOP (done or break) for its file, or, if FreeSWITCH never says so, after
its duration plus `PLAYBACK_GRACE_S`.

False interruptions (pause policy; vad policy with bargein_resume): after the pause or break, the listener follows
the interrupting speech and waits for its words (robot.dialog.bargein.InterruptionJudge); a short one made of
backchannels (or of no words) resumes the prompt: pause policy, the same uuid_fileman toggle (same sample); vad
policy, where it was broken, less resume_rewind_ms:
`uuid_broadcast <uuid> <file>@@<samples> aleg`, the position taken from PLAYBACK_STOP's playback_last_offset_pos
(else estimated from the stream times). Anything else goes on to the step's listening, as before.

Live words: the listener's `partial` / `transcript` events go out through `on_event` with the step name. A
listening step ends its turn early when the committed words already show an intent of `early_intents` that the
step branches on. The answer's intent is read from the turn's text (second pass), else from its live words. A
step with `during_play` (confirm, goodbye) keeps listening while its prompt plays and for a turn that started
during it: an answer whose intent is in `during_play` stops the prompt and goes to that step (a "non" during the
confirmation reverses the outcome).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from robot.calls.control import CallControl
from robot.clock import Clock
from robot.dialog.bargein import FRAME_S, BargeInDecision, should_resume
from robot.dialog.intents import detect_intent, settles_on
from robot.dialog.listener import CallListener
from robot.dialog.playback import Playback, Prompt, PromptLibrary, file_of
from robot.dialog.scenario import Scenario, Step
from robot.dialog.turns import Turn
from robot.events import BargeIn
from robot.settings import DialogSettings

__all__ = ["CALL_LOG_EVENTS", "DialogOutcome", "Prompt", "PromptLibrary", "ScenarioRunner"]

log = logging.getLogger(__name__)

EventSink = Callable[[str, dict[str, object]], None]
# Dialog events that belong in the call log, and their call log event type ("answer" is the call's answer there).
CALL_LOG_EVENTS = {
    "barge_in": "barge_in",
    "interruption": "interruption",
    "transcript": "transcript",
    "answer": "intent",
    "hangup": "hangup",
}
PLAYBACK_GRACE_S = 3.0
MAX_STEPS = 50  # a scenario that loops longer than this hangs up


@dataclass(slots=True)
class DialogOutcome:
    final_step: str
    intents: list[str] = field(default_factory=list)
    result: str | None = None
    tag: str | None = None
    refusal: bool = False
    barge_ins: list[BargeIn] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    ended_by: str = ""  # hangup | transfer | max_steps
    resumes: int = 0  # prompts resumed after a false interruption (backchannel)


class ScenarioRunner:
    def __init__(
        self,
        scenario: Scenario,
        control: CallControl,
        listener: CallListener,
        settings: DialogSettings,
        clock: Clock,
        on_event: EventSink | None = None,
        prompts: PromptLibrary | None = None,
    ) -> None:
        self.scenario = scenario
        self.control = control
        self.listener = listener
        self.settings = settings
        self.clock = clock
        self._emit: EventSink = on_event or (lambda _name, _fields: None)
        self._prompts = prompts or PromptLibrary()
        self._playback: Playback | None = None
        self._break_tasks: set[asyncio.Task[None]] = set()
        self.outcome = DialogOutcome(final_step=scenario.start)
        self._step = scenario.start
        listener.on_bargein = self._on_bargein
        listener.on_event = lambda name, fields: self._emit(name, {"step": self._step, **fields})

    # --- inputs from the call ---------------------------------------------------------------------------------
    def on_playback_event(self, status: str, path: str | None = None, offset_samples: int | None = None) -> None:
        """PLAYBACK_START ("start") or PLAYBACK_STOP ("done" / "break") of this call; `path` is
        Playback-File-Path (events for another file than the current prompt are ignored), `offset_samples` is
        PLAYBACK_STOP's variable_playback_last_offset_pos (where a resumed prompt starts again)."""
        playback = self._playback
        if playback is None or status == "start" or playback.ended.is_set():
            return
        if path is not None and file_of(path) != playback.prompt.path:
            return
        playback.status = status
        playback.stop_offset = offset_samples
        playback.ended.set()

    def _on_bargein(self, decision: BargeInDecision) -> None:
        playback = self._playback
        if playback is None or playback.barged is not None:
            return
        playback.barged = decision
        playback.barge_event.set()
        seen = self.clock.monotonic()
        silence = self._break(decision, seen, pause=decision.policy == "pause")
        task = asyncio.get_running_loop().create_task(silence, name=f"break-{self.control.uuid}")
        self._break_tasks.add(task)
        task.add_done_callback(self._break_tasks.discard)

    async def _break(self, decision: BargeInDecision, seen: float, *, pause: bool = False) -> None:
        """uuid_break (or, pause policy, uuid_fileman pause: the prompt goes silent, its position kept); times:
        decided_at is stream time, the send is stamped by the clock delay since the decision."""
        sent_at = decision.decided_at + (self.clock.monotonic() - seen)
        await (self.control.pause_playback() if pause else self.control.stop_playback())
        acked_ms = (self.clock.monotonic() - seen) * 1000
        record = BargeIn(decision.speech_onset, decision.decided_at, sent_at, decision.policy, decision.words)
        self.outcome.barge_ins.append(record)
        self._emit(
            "barge_in",
            {
                "speech_onset": round(decision.speech_onset, 3),
                "decided_at": round(decision.decided_at, 3),
                "break_sent_at": round(sent_at, 3),
                "break_acked_ms": round(acked_ms, 1),
                "policy": decision.policy,
                "reason": decision.reason,
                "words": decision.words,
                "action": "pause" if pause else "break",
            },
        )

    # --- the scenario -----------------------------------------------------------------------------------------
    async def run(self) -> DialogOutcome:
        name: str | None = self.scenario.start
        while name is not None:
            if len(self.outcome.steps) >= MAX_STEPS:
                self._emit("max_steps", {"step": name})
                await self.control.hangup()
                self.outcome.ended_by = "max_steps"
                break
            self.outcome.steps.append(name)
            self.outcome.final_step = name
            self._step = name
            self._emit("step", {"step": name})
            name = await self._run_step(name, self.scenario.step(name))
        if self._break_tasks:
            await asyncio.wait(list(self._break_tasks), timeout=5.0)
        return self.outcome

    async def _run_step(self, name: str, step: Step) -> str | None:
        if step.mark is not None:
            self.outcome.result, self.outcome.tag = step.mark.result, step.mark.tag
            self._emit("mark", {"step": name, "result": step.mark.result, "tag": step.mark.tag})
        if step.refusal:
            self.outcome.refusal = True
            self._emit("refusal", {"step": name})
        since = self.listener.audio_time
        barged: BargeInDecision | None = None
        if step.during_play and step.play is not None:
            reverse = await self._play_listening(name, {str(k): v for k, v in step.during_play.items()})
            if reverse is not None:
                return reverse
        elif step.play is not None:
            since, barged = await self._play(name, interruptible=step.on is not None)
        if step.on is not None:
            return await self._listen(name, step, barged.speech_onset if barged else since)
        if step.next is not None:
            return step.next
        if step.transfer is not None:
            self._emit("transfer", {"step": name, "destination": step.transfer.destination})
            await self.control.transfer(step.transfer.destination, step.transfer.context)
            self.outcome.ended_by = "transfer"
            return None
        self._emit("hangup", {"step": name})
        await self.control.hangup()
        self.outcome.ended_by = "hangup"
        return None

    async def _play(self, name: str, *, interruptible: bool) -> tuple[float, BargeInDecision | None]:
        """Play the step's prompt until it ends or is barged in (resuming it after false interruptions);
        returns (stream time it ended, barge-in)."""
        prompt = self._prompts.get(self.scenario.audio_path(name))
        offset, resumes = 0, 0
        policy = self.settings.bargein_policy
        resumable = interruptible and policy in ("vad", "pause") and self.settings.bargein_resume
        stopped_at, playback = await self._play_from(name, prompt, offset, interruptible=interruptible)
        while True:
            barged = playback.barged
            if barged is not None and policy == "pause":  # paused, never left so: resumed or broken
                if not await self._after_pause(name, playback, barged, resumes):
                    return stopped_at, barged
                resumes += 1
                self.outcome.resumes += 1
                stopped_at = await self._wait_playback(name, playback)
                continue
            if barged is None or not resumable:
                return stopped_at, barged
            resumed, fields = await self._interruption(name, barged, resumes)
            if resumed:
                offset = await self._resume_offset(playback, barged)
                resumed = offset < round(prompt.duration_s * prompt.rate)
            self._emit("interruption", fields | {"resumed": resumed})
            if not resumed:
                return stopped_at, barged
            resumes += 1
            self.outcome.resumes += 1
            stopped_at, playback = await self._play_from(name, prompt, offset, interruptible=interruptible)

    async def _after_pause(self, name: str, playback: Playback, barged: BargeInDecision, resumes: int) -> bool:
        """The prompt is paused: follow the interrupting speech; a backchannel or noise resumes the prompt from
        the same sample (uuid_fileman pause again: True), anything else breaks it (uuid_break: False)."""
        resume, fields = await self._interruption(name, barged, resumes)
        resume = resume and self.settings.bargein_resume and not playback.ended.is_set()
        if self._break_tasks:  # the pause must have reached FreeSWITCH before the toggle that resumes
            await asyncio.wait(list(self._break_tasks), timeout=PLAYBACK_GRACE_S)
        self._emit("interruption", fields | {"resumed": resume, "action": "resume" if resume else "break"})
        if not resume:
            if not playback.ended.is_set():
                await self.control.stop_playback()
            return False
        await self.control.pause_playback()
        playback.paused_s += self.listener.audio_time - barged.decided_at
        playback.barged = None
        playback.barge_event.clear()
        skip = round(playback.position_s(self.listener.audio_time) / FRAME_S)
        self.listener.prompt_started(playback.prompt.envelope[skip:], interruptible=True, resumed=True)
        return True

    async def _interruption(self, name: str, barged: BargeInDecision, resumes: int) -> tuple[bool, dict[str, object]]:
        """Follow the speech that broke a prompt until the listener's verdict (its text: the transcript, else the
        live words heard so far); whether `should_resume` says resume, and the `interruption` event's fields."""
        verdict, text = await self.listener.interruption(barged.speech_onset)
        text = text if text is not None else self.listener.heard_since(barged.speech_onset)  # no transcript in time
        fields: dict[str, object] = {"step": name, "kind": verdict.kind if verdict else "stream_end"}
        if verdict is not None:
            speech_ms = round((verdict.end - verdict.onset) * 1000)
            fields |= {"speech_ms": speech_ms, "text": text, "no_words": verdict.no_words}
        return should_resume(verdict, text, resumes, self.settings), fields

    async def _resume_offset(self, playback: Playback, barged: BargeInDecision) -> int:
        """Where to restart a broken prompt (file samples): where PLAYBACK_STOP says it stopped, less the rewind."""
        if self._break_tasks:  # the resumed playback must come after the uuid_break, never before it
            await asyncio.wait(list(self._break_tasks), timeout=PLAYBACK_GRACE_S)
        if not playback.ended.is_set():
            await asyncio.wait({asyncio.ensure_future(playback.ended.wait())}, timeout=PLAYBACK_GRACE_S)
        rate = playback.prompt.rate
        broken = playback.stop_offset
        if broken is None:  # no position from FreeSWITCH: the stream time it played until the decision
            broken = playback.offset + round((barged.decided_at - playback.started_at) * rate)
        return max(0, broken - round(self.settings.resume_rewind_ms / 1000 * rate))

    async def _play_from(
        self, name: str, prompt: Prompt, offset: int, *, interruptible: bool
    ) -> tuple[float, Playback]:
        """Play `prompt` from `offset` file samples until it ends or is barged in; (stream time it ended, it)."""
        playback = Playback(prompt, offset, self.listener.audio_time)
        self._playback = playback
        await self.control.play(f"{prompt.path}@@{offset}" if offset else prompt.path)
        skip_s = offset / prompt.rate
        envelope = prompt.envelope[round(skip_s / FRAME_S) :]
        self.listener.prompt_started(envelope, interruptible=interruptible, resumed=offset > 0)
        play_fields: dict[str, object] = {
            "step": name,
            "file": str(prompt.path),
            "duration_s": round(prompt.duration_s, 3),
        }
        self._emit("play", play_fields | ({"offset_s": round(skip_s, 3)} if offset else {}))
        return await self._wait_playback(name, playback), playback

    async def _wait_playback(self, name: str, playback: Playback) -> float:
        """Wait until the prompt ends or is barged in; the stream time it stopped."""
        prompt = playback.prompt
        ended = asyncio.ensure_future(playback.ended.wait())
        barged = asyncio.ensure_future(playback.barge_event.wait())
        loop = asyncio.get_running_loop()  # the waits below run on the loop's clock: so does the give-up time
        give_up_at: float | None = None  # the call's audio may stall: never wait for ever
        try:
            while True:
                # the prompt's end is due in STREAM time: when the robot's audio lags (a busy box), so does the
                # prompt as the caller hears it, and the wait stretches with it
                left_s = max(0.0, prompt.duration_s - playback.position_s(self.listener.audio_time))
                now = loop.time()
                give_up_at = give_up_at if give_up_at is not None else now + 2 * left_s + 3 * PLAYBACK_GRACE_S
                timeout = min(left_s + PLAYBACK_GRACE_S, max(0.0, give_up_at - now))
                done, _ = await asyncio.wait({ended, barged}, timeout=timeout, return_when="FIRST_COMPLETED")
                overdue = playback.position_s(self.listener.audio_time) >= prompt.duration_s + PLAYBACK_GRACE_S
                if done or overdue or loop.time() >= give_up_at:
                    break
        finally:
            ended.cancel()
            barged.cancel()
        if not playback.ended.is_set() and playback.barged is None:
            log.warning("call %s: no PLAYBACK_STOP for %s, going on", self.control.uuid, prompt.path)
        stopped_at = self.listener.prompt_stopped()
        status = playback.status or ("barge_in" if playback.barged else "timeout")
        self._emit("play_end", {"step": name, "status": status})
        return stopped_at

    async def _play_listening(self, name: str, during: dict[str, str]) -> str | None:
        """Play the step's prompt (not interruptible by mere speech) while listening for a turn that starts during
        it; the step to go to when that turn's intent is in `during` (the prompt is then stopped), else None."""
        prompt = self._prompts.get(self.scenario.audio_path(name))
        since = self.listener.audio_time
        eot_s = self.settings.end_of_turn_silence_ms / 1000
        settle = self._settler(during)
        turn_task = asyncio.ensure_future(self.listener.next_turn(since, prompt.duration_s + 0.3, eot_s, settle))
        play_task = asyncio.ensure_future(self._play_from(name, prompt, 0, interruptible=False))
        try:
            await asyncio.wait({turn_task, play_task}, return_when="FIRST_COMPLETED")
            if not turn_task.done():
                await asyncio.wait({turn_task}, timeout=self.settings.max_turn_ms / 1000 + PLAYBACK_GRACE_S)
            turn = turn_task.result() if turn_task.done() else None
            target = self._answer(name, during, turn, fallback=False) if turn is not None else None
            if target is not None and not play_task.done():
                await self.control.stop_playback()
            await asyncio.wait({play_task}, timeout=prompt.duration_s + PLAYBACK_GRACE_S)
            return target
        finally:
            turn_task.cancel()
            play_task.cancel()

    def _settler(self, on: dict[str, str]) -> Callable[[str], bool] | None:
        """Early end of a turn: committed words show an intent of early_intents that `on` branches on."""
        return settles_on(set(self.settings.early_intents) & set(on))

    async def _listen(self, name: str, step: Step, since: float) -> str:
        assert step.on is not None
        on: dict[str, str] = {str(key): target for key, target in step.on.items()}
        listen = step.listen
        timeout_ms = (listen.timeout_ms if listen else None) or self.settings.listen_timeout_ms
        eot_ms = (listen.end_of_turn_silence_ms if listen else None) or self.settings.end_of_turn_silence_ms
        turn = await self.listener.next_turn(since, timeout_ms / 1000, eot_ms / 1000, self._settler(on))
        target = self._answer(name, on, turn, fallback=True)
        assert target is not None
        return target

    def _answer(self, name: str, on: dict[str, str], turn: Turn | None, *, fallback: bool) -> str | None:
        """Record the caller's answer (`answer` event, outcome intents) and pick the branch: its intent's, else
        (with `fallback`) default / timeout, else None."""
        if turn is None:
            waited = "timeout" if "timeout" in on else "default"
            self._emit("answer", {"step": name, "intent": "timeout", "branch": waited})
            self.outcome.intents.append("timeout")
            return on[waited]
        match = detect_intent(turn.text)
        live_text = " ".join(w.text for w in turn.words)
        if match.intent is None and live_text != turn.text:  # the live words heard it when the second pass did not
            match = detect_intent(live_text)
        intent = match.intent.value if match.intent is not None else "unknown"
        branches = (intent, "default", "timeout") if fallback else (intent,)
        branch = next((b for b in branches if b in on), None)
        if branch is not None:  # words said during a closing prompt that change nothing are logged, not counted
            self.outcome.intents.append(intent)
        self._emit(
            "answer",
            {
                "step": name,
                "text": turn.text,
                "live_text": live_text,
                "intent": intent,
                "matched": match.matched,
                "branch": branch or "none",
                "speech_start": round(turn.start, 3),
                "speech_end": round(turn.end, 3),
                "decided_at": round(turn.decided_at, 3),
                "early": turn.early,
                "asr_ms": round(turn.asr_ms, 1),
            },
        )
        return on[branch] if branch is not None else None
