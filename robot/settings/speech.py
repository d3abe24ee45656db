"""Settings sections of speech recognition: the faster-whisper engine (asr), the VAD (vad) and `robot asr serve`
(asr_service)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr

from robot.settings.base import _Section


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
    amd_prompt: str = Field(
        "",
        max_length=1000,
        description="Text given to the decoder as previous-text context (<|startofprev|> + its tokens: its last "
        "prompt_max_tokens, trimmed to a multiple of prompt_bucket_tokens) of the AMD transcript only, to bias it "
        "toward greeting, voicemail and carrier-announcement words; dialog, streaming and barge-in are unchanged "
        "('' = none; benchmarks/results/amd_eval_tune_prompt.json), text.",
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
    urgent_workers: int = Field(
        1,
        ge=0,
        le=4,
        description="Extra worker threads, each with its own model replica, that serve only AMD and barge-in "
        "requests: a busy worker cannot be interrupted, so without one these wait for the end of a streaming batch "
        "(benchmarks/results/bargein.json); with one they start at once and share the cores (0 = none), workers.",
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
        9.0,
        gt=0,
        description="Decoding budget per second of audio content (not of padding), plus min_new_tokens; French speech "
        "needs ~5-8 (the fastest of 233 recorded French prompts: 8.1 per second of speech), more is a decoding loop "
        "that only costs time, tokens/s.",
    )
    amd_max_tokens_per_s: float = Field(
        6.0,
        gt=0,
        description="max_tokens_per_s of the AMD transcript only: with min_new_tokens it still holds the fastest "
        "French prompt speech (8.1 tokens/s) of windows up to ~4 s (a 6 s one may lose its last ~5 tokens), and a "
        "garbled window stops sooner. bench amd, 1 call, p95 445-455 ms vs 485-498 at 9; dev splits (696 clips): the "
        "same verdicts and decision times (benchmarks/results/bench_amd_token_rate_ab.json), tokens/s.",
    )
    min_new_tokens: int = Field(8, ge=1, description="Decoding budget added to every request, tokens.")
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
    amd_no_repeat_ngram_size: int = Field(
        3,
        ge=0,
        le=10,
        description="The AMD transcript never repeats an n-gram of this many tokens, in its only pass: a decoding "
        "loop is cut as it starts instead of filling the token budget and being decoded again (0 = off: loops are "
        "then decoded again, see loop_retry; benchmarks/results/bench_amd_base.json), tokens.",
    )
    repetition_penalty: float = Field(
        1.0, ge=1.0, le=2.0, description="Penalty on already generated tokens while decoding (1 = off), factor."
    )
    loop_retry: bool = Field(
        True,
        description="A decoded text that loops (repeated n-grams, high compression ratio) is decoded again with "
        "no_repeat_ngram_size 3 and repetition_penalty 1.2 (only requests decoded without n-gram blocking).",
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
