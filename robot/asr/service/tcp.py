"""The shared service context and the TCP server (whisper_streaming's protocol).

TCP: the client sends raw 16 kHz mono S16LE (or a 16 kHz mono WAV) and half-closes or closes when done; the
server answers committed lines `<beg_ms> <end_ms> <text>\\n` (ms from the first sample), then closes. An input
error is answered with one line `ERROR <reason>` before closing; other clients are not affected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from functools import partial

from robot.asr.engine import AsrEngine
from robot.asr.service.session import Output, vad_events
from robot.asr.service.stream import ClientStream, Emit, EngineRecognize, format_line, new_session
from robot.asr.service.wire import InputError, PcmStream
from robot.asr.vad import SileroModel, StreamingVad
from robot.media.analysis import AnalysisWorker
from robot.settings import AsrServiceSettings, VadSettings

log = logging.getLogger(__name__)
READ_BYTES = 1 << 15
REFUSE_LINGER_S = 3.0  # a refused client's remaining input is read and dropped this long at most, seconds


@dataclass
class ServiceContext:
    """What every connection shares: the one engine, the analysis worker that runs every client's VAD, the VAD
    model, the settings, the client count."""

    engine: AsrEngine
    settings: AsrServiceSettings
    vad_settings: VadSettings
    analysis: AnalysisWorker
    vad_model: SileroModel = field(default_factory=SileroModel)
    clients: int = 0
    served: int = 0

    def admit(self) -> bool:
        if self.clients >= self.settings.max_clients:
            return False
        self.clients += 1
        self.served += 1
        return True

    def leave(self) -> None:
        self.clients -= 1

    def stream(self, emit: Emit, policy: str | None = None) -> ClientStream:
        """A client's stream (call it on the event loop): its session, its VAD in a lane of the analysis worker."""
        vad = StreamingVad(self.vad_settings, self.vad_model)
        lane = self.analysis.lane(batch=partial(vad_events, vad))
        session = new_session(self.settings, self.vad_settings, None, policy=policy)
        return ClientStream(session, self.recognizer(), emit, lane)

    def recognizer(self) -> EngineRecognize:
        return EngineRecognize(self.engine, self.settings.partial_deadline_ms / 1000)


class LineWriter:
    """Committed words -> lines on a TCP stream (partials are not sent on TCP)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.last_end_ms = 0

    async def emit(self, output: Output) -> None:
        if not output.committed:
            return
        line, self.last_end_ms = format_line(output.committed, self.last_end_ms)
        self.writer.write(line.encode() + b"\n")
        await self.writer.drain()


async def handle_tcp(ctx: ServiceContext, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    peer = writer.get_extra_info("peername")
    if not ctx.admit():
        await refuse(reader, writer, f"server full ({ctx.settings.max_clients} clients)")
        return
    lines = LineWriter(writer)
    stream = ctx.stream(lines.emit)
    runner = asyncio.create_task(stream.run(), name=f"asr-tcp-{peer}")
    pcm = PcmStream()
    try:
        while not runner.done():
            data = await reader.read(READ_BYTES)
            if not data:
                break
            await stream.feed(pcm.push(data))
        pcm.close()
        stream.end()
        await runner
    except InputError as err:
        log.info("TCP client %s: %s", peer, err)
        runner.cancel()
        await refuse(reader, writer, str(err))
    except (ConnectionError, OSError) as err:
        log.info("TCP client %s left: %s", peer, err)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
            await runner
        ctx.leave()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.drain()
            writer.close()
            await writer.wait_closed()


async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, reason: str) -> None:
    """Answer `ERROR <reason>`, then read and drop what the client still sends (a few seconds at most), so that
    closing does not reset the connection before the client has read the line."""
    with contextlib.suppress(ConnectionError, OSError, TimeoutError):
        writer.write(f"ERROR {reason}\n".encode())
        await writer.drain()
        writer.write_eof()
        async with asyncio.timeout(REFUSE_LINGER_S):
            while await reader.read(READ_BYTES):
                pass


async def start_tcp(ctx: ServiceContext, host: str, port: int) -> asyncio.Server:
    return await asyncio.start_server(lambda r, w: handle_tcp(ctx, r, w), host, port, limit=READ_BYTES * 2)
