"""Settings section of answering-machine detection (amd)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from robot.settings.base import _Section


class AmdSettings(_Section):
    """Answering-machine detection. Times are ms after CHANNEL_ANSWER unless said otherwise; the decision rules that
    use them are in robot/amd/classifier.py (decision order), timing.py (decision points) and fusion.py (scores)."""

    enabled: bool = Field(True, description="Run AMD on outbound calls.")
    on_handoff: bool = Field(False, description="Also run AMD on calls handed off by the dialplan (inbound).")
    window_ms: int = Field(2300, gt=0, description="Audio after CHANNEL_ANSWER used for the decision, ms.")
    keywords_file: Path = Field(Path("amd_keywords.yaml"), description="French AMD phrase families (YAML).")
    machine_action: Literal["hangup", "voicemail_drop"] = Field(
        "hangup", description="What to do on MACHINE: hang up, or wait for the beep and play a message."
    )
    voicemail_prompt: str | None = Field(None, description="Audio file played after the beep (voicemail_drop).")
    wait_for_beep_ms: int = Field(30000, gt=0, description="Longest wait for the voicemail beep, ms.")
    probe_prompt: str | None = Field(
        None,
        description="Short audio file ('Allô ?') played to the callee when nobody has spoken probe_after_ms after the "
        "answer: people who pick up and wait for the caller to speak first answer it (robot/amd/probe.py). Live calls "
        "only (not `robot amd` / `amd-eval` on files). None = off: a silent line is NO_ANSWER at no_speech_timeout_ms.",
    )
    probe_after_ms: int = Field(
        2000, gt=0, description="Silence after the answer before the probe is played (with probe_prompt), ms."
    )
    probe_listen_ms: int = Field(
        2500,
        gt=0,
        description="Time after the probe's end for the callee to start answering it; a line still silent then is "
        "NO_ANSWER (or at no_speech_timeout_ms, whichever is later), ms.",
    )
    probe_echo_ms: int = Field(
        400,
        ge=0,
        description="Speech that starts and ends within the probe's playback and this long after it is the probe "
        "coming back down the line (or a word said over it), not an answer: it is ignored, ms.",
    )
    use_asr: bool = Field(True, description="Transcribe the window and score voicemail/human/operator phrases.")
    capture_dir: Path | None = Field(
        None,
        description="Save what AMD heard on each call (answer to verdict) as a WAV plus a row of "
        "capture_dir/manifest.csv with the verdict and an empty label to fill: `robot amd-eval` then measures AMD on "
        "your own calls (robot/amd/capture.py). Call audio is personal data (files 0600): check your legal basis. "
        "None = off.",
    )
    capture_max_mb: float = Field(
        2000.0,
        gt=0,
        description="Largest total size of the WAVs under capture_dir (~0.2 MB per call); once reached, captures are "
        "skipped (logged once, counted) until files are moved or deleted: the robot never deletes them, MB.",
    )
    max_asr_requests: int = Field(
        3,
        ge=1,
        le=4,
        description="Transcripts asked per call at most: an early one (the first greeting ended, or "
        "early_asr_speech_ms of speech), then one at each decision point reached while speech came after the last "
        "one (the window's end; the last one at the decision point: see last_asr_lead_ms). 2 -> 3 (with "
        "last_asr_lead_ms 0): on all 1041 development clips with Whisper base 82.9 % right instead of 80.5 %, 29 "
        "people called machines instead of 42 (their long openers' 'à l'appareil' came after the second request), "
        "decision p50 / p95 4.00 / 5.94 s instead of 3.80 / 5.58 (benchmarks/results/amd_dev_asr_requests.json), "
        "requests.",
    )
    last_asr_lead_ms: int = Field(
        0,
        ge=0,
        description="The last transcript a call may ask (the max_asr_requests-th, from the third) is asked this long "
        "before the decision point it is for (a long greeting's, the extended deadline); 0 = at that point, and the "
        "decision waits for it. Development clips (Whisper base, file mode): 0 -> 82.9 % right, 29 people called "
        "machines, p50 / p95 4.00 / 5.94 s; 400 -> 82.0 %, 36, 3.84 / 5.66 s; 800 -> 82.0 %, 35, 3.80 / 5.56 s "
        "(benchmarks/results/amd_dev_asr_requests.json), ms.",
    )
    early_asr_speech_ms: int = Field(
        1500,
        gt=0,
        description="Speech still going on after this long is transcribed at once (its words may decide early), ms.",
    )
    early_asr_silence_ms: int = Field(
        200, ge=0, description="Silence after speech that asks for an early transcript of it, ms."
    )
    file_asr_latency_ms: int = Field(
        400,
        ge=0,
        description="AMD on files (robot amd, amd-eval): the transcript reaches the decision this much audio time "
        "after it is asked, whatever this machine's speed (the `robot bench amd` p95 target), ms.",
    )
    vad_threshold: float = Field(
        0.25,
        ge=0,
        le=1,
        description="VAD speech probability threshold during AMD (below vad.threshold: a missed greeting costs "
        "more than a noise blip; tune split: 0.25 finds quiet telephone-band openers 0.35 missed), probability.",
    )
    vad_min_silence_ms: int = Field(
        200,
        ge=0,
        description="Silence that closes a speech segment for AMD (the dialog VAD keeps vad.min_silence_ms): the "
        "first greeting's transcript is asked when its segment closes, so a person's 'allô' decides this much "
        "sooner (300 -> 200: 0.1 s). The segment also stops counting trailing silence sooner, so a greeting is "
        "measured shorter against long_greeting_ms (held-out splits, Whisper base, against 300: 2 people no longer "
        "called machines, 2 machines and 2 announcements of 3.2-3.3 s called human; "
        "benchmarks/results/amd_eval_test*_base*.json), ms.",
    )
    vad_assist: bool = Field(
        True,
        description="Energy assist for the AMD VAD (robot/asr/vad_gate.py): a window with a speech probability of at "
        "least vad_assist_probability and a level vad_assist_margin_db above the line's noise floor counts as speech "
        "(tune split: 3 of 57 telephone-band synthetic humans were never heard by Silero alone).",
    )
    vad_assist_probability: float = Field(
        0.1, ge=0, le=1, description="Lowest speech probability an assisted window may have, probability."
    )
    vad_assist_voice_probability: float | None = Field(
        0.03,
        ge=0,
        le=1,
        description="Voice tier of the energy assist: a window with a speech probability of at least this (under "
        "vad_assist_probability) that clears the margin counts as speech when its spectrum looks like a voice (most "
        "power in 250-3500 Hz, no single peak, not flat): a phone line's 300 Hz cut leaves Silero 0.03-0.1 on short "
        "openers. Such windows only help open speech (see vad_assist_voice_min_ms). With it on, every assisted "
        "window must be in the voice band (tones and hum are not assisted). None = off (the assist as before), "
        "probability.",
    )
    vad_assist_voice_min_ms: int = Field(
        160,
        gt=0,
        description="A run of speech windows that needs the voice tier's windows opens speech once it lasts this "
        "(runs without them: vad.min_speech_ms; once speech is open, voiced windows do not extend it), ms.",
    )
    vad_assist_margin_db: float = Field(
        15.0,
        gt=0,
        description="Level above the noise floor (10th percentile of the last 2 s) of an assisted window, dB.",
    )
    no_speech_timeout_ms: int = Field(
        4000, gt=0, description="No speech at all by then -> NO_ANSWER (silent-first humans get until then), ms."
    )
    late_speech_window_ms: int = Field(
        1500, gt=0, description="When speech starts late, the decision waits this long after its onset, ms."
    )
    machine_speech_ms: int = Field(
        2400,
        gt=0,
        description="Continuous speech this long, reached by the deadline (window_ms, or late_speech_window_ms "
        "after a late onset), is a machine greeting (early decision), ms. It must fit before that deadline: at the "
        "defaults (2400 > window_ms 2300 and > late_speech_window_ms 1500) it never fires and long_greeting_ms "
        "decides long speech.",
    )
    human_max_greeting_ms: int = Field(
        1300, gt=0, description="Total speech up to this long, then silence, is a human greeting, ms."
    )
    short_greeting_silence_ms: int = Field(
        1200,
        gt=0,
        description="Silence after a short greeting (total speech <= human_max_greeting_ms) that decides at once "
        "(HUMAN unless the words say otherwise), ms. A short voicemail's beep can come 1.2-1.6 s after its "
        "greeting ('short voicemail then beep', a known failure mode; Twilio's SpeechEndThreshold is 1200 ms); "
        "800 (Asterisk AMD's after-greeting silence) decides a person's 'allô' 0.4 s sooner at the same accuracy "
        "on the tune split, but on the held-out splits it called 3 short voicemails/announcements human and fixed "
        "none (benchmarks/results/amd_eval_short_greeting_800.json). A beep later than this is missed.",
    )
    after_greeting_silence_ms: int = Field(
        1200,
        gt=0,
        description="The hold after a greeting longer than a short one (hold_after_greeting): voicemail beeps come "
        "up to ~1.2 s after the greeting (tune split: 1.0 s after a 2.5 s greeting; 800 ms here missed it), ms.",
    )
    hold_after_greeting: bool = Field(
        True,
        description="A greeting that ended less than after_greeting_silence_ms before the deadline holds the "
        "decision until that much silence (lets a voicemail's beep arrive; at most max_extension_ms).",
    )
    long_greeting_ms: int = Field(
        3500,
        gt=0,
        description="An utterance (speech joined across pauses shorter than utterance_gap_ms) this long is a "
        "machine greeting unless the words say human, ms. An open segment counts up to now, and the VAD closes it "
        "amd.vad_min_silence_ms late. 3000 was tried (tune, whisper-base: 151/162 right vs 150, no person called a "
        "machine, p50 0.06 s sooner) and reverted after the held-out runs, as decided before them: people talking "
        "3.0-3.5 s rest on their words, and on voices Whisper base garbles 2 more people were called machines "
        "(test 5/60 vs 4, test2 7/40 vs 6; benchmarks/results/amd_eval_longgreeting3000.json).",
    )
    long_greeting_words_wait_ms: int = Field(
        1000,
        ge=0,
        description="A long greeting (long_greeting_ms) still going on whose transcript holds no voicemail or operator "
        "phrase, and that timing alone would call a machine, is judged once it has lasted this much longer (or ends), "
        "on one more transcript than max_asr_requests: a person's long opener says who answers last ('Garage "
        "Fontaine, bonjour, Olivier à l'appareil'), a recording's words confirm it or the long greeting still "
        "decides. 0 = off (judged at long_greeting_ms). All 1797 development clips, Whisper base: 1000 -> 1506 right "
        "instead of 1491 (15 moved, all now right: 9 people no longer called machines, 6 announcements found), "
        "decision p95 6.24 s instead of 6.10; 700 and 1500 each call one more machine human "
        "(benchmarks/results/amd_dev_words_wait.json), ms.",
    )
    long_talk_ms: int | None = Field(
        3000,
        gt=0,
        description="Speech in several segments (pauses of utterance_gap_ms or more) totalling this much, still going "
        "on at the deadline, with at least long_talk_min_words words heard, weighs as much as a long greeting (a "
        "recorded greeting that pauses between its sentences). None = off: it adds half a point. On the 1293 "
        "development clips with Whisper base: 3000 with 9 words, 1069 right instead of 1054, no more people called "
        "machines; 3000 without a word count, 1073 right but 2 more people called machines "
        "(benchmarks/results/amd_dev_long_talk_words.json), ms.",
    )
    long_talk_min_words: int = Field(
        9,
        ge=0,
        description="With long_talk_ms on, the transcript must also hold at least this many words (jambonz calls a "
        "machine from 9 words; 8: one more person called a machine on the development clips; 0 = no word count), "
        "words.",
    )
    utterance_gap_ms: int = Field(
        500,
        ge=0,
        description="Pauses shorter than this join speech segments into one utterance (a recorded greeting's "
        "pauses between sentences; humans repeating 'allô' pause longer), ms.",
    )
    max_extension_ms: int = Field(
        2200,
        ge=0,
        description="Longest wait past the deadline (window_ms, or late_speech_window_ms after a late onset) while "
        "speech goes on (long_greeting_ms rule) or a greeting just ended (hold_after_greeting), ms.",
    )
    machine_score_min: float = Field(
        2.0, gt=0, description="Fused evidence score at or above which the verdict is MACHINE, points."
    )
    human_score_max: float = Field(
        0.0,
        description="Fused evidence score at or below which the verdict is HUMAN (between: low-confidence "
        "HUMAN, biased toward humans), points.",
    )
    strong_phrase_points: float = Field(3.0, gt=0, description="Score of one strong phrase of a family, points.")
    weak_phrase_points: float = Field(1.0, gt=0, description="Score of one weak phrase of a family, points.")
    near_phrase_points: float = Field(
        2.0,
        ge=0,
        description="Score of a near match of a strong phrase of at least near_phrase_min_words words: one word "
        "changed, missing or added, the first word kept (Whisper garbles one word of a long phrase, or the window ends "
        "one word early; robot/amd/keywords.py). 0 = exact matches only. Dev splits (tune..test4, 696 clips, "
        "Whisper base): 573 right vs 570 with 0, no more people called machines "
        "(benchmarks/results/amd_dev_near_phrases.json), points.",
    )
    near_phrase_min_words: int = Field(
        6,
        ge=3,
        description="Shortest strong phrase that may match one word off (near_phrase_points): at 5 a person's 'je ne "
        "peux pas dire ...' matched 'je ne peux pas décrocher' (dev splits: 1 person called a machine), words.",
    )
    operator_score_min: float = Field(
        3.0, gt=0, description="Operator-announcement phrase score that gives OPERATOR, points."
    )
    operator_weak_score_min: float = Field(
        2.0,
        gt=0,
        description="At a decision point, operator phrase points (weak ones summed) that give OPERATOR when they "
        "outweigh the voicemail points and no human phrase was heard; fewer still turn a MACHINE verdict into "
        "OPERATOR, points.",
    )
    early_machine_phrase_score: float = Field(
        3.0, gt=0, description="Voicemail phrase score that decides MACHINE before the window ends, points."
    )
    keep_phrase_evidence: bool = Field(
        True,
        description="Each phrase family keeps its highest score over the call's transcripts (a later transcript "
        "of the same speech may garble a phrase an earlier one had); off: the latest transcript replaces the "
        "earlier ones.",
    )
    human_words_in_speech: bool = Field(
        True,
        description="A transcript with a person's opener (a strong human phrase: 'allô', 'à l'appareil', 'je vous "
        "écoute') and no voicemail or operator phrase decides HUMAN while the person still talks (otherwise the "
        "decision waits for the end of their speech).",
    )
    melody_points: float = Field(
        2.0,
        ge=0,
        description="Score added by a melody (hold music, an IVR chime: notes of two pitches, robot/amd/melody.py) "
        "that ended before the first speech: people do not answer with music (0 = rule off), points.",
    )
    melody_speech_ms: int = Field(
        300,
        gt=0,
        description="After a melody, the decision comes this long after the first speech onset (the fused score "
        "then holds melody_points; a transcript with a person's words already in outweighs them, which takes the "
        "greeting's segment closing plus the ASR: 0.7 s or more after the onset, so 500 gave words no more chance "
        "than 300; tune split: 500 -> 300 decides the machines after music 0.2 s sooner, same verdicts), ms.",
    )
    beep_min_ms: int = Field(
        100,
        gt=0,
        description="Shortest tone taken as a voicemail beep, ms. Voicemail beeps last 150-1000 ms; at 80, vowels of "
        "synthetic voices near 450-510 Hz measured as 80-96 ms 'beeps' (2 people called machines in 1293 development "
        "clips; at 100: 3 clips more right, 2 people fewer called machines, no beep missed; at 120 a 150 ms beep "
        "measured shorter is missed: benchmarks/results/amd_dev_beep_min.json), ms.",
    )
    beep_in_speech_ms: int = Field(
        400,
        ge=0,
        description="A beep-like tone inside speech that began before it and is still going on this long after the "
        "tone ended is a voice's steady vowel (synthetic voices hold one pitch), not a voicemail beep, which follows "
        "its greeting: ignored. A beep thus decides this much after it ends; it must outlast the VAD's own closing "
        "of a segment that took the beep for speech (vad_min_silence_ms and a VAD window). 0 = every such tone is a "
        "beep, at once. All 1923 development clips, Whisper base: 400 -> one person fewer called a machine (a 459 Hz "
        "vowel of 176 ms), no beep lost; 250 and 150 lose 2 and 3 machines' beeps "
        "(benchmarks/results/amd_dev_beep_in_speech.json), ms.",
    )
    beep_max_ms: int = Field(
        1200, gt=0, description="Longest tone taken as a beep (French ringback is 1500 ms and is ignored), ms."
    )
    beep_min_hz: float = Field(
        450.0, gt=0, description="Lowest beep frequency (excludes the 425 Hz French ringback/dial tone), Hz."
    )
    beep_max_hz: float = Field(2100.0, gt=0, description="Highest beep frequency, Hz.")
    tone_purity_min: float = Field(
        0.85,
        gt=0,
        le=1,
        description="Share of the 80 Hz-Nyquist energy a tone's 5 FFT bins (15.6 Hz each) must hold to count as a "
        "single tone (speech and dual-tone ringback stay below), ratio.",
    )
    tone_min_dbfs: float = Field(-45.0, le=0, description="Quietest block level analysed for tones, dBFS (RMS).")
    machine_end_silence_ms: int = Field(
        4000, gt=0, description="Wait-for-beep mode: silence after the greeting taken as its end (no beep), ms."
    )
    min_words_per_second_machine: float = Field(
        3.2,
        gt=0,
        description="Speech rate (transcript words per speech second) typical of recorded greetings, "
        "words/s; adds fast_speech_points when reached over at least 1 s of speech.",
    )
    fast_speech_points: float = Field(
        0.0,
        ge=0,
        description="Score added by the speech-rate rule (0 = rule off: with real transcripts, people's long openers "
        "reach recorded-greeting rates; tune split), points.",
    )

    @model_validator(mode="after")
    def _probe_before_the_timeout(self) -> AmdSettings:
        if self.probe_prompt and self.probe_after_ms >= self.no_speech_timeout_ms:
            raise ValueError(
                f"probe_after_ms ({self.probe_after_ms}) must be below no_speech_timeout_ms "
                f"({self.no_speech_timeout_ms}): the line would be NO_ANSWER before the probe plays"
            )
        return self

    @property
    def longest_decision_s(self) -> float:
        """The latest a verdict can come, in audio seconds after the answer (no probe): see `longest_decision_with`."""
        return self.longest_decision_with(probe_s=None)

    def longest_decision_with(self, probe_s: float | None) -> float:
        """The latest a verdict can come, in audio seconds after the answer: speech starting just before the
        no-speech timeout (moved past the probe when one of `probe_s` seconds plays: robot/amd/probe.py), its late
        window and the longest extension (or a long greeting held for its words), a tone still sounding and two
        transcripts."""
        silent = float(self.no_speech_timeout_ms)
        if probe_s is not None:
            silent = max(silent, self.probe_after_ms + probe_s * 1000.0 + self.probe_listen_ms)
        extended = max(self.window_ms, silent + self.late_speech_window_ms) + self.max_extension_ms
        held = silent + self.long_greeting_ms + self.long_greeting_words_wait_ms
        return (max(extended, held) + self.beep_max_ms + 2 * self.file_asr_latency_ms) / 1000.0
