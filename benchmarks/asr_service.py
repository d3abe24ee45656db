"""`robot asr serve` under load, with a REAL model: committed-text lag of real-time TCP clients, and LocalAgreement vs
AlignAtt on the same French clips.

    .venv/bin/python benchmarks/asr_service.py [--model ../shared/models/whisper-base] [--levels 1 2 3 4 6 8]
        [--clips 9] [--out benchmarks/results/asr_service.json]

Data: recorded French prompts of Debian's `asterisk-core-sounds-fr-wav` (4-9 s, one fr-CA voice, 8 kHz recordings
resampled to 16 kHz), texts from core-sounds-fr.txt.gz; 0.5 s of silence before and 1 s after each clip.
Each client is a raw TCP socket to the service (one process, one engine, 2 CPU threads), sending 40 ms chunks at
real-time pace, then half-closing; a level's clients start together (0-0.5 s apart, seeded) on different clips.
Committed-text lag, per committed line: arrival time of the line - stream time of its end (`end_ms`), both from the
client's first sample: how long after words were spoken the client had them, committed.

- `levels`: N concurrent clients (policy localagreement; levels of fewer clients than clips run waves);
- `baseline_one_at_a_time`: SAME run, same server, but clients queued and served one after the other, as
  whisper_streaming's and SimulStreaming's servers do: a waiting client's audio piles up in its socket (it started
  talking with the others) and is read once its turn comes; lag counted from when it started talking;
- `policies`: every clip streamed by two simultaneous clients, one per policy (same load for both; `--pairs` clips
  at once): lag and word error rate of the committed text against the prompt's text;
- `single_client`: one client at a time, each policy, the same 3 clips;
- `policies_offline` (load-independent): each clip through a session fed 40 ms at a time with iterations exactly every
  step (no catch-up) and every recognition awaited, so the result does not depend on the machine's speed; per
  committed WORD: lag = stream position when its recognition was asked - the word's aligned end (compute time not
  counted), and word error rate; LocalAgreement, AlignAtt, AlignAtt with the confidence gate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from asr_decoding import SOUNDS, prefix_distances, read_texts

from robot.amd.evaluation import percentile
from robot.amd.keywords import normalise_words
from robot.asr.engine import AsrEngine
from robot.asr.service import AsrService
from robot.asr.service.stream import EngineRecognize, new_session
from robot.asr.vad import SileroModel
from robot.media.audio import read_wav_16k
from robot.settings import Settings

REPO = Path(__file__).resolve().parents[1]
RATE = 16000
CHUNK_S = 0.04
LAG_TARGET_S = 2.0


@dataclass(frozen=True)
class Clip:
    name: str
    pcm: bytes
    reference: tuple[str, ...]

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / RATE


@dataclass(frozen=True)
class Line:
    arrival_s: float
    beg_ms: int
    end_ms: int
    text: str

    @property
    def lag_s(self) -> float:
        return self.arrival_s - self.end_ms / 1000


def clips(count: int, seed: int) -> list[Clip]:
    texts = read_texts()
    found = []
    for name in sorted(texts):
        path = SOUNDS / f"{name}.wav"
        if not path.is_file():
            continue
        pcm = read_wav_16k(path)
        if 4.0 <= pcm.size / RATE <= 9.0:
            padded = np.concatenate([np.zeros(RATE // 2, np.int16), pcm, np.zeros(RATE, np.int16)])
            found.append(Clip(name, padded.astype("<i2").tobytes(), normalise_words(texts[name])))
    random.Random(seed).shuffle(found)
    return found[:count]


async def client(port: int, clip: Clip, start: float, turn: asyncio.Lock | None = None) -> list[Line]:
    """Talks from `start` (loop time) on; with `turn`, is only read by the server once it holds the lock."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, start - loop.time()))
    if turn is not None:
        await turn.acquire()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        step = round(CHUNK_S * RATE) * 2

        async def send() -> None:
            for k, i in enumerate(range(0, len(clip.pcm), step)):
                await asyncio.sleep(max(0.0, start + (k + 1) * CHUNK_S - loop.time()))
                writer.write(clip.pcm[i : i + step])
                await writer.drain()
            writer.write_eof()

        sender = asyncio.create_task(send())
        lines = []
        while raw := await reader.readline():
            beg, end, text = raw.decode().rstrip("\n").split(" ", 2)
            lines.append(Line(loop.time() - start, int(beg), int(end), text))
        await sender
        writer.close()
        return lines
    finally:
        if turn is not None:
            turn.release()


def lag_summary(lines: list[Line]) -> dict[str, Any]:
    lags = [line.lag_s for line in lines]
    return {
        "lines": len(lags),
        "lag_p50_s": _r(percentile(lags, 50)),
        "lag_p95_s": _r(percentile(lags, 95)),
        "lag_max_s": _r(max(lags, default=None)),
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def word_error(clip: Clip, lines: list[Line]) -> float:
    hypothesis = normalise_words(" ".join(line.text for line in lines))
    return prefix_distances(clip.reference, hypothesis)[-1] / max(1, len(clip.reference))


async def level(port: int, items: list[Clip], n: int, rng: random.Random, queued: bool) -> dict[str, Any]:
    waves = max(1, -(-len(items) // n)) if n < len(items) and not queued else 1
    waves = min(waves, 3)  # 1 client: 3 clips one after the other
    lines: list[Line] = []
    for wave in range(waves):
        loop = asyncio.get_running_loop()
        t0 = loop.time() + 0.2
        turn = asyncio.Lock() if queued else None
        chosen = [items[(wave * n + i) % len(items)] for i in range(n)]
        starts = sorted(t0 + rng.uniform(0, 0.5) for _ in chosen)
        results = await asyncio.gather(*(client(port, c, s, turn) for c, s in zip(chosen, starts, strict=True)))
        lines.extend(line for result in results for line in result)
    return {"clients": n, "waves": waves, **lag_summary(lines)}


OFFLINE = (("localagreement", 0.0), ("alignatt", 0.0), ("alignatt", 0.7))


async def offline(engine: AsrEngine, items: list[Clip], settings: Settings) -> dict[str, Any]:
    recognize = EngineRecognize(engine, 600.0)
    vad_model = SileroModel()
    out: dict[str, Any] = {}
    for policy, gate in OFFLINE:
        service = settings.asr_service.model_copy(update={"alignatt_min_probability": gate})
        lags: list[float] = []
        errors: list[float] = []
        for clip in items:
            session = new_session(service, settings.vad, vad_model, policy=policy, catch_up=False)
            pcm = np.frombuffer(clip.pcm, dtype="<i2")
            step = round(CHUNK_S * RATE)
            words: list[str] = []
            for i in range(0, pcm.size, step):
                session.feed(pcm[i : i + step])
                if i + step >= pcm.size:
                    session.end()
                while (request := session.next_request()) is not None:
                    asked_at = session.position_s
                    result = await recognize(request.audio, request.prompt, request.final)
                    committed = session.complete(result).committed
                    lags.extend(asked_at - w.end for w in committed)
                    words.extend(w.text for w in committed)
            errors.append(word_error(clip, [Line(0.0, 0, 0, " ".join(words))]))
        name = policy if policy == "localagreement" or not gate else f"{policy}_min_probability_{gate}"
        out[name] = {
            "words": len(lags),
            "lag_p50_s": _r(percentile(lags, 50)),
            "lag_p95_s": _r(percentile(lags, 95)),
            "wer_mean": round(statistics.mean(errors), 3),
            "wer_per_clip": [round(e, 3) for e in errors],
        }
        print("offline", name, json.dumps(out[name]), flush=True)
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings()
    asr = settings.asr.model_copy(
        update={"model": str(args.model), "local_files_only": True, "cpu_threads": args.cpu_threads}
    )
    engine = await AsrEngine.load(asr)
    items = clips(args.clips, args.seed)
    rng = random.Random(args.seed)
    service_settings = settings.asr_service.model_copy(
        update={"tcp_port": 0, "ws_port": 0, "max_clients": 256, "step_ms": args.step_ms}
    )
    result: dict[str, Any] = {"levels": [], "baseline_one_at_a_time": []}
    try:
        result["policies_offline"] = await offline(engine, items, settings)
        la = service_settings.model_copy(update={"policy": "localagreement"})
        aa = service_settings.model_copy(update={"policy": "alignatt"})
        async with (
            AsrService(engine, la, settings.vad, ws=False) as la_service,
            AsrService(engine, aa, settings.vad, ws=False) as aa_service,
        ):
            assert la_service.tcp_port is not None and aa_service.tcp_port is not None
            await level(la_service.tcp_port, items[:1], 1, rng, False)  # warm-up
            result["single_client"] = {
                "localagreement": await level(la_service.tcp_port, items, 1, rng, False),
                "alignatt": await level(aa_service.tcp_port, items, 1, rng, False),
            }
            print("single", json.dumps(result["single_client"]), flush=True)
            for n in args.levels:
                before = engine.stats()
                row = await level(la_service.tcp_port, items, n, rng, False)
                after = engine.stats()
                row["batches"] = after.batches - before.batches
                row["requests"] = after.served - before.served
                row["dropped_partials"] = after.dropped_deadline - before.dropped_deadline
                row["engine_busy_s"] = round(after.busy_s - before.busy_s, 2)
                print(json.dumps(row), flush=True)
                result["levels"].append(row)
            for n in args.baseline_levels:
                row = await level(la_service.tcp_port, items, n, rng, True)
                print("baseline", json.dumps(row), flush=True)
                result["baseline_one_at_a_time"].append(row)
            result["policies"] = await compare(la_service.tcp_port, aa_service.tcp_port, items, args.pairs)
    finally:
        engine.close()
    ok = [r["clients"] for r in result["levels"] if (r["lag_p95_s"] or 0) <= LAG_TARGET_S]
    base_ok = [r["clients"] for r in result["baseline_one_at_a_time"] if (r["lag_p95_s"] or 0) <= LAG_TARGET_S]
    result["max_clients_p95_lag_le_2s"] = max(ok, default=0)
    result["baseline_max_clients_p95_lag_le_2s"] = max(base_ok, default=0)
    return result


async def compare(la_port: int, aa_port: int, items: list[Clip], pairs: int) -> dict[str, Any]:
    """Each clip by one LocalAgreement and one AlignAtt client at the same time, `pairs` clips at once."""
    per: dict[str, list[tuple[Clip, list[Line]]]] = {"localagreement": [], "alignatt": []}
    loop = asyncio.get_running_loop()
    for i in range(0, len(items), pairs):
        group = items[i : i + pairs]
        t0 = loop.time() + 0.2
        jobs = [client(port, c, t0 + 0.1 * j) for j, c in enumerate(group) for port in (la_port, aa_port)]
        results = await asyncio.gather(*jobs)
        for j, clip in enumerate(group):
            per["localagreement"].append((clip, results[2 * j]))
            per["alignatt"].append((clip, results[2 * j + 1]))
    out: dict[str, Any] = {"concurrent_clients": 2 * pairs}
    for policy, runs in per.items():
        errors = [word_error(clip, lines) for clip, lines in runs]
        out[policy] = {
            **lag_summary([line for _, lines in runs for line in lines]),
            "wer_mean": round(statistics.mean(errors), 3),
            "wer_median": round(statistics.median(errors), 3),
            "texts": {clip.name: " ".join(line.text for line in lines) for clip, lines in runs},
        }
        print(policy, json.dumps({k: v for k, v in out[policy].items() if k != "texts"}), flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=REPO.parent / "shared" / "models" / "whisper-base")
    parser.add_argument("--cpu-threads", type=int, default=2)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 3, 4, 6, 8])
    parser.add_argument("--baseline-levels", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--clips", type=int, default=9)
    parser.add_argument("--pairs", type=int, default=1, help="Clips streamed at once in the policy comparison.")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--step-ms", type=int, default=Settings().asr_service.step_ms)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "asr_service.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.time()
    result = asyncio.run(run(args))
    settings = Settings()
    report = {
        "bench": "asr_service",
        "model": str(args.model),
        "compute_type": settings.asr.compute_type,
        "cpu_threads": args.cpu_threads,
        "step_ms": args.step_ms,
        "alignatt_guard_ms": settings.asr_service.alignatt_guard_ms,
        "alignatt_min_probability": settings.asr_service.alignatt_min_probability,
        "machine": f"{platform.machine()} {os.cpu_count()} CPUs, {platform.processor() or platform.platform()}",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "load_note": "2 cores shared with other work; the load average says how busy they were",
        "wall_s": round(time.time() - started, 1),
        "clips": args.clips,
        "lag": "per committed line: arrival time - stream time of the line's end, from the client's first sample",
        **result,
    }
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
