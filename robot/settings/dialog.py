"""Settings section of the call dialog: scenario playback, listening, streaming recognition and barge-in (dialog)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from robot.settings.base import _Section


class DialogSettings(_Section):
    """Scenario playback, listening and barge-in."""

    bargein_policy: Literal["vad", "words", "pause", "off"] = Field(
        "pause",
        description="pause: pause the prompt after bargein_pause_min_speech_ms (uuid_fileman), then break it or "
        "resume it from the same sample; vad: break after speech >= bargein_min_speech_ms (then maybe restart a "
        "backchannel's prompt from where it broke); words: ASR confirms a non-backchannel word first (slowest).",
    )
    bargein_min_speech_ms: int = Field(240, ge=0, description="Speech needed to break a prompt (vad policy), ms.")
    bargein_pause_min_speech_ms: int = Field(
        100, ge=0, description="Speech needed to pause a prompt (pause policy; reversible, so shorter), ms."
    )
    backchannels: list[str] = Field(
        default_factory=lambda: [
            *("oui", "ouais", "ouaip", "mouais"),  # assent
            *("ok", "okay", "d'accord", "dac", "entendu", "bien", "très bien", "voilà", "je vois"),  # acknowledgement
            *("euh", "heu", "ben", "bah"),  # hesitation
            *("ah", "oh", "eh", "ha", "ho"),  # interjection
            *("hum", "hm", "mmh"),  # hums, any spelling: robot.dialog.backchannel
        ],
        description="Phrases that never break a prompt (words policy) or that resume it (pause and vad policies), "
        "said alone or together, repeated or not; hums in any spelling count too.",
    )
    echo_guard_ms: int = Field(80, ge=0, description="Speech ignored right after a playback starts, ms.")
    listen_timeout_ms: int = Field(6000, gt=0, description="No answer after this long -> timeout branch, ms.")
    end_of_turn_silence_ms: int = Field(700, gt=0, description="Silence that ends the caller's turn, ms.")
    audio_dir: Path = Field(Path("audio"), description="Where scenario prompt files live.")
    scenario: Path = Field(
        Path("scenarios/demo_fr.yaml"),
        description="Scenario of calls handed off by the dialplan and of `robot call` without --scenario (YAML).",
    )
    echo_correlation_min: float = Field(
        0.8,
        ge=-1,
        le=1,
        description="Caller energy envelope correlating this well with the playing prompt's is echo, Pearson r.",
    )
    echo_max_lag_ms: int = Field(200, ge=0, description="Largest echo delay searched after the prompt audio, ms.")
    echo_window_ms: int = Field(
        480, gt=0, description="Most recent caller audio compared with the prompt for the echo check, ms."
    )
    bargein_asr_interval_ms: int = Field(
        200, gt=0, description="Words policy: speech added between two barge-in ASR confirmations, ms."
    )
    bargein_asr_deadline_ms: int = Field(
        400, gt=0, description="Words policy: a barge-in ASR request older than this is dropped, ms."
    )
    turn_asr_deadline_ms: int = Field(3000, gt=0, description="End-of-turn transcription deadline, ms.")
    turn_preroll_ms: int = Field(
        500,
        ge=0,
        description="End-of-turn transcription: audio taken before the turn's first VAD onset (Silero reports "
        "onsets 0.2-0.4 s after a telephone voice begins: a shorter pre-roll cuts the first word), ms.",
    )
    max_turn_ms: int = Field(15000, gt=0, description="A caller turn longer than this is cut and transcribed, ms.")
    bargein_resume: bool = Field(
        True, description="vad policy: resume a prompt broken by a backchannel ('mmh', 'oui') where it stopped."
    )
    backchannel_max_ms: int = Field(
        1200, gt=0, description="An interruption still talking this long after its onset is a real turn, ms."
    )
    backchannel_words_wait_ms: int = Field(
        1500,
        gt=0,
        description="pause/vad policies: longest wait, in call audio time, for the words of a short interruption "
        "before it is judged without them (as a backchannel: it was short and nothing showed it was more), ms.",
    )
    resume_silence_ms: int = Field(
        250, ge=0, description="Silence after a short interruption before it is judged (then maybe resumed), ms."
    )
    resume_rewind_ms: int = Field(
        200, ge=0, description="A resumed prompt restarts this long before the point where it was broken, ms."
    )
    max_resumes: int = Field(3, ge=0, description="Resumes of one prompt at most; then a barge-in ends it, count.")
    streaming: bool = Field(
        True,
        description="Recognise the caller while they talk (LocalAgreement-2, robot.dialog.live); off: one "
        "transcription of each whole turn at its end.",
    )
    stream_chunk_ms: int = Field(
        600, gt=0, description="Streaming: new speech audio between two recognitions of a call's buffer, ms."
    )
    stream_buffer_s: float = Field(
        2.0,
        gt=0,
        le=30,
        description="Streaming: the audio buffer is cut at a committed word end once longer than this, seconds.",
    )
    stream_preroll_ms: int = Field(200, ge=0, description="Streaming: audio kept before a VAD speech onset, ms.")
    stream_policy: Literal["localagreement", "alignatt"] = Field(
        "alignatt",
        description="Streaming commit policy: localagreement (a word is committed once two consecutive hypotheses "
        "agree on it) or alignatt (committed from one hypothesis once its aligned audio ends before the last "
        "stream_alignatt_guard_ms of the buffer: one iteration sooner, less checked).",
    )
    stream_alignatt_guard_ms: int = Field(
        400, ge=0, description="AlignAtt: a word aligned into the last this-many ms of the buffer waits, ms."
    )
    stream_alignatt_min_probability: float = Field(
        0.0,
        ge=0,
        le=1,
        description="AlignAtt: a word below this probability also waits for a second hypothesis to repeat it "
        "(0 = pure AlignAtt), probability.",
    )
    early_intents: list[str] = Field(
        default_factory=lambda: ["stop_calling_me", "not_interested", "call_back_later"],
        description="Intents that end the caller's turn as soon as committed words show them (no end-of-turn "
        "silence wait); [] = always wait.",
    )
