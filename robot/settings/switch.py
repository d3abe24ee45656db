"""Settings sections of the switch side: FreeSWITCH event socket (esl) and the mod_audio_stream server (media)."""

from __future__ import annotations

import secrets
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from robot.settings.base import _Section


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
