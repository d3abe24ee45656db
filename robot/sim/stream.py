"""mod_audio_stream's WebSocket client side: metadata text frame, then paced 20 ms L16 frames.

Facts followed (../shared/reference/freeswitch-wire.md): no subprotocol, no compression, the first binary frame
~40 ms after the handshake (two frames back-to-back), then one every 20 ms on a drift-free schedule. With the channel
variable STREAM_BUFFER_SIZE (ms, a multiple of 20, read at `start`) a frame carries that much audio and leaves once
its audio is complete, one every STREAM_BUFFER_SIZE ms (modelled: frame n at max((n + 1) x size, 40 ms)); `stop [text]`
sends the text then closes 1000; hangup closes 1000 "Normal closure"; a close started by the server fires
`mod_audio_stream::disconnect`; server text -> `::json`, or `::play` for a streamAudio message.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

log = logging.getLogger(__name__)

FIRST_FRAME_DELAY_S = 0.040
CLOSE_TIMEOUT_S = 1.0


@dataclass(frozen=True, slots=True)
class StreamSpec:
    url: str
    mix: str  # mono | mixed | stereo
    rate: int  # 8000 | 16000
    metadata: str
    frame_ms: int = 20


# callback(subclass, json body) for mod_audio_stream::* events
Notify = Callable[[str, str], None]
# frame source: (rate, samples since answer, samples) -> bytes
FrameSource = Callable[[int, int, int], bytes]


class AudioStream:
    """One uuid_audio_stream session. `run()` is the task; `stop()` / `hangup()` end it."""

    def __init__(
        self, uuid: str, spec: StreamSpec, source: FrameSource, start_position_s: Callable[[], float], notify: Notify
    ) -> None:
        self.uuid = uuid
        self.spec = spec
        self._source = source
        self._position_s = start_position_s
        self._notify = notify
        self._ws: ClientConnection | None = None
        self._closing = False
        self._play_count = 0
        self.frames_sent = 0
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        try:
            ws = await connect(
                self.spec.url,
                compression=None,
                ping_interval=None,
                open_timeout=5.0,
                close_timeout=CLOSE_TIMEOUT_S,
                max_size=16 << 20,
                user_agent_header=None,
            )
        except InvalidStatus as err:
            self._error(6, f"Handshake failed: HTTP {err.response.status_code}")
            return
        except (InvalidHandshake, InvalidURI, EOFError) as err:
            eof = isinstance(err, EOFError) or isinstance(err.__cause__, EOFError)
            self._error(6, f"Connection closed during handshake ({'EOF' if eof else err})")
            return
        except (OSError, TimeoutError) as err:
            self._error(2, f"Connection failed: {err}")
            return
        self._ws = ws
        self._notify("mod_audio_stream::connect", '{"status":"connected"}')
        reader = asyncio.create_task(self._read(ws), name=f"sim-ws-read-{self.uuid}")
        try:
            await ws.send(self.spec.metadata)
            if self.spec.mix == "mono":
                await self._pump(ws)
            else:
                await ws.wait_closed()  # mixed/stereo send nothing while the parked A leg is silent
        except ConnectionClosed:
            pass
        finally:
            await asyncio.wait({reader}, timeout=CLOSE_TIMEOUT_S)
            reader.cancel()

    async def _pump(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        rate = self.spec.rate
        samples = rate * self.spec.frame_ms // 1000
        period = self.spec.frame_ms / 1000
        position = int(self._position_s() * rate)
        start = loop.time()
        n = 0
        while not self._closing:
            due = start + max((n + 1) * period, FIRST_FRAME_DELAY_S)  # 20 ms: frames 0 and 1 leave together
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if self.closing:
                break
            await ws.send(self._source(rate, position, samples))
            position += samples
            n += 1
            self.frames_sent = n

    @property
    def closing(self) -> bool:
        return self._closing

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for message in ws:
                if isinstance(message, str):
                    self._on_text(message)
        except ConnectionClosed:
            pass
        if not self._closing:
            # The server closed first: FreeSWITCH echoes the close and reports it.
            self._closing = True
            code = ws.close_code or 1006
            reason = ws.close_reason or ""
            body = {"status": "disconnected", "message": {"code": code, "reason": reason}}
            self._notify("mod_audio_stream::disconnect", json.dumps(body, separators=(",", ":")))

    def _on_text(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("type") == "streamAudio" and isinstance(data.get("data"), dict):
            payload = data["data"]
            rate = int(payload.get("sampleRate", 8000))
            try:
                base64.b64decode(str(payload.get("audioData", "")), validate=True)
            except (binascii.Error, ValueError):
                self._error(3, "invalid base64 audioData")
                return
            path = f"/tmp/{self.uuid}_{self._play_count}.tmp.r{rate // 1000}"
            self._play_count += 1
            body = {"audioDataType": payload.get("audioDataType", "raw"), "sampleRate": rate, "file": path}
            self._notify("mod_audio_stream::play", json.dumps(body, separators=(",", ":")))
            return
        self._notify("mod_audio_stream::json", text)

    def _error(self, code: int, message: str) -> None:
        body = {"status": "error", "message": {"code": code, "error": message}}
        self._notify("mod_audio_stream::error", json.dumps(body, separators=(",", ":")))

    async def close(self, text: str | None = None, reason: str = "Normal closure") -> None:
        """Stop streaming: optional final text frame, then close 1000 (waits for the close handshake)."""
        self._closing = True
        ws = self._ws
        if ws is not None:
            try:
                if text:
                    await ws.send(text)
                await ws.close(1000, reason)
            except ConnectionClosed:
                pass
        if self.task is not None and self.task is not asyncio.current_task():
            await asyncio.wait({self.task}, timeout=CLOSE_TIMEOUT_S + 0.5)

    async def send_text(self, text: str) -> None:
        if self._ws is not None:
            await self._ws.send(text)
