"""`robot bench streaming [--model M] [--calls 1 4 8 16] [--out FILE]`: how far the committed words lag behind the
caller, at several numbers of concurrent calls sharing one engine.

Each call is a CallListener (Silero VAD on one AnalysisWorker thread for all calls, batched per call as in
production; the live recogniser, robot.dialog.live) fed in real time, 20 ms chunks paced by the wall clock, with
one long French answer (6-9 s: espeak-ng + MBROLA mb-fr4, telephone band; needs espeak-ng, mbrola-fr4 and sox)
after a random 0-1 s of silence, then 2 s of silence, then waits (15 s at most) for its turn's answer. All calls
of a level start together and share one AsrEngine, so their iterations are batched; a level of fewer calls than
answers runs waves until every answer was played (1 call: 8 calls in a row).
Measured per committed word: lag = stream time when it was committed - the word's end (its aligned time), for all
words and for those committed while the caller still talked (not by the end-of-speech flush); per answer: recall =
share of the reference words found in the committed text (normalised); `offline_recall` is the same for one
transcription of each whole answer, so streaming losses (truncation) show as the gap between the two.
Early intents: each call also awaits its turn as a listening step does; for the answers whose intent can end a turn
early (not_interested, call_back_later, stop_calling_me), `settling_answer_after_speech_start_ms` = when the answer
was known - the start of the speech; the `ours_no_early_intents` run (same chunks, turns always wait for the
end-of-turn silence, which comes at the first pause of end_of_turn_silence_ms) gives the latency saved.
BASELINE, run in the same process on the same audio: whisper_streaming's setting, LocalAgreement-2 iterations
every 1 s of new audio (min-chunk-size 1 s), buffer trimmed beyond 15 s, no early intents, otherwise the same path
(whatever dialog.stream_policy / stream_buffer_s / stream_chunk_ms ours uses).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from robot.amd.evaluation import percentile
from robot.asr.engine import AsrEngine, Priority
from robot.asr.streaming import StreamUpdate
from robot.asr.vad import SileroModel, StreamingVad
from robot.clock import SystemClock
from robot.dialog.intents import detect_intent, normalize_text, settles_on
from robot.dialog.listener import CallListener
from robot.errors import ConfigError
from robot.media.analysis import AnalysisWorker
from robot.media.audio import AudioChunk, read_wav_16k
from robot.settings import DialogSettings, Settings

ANSWERS = (
    "Alors écoutez, non merci, ça ne m'intéresse pas. J'ai déjà un fournisseur d'électricité et j'en suis "
    "très content, je ne veux pas changer de contrat cette année.",
    "Oui bonjour, je vous écoute, c'est à quel sujet exactement ? Je reçois beaucoup d'appels en ce moment, "
    "alors dites-moi qui vous êtes et ce que vous voulez.",
    "Alors écoutez, rappelez-moi demain, s'il vous plaît. Là je suis au travail, mais demain en fin de matinée "
    "je serai chez moi, vers onze heures.",
    "Oui pourquoi pas, envoyez-moi l'étude par courrier, mon adresse n'a pas changé depuis l'année dernière. "
    "Je la lirai ce week-end avec mon mari.",
    "Ne m'appelez plus jamais, retirez mon numéro de votre liste, c'est la troisième fois cette semaine que "
    "vous me dérangez pendant le repas.",
    "Attendez, qui êtes-vous exactement et comment avez-vous eu mon numéro ? Je ne me souviens pas avoir "
    "demandé à être contacté par votre société.",
    "Je suis occupé pour le moment, je conduis. Rappelez-moi plutôt la semaine prochaine, en début "
    "d'après-midi, ce sera plus simple pour moi.",
    "D'accord, ça m'intéresse, mais je voudrais d'abord connaître le prix exact et la durée de l'engagement "
    "avant de vous donner mon accord.",
)
# not_interested, call_back_later, stop_calling_me, call_back_later: early_intents by default
SETTLING = (ANSWERS[0], ANSWERS[2], ANSWERS[4], ANSWERS[6])
CHUNK_S = 0.02
ANSWER_WAIT_S = 15.0  # after the audio, how long a call waits for its turn's answer
Int16Array = npt.NDArray[np.int16]


def synthesise(texts: tuple[str, ...], folder: Path) -> list[Int16Array]:
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        raise ConfigError("bench streaming needs espeak-ng (with mbrola-fr4) and sox")
    out = []
    for i, text in enumerate(texts):
        raw, wav = folder / f"r{i}.wav", folder / f"a{i}.wav"
        subprocess.run(
            ["espeak-ng", "-v", "mb-fr4", "-s", "140", "-w", str(raw), text], check=True, capture_output=True
        )
        subprocess.run(
            ["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(wav), "sinc", "300-3400", "norm", "-3"],
            check=True,
            capture_output=True,
        )
        out.append(read_wav_16k(wav))
    return out


@dataclass
class CallResult:
    reference: str
    lags_s: list[float] = field(default_factory=list)  # every committed word
    live_lags_s: list[float] = field(default_factory=list)  # words committed while the caller still talked
    committed: list[str] = field(default_factory=list)
    speech_s: float = 0.0
    decided_after_start_s: float | None = None  # the turn's answer was known this long after the speech started
    early: bool = False
    intent: str = ""

    @property
    def recall(self) -> float:
        said = normalize_text(" ".join(self.committed)).split()
        ref = normalize_text(self.reference).split()
        found = 0
        for word in ref:
            if word in said:
                said.remove(word)
                found += 1
        return found / len(ref)


async def run_call(
    dialog: DialogSettings,
    engine: AsrEngine,
    vad_model: SileroModel,
    worker: AnalysisWorker,
    audio: Int16Array,
    text: str,
    lead_s: float,
) -> CallResult:
    vad = StreamingVad(Settings().vad, vad_model)
    listener = CallListener(dialog, vad, engine, clock=SystemClock(), worker=worker)
    result = CallResult(text, speech_s=audio.size / 16000)
    eot_s = dialog.end_of_turn_silence_ms / 1000
    turn = asyncio.ensure_future(listener.next_turn(0.0, 30.0, eot_s, settles_on(dialog.early_intents)))

    live = listener.live
    assert live is not None, "dialog.streaming is off"
    forward = live.on_update

    def on_update(update: StreamUpdate, final: bool) -> None:
        for word in update.committed:
            result.committed.append(word.text)
            result.lags_s.append(listener.audio_time - word.end)
            if not final:
                result.live_lags_s.append(listener.audio_time - word.end)
        forward(update, final)

    live.on_update = on_update
    signal = np.concatenate([np.zeros(round(lead_s * 16000), np.int16), audio, np.zeros(32000, np.int16)]).astype(
        np.int16
    )
    step = round(CHUNK_S * 16000)

    async def paced() -> AsyncIterator[AudioChunk]:
        started = time.monotonic()
        for n in range(signal.size // step):
            delay = started + n * CHUNK_S - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            yield AudioChunk(signal[n * step : (n + 1) * step], round(n * CHUNK_S, 6))
        with contextlib.suppress(TimeoutError):  # the answer may still be on its way in an overloaded engine
            await asyncio.wait_for(asyncio.shield(turn), ANSWER_WAIT_S)

    await listener.run(paced())  # its end closes the listener, as the stream's end does in a call
    answer = turn.result() if turn.done() else None
    await listener.aclose()
    if answer is not None:
        result.decided_after_start_s = answer.decided_at - lead_s
        result.early = answer.early
        found = detect_intent(answer.text).intent
        result.intent = found.value if found is not None else "none"
    return result


def _ms(values: list[float]) -> dict[str, float | None]:
    def ms(x: float | None) -> float | None:
        return None if x is None else round(x * 1000)

    return {
        "p50": ms(percentile(values, 50)),
        "p95": ms(percentile(values, 95)),
        "max": ms(max(values) if values else None),
    }


def _intent_name(text: str) -> str:
    intent = detect_intent(text).intent
    return "none" if intent is None else intent.value


def summarise(results: list[CallResult], engine: AsrEngine, wall_s: float) -> dict[str, Any]:
    lags = [lag for r in results for lag in r.lags_s]
    stats = engine.stats()
    return {
        "answers": len(results),
        "committed_lag_ms": _ms(lags),
        "committed_while_talking_lag_ms": _ms([lag for r in results for lag in r.live_lags_s]),
        "words": len(lags),
        "words_while_talking": sum(len(r.live_lags_s) for r in results),
        # answers whose intent can end a turn early (SETTLING): answer time - speech start
        "settling_answer_after_speech_start_ms": _ms(
            [
                r.decided_after_start_s
                for r in results
                if r.decided_after_start_s is not None and r.reference in SETTLING
            ]
        ),
        "early_turns": sum(r.early for r in results),
        "intents": sorted(r.intent for r in results),
        # answers whose call ended with the intent of their text (detect_intent on the reference)
        "intents_right": sum(r.intent == _intent_name(r.reference) for r in results),
        "recall_min": round(min(r.recall for r in results), 3),
        "recall_mean": round(sum(r.recall for r in results) / len(results), 3),
        "answer_s_max": round(max(r.speech_s for r in results), 2),
        "asr_batches": stats.batches,
        "asr_p50_batch": stats.p50_batch_size,
        "asr_max_batch": stats.max_batch_size,
        "asr_dropped_deadline": stats.dropped_deadline,
        "wall_s": round(wall_s, 1),
        "example": " ".join(results[0].committed),
        "per_answer": [
            {
                "answer": ANSWERS.index(r.reference),
                "recall": round(r.recall, 3),
                "intent": r.intent,
                "committed": " ".join(r.committed),
            }
            for r in results
        ],
    }


async def run_level(
    calls: int, dialog: DialogSettings, engine: AsrEngine, vad: SileroModel, audios: list[Int16Array]
) -> dict[str, Any]:
    worker = AnalysisWorker(clock=SystemClock())  # one per level: each level runs on its own event loop
    try:
        return await _run_level(calls, dialog, engine, vad, worker, audios)
    finally:
        worker.close()


async def _run_level(
    calls: int,
    dialog: DialogSettings,
    engine: AsrEngine,
    vad: SileroModel,
    worker: AnalysisWorker,
    audios: list[Int16Array],
) -> dict[str, Any]:
    chunk_ms = dialog.stream_chunk_ms
    rng = random.Random(calls * 1000 + chunk_ms)
    before = engine.stats()
    started = time.monotonic()
    results: list[CallResult] = []
    for wave in range(max(1, len(ANSWERS) // calls)):  # at least every answer once: 1 call = 8 calls in a row
        results += await asyncio.gather(
            *(
                run_call(
                    dialog, engine, vad, worker, audios[i % len(audios)], ANSWERS[i % len(ANSWERS)], rng.uniform(0, 1)
                )
                for i in range(wave * calls, (wave + 1) * calls)
            )
        )
    out = {"concurrent_calls": calls} | summarise(results, engine, time.monotonic() - started)
    after = engine.stats()
    out["asr_batches"] -= before.batches
    out["asr_requests"] = after.served - before.served
    out["asr_mean_batch"] = round(out["asr_requests"] / max(1, out["asr_batches"]), 2)
    out["asr_busy_s"] = round(after.busy_s - before.busy_s, 1)  # engine time spent decoding during this level
    return out


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "streaming",
        help="Live recognition: committed-word lag and truncation at 1..N concurrent calls (vs 1 s chunks).",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", default=None, help="Whisper model dir/name (default: asr.model).")
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 4, 8, 16], help="Concurrent calls per level.")
    parser.add_argument("--no-baseline", action="store_true", help="Skip the 1 s chunk baseline.")
    parser.add_argument(
        "--early-calls-max", type=int, default=4, help="Also run without early intents up to this many calls."
    )
    parser.add_argument(
        "--also-policy",
        choices=("localagreement", "alignatt"),
        default=None,
        help="Also run every level with this commit policy (dialog.stream_policy), as the variant ours_<policy>.",
    )
    parser.add_argument("--out", type=Path, default=None, help="Also write the JSON report here.")
    parser.set_defaults(func=cmd_bench_streaming)


# whisper_streaming's defaults: LocalAgreement-2, --min-chunk-size 1 s, buffer trimmed at 15 s
WHISPER_STREAMING = {
    "stream_policy": "localagreement",
    "stream_chunk_ms": 1000,
    "stream_buffer_s": 15.0,
    "early_intents": [],
}


def cmd_bench_streaming(args: argparse.Namespace, settings: Settings) -> int:
    asr = settings.asr.model_copy(update={"model": args.model} if args.model else {})
    load_before = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        audios = synthesise(ANSWERS, Path(tmp))
    engine = AsrEngine.load_sync(asr)
    vad = SileroModel()
    levels: list[dict[str, Any]] = []
    try:
        offline = []  # one whole-answer window per answer: what the model gets without streaming
        for audio, text in zip(audios, ANSWERS, strict=True):
            heard = engine.transcribe_sync(audio, priority=Priority.DIALOG)
            offline.append(CallResult(text, committed=[heard.text if heard is not None else ""]).recall)
        ours = settings.dialog
        variants = {"ours": ours, "ours_no_early_intents": ours.model_copy(update={"early_intents": []})}
        if args.also_policy and args.also_policy != ours.stream_policy:
            variants[f"ours_{args.also_policy}"] = ours.model_copy(update={"stream_policy": args.also_policy})
        if not args.no_baseline:
            variants["baseline_1s_chunks"] = ours.model_copy(update=WHISPER_STREAMING)
        for calls in args.calls:
            level = {}
            for name, dialog in variants.items():
                if name != "ours_no_early_intents" or calls <= args.early_calls_max:
                    level[name] = asyncio.run(run_level(calls, dialog, engine, vad, audios))
            levels.append(level)
            print(json.dumps({"calls": calls} | level, ensure_ascii=False), flush=True)
    finally:
        engine.close()
    report = {
        "bench": "streaming",
        "model": asr.model,
        "compute_type": asr.compute_type,
        "cpu_threads": asr.cpu_threads,
        "asr_workers": asr.workers,
        "stream_policy": settings.dialog.stream_policy,
        "stream_chunk_ms": settings.dialog.stream_chunk_ms,
        "stream_buffer_s": settings.dialog.stream_buffer_s,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "voice": "espeak-ng mb-fr4, 140 wpm, telephone band",
        "answers_s": [round(a.size / 16000, 2) for a in audios],
        "offline_recall": [round(r, 3) for r in offline],
        "levels": levels,
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0
