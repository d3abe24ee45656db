"""All of robot's settings, in one pydantic-settings model.

Sources, strongest first: keyword arguments, environment (`ROBOT_` prefix, nested with `__`, e.g.
`ROBOT_ESL__PASSWORD`), a `.env` file in the working directory, a TOML file given with `--config`, then the
defaults written here. Every field says its unit. Secrets are `SecretStr`: they print as `**********`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from robot.errors import ConfigError


class _Section(BaseModel):
    model_config = {"extra": "forbid"}


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


class MediaSettings(_Section):
    """The WebSocket server receiving mod_audio_stream audio."""

    host: str = Field("127.0.0.1", description="Listen address of the audio WebSocket server.")
    port: int = Field(8765, ge=0, le=65535, description="Listen port of the audio WebSocket server.")
    public_url: str = Field(
        "ws://127.0.0.1:8765",
        description="Base URL FreeSWITCH uses to reach the audio server (no trailing slash).",
    )
    secret: SecretStr = Field(
        SecretStr("change-me-audio-stream-secret"),
        description="HMAC key for per-call stream tokens (secret, never logged).",
    )
    stream_rate: Literal[8000, 16000] = Field(
        16000, description="Sample rate asked from mod_audio_stream, Hz (8k is resampled to 16k)."
    )
    max_frame_bytes: int = Field(
        16000,
        gt=0,
        description="Largest binary frame accepted, bytes (bigger frames are dropped and counted).",
    )
    buffer_frames: int = Field(
        250, gt=0, description="Per-call queue of audio frames before the oldest are dropped, frames."
    )
    restart_stream: bool = Field(True, description="Restart uuid_audio_stream when the WebSocket drops.")


class AsrSettings(_Section):
    """faster-whisper engine."""

    model: str = Field(
        "small",
        description="faster-whisper model name (downloaded on first use) or a local directory path.",
    )
    device: Literal["cpu", "cuda", "auto"] = Field("cpu", description="Inference device.")
    compute_type: str = Field("int8", description="CTranslate2 compute type (int8, int8_float32, float16...).")
    cpu_threads: int = Field(2, ge=0, description="CTranslate2 intra-op threads (0 = library default).")
    beam_size: int = Field(1, ge=1, description="Beam size (1 = greedy).")
    language: str = Field("fr", description="Spoken language code.")
    download_root: Path | None = Field(None, description="Where downloaded models are cached (None = HF cache).")
    local_files_only: bool = Field(False, description="Never try to download the model.")
    workers: int = Field(1, ge=1, description="Inference worker threads.")
    queue_max: int = Field(64, ge=1, description="Pending inference requests before new low-priority ones are refused.")
    no_speech_prob_max: float = Field(
        0.6, ge=0, le=1, description="Segments with a higher no_speech_prob are discarded, probability."
    )
    max_new_tokens: int = Field(48, ge=1, description="Cap on decoded tokens per request, tokens.")


class VadSettings(_Section):
    """Streaming Silero VAD (the ONNX file shipped in faster-whisper)."""

    threshold: float = Field(0.5, ge=0, le=1, description="Speech probability threshold.")
    min_speech_ms: int = Field(90, ge=0, description="Shortest speech run that opens a speech segment, ms.")
    min_silence_ms: int = Field(300, ge=0, description="Silence that closes a speech segment, ms.")


class AmdSettings(_Section):
    """Answering-machine detection. Thresholds are documented in robot/amd/classifier.py."""

    enabled: bool = Field(True, description="Run AMD on outbound calls.")
    window_ms: int = Field(2300, gt=0, description="Audio after CHANNEL_ANSWER used for the decision, ms.")
    keywords_file: Path = Field(Path("amd_keywords.yaml"), description="French AMD phrase families (YAML).")
    machine_action: Literal["hangup", "voicemail_drop"] = Field(
        "hangup", description="What to do on MACHINE: hang up, or wait for the beep and play a message."
    )
    voicemail_prompt: str | None = Field(None, description="Audio file played after the beep (voicemail_drop).")
    wait_for_beep_ms: int = Field(30000, gt=0, description="Longest wait for the voicemail beep, ms.")


class DialogSettings(_Section):
    """Scenario playback, listening and barge-in."""

    bargein_policy: Literal["vad", "words", "off"] = Field(
        "vad", description="vad: speech >= bargein_min_speech_ms; words: ASR confirms a non-backchannel word."
    )
    bargein_min_speech_ms: int = Field(240, ge=0, description="Speech needed to break a prompt (vad policy), ms.")
    backchannels: list[str] = Field(
        default_factory=lambda: ["oui", "hum", "mmh", "d'accord", "ouais", "ok", "hm"],
        description="Words that never break a prompt under the words policy.",
    )
    echo_guard_ms: int = Field(80, ge=0, description="Speech ignored right after a playback starts, ms.")
    listen_timeout_ms: int = Field(6000, gt=0, description="No answer after this long -> timeout branch, ms.")
    end_of_turn_silence_ms: int = Field(700, gt=0, description="Silence that ends the caller's turn, ms.")
    audio_dir: Path = Field(Path("audio"), description="Where scenario prompt files live.")


class CampaignSettings(_Section):
    """Dialing, pacing, retries and the store."""

    db_path: Path = Field(Path("var/robot.sqlite"), description="SQLite store (WAL mode).")
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
        },
        description="Delay before retrying, per hangup cause / AMD result, seconds. Causes not listed are final.",
    )
    originate_timeout_s: int = Field(45, gt=0, description="Ringing time before NO_ANSWER, seconds.")
    dnc_file: Path | None = Field(None, description="Do-not-call list file (one E.164 number per line).")
    default_timezone: str = Field("Europe/Paris", description="Time zone of contacts without one (IANA name).")
    metrics_port: int = Field(9108, ge=0, le=65535, description="Prometheus metrics port (0 = off).")


class LogSettings(_Section):
    """Call log and process log."""

    call_log: Path = Field(Path("var/calls.jsonl"), description="JSON Lines call log that `robot logs` reads.")
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Process log level.")


class SimSettings(_Section):
    """The FreeSWITCH + mod_audio_stream simulator."""

    host: str = Field("127.0.0.1", description="Listen address of the simulated ESL.")
    port: int = Field(8021, ge=0, le=65535, description="Listen port of the simulated ESL.")
    scripts_dir: Path | None = Field(None, description="Extra callee scripts (YAML/TOML); built-ins always load.")


class Settings(BaseSettings):
    """robot's settings. See each section's fields for units and defaults."""

    model_config = SettingsConfigDict(
        env_prefix="ROBOT_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    esl: EslSettings = Field(default_factory=EslSettings)  # type: ignore[arg-type]
    media: MediaSettings = Field(default_factory=MediaSettings)  # type: ignore[arg-type]
    asr: AsrSettings = Field(default_factory=AsrSettings)  # type: ignore[arg-type]
    vad: VadSettings = Field(default_factory=VadSettings)  # type: ignore[arg-type]
    amd: AmdSettings = Field(default_factory=AmdSettings)  # type: ignore[arg-type]
    dialog: DialogSettings = Field(default_factory=DialogSettings)  # type: ignore[arg-type]
    campaign: CampaignSettings = Field(default_factory=CampaignSettings)  # type: ignore[arg-type]
    log: LogSettings = Field(default_factory=LogSettings)  # type: ignore[arg-type]
    sim: SimSettings = Field(default_factory=SimSettings)  # type: ignore[arg-type]


def _describe(err: ValidationError, source: str) -> str:
    lines = [f"invalid settings ({source}):"]
    for item in err.errors():
        where = ".".join(str(p) for p in item["loc"])
        secret = any(word in where for word in ("password", "secret", "token"))
        got = "" if secret else f" (got {item.get('input')!r})"
        lines.append(f"  {where}: {item['msg']}{got}")
    return "\n".join(lines)


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings; `config` is an optional TOML file (weaker than env and .env).

    Raises ConfigError naming the file and the field on any invalid value.
    """
    if config is None:
        try:
            return Settings(**overrides)
        except ValidationError as err:
            raise ConfigError(_describe(err, "environment/.env")) from err
    if not config.is_file():
        raise ConfigError(f"{config}: config file not found")
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
    except ValueError as err:  # TOML syntax errors carry line/column in their message
        raise ConfigError(f"{config}: {err}") from err
