"""The scenario runner on the demo scenario, with a fake FreeSWITCH end (call control + playback events), a
scripted VAD and a scripted transcriber standing in for robot.asr (the other ends of the dialog package)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from robot.asr.engine import Priority
from robot.clock import ManualClock
from robot.dialog.listener import CallListener
from robot.dialog.runner import DialogOutcome, PromptLibrary, ScenarioRunner
from robot.dialog.scenario import load_scenario
from robot.events import SpeechEnded, SpeechStarted, Transcript, Word
from robot.media.audio import AudioChunk
from robot.settings import DialogSettings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
RATE = 16000
CHUNK_S = 0.02


@dataclass
class Utterance:
    start: float  # stream seconds
    end: float
    text: str


class ScriptedVad:
    """Reports the caller's utterances like StreamingVad does: SpeechStarted 90 ms after the onset (stamped with
    the onset), SpeechEnded 300 ms after the end (stamped with the end)."""

    def __init__(self, utterances: Sequence[Utterance]) -> None:
        self.utterances = list(utterances)
        self.position = 0.0
        self.open: Utterance | None = None

    def process(self, samples: npt.NDArray[Any]) -> list[SpeechStarted | SpeechEnded]:
        self.position = round(self.position + samples.size / RATE, 6)
        events: list[SpeechStarted | SpeechEnded] = []
        if self.open is None:
            for u in self.utterances:
                if u.start + 0.09 <= self.position < u.end:
                    self.open = u
                    self.utterances.remove(u)
                    events.append(SpeechStarted(t=u.start))
                    break
        elif self.position >= self.open.end + 0.3:
            events.append(SpeechEnded(t=self.open.end, duration=self.open.end - self.open.start))
            self.open = None
        return events


def _spread(u: Utterance) -> list[tuple[str, float, float]]:
    texts = u.text.split()
    total = sum(len(t) for t in texts)
    spans, at = [], u.start
    for text in texts:
        end = at + (u.end - u.start) * len(text) / total
        spans.append((text, round(at, 3), round(end, 3)))
        at = end
    return spans


class ScriptedAsr:
    """Answers each request with the words of the utterances inside the requested audio span."""

    def __init__(self, listener_ref: list[CallListener], utterances: Sequence[Utterance]) -> None:
        self.ref = listener_ref
        self.utterances = utterances
        self.requests: list[Priority] = []

    async def transcribe(
        self,
        audio: npt.NDArray[Any],
        *,
        priority: Priority,
        prompt: str = "",
        deadline: float | None = None,
        speech_detected: bool = True,
        word_timestamps: bool = False,
    ) -> Transcript | None:
        self.requests.append(priority)
        end = self.ref[0].audio_time
        start = end - audio.size / RATE
        lo, hi = start, end
        if priority == Priority.DIALOG and not self.ref[0].settings.streaming:
            lo, hi = start - 1.0, end + 1.0  # the whole-turn audio ends after its speech, not at audio_time
        heard = [u for u in self.utterances if u.start >= lo - 0.25 and u.start < hi]
        # each utterance's words spread over its duration by length; a word still being said ends at the audio's end
        words = tuple(
            Word(text, max(0.0, w_start - start), min(w_end, hi) - start)
            for u in heard
            for text, w_start, w_end in _spread(u)
            if w_start < hi
        )
        return Transcript(" ".join(w.text for w in words), words)

    async def transcribe_latest(
        self,
        source: Callable[[], tuple[npt.NDArray[Any], str]],
        *,
        priority: Priority,
        deadline: float | None = None,
        word_timestamps: bool = False,
    ) -> tuple[Transcript, int] | None:
        audio, prompt = source()  # an idle engine: the batch forms at once
        transcript = await self.transcribe(audio, priority=priority, prompt=prompt, word_timestamps=word_timestamps)
        return None if transcript is None else (transcript, audio.size)


@dataclass
class FakeFreeswitch:
    """The call's other end: plays prompts in audio time, sends PLAYBACK_STOP done/break, records commands."""

    listener: CallListener
    runner: ScenarioRunner | None = None
    commands: list[tuple[str, float, str]] = field(default_factory=list)
    playing: tuple[Path, float, float] | None = None
    uuid: str = "e061cddd-eac5-4cc6-825c-e4b981b79802"

    offset: int = 0  # `file@@<samples>` of what plays now (8 kHz prompts)
    paused_at: float | None = None

    async def play(self, path: Path | str) -> None:
        file, _, start = str(path).partition("@@")
        self.offset = int(start or 0)
        duration = PromptLibrary().get(Path(file)).duration_s - self.offset / 8000
        self.playing = (Path(file), self.listener.audio_time, duration)
        self.commands.append(("play", self.listener.audio_time, Path(file).stem + (f"@@{start}" if start else "")))

    async def stop_playback(self) -> None:
        self.commands.append(("break", self.listener.audio_time, ""))
        self.paused_at = None
        if self.playing is not None and self.runner is not None:
            (path, started, _), self.playing = self.playing, None
            position = self.offset + round((self.listener.audio_time - started) * 8000)
            self.runner.on_playback_event("break", str(path), position)

    async def pause_playback(self) -> None:
        """uuid_fileman pause: toggles; the paused time does not count towards the prompt's end."""
        now = self.listener.audio_time
        self.commands.append(("pause", now, ""))
        if self.playing is None:
            return
        if self.paused_at is None:
            self.paused_at = now
        else:
            path, start, duration = self.playing
            self.playing, self.paused_at = (path, start + now - self.paused_at, duration), None

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        self.commands.append(("hangup", self.listener.audio_time, cause))

    async def transfer(self, destination: str, context: str = "default") -> None:
        self.commands.append(("transfer", self.listener.audio_time, destination))

    async def set_var(self, name: str, value: str) -> None:
        self.commands.append(("set_var", self.listener.audio_time, f"{name}={value}"))

    def tick(self) -> None:
        if self.playing is None or self.runner is None:
            return
        path, start, duration = self.playing
        if self.paused_at is None and self.listener.audio_time >= start + duration:
            self.playing = None
            self.runner.on_playback_event("start", str(path))
            self.runner.on_playback_event("done", str(path))


def _speechy(n: int, seed: int) -> npt.NDArray[np.int16]:
    rng = np.random.default_rng(seed)
    env = np.repeat(rng.uniform(0.2, 1.0, n // 1600 + 1), 1600)[:n]
    return (rng.standard_normal(n) * env * 6000).astype(np.int16)


async def _run_call(
    utterances: Sequence[Utterance], max_s: float = 60.0, vad_misses: int = 0, **dialog: Any
) -> tuple[DialogOutcome, FakeFreeswitch, list[tuple[str, dict[str, object]]], ScriptedAsr]:
    """`vad_misses`: the last N utterances are heard by the ASR but never by the VAD (a soft ending)."""
    import asyncio

    settings = DialogSettings(audio_dir=REPO / "audio", **({"bargein_policy": "vad"} | dialog))
    scenario = load_scenario(REPO / "scenarios" / "demo_fr.yaml", settings.audio_dir)
    ref: list[CallListener] = []
    asr = ScriptedAsr(ref, utterances)
    clock = ManualClock()
    listener = CallListener(settings, ScriptedVad(utterances[: len(utterances) - vad_misses]), asr, clock=clock)
    ref.append(listener)
    fs = FakeFreeswitch(listener)
    events: list[tuple[str, dict[str, object]]] = []
    runner = ScenarioRunner(scenario, fs, listener, settings, clock, on_event=lambda n, f: events.append((n, f)))
    fs.runner = runner
    audio = np.zeros(int(max_s * RATE), dtype=np.int16)
    for i, u in enumerate(utterances):
        a, b = int(u.start * RATE), int(u.end * RATE)
        audio[a:b] = _speechy(b - a, seed=i)
    task = asyncio.get_running_loop().create_task(runner.run())
    step = int(CHUNK_S * RATE)
    for n in range(int(max_s / CHUNK_S)):
        if task.done():
            break
        await listener.feed(AudioChunk(audio[n * step : (n + 1) * step], round(n * CHUNK_S, 6)))
        fs.tick()
    outcome = await asyncio.wait_for(task, timeout=5)
    return outcome, fs, events, asr


def _plays(fs: FakeFreeswitch) -> list[str]:
    return [c[2] for c in fs.commands if c[0] == "play"]


async def test_silent_caller_gets_the_question_twice_then_a_goodbye() -> None:
    outcome, fs, _events, asr = await _run_call([])
    assert _plays(fs) == ["greeting", "greeting_again", "no_answer"]
    assert fs.commands[-1][0] == "hangup"
    assert outcome.intents == ["timeout", "timeout"]
    assert outcome.result == "no_answer_in_dialog"
    assert outcome.final_step == "no_answer" and outcome.ended_by == "hangup"
    assert asr.requests == [], "no speech, no ASR request"
    greeting_again_at = fs.commands[1][1]
    assert greeting_again_at == pytest.approx(8.54 + 6.0, abs=0.1), "timeout counts from the end of the prompt"


async def test_yes_after_the_prompt_confirms() -> None:
    outcome, fs, events, asr = await _run_call([Utterance(9.0, 9.5, "Oui, d'accord.")])
    assert _plays(fs) == ["greeting", "confirm"]
    assert outcome.intents == ["yes"] and outcome.result == "interested" and not outcome.refusal
    assert outcome.barge_ins == []
    assert set(asr.requests) <= {Priority.PARTIAL, Priority.DIALOG} and asr.requests[0] == Priority.PARTIAL
    assert asr.requests[-2:] == [Priority.DIALOG, Priority.DIALOG], "end of turn: last live pass + whole turn"
    assert 3 <= len(asr.requests) <= 4, "live iterations every stream_chunk_ms of speech, not per frame"
    answer = next(f for n, f in events if n == "answer")
    assert answer["branch"] == "yes" and answer["speech_start"] == 9.0
    confirm_at = fs.commands[1][1]
    assert confirm_at == pytest.approx(9.5 + 0.7, abs=0.1), "turn ends end_of_turn_silence_ms after the speech"


async def test_barge_in_with_a_refusal_breaks_the_prompt_at_once() -> None:
    outcome, fs, events, _asr = await _run_call([Utterance(3.0, 4.5, "Ne m'appelez plus, retirez-moi de votre liste")])
    kinds = [c[0] for c in fs.commands]
    assert kinds[:2] == ["play", "break"]
    assert fs.commands[1][1] == pytest.approx(3.24, abs=0.021), "break at onset + bargein_min_speech_ms"
    (barge,) = outcome.barge_ins
    assert barge.speech_onset == 3.0 and barge.decided_at == pytest.approx(3.24, abs=1e-6)
    assert barge.policy == "vad"
    assert outcome.refusal and outcome.result == "refused"
    assert _plays(fs) == ["greeting", "refusal"]
    answer = next(f for n, f in events if n == "answer")
    assert answer["intent"] == "stop_calling_me" and answer["speech_start"] == 3.0
    assert any(n == "barge_in" for n, _ in events)


async def test_words_policy_lets_a_backchannel_through_and_breaks_on_words() -> None:
    utterances = [Utterance(2.0, 2.3, "hum"), Utterance(4.0, 5.5, "rappelez-moi plus tard")]
    outcome, fs, _events, asr = await _run_call(utterances, bargein_policy="words")
    assert [c[0] for c in fs.commands][:2] == ["play", "break"]
    assert 4.2 <= fs.commands[1][1] <= 4.5, "broken by the second utterance's words, not by 'hum'"
    assert Priority.BARGEIN in asr.requests
    assert outcome.intents == ["call_back_later"] and outcome.result == "call_back_later"
    assert len(outcome.barge_ins) == 1 and outcome.barge_ins[0].speech_onset == 4.0


async def test_goodbye_prompts_are_not_interruptible() -> None:
    utterances = [Utterance(9.0, 9.4, "non"), Utterance(11.0, 12.5, "attendez, attendez")]
    outcome, fs, _events, _asr = await _run_call(utterances)
    assert _plays(fs) == ["greeting", "goodbye"]
    assert "break" not in [c[0] for c in fs.commands]
    assert outcome.result == "not_interested" and outcome.ended_by == "hangup"


async def _feed(listener: CallListener, seconds: float, start: float = 0.0) -> None:
    step = int(CHUNK_S * RATE)
    for n in range(int(seconds / CHUNK_S)):
        t = round(start + n * CHUNK_S, 6)
        await listener.feed(AudioChunk(_speechy(step, seed=n), t))


async def test_listener_cuts_a_turn_at_max_turn_ms_and_ends_waits_with_the_stream() -> None:
    import asyncio

    settings = DialogSettings(max_turn_ms=2000)
    talk = [Utterance(0.5, 9.0, "je parle sans m'arrêter")]
    ref: list[CallListener] = []
    listener = CallListener(settings, ScriptedVad(talk), ScriptedAsr(ref, talk), clock=ManualClock())
    ref.append(listener)
    waiting = asyncio.get_running_loop().create_task(listener.next_turn(0.0, 5.0, 0.7))
    await _feed(listener, 3.0)
    turn = await asyncio.wait_for(waiting, timeout=5)
    assert turn is not None and turn.start == 0.5
    assert turn.end == pytest.approx(2.5, abs=0.03), "cut max_turn_ms after its onset"
    assert turn.text == "je parle", "the words begun before the cut (the 8.5 s utterance's words spread over it)"

    silent = CallListener(settings, ScriptedVad([]), None, clock=ManualClock())
    waiting = asyncio.get_running_loop().create_task(silent.next_turn(0.0, 5.0, 0.7))
    await _feed(silent, 1.0)
    assert not waiting.done()
    silent.close()
    assert await asyncio.wait_for(waiting, timeout=5) is None, "the stream ended: nobody will answer"


async def test_listener_keeps_vad_times_on_the_stream_clock() -> None:
    """A listener that starts mid-stream (after AMD) shifts VAD times by the first chunk's stream time."""
    talk = [Utterance(0.5, 1.0, "oui")]
    listener = CallListener(DialogSettings(), ScriptedVad(talk), None, clock=ManualClock())
    await _feed(listener, 2.0, start=10.0)
    assert [type(e).__name__ for e in listener.speech_log] == ["SpeechStarted", "SpeechEnded"]
    assert listener.speech_log[0].t == pytest.approx(10.5)
    assert listener.audio_between(10.0, 10.1).size == 1600


async def test_backchannel_breaks_then_the_prompt_resumes_where_it_was_broken() -> None:
    outcome, fs, events, asr = await _run_call([Utterance(3.0, 3.4, "mmh")])
    kinds = [c[0] for c in fs.commands]
    assert kinds[:3] == ["play", "break", "play"]
    assert fs.commands[1][1] == pytest.approx(3.24, abs=0.021), "the vad policy still breaks fast"
    resumed = fs.commands[2]
    assert resumed[1] == pytest.approx(3.7, abs=0.03), "resumed once the VAD reported the end (+ silence)"
    offset = int(resumed[2].split("@@")[1])
    assert offset == pytest.approx((3.24 - 0.2) * 8000, abs=170), "where FreeSWITCH said it stopped, less 200 ms"
    assert _plays(fs)[:2] == ["greeting", f"greeting@@{offset}"]
    assert outcome.resumes == 1 and len(outcome.barge_ins) == 1
    assert Priority.BARGEIN in asr.requests, "the short interruption was transcribed"
    interruption = next(f for n, f in events if n == "interruption")
    assert interruption["resumed"] is True and interruption["text"] == "mmh" and interruption["kind"] == "short"
    assert outcome.intents[0] == "timeout", "the backchannel is not taken as the answer"
    assert fs.commands[3][0] == "play" and fs.commands[3][1] > 3.7 + (8.54 - offset / 8000), "resumed to its end"


async def test_a_short_answer_over_the_prompt_is_not_resumed_but_answered() -> None:
    outcome, fs, events, _asr = await _run_call([Utterance(3.0, 3.45, "non")])
    assert _plays(fs) == ["greeting", "goodbye"]
    assert outcome.resumes == 0 and outcome.result == "not_interested"
    interruption = next(f for n, f in events if n == "interruption")
    assert interruption["resumed"] is False and interruption["text"] == "non"
    answer = next(f for n, f in events if n == "answer")
    assert answer["speech_start"] == 3.0, "the interruption itself is the answer"


async def test_without_resume_a_backchannel_ends_the_prompt() -> None:
    outcome, fs, events, _asr = await _run_call([Utterance(3.0, 3.4, "mmh")], bargein_resume=False)
    assert [c[0] for c in fs.commands][:2] == ["play", "break"]
    assert "@@" not in " ".join(_plays(fs)) and outcome.resumes == 0
    assert not any(n == "interruption" for n, _ in events)


async def test_question_takes_the_question_branch_never_consent() -> None:
    outcome, fs, events, _asr = await _run_call([Utterance(9.0, 10.5, "Oui bonjour, c'est à quel sujet ?")])
    assert _plays(fs)[:2] == ["greeting", "question"]
    assert outcome.intents[0] == "question" and outcome.result != "interested"
    answer = next(f for n, f in events if n == "answer")
    assert answer["intent"] == "question" and answer["branch"] == "question"


async def test_live_words_reach_the_events_with_their_times() -> None:
    _outcome, _fs, events, _asr = await _run_call([Utterance(9.0, 9.8, "Oui, d'accord.")])
    partial = next(f for n, f in events if n == "partial")
    committed = [f for n, f in events if n == "transcript"]
    assert partial == {"step": "greeting", "text": "Oui, d'accord."}
    assert " ".join(f["text"] for f in committed) == "Oui, d'accord."
    assert committed[0]["step"] == "greeting" and committed[0]["start"] == pytest.approx(9.0)


async def test_settled_words_end_the_turn_before_the_caller_stops() -> None:
    talk = [Utterance(9.0, 13.0, "Non merci, ça ne m'intéresse pas du tout.")]
    outcome, fs, events, _asr = await _run_call(talk)
    answer = next(f for n, f in events if n == "answer")
    goodbye_at = next(c[1] for c in fs.commands if c[0] == "play" and c[2] == "goodbye")
    assert answer["early"] is True and answer["intent"] == "not_interested"
    # "Non merci," ends at 10.06 s: committed at the first iteration whose buffer reaches past it by the AlignAtt
    # guard (600 ms chunks), 3 s before the caller stops
    assert goodbye_at < 11.0
    waited, fs2, _events, _asr = await _run_call(talk, early_intents=[])
    late_at = next(c[1] for c in fs2.commands if c[0] == "play" and c[2] == "goodbye")
    assert late_at == pytest.approx(13.0 + 0.7, abs=0.1) and waited.result == outcome.result == "not_interested"


async def test_no_during_the_confirmation_reverses_it() -> None:
    talk = [Utterance(9.0, 9.4, "Oui."), Utterance(11.5, 12.5, "Ah non merci, finalement non.")]
    outcome, fs, events, _asr = await _run_call(talk)
    assert _plays(fs) == ["greeting", "confirm", "goodbye"]
    assert ("break", pytest.approx(12.7, abs=0.6), "") in [(c[0], c[1], c[2]) for c in fs.commands]
    assert outcome.result == "not_interested" and outcome.intents == ["yes", "not_interested"]
    answers = [f for n, f in events if n == "answer"]
    assert answers[1]["step"] == "confirm" and answers[1]["branch"] == "not_interested"


async def test_thanks_during_the_confirmation_change_nothing() -> None:
    talk = [Utterance(9.0, 9.4, "Oui."), Utterance(11.5, 12.0, "Merci, au revoir.")]
    outcome, fs, _events, _asr = await _run_call(talk)
    assert _plays(fs) == ["greeting", "confirm"] and outcome.result == "interested"
    assert outcome.intents == ["yes"] and not [c for c in fs.commands if c[0] == "break"]


async def test_pause_policy_resumes_a_backchannel_from_the_same_sample() -> None:
    outcome, fs, events, _asr = await _run_call([Utterance(2.0, 2.3, "oui")], bargein_policy="pause")
    kinds = [(c[0], c[2]) for c in fs.commands]
    assert kinds[:3] == [("play", "greeting"), ("pause", ""), ("pause", "")], "paused, then resumed by the toggle"
    assert ("break", "") not in kinds and _plays(fs)[0] == "greeting" and _plays(fs).count("greeting") == 1
    paused, resumed = (c[1] for c in fs.commands if c[0] == "pause")
    assert paused == pytest.approx(2.0 + 0.1, abs=0.05), "silent bargein_pause_min_speech_ms after the onset"
    assert resumed == pytest.approx(2.3 + 0.3, abs=0.1), "resumed once the short speech was judged a backchannel"
    assert outcome.resumes == 1 and outcome.barge_ins[0].policy == "pause"
    interruption = next(f for n, f in events if n == "interruption")
    assert interruption["action"] == "resume" and interruption["text"] == "oui"
    greeting_again_at = next(c[1] for c in fs.commands if c[0] == "play" and c[2] == "greeting_again")
    assert greeting_again_at == pytest.approx(8.54 + (resumed - paused) + 6.0, abs=0.15), "the prompt ran whole"


async def test_pause_policy_breaks_a_real_interruption() -> None:
    talk = [Utterance(2.0, 4.0, "Attendez, ne m'appelez plus.")]
    outcome, fs, events, _asr = await _run_call(talk, bargein_policy="pause")
    kinds = [c[0] for c in fs.commands]
    assert kinds[:3] == ["play", "pause", "break"], "paused at once, broken once the speech lasted"
    broke_at = next(c[1] for c in fs.commands if c[0] == "break")
    assert broke_at == pytest.approx(2.0 + 1.2, abs=0.1), "judged an interruption at backchannel_max_ms"
    assert outcome.refusal and outcome.steps[:2] == ["greeting", "refusal"]
    assert next(f for n, f in events if n == "interruption")["action"] == "break"


async def test_words_heard_after_the_vad_ended_extend_the_turn() -> None:
    talk = [Utterance(9.0, 9.5, "Oui bonjour,"), Utterance(9.6, 10.6, "c'est à quel sujet ?")]
    outcome, _fs, events, _asr = await _run_call(talk, vad_misses=1)
    answer = next(f for n, f in events if n == "answer")
    assert answer["intent"] == "question" and outcome.intents[0] == "question"
    assert isinstance(answer["decided_at"], float) and answer["decided_at"] >= 10.6 + 0.7 - 0.05, "waited for it"
