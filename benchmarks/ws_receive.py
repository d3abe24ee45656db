"""Side by side: CPU of a bare WebSocket server that only COUNTS the binary frames of N mod_audio_stream-like streams.

One child process per server variant (its own CPU only, time.process_time over the window), fed by a lean load
generator in this process (raw sockets, pre-built masked frames, one timer tick per frame period for all
connections; its CPU is not counted). Variants:
- websockets: `websockets.asyncio.server.serve` + `async for message in connection` (robot.bench.loadgen.RawSink,
  the baseline `robot bench load --mode plumbing` compares with);
- websockets-sansio: an asyncio.BufferedProtocol around websockets' Sans-I/O ServerProtocol, recv_into one shared
  buffer (the design of robot.media.ws_protocol.StreamConnection, without routing/auth/decoding/queue);
- aiohttp: aiohttp.web WebSocketResponse (its C/Cython frame reader) + `async for msg in ws`;
- robot-stream-connection: robot.media.ws_protocol.StreamConnection itself (its own frame cutting for audio frames,
  websockets' ServerProtocol for the rest), with a call object that only counts;
- websockets-sansio+uvloop: the same on uvloop's event loop (libuv, C) instead of asyncio's selector loop;
- picows: picows.ws_create_server, a WSListener.on_ws_frame callback (Cython parser; no Task per connection).
Frame sizes: --frame-ms 20 (640 B at 16 kHz, 50 frames/s per stream) and larger multiples of 20 ms (mod_audio_stream's
STREAM_BUFFER_SIZE): same audio, fewer frames.

.venv/bin/python benchmarks/ws_receive.py [--calls 500] [--frame-ms 20,100] [--seconds 10] [--repeat 3]
    [--libs websockets,websockets-sansio,aiohttp,picows] [-o benchmarks/results/ws_receive.json]
A library that is not installed is reported as skipped (picows and uvloop are not robot dependencies: e.g.
pip install --target /tmp/extra picows uvloop, then PYTHONPATH=/tmp/extra .venv/bin/python benchmarks/ws_receive.py).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # robot-stream-connection imports the robot package

LIBS = ("websockets", "websockets-sansio", "robot-stream-connection", "websockets-sansio+uvloop", "aiohttp", "picows")
MODULE_OF = {
    "websockets": "websockets",
    "websockets-sansio": "websockets",
    "robot-stream-connection": "robot",
    "websockets-sansio+uvloop": "uvloop",
    "aiohttp": "aiohttp",
    "picows": "picows",
}
BYTES_PER_MS = 32  # 16 kHz mono s16
SETTLE_S = 2.0
SPREAD = 20  # groups of streams whose frames leave at different times within a period
HANDSHAKE = (
    "GET /call/{i} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


# ---- servers (child process) ------------------------------------------------------------------------------------
class Counter:
    frames = 0
    connections = 0
    target = 0
    ready: asyncio.Event | None = None

    @classmethod
    def connected(cls) -> None:
        cls.connections += 1
        if cls.connections >= cls.target and cls.ready is not None:
            cls.ready.set()


async def serve_websockets(host: str) -> tuple[Any, int]:
    from websockets.asyncio.server import ServerConnection, serve

    async def handle(connection: ServerConnection) -> None:
        Counter.connected()
        async for message in connection:
            if isinstance(message, bytes):
                Counter.frames += 1

    server = await serve(handle, host, 0, compression=None, ping_interval=None, max_size=1 << 16)
    return server, server.sockets[0].getsockname()[1]


async def serve_websockets_sansio(host: str) -> tuple[Any, int]:
    from websockets.frames import Frame, Opcode
    from websockets.http11 import Request
    from websockets.server import ServerProtocol

    view = memoryview(bytearray(64 * 1024))

    class Conn(asyncio.BufferedProtocol):
        def __init__(self) -> None:
            self.proto = ServerProtocol(max_size=1 << 16)
            self.transport: asyncio.Transport | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport  # type: ignore[assignment]

        def get_buffer(self, sizehint: int) -> memoryview:
            return view

        def buffer_updated(self, nbytes: int) -> None:
            proto = self.proto
            proto.receive_data(view[:nbytes].tobytes())
            for event in proto.events_received():
                if isinstance(event, Frame):
                    if event.opcode is Opcode.BINARY:
                        Counter.frames += 1
                elif isinstance(event, Request):
                    proto.send_response(proto.accept(event))
                    Counter.connected()
            if proto.writes:
                for data in proto.data_to_send():
                    if data and self.transport is not None:
                        self.transport.write(data)

    server = await asyncio.get_running_loop().create_server(Conn, host, 0)
    return server, server.sockets[0].getsockname()[1]


async def serve_robot(host: str) -> tuple[Any, int]:
    """robot.media.ws_protocol.StreamConnection (its fast path) with a router that accepts every path and a call
    that only counts (no routing, auth, decoding or queue: those are in `robot bench load --mode plumbing`)."""
    import logging

    from robot.media.ws_protocol import ReadBuffer, StreamConnection

    class CountingCall:
        def on_binary(self, payload: bytes) -> None:
            Counter.frames += 1

        def on_text(self, text: str) -> None:
            pass

    class Router:
        def route(self, connection: StreamConnection, request: object) -> CountingCall:
            return CountingCall()

        def accepted(self, connection: StreamConnection, call: object) -> None:
            Counter.connected()

        def connection_closed(self, connection: StreamConnection) -> None:
            pass

    router, buffer, log = Router(), ReadBuffer(), logging.getLogger("ws_receive")

    def factory() -> StreamConnection:
        return StreamConnection(
            router,  # type: ignore[arg-type]
            buffer,
            max_size=1 << 16,
            open_timeout_s=10.0,
            close_timeout_s=2.0,
            ping_interval_s=None,
            ws_logger=log,
        )

    server = await asyncio.get_running_loop().create_server(factory, host, 0)
    return server, server.sockets[0].getsockname()[1]


async def serve_aiohttp(host: str) -> tuple[Any, int]:
    from aiohttp import WSMsgType, web

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=1 << 16, compress=False, autoping=False)
        await ws.prepare(request)
        Counter.connected()
        async for msg in ws:
            if msg.type is WSMsgType.BINARY:
                Counter.frames += 1
        return ws

    app = web.Application()
    app.router.add_get("/call/{i}", handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, 0)
    await site.start()
    server = site._server
    assert server is not None
    return runner, server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


async def serve_picows(host: str) -> tuple[Any, int]:
    from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_create_server

    class Listener(WSListener):  # type: ignore[misc]
        def on_ws_connected(self, transport: WSTransport) -> None:
            Counter.connected()

        def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
            if frame.msg_type == WSMsgType.BINARY:
                Counter.frames += 1

    server = await ws_create_server(lambda _request: Listener(), host, 0, max_frame_size=1 << 16)
    return server, server.sockets[0].getsockname()[1]


SERVERS = {
    "websockets": serve_websockets,
    "websockets-sansio": serve_websockets_sansio,
    "robot-stream-connection": serve_robot,
    "websockets-sansio+uvloop": serve_websockets_sansio,
    "aiohttp": serve_aiohttp,
    "picows": serve_picows,
}


async def run_server(lib: str, host: str, calls: int, seconds: float) -> None:
    Counter.target, Counter.ready = calls, asyncio.Event()
    _server, port = await SERVERS[lib](host)
    print(f"PORT {port}", flush=True)
    await Counter.ready.wait()
    await asyncio.sleep(SETTLE_S)
    frames0, cpu0, wall0 = Counter.frames, time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    wall = time.perf_counter() - wall0
    cpu, frames = time.process_time() - cpu0, Counter.frames - frames0
    print("RESULT " + json.dumps({"cpu_s": cpu, "wall_s": wall, "frames": frames}), flush=True)


# ---- load generator (this process) ------------------------------------------------------------------------------
def masked_frame(payload_size: int) -> bytes:
    """One client BINARY frame (FIN, masked) of `payload_size` bytes of a 440 Hz-ish ramp."""
    payload = bytes((i * 7) & 0xFF for i in range(payload_size))
    mask = b"\x12\x34\x56\x78"
    if payload_size < 126:
        head = bytes((0x82, 0x80 | payload_size))
    else:
        head = bytes((0x82, 0x80 | 126)) + payload_size.to_bytes(2, "big")
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + body


async def open_streams(host: str, port: int, calls: int) -> list[asyncio.StreamWriter]:
    writers = []
    for i in range(calls):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(HANDSHAKE.format(i=i, host=host, port=port).encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"stream {i}: upgrade refused: {head[:80]!r}")
        writers.append(writer)
    return writers


async def pump(writers: list[asyncio.StreamWriter], frame: bytes, period_s: float, stop: asyncio.Event) -> int:
    """Each stream sends one frame per period, the streams spread over the period in SPREAD groups (as calls
    answered at different times are): the server gets a steady flow, not one burst per period."""
    loop = asyncio.get_running_loop()
    groups = [writers[g::SPREAD] for g in range(SPREAD)]
    start, n, sent = loop.time(), 0, 0
    while not stop.is_set():
        for writer in groups[n % SPREAD]:
            writer.write(frame)
        sent += len(groups[n % SPREAD])
        n += 1
        delay = start + n * period_s / SPREAD - loop.time()
        await asyncio.sleep(max(delay, 0))
    return sent


async def measure(lib: str, host: str, calls: int, frame_ms: int, seconds: float) -> dict[str, Any]:
    cmd = [sys.executable, "-u", __file__, "serve", lib, "--host", host, "--calls", str(calls)]
    cmd += ["--seconds", str(seconds)]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    port = int((await proc.stdout.readline()).split()[1])
    writers = await open_streams(host, port, calls)
    stop = asyncio.Event()
    pumping = asyncio.create_task(pump(writers, masked_frame(frame_ms * BYTES_PER_MS), frame_ms / 1000, stop))
    line = await proc.stdout.readline()
    stop.set()
    await pumping
    for writer in writers:
        writer.close()
    await proc.wait()
    if not line.startswith(b"RESULT "):
        raise RuntimeError(f"{lib}: server gave no result ({line[:200]!r})")
    raw = json.loads(line[len(b"RESULT ") :])
    expected = calls * 1000 / frame_ms * raw["wall_s"]
    return {
        "lib": lib,
        "frame_ms": frame_ms,
        "frame_bytes": frame_ms * BYTES_PER_MS,
        "calls": calls,
        "server_cpu_pct_one_core": round(raw["cpu_s"] / raw["wall_s"] * 100, 1),
        "frames_per_s": round(raw["frames"] / raw["wall_s"], 1),
        "frames_received_ratio": round(raw["frames"] / expected, 3),
        "cpu_us_per_frame": round(raw["cpu_s"] / raw["frames"] * 1e6, 2) if raw["frames"] else None,
    }


def _medians(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per (frame_ms, lib): the median CPU % and CPU per frame over the rounds, and the worst received ratio."""
    out = []
    keys = sorted({(r["frame_ms"], r["lib"]) for r in rows}, key=lambda k: (k[0], LIBS.index(k[1])))
    for frame_ms, lib in keys:
        mine = [r for r in rows if r["frame_ms"] == frame_ms and r["lib"] == lib]
        out.append(
            {
                "frame_ms": frame_ms,
                "lib": lib,
                "rounds": len(mine),
                "server_cpu_pct_one_core": statistics.median(r["server_cpu_pct_one_core"] for r in mine),
                "cpu_us_per_frame": statistics.median(r["cpu_us_per_frame"] or 0.0 for r in mine),
                "frames_received_ratio_min": min(r["frames_received_ratio"] for r in mine),
            }
        )
    return out


def _version(module: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return None


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    skipped = {lib: "not installed" for lib in args.libs if importlib.util.find_spec(MODULE_OF[lib]) is None}
    libs = [lib for lib in args.libs if lib not in skipped]
    for run in range(args.repeat):  # rounds interleave the variants: a noisy minute hits all of them
        for frame_ms in args.frame_ms:
            for lib in libs:
                rows.append({"round": run, **await measure(lib, args.host, args.calls, frame_ms, args.seconds)})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return {
        "bench": "ws_receive",
        "what": "a bare server per library that only counts binary frames; CPU of the server process only "
        "(time.process_time over the window), the load generator's excluded",
        "calls": args.calls,
        "window_s": args.seconds,
        "median_of_rounds": _medians(rows),
        "rows": rows,
        "skipped": skipped,
        "versions": {m: _version(m) for m in sorted(set(MODULE_OF.values()))},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1m_before": round(args.load_before, 2),
            "load_average_1m_after": round(os.getloadavg()[0], 2),
        },
    }


def _ints(text: str) -> list[int]:
    values = [int(x) for x in text.split(",") if x.strip()]
    if not values or any(v <= 0 or v % 20 for v in values):
        raise argparse.ArgumentTypeError(f"--frame-ms: positive multiples of 20, got {text!r}")
    return values


def _libs(text: str) -> list[str]:
    libs = [x.strip() for x in text.split(",") if x.strip()]
    unknown = [x for x in libs if x not in LIBS]
    if unknown or not libs:
        raise argparse.ArgumentTypeError(f"--libs: among {', '.join(LIBS)}, got {text!r}")
    return libs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd")
    serve = sub.add_parser("serve", help="(internal) one server variant")
    serve.add_argument("lib", choices=LIBS)
    for p in (parser, serve):
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--calls", type=int, default=500, help="Streams, one connection each.")
        p.add_argument("--seconds", type=float, default=10.0, help="Measured window per row, s.")
    parser.add_argument("--frame-ms", type=_ints, default=[20, 100], help="Frame durations, ms (multiples of 20).")
    parser.add_argument("--libs", type=_libs, default=list(LIBS))
    parser.add_argument("--repeat", type=int, default=3, help="Rounds over every variant (medians reported).")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    if args.cmd == "serve":
        if args.lib.endswith("+uvloop"):
            import uvloop

            uvloop.run(run_server(args.lib, args.host, args.calls, args.seconds))
        else:
            asyncio.run(run_server(args.lib, args.host, args.calls, args.seconds))
        return 0
    args.load_before = os.getloadavg()[0]
    result = asyncio.run(main_async(args))
    text = json.dumps(result, indent=2)
    if args.output:
        args.output.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
