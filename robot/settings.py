"""All of robot's settings, in one pydantic-settings model.

Sources, strongest first: keyword arguments, environment (`ROBOT_` prefix, nested with `__`, e.g.
`ROBOT_ESL__PASSWORD`), a `.env` file in the working directory, a TOML file given with `--config`, then the
defaults written here. Every field says its unit. Secrets are `SecretStr`: they print as `**********`.
"""

from __future__ import annotations

import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from robot.errors import ConfigError


class _Section(BaseModel):
    model_config = {"extra": "forbid"}


class EslEndpoint(_Section):
    """One FreeSWITCH server of several (esl.endpoints)."""

    host: str = Field(..., description="ESL host.")
    port: int = Field(8021, ge=1, le=65535, description="ESL port.")
    password: SecretStr | None = Field(None, description="ESL password (secret); None = esl.password.")
    weight: float = Field(1.0, gt=0, description="Share of new calls relative to the other servers, weight.")
    capacity: int = Field(0, ge=0, description="Calls in flight at most on this server (0 = no limit), calls.")


class EslSettings(_Section):
    """FreeSWITCH event socket (inbound client) and the outbound-socket server for dialplan hand-off."""

    host: str = Field("127.0.0.1", description="FreeSWITCH ESL host (mod_event_socket listen-ip).")
    port: int = Field(8021, ge=1, le=65535, description="FreeSWITCH ESL port.")
    password: SecretStr = Field(SecretStr("ClueCon"), description="ESL password (secret, never logged).")
    connect_timeout_s: float = Field(5.0, gt=0, description="TCP connect + auth timeout, seconds.")
    request_timeout_s: float = Field(10.0, gt=0, description="Timeout of one api/command reply, seconds.")
    bgapi_timeout_s: float = Field(
        120.0, gt=0, description="Timeout for a BACKGROUND_JOB result (originate waits for answer), seconds."
    )
    reconnect_initial_s: float = Field(0.2, gt=0, description="First reconnect delay, seconds (doubles).")
    reconnect_max_s: float = Field(10.0, gt=0, description="Cap of the reconnect delay, seconds.")
    outbound_host: str = Field("127.0.0.1", description="Listen address of the outbound-socket server.")
    outbound_port: int = Field(8084, ge=0, le=65535, description="Listen port of the outbound-socket server.")
    endpoints: list[EslEndpoint] = Field(
        default_factory=list,
        description="Several FreeSWITCH servers for outbound calls (JSON list of {host, port, weight, capacity}); "
        "new calls go to the least loaded server by weight, a server that is down gets none until it is back. "
        "Empty = the one server at host:port.",
    )


class MediaSettings(_Section):
    """The WebSocket server receiving mod_audio_stream audio."""

    host: str = Field("127.0.0.1", description="Listen address of the audio WebSocket server.")
    port: int = Field(8765, ge=0, le=65535, description="Listen port of the audio WebSocket server.")
    public_url: str = Field(
        "ws://127.0.0.1:8765",
        description="Base URL FreeSWITCH uses to reach the audio server (no trailing slash). Not set: "
        "ws://<host>:<port> of this section (0.0.0.0 -> 127.0.0.1), so another port is advertised too.",
    )

    @model_validator(mode="after")
    def _frame_fits(self) -> MediaSettings:
        frame_bytes = self.stream_buffer_ms * self.stream_rate // 500
        if frame_bytes > self.max_frame_bytes:
            raise ValueError(
                f"media.stream_buffer_ms {self.stream_buffer_ms} makes {frame_bytes}-byte frames at "
                f"{self.stream_rate} Hz, more than media.max_frame_bytes {self.max_frame_bytes}: lower the one or "
                "raise the other"
            )
        return self

    @model_validator(mode="after")
    def _default_public_url(self) -> MediaSettings:
        if "public_url" not in self.model_fields_set:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
            host = f"[{host}]" if ":" in host else host
            self.public_url = f"ws://{host}:{self.port}"
        return self

    secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        description="HMAC key for per-call stream tokens (secret, never logged). Unset or empty: a random key made "
        "when the settings are loaded, i.e. per process (the same process issues the tokens in stream URLs and "
        "checks them, so no shared key is needed). A placeholder (change-me...) or a key under 16 characters is "
        "refused.",
    )

    @field_validator("secret", mode="before")
    @classmethod
    def _no_weak_secret(cls, value: Any) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or raw == "":
            return SecretStr(secrets.token_urlsafe(32))
        if isinstance(raw, str) and (raw.lower().startswith("change-me") or len(raw) < 16):
            raise ValueError(
                "media.secret is a placeholder or shorter than 16 characters; set a long random value "
                "(python3 -c 'import secrets; print(secrets.token_urlsafe(32))') or leave it unset"
            )
        return value

    stream_rate: Literal[8000, 16000] = Field(
        16000, description="Sample rate asked from mod_audio_stream, Hz (8k is resampled to 16k)."
    )
    max_frame_bytes: int = Field(
        16000,
        gt=0,
        description="Largest binary frame accepted, bytes (bigger frames are dropped and counted).",
    )
    stream_buffer_ms: int = Field(
        100,
        ge=20,
        multiple_of=20,
        description="Audio per WebSocket frame, ms (mod_audio_stream's STREAM_BUFFER_SIZE channel variable, set by "
        "the robot before it starts the stream; a multiple of 20). Larger frames cost the audio server less CPU "
        "(fewer frames) but each extra 20 ms adds up to 20 ms to when barge-in, VAD and AMD decisions are known "
        "(the decisions themselves, in stream time, do not change).",
    )
    analysis_threads: int = Field(
        1,
        ge=1,
        le=16,
        description="Threads of the audio-analysis worker (VAD and tones of every call), threads; each call stays on "
        "one. Silero and the FFTs release the GIL, so a second thread can use a second core; the event loop and the "
        "ASR share the same cores.",
    )
    buffer_s: float = Field(
        5.0,
        gt=0,
        description="Per-call queue of received audio before the oldest frames are dropped, seconds (counted in "
        "frames of stream_buffer_ms).",
    )
    restart_stream: bool = Field(True, description="Restart uuid_audio_stream when the WebSocket drops.")
    max_stream_restarts: int = Field(5, ge=0, description="Stream restarts per call at most, restarts.")
    connect_timeout_s: float = Field(
        3.0, gt=0, description="Wait for mod_audio_stream to connect after uuid_audio_stream start, seconds."
    )
    close_timeout_s: float = Field(
        2.0, gt=0, description="Longest wait for the WebSocket closing handshake when a call ends, seconds."
    )
    open_timeout_s: float = Field(
        10.0, gt=0, description="A connection that has not finished its WebSocket upgrade by then is dropped, seconds."
    )
    ping_interval_s: float | None = Field(
        None,
        gt=0,
        description="WebSocket keepalive ping interval, seconds (None = off: audio arrives every stream_buffer_ms "
        "anyway).",
    )


class AsrSettings(_Section):
    """faster-whisper engine."""

    model: str = Field(
        "small",
        description="faster-whisper model name (downloaded on first use) or a local directory path.",
    )
    device: Literal["cpu", "cuda", "auto"] = Field("cpu", description="Inference device.")
    compute_type: str = Field("int8", description="CTranslate2 compute type (int8, int8_float32, float16...).")
    cpu_threads: int = Field(
        1,
        ge=0,
        description="CTranslate2 intra-op threads per worker (0 = library default); on 2 cores, 2 workers x 1 thread "
        "serve 8 requests together in 1.4 s where 1 worker x 2 threads takes 1.9 s "
        "(benchmarks/results/asr_workers.json), threads.",
    )
    beam_size: int = Field(1, ge=1, description="Beam size of dialog, streaming and barge-in decoding (1 = greedy).")
    amd_beam_size: int = Field(
        1,
        ge=1,
        le=8,
        description="Beam size of the AMD transcript only (1 = greedy; benchmarks/results/asr_decoding_beam.json), "
        "hypotheses.",
    )
    language: str = Field("fr", description="Spoken language code.")
    download_root: Path | None = Field(None, description="Where downloaded models are cached (None = HF cache).")
    local_files_only: bool = Field(False, description="Never try to download the model.")
    workers: int = Field(
        2,
        ge=1,
        description="Inference worker threads, each with its own model replica (memory x workers); free workers share "
        "the waiting requests and decode at the same time, workers.",
    )
    queue_max: int = Field(64, ge=1, description="Pending inference requests before new low-priority ones are refused.")
    no_speech_prob_max: float = Field(
        0.6, ge=0, le=1, description="Segments with a higher no_speech_prob are discarded, probability."
    )
    max_new_tokens: int = Field(
        220,
        ge=1,
        le=440,
        description="Hard cap on decoded tokens per request (the budget follows the audio: see max_tokens_per_s), "
        "tokens.",
    )
    max_tokens_per_s: float = Field(
        12.0,
        gt=0,
        description="Decoding budget per second of audio content (not of padding), plus min_new_tokens; French speech "
        "needs ~6-9, more is a decoding loop, tokens/s.",
    )
    min_new_tokens: int = Field(12, ge=1, description="Decoding budget added to every request, tokens.")
    max_batch: int = Field(8, ge=1, description="Requests (from any calls) decoded together at most, requests.")
    batch_pad_max_s: float = Field(
        5.0,
        ge=0,
        le=30,
        description="Requests whose padded encoder inputs differ by up to this share a batch (each padded to the "
        "longest: more encoder work, one decoder pass instead of several), seconds.",
    )
    batch_gather_ms: int = Field(
        40,
        ge=0,
        le=1000,
        description="A streaming, turn or service request waits up to this long (from when it was queued or the "
        "previous batch ended, the later) for requests of other calls to share its batch (AMD and barge-in never "
        "wait), ms.",
    )
    min_input_s: float = Field(
        5.0,
        ge=0,
        le=30,
        description="Encoder input is zero-padded to at least this long: on short unpadded inputs real Whisper loops "
        "and drops words (benchmarks/results/asr_decoding.json), seconds.",
    )
    min_tail_s: float = Field(
        2.0,
        ge=0,
        le=20,
        description="Zero padding kept after the audio at least: answers of 4-9 s lose fewer words "
        "(benchmarks/results/asr_decoding_long.json), seconds.",
    )
    pad_multiple_s: float = Field(
        1.0,
        gt=0,
        le=30,
        description="The encoder input length is rounded up to a multiple of this (not to 30 s), seconds.",
    )
    no_repeat_ngram_size: int = Field(
        0, ge=0, le=10, description="Forbid repeating any n-gram of this many tokens while decoding (0 = off), tokens."
    )
    repetition_penalty: float = Field(
        1.0, ge=1.0, le=2.0, description="Penalty on already generated tokens while decoding (1 = off), factor."
    )
    loop_retry: bool = Field(
        True,
        description="A decoded text that loops (repeated n-grams, high compression ratio) is decoded again with "
        "no_repeat_ngram_size 3 and repetition_penalty 1.2.",
    )
    compression_ratio_max: float = Field(
        2.4, gt=1, description="Text compressing better than this (zlib) is a decoding loop, ratio."
    )
    logprob_min: float = Field(
        -1.0,
        description="Text is discarded as non-speech only when no_speech_prob > no_speech_prob_max AND its mean token "
        "log probability is below this (Whisper's own rule), log probability.",
    )
    prompt_max_tokens: int = Field(
        64, ge=0, le=200, description="Previous-text context given to the decoder at most, tokens (0 = none)."
    )
    prompt_bucket_tokens: int = Field(
        16,
        ge=1,
        description="Previous-text context is trimmed to a multiple of this so requests batch together, tokens.",
    )
    stream_prompt_chars: int = Field(
        200, ge=0, description="Committed text given back as prompt by the streaming recognizer, characters."
    )
    stream_trim_s: float = Field(
        15.0, gt=0, description="Streaming audio buffer is trimmed at a committed word end beyond this, seconds."
    )


class VadSettings(_Section):
    """Streaming Silero VAD (the ONNX file shipped in faster-whisper)."""

    threshold: float = Field(0.5, ge=0, le=1, description="Speech probability threshold.")
    min_speech_ms: int = Field(90, ge=0, description="Shortest speech run that opens a speech segment, ms.")
    min_silence_ms: int = Field(300, ge=0, description="Silence that closes a speech segment, ms.")
    neg_threshold_offset: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Inside speech, and in a run that crossed the threshold but has not yet lasted min_speech_ms, "
        "silence means probability below threshold minus this (hysteresis), probability.",
    )


class AsrServiceSettings(_Section):
    """`robot asr serve`: the streaming recognition service (TCP and WebSocket) on the robot's engine."""

    host: str = Field("127.0.0.1", description="Address both servers listen on.")
    tcp_port: int = Field(43007, ge=0, le=65535, description="Raw PCM TCP server port (0 = any free port).")
    ws_port: int = Field(43008, ge=0, le=65535, description="WebSocket server and browser page port (0 = any).")
    token: SecretStr | None = Field(
        None, description="WebSocket clients must send ?token=<this> (secret); None = no auth (no default token)."
    )
    policy: Literal["localagreement", "alignatt"] = Field(
        "localagreement", description="Default commit policy; a WebSocket client may choose with ?policy=."
    )
    step_ms: int = Field(500, gt=0, description="New audio between two recognitions of a client's buffer, ms.")
    preroll_ms: int = Field(200, ge=0, description="Audio kept before a VAD speech onset, ms.")
    tail_ms: int = Field(200, ge=0, description="Audio kept after a VAD speech end in the final recognition, ms.")
    max_segment_s: float = Field(
        25.0, gt=1, le=29, description="A speech segment still uncommitted this long is finalised, seconds."
    )
    trim_s: float = Field(
        12.0, gt=0, le=25, description="The audio buffer is cut at a committed word end once longer than this, s."
    )
    partial_deadline_ms: int = Field(
        2000, gt=0, description="A partial recognition still queued this long is dropped (the client waits), ms."
    )
    alignatt_guard_ms: int = Field(
        400, ge=0, description="AlignAtt: a word whose alignment reaches the last this-many ms is not yet stable, ms."
    )
    alignatt_min_probability: float = Field(
        0.0,
        ge=0,
        le=1,
        description="AlignAtt: below this word probability, a word also waits for a second hypothesis to repeat it "
        "(0 = pure AlignAtt), probability.",
    )
    max_backlog_s: float = Field(
        10.0, gt=0, description="Received audio not yet processed per client, at most (then reading pauses), s."
    )
    max_clients: int = Field(64, ge=1, description="Concurrent clients (TCP and WebSocket together), clients.")
    max_message_bytes: int = Field(1 << 20, ge=1024, description="Largest WebSocket message accepted, bytes.")


class AmdSettings(_Section):
    """Answering-machine detection. Times are ms after CHANNEL_ANSWER unless said otherwise; the decision rules that
    use them are in robot/amd/classifier.py."""

    enabled: bool = Field(True, description="Run AMD on outbound calls.")
    on_handoff: bool = Field(False, description="Also run AMD on calls handed off by the dialplan (inbound).")
    window_ms: int = Field(2300, gt=0, description="Audio after CHANNEL_ANSWER used for the decision, ms.")
    keywords_file: Path = Field(Path("amd_keywords.yaml"), description="French AMD phrase families (YAML).")
    machine_action: Literal["hangup", "voicemail_drop"] = Field(
        "hangup", description="What to do on MACHINE: hang up, or wait for the beep and play a message."
    )
    voicemail_prompt: str | None = Field(None, description="Audio file played after the beep (voicemail_drop).")
    wait_for_beep_ms: int = Field(30000, gt=0, description="Longest wait for the voicemail beep, ms.")
    use_asr: bool = Field(True, description="Transcribe the window and score voicemail/human/operator phrases.")
    max_asr_requests: int = Field(
        2,
        ge=1,
        le=4,
        description="Transcripts asked per call at most: an early one (the first greeting ended, or "
        "early_asr_speech_ms of speech) and one at the decision point when speech came after it, requests.",
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
    vad_assist: bool = Field(
        True,
        description="Energy assist for the AMD VAD (robot/asr/vad_gate.py): a window with a speech probability of at "
        "least vad_assist_probability and a level vad_assist_margin_db above the line's noise floor counts as speech "
        "(tune split: 3 of 57 telephone-band synthetic humans were never heard by Silero alone).",
    )
    vad_assist_probability: float = Field(
        0.1, ge=0, le=1, description="Lowest speech probability an assisted window may have, probability."
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
        "after a late onset), is a machine greeting (early decision), ms.",
    )
    human_max_greeting_ms: int = Field(
        1300, gt=0, description="Total speech up to this long, then silence, is a human greeting, ms."
    )
    after_greeting_silence_ms: int = Field(
        1200,
        gt=0,
        description="Silence after a short greeting that lets AMD decide HUMAN early, and the hold after any "
        "greeting (voicemail beeps come up to ~1.2 s after the greeting; on the tune split 1000 decided 0.08 s "
        "earlier at the same accuracy, not worth a missed beep), ms.",
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
        "machine greeting, ms. An open segment counts up to now, and the VAD closes it vad.min_silence_ms late "
        "(tune split with whisper-base transcripts: 3000 and 3200 decide 0.2-0.3 s sooner at the same accuracy but "
        "call twice as many people machines).",
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
    beep_min_ms: int = Field(80, gt=0, description="Shortest tone taken as a voicemail beep, ms.")
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

    @property
    def longest_decision_s(self) -> float:
        """The latest a verdict can come, in audio seconds after the answer: speech starting just before
        no_speech_timeout_ms, its late window, the longest extension, a tone still sounding and the transcript."""
        latest = max(self.window_ms, self.no_speech_timeout_ms + self.late_speech_window_ms)
        return (latest + self.max_extension_ms + self.beep_max_ms + self.file_asr_latency_ms) / 1000.0


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


class CampaignSettings(_Section):
    """Dialing, pacing, retries and the store."""

    db_path: Path = Field(Path("var/robot.sqlite"), description="SQLite store (WAL mode).")
    store: SecretStr = Field(
        SecretStr(""),
        description="Campaign store: empty = the SQLite file db_path (one machine); postgresql://user:password@host"
        ":port/database = PostgreSQL, shared by `robot campaign run --worker` processes on several machines "
        "(secret: never logged).",
    )
    store_pool_size: int = Field(4, ge=1, le=64, description="PostgreSQL store: connections per process at most.")
    concurrency: int = Field(10, ge=1, description="Calls in flight at most, calls.")
    cps: float = Field(2.0, gt=0, description="New calls per second at most, calls/s.")
    dial_template: str = Field(
        "sofia/gateway/operator/{number}",
        description="Dial string; {number} is replaced by the contact's validated number.",
    )
    max_attempts: int = Field(3, ge=1, description="Attempts per contact at most (the legal cap may be lower).")
    retry_delay_s: dict[str, float] = Field(
        default_factory=lambda: {
            "USER_BUSY": 600.0,
            "NO_ANSWER": 1800.0,
            "NO_USER_RESPONSE": 1800.0,
            "NORMAL_TEMPORARY_FAILURE": 300.0,
            "RECOVERY_ON_TIMER_EXPIRE": 300.0,
            "MACHINE": 3600.0,
            "UNKNOWN_CRASH": 3600.0,
            "DIALER_ERROR": 300.0,
            "ROBOT_ESL_LOST": 300.0,
        },
        description="Delay before retrying, per hangup cause / AMD result, seconds. Causes not listed are final. "
        "UNKNOWN_CRASH: an unanswered attempt left in flight by a crashed run; DIALER_ERROR: the dialer raised; "
        "ROBOT_ESL_LOST: the switch was lost while the call rang. An originate that never reached the switch "
        "is no attempt at all (not counted, dialled again once the switch is back).",
    )
    originate_timeout_s: int = Field(45, gt=0, description="Ringing time before NO_ANSWER, seconds.")
    dnc_file: Path | None = Field(None, description="Do-not-call list file (one E.164 number per line).")
    default_timezone: str = Field("Europe/Paris", description="Time zone of contacts without one (IANA name).")

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Paris, America/Martinique)") from err
        return value

    metrics_port: int = Field(
        9108, ge=0, le=65535, description="Port of /metrics, the live API and the web console (0 = off)."
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="Listen address of /metrics and the console; other than loopback, console.token is required.",
    )
    legal_max_attempts: int = Field(
        4, ge=1, description="Prospecting: attempts per number at most within legal_window_days (D223-9), attempts."
    )
    legal_window_days: int = Field(30, ge=1, description="Prospecting: rolling window of the attempt cap, days.")
    refusal_quiet_days: int = Field(
        60, ge=0, description="Prospecting: no new call to a number for this long after a refusal, days."
    )
    idle_poll_s: float = Field(
        1.0, gt=0, description="Longest runner sleep between store checks (pause, due retries), seconds."
    )
    lease_ttl_s: float = Field(
        30.0, gt=0, description="A running campaign's lease; another runner may take it over once expired, seconds."
    )
    grace_s: float = Field(
        30.0,
        ge=0,
        description="On SIGINT/SIGTERM: calls in flight may finish for this long before they are hung up "
        "(a second signal hangs up at once), seconds.",
    )
    max_call_s: int = Field(
        900,
        ge=10,
        le=86400,
        description="Hard cap on an answered call's length, enforced by FreeSWITCH itself (sched_hangup on answer, "
        "cause ALLOTTED_TIMEOUT), so a call orphaned by a robot crash cannot live on, seconds.",
    )


class LogSettings(_Section):
    """Call log and process log."""

    call_log: Path = Field(Path("var/calls.jsonl"), description="JSON Lines call log that `robot logs` reads.")
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Process log level.")
    follow_poll_s: float = Field(0.5, gt=0, description="`robot logs -f`: interval between file checks, seconds.")


class ConsoleSettings(_Section):
    """The live view (web console, `robot top`, JSON API) served beside /metrics on campaign.metrics_port."""

    token: SecretStr | None = Field(
        None,
        description="Bearer token (or basic-auth password, any user) for /metrics, the API and the console. "
        "Required when campaign.metrics_host is not loopback; none by default (secret).",
    )
    mask_numbers: bool = Field(True, description="Show callee numbers masked (+336******78) in the live view.")
    push_interval_s: float = Field(
        1.0, gt=0, le=10, description="Server-sent events: live snapshot sent to each viewer this often, seconds."
    )
    recent_calls: int = Field(50, ge=0, le=1000, description="Ended calls kept for their timeline, calls.")
    timeline_events: int = Field(200, ge=10, le=5000, description="Events kept per call timeline, events.")


class SimSettings(_Section):
    """The FreeSWITCH + mod_audio_stream simulator."""

    host: str = Field("127.0.0.1", description="Listen address of the simulated ESL.")
    port: int = Field(8021, ge=0, le=65535, description="Listen port of the simulated ESL (0: pick a free one).")
    scripts_dir: Path | None = Field(None, description="Extra callee scripts (YAML/TOML); built-ins always load.")
    password: SecretStr = Field(SecretStr("ClueCon"), description="ESL password the simulator accepts (secret).")
    audio_dir: Path | None = Field(
        None, description="Where scripts' `say` WAVs are looked up after the script's own folder (default audio/sim)."
    )
    missing_file_s: float = Field(
        3.0, gt=0, le=600, description="Playback length of a uuid_broadcast file that is not a readable WAV, seconds."
    )
    broadcast_delay_ms: int = Field(
        200, ge=0, le=5000, description="uuid_broadcast reply -> PLAYBACK_START delay, ms (~200 ms on the capture)."
    )
    default_script: str = Field("human", description="Script for sofia/gateway calls whose number maps to none.")
    originate_log: Path | None = Field(
        None,
        description="Append one JSON line per originate received (dial string, origination_uuid, variables), "
        "flushed per line: the ledger of what was really dialled. None: off.",
    )
    number_suffix_scripts: dict[str, str] = Field(
        default_factory=lambda: {
            "00": "human",
            "01": "human_bargein",
            "02": "human_backchannel",
            "03": "human_silent_first",
            "04": "machine",
            "05": "machine_short",
            "06": "silence",
            "07": "busy",
            "08": "noanswer",
            "09": "announcement",
            "10": "noise",
        },
        description="sofia/gateway/<gw>/<number>: last two digits of the number -> script name.",
    )


class Settings(BaseSettings):
    """robot's settings. See each section's fields for units and defaults."""

    model_config = SettingsConfigDict(
        env_prefix="ROBOT_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        # A .env shared with docker compose holds non-ROBOT_ keys too: ignore them at the top level.
        # Sections forbid unknown fields, so a typo in ROBOT_ESL__PASWORD or a TOML section is still an error.
        extra="ignore",
        nested_model_default_partial_update=True,
    )

    esl: EslSettings = Field(default_factory=EslSettings)  # type: ignore[arg-type]
    media: MediaSettings = Field(default_factory=MediaSettings)  # type: ignore[arg-type]
    asr: AsrSettings = Field(default_factory=AsrSettings)  # type: ignore[arg-type]
    vad: VadSettings = Field(default_factory=VadSettings)  # type: ignore[arg-type]
    asr_service: AsrServiceSettings = Field(default_factory=AsrServiceSettings)  # type: ignore[arg-type]
    amd: AmdSettings = Field(default_factory=AmdSettings)  # type: ignore[arg-type]
    dialog: DialogSettings = Field(default_factory=DialogSettings)  # type: ignore[arg-type]
    campaign: CampaignSettings = Field(default_factory=CampaignSettings)  # type: ignore[arg-type]
    log: LogSettings = Field(default_factory=LogSettings)  # type: ignore[arg-type]
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)  # type: ignore[arg-type]
    sim: SimSettings = Field(default_factory=SimSettings)  # type: ignore[arg-type]


def _describe(err: ValidationError, source: str) -> str:
    lines = [f"invalid settings ({source}):"]
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"])
        secret = any(word in where for word in ("password", "secret", "token"))
        got = "" if secret else f" (got {item.get('input')!r})"
        lines.append(f"  {where}: {item['msg']}{got}")
    return "\n".join(lines)


def _describe_source_error(err: SettingsError) -> str:
    cause = f": {err.__cause__}" if err.__cause__ else ""
    return f"invalid settings: {err}{cause} (nested values in ROBOT_* variables are JSON)"


def _check_sections(config: Path) -> None:
    """A misspelt section ([campain]) or a top-level key is an error, not silently ignored."""
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{config}: {err}") from err
    known = set(Settings.model_fields)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{config}: unknown section(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings; `config` is an optional TOML file (weaker than env and .env).

    Raises ConfigError naming the file and the field on any invalid value.
    """
    if config is None:
        try:
            return Settings(**overrides)
        except ValidationError as err:
            raise ConfigError(_describe(err, "environment/.env")) from err
        except SettingsError as err:  # e.g. ROBOT_CAMPAIGN__RETRY_DELAY_S='{bad' (not JSON)
            raise ConfigError(_describe_source_error(err)) from err
    if not config.is_file():
        raise ConfigError(f"{config}: config file not found")
    _check_sections(config)
    toml_path = config

    class _FileSettings(Settings):
        model_config = SettingsConfigDict(toml_file=toml_path)

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (
                init_settings,
                env_settings,
                dotenv_settings,
                TomlConfigSettingsSource(settings_cls),
                file_secret_settings,
            )

    try:
        return _FileSettings(**overrides)
    except ValidationError as err:
        raise ConfigError(_describe(err, str(config))) from err
    except SettingsError as err:
        raise ConfigError(_describe_source_error(err)) from err
    except ValueError as err:  # TOML syntax errors carry line/column in their message
        raise ConfigError(f"{config}: {err}") from err
