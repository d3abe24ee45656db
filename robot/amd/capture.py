"""What AMD heard on live calls, saved to be labelled (amd.capture_dir): measure AMD on your own calls.

Each call's audio from the answer to the verdict (what the detector read) is written as a 16 kHz mono WAV, and one
row is appended to `capture_dir/manifest.csv` in the format `robot amd-eval` reads. The `label` column is left empty
for a person to fill after listening (HUMAN, MACHINE, NO_ANSWER, OPERATOR, or EXCLUDE to leave a clip out); the
verdict the robot gave, its confidence, decision time, transcript and reasons are beside it (the call's uuid joins it
to the call log: `robot logs --call UUID`), and `split` is the UTC day of the call. Once labelled,
`robot amd-eval capture/manifest.csv [--split 2026-11-30]` measures AMD on your own lines, voices and carriers.

Call audio is personal data: files are 0600 in 0700 folders (robot.private_files); check your legal basis before
turning this on. Writing happens in one background thread fed by a bounded queue: a call never waits for the disk;
when the queue is full, or a write fails, that capture is dropped, logged and counted (`dropped`, `write_errors`).
The WAVs under the folder never grow past `amd.capture_max_mb`: once they would, captures are skipped (logged once,
counted in `skipped_full`) until files are deleted or moved away; nothing is ever deleted by the robot (labels are
work a person did). Several robot processes may share one folder: each row is appended under an exclusive lock, and
each process re-counts the folder's WAVs before it skips, at most once every `recount_s`.
"""

from __future__ import annotations

import csv
import fcntl
import io
import logging
import os
import queue
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from robot.errors import ConfigError
from robot.events import AmdVerdict
from robot.media.audio import TARGET_RATE
from robot.private_files import open_private, private_dir, write_all

log = logging.getLogger(__name__)

MANIFEST = "manifest.csv"
COLUMNS = (
    "file",
    "label",
    "split",
    "text",
    "source",
    "voice",
    "condition",
    "verdict",
    "confidence",
    "decided_at_s",
    "transcript",
    "reasons",
    "call_uuid",
    "captured_at",
)


@dataclass(frozen=True, slots=True)
class Capture:
    """One call's AMD audio and verdict, as handed to the writer."""

    call_uuid: str
    audio: npt.NDArray[np.int16]  # mono at TARGET_RATE (16 kHz), from the answer to the verdict
    verdict: AmdVerdict
    wall: float  # when the verdict came (Unix time)


class AmdCaptureWriter:
    """Writes Captures to `folder` from a writer thread; `submit` (on the event loop) never blocks."""

    def __init__(
        self, folder: Path, *, max_bytes: int = 2000 * 1_000_000, queue_max: int = 64, recount_s: float = 60.0
    ) -> None:
        self.folder = folder
        try:
            private_dir(folder)
        except OSError as err:
            raise ConfigError(f"amd.capture_dir: cannot create {folder}: {err.strerror or err}") from err
        self.max_bytes = max_bytes
        self._recount_s = recount_s
        self._used = wav_bytes(folder)  # the WAVs already there (earlier runs, other processes)
        self._counted_at = time.monotonic()
        self._full_logged = False
        self._queue: queue.Queue[Capture | None] = queue.Queue(maxsize=queue_max)
        self._thread = threading.Thread(target=self._writer, name="amd-capture-writer", daemon=True)
        self._thread.start()
        self._closed = False
        self.written = 0
        self.dropped = 0  # queue full: the disk is slower than the calls
        self.write_errors = 0
        self.skipped_full = 0  # the folder holds amd.capture_max_mb of WAVs already

    def submit(self, capture: Capture) -> bool:
        """Queue a capture; False (logged, counted) when the queue is full or the writer is closed."""
        if self._closed:
            return False
        try:
            self._queue.put_nowait(capture)
        except queue.Full:
            self.dropped += 1
            waiting = self._queue.qsize()
            log.warning("AMD capture of call %s dropped: %d captures wait for the disk", capture.call_uuid, waiting)
            return False
        return True

    def flush(self) -> None:
        """Wait until every capture submitted so far is written (blocking: not on the event loop)."""
        self._queue.join()

    def close(self) -> None:
        """Write what is queued, then stop the writer thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def _writer(self) -> None:
        while (capture := self._queue.get()) is not None:
            try:
                self._write(capture)
            except OSError as err:  # disk full, folder gone...: the calls go on
                self.write_errors += 1
                log.error("AMD capture of call %s not written to %s: %s", capture.call_uuid, self.folder, err)
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _write(self, capture: Capture) -> None:
        size = WAV_HEADER_BYTES + capture.audio.size * 2
        if not self._room_for(size):
            self.skipped_full += 1
            if not self._full_logged:
                self._full_logged = True
                log.warning(
                    "AMD captures skipped from call %s on: the WAVs under %s reach amd.capture_max_mb (%.0f MB); "
                    "move or delete some to capture again",
                    capture.call_uuid,
                    self.folder,
                    self.max_bytes / 1e6,
                )
            return
        day = time.strftime("%Y-%m-%d", time.gmtime(capture.wall))
        private_dir(self.folder / day)
        name = f"{day}/{_safe(capture.call_uuid)}.wav"
        write_wav(self.folder / name, capture.audio)
        self._used += size
        append_row(self.folder / MANIFEST, manifest_row(name, day, capture))
        self.written += 1

    def _room_for(self, size: int) -> bool:
        """Whether `size` more bytes of WAV stay within max_bytes; before saying no, re-count the folder (files may
        have been moved away, or written by another process) at most once every recount_s."""
        if self._used + size <= self.max_bytes:
            return True
        now = time.monotonic()
        if now - self._counted_at >= self._recount_s:
            self._used, self._counted_at = wav_bytes(self.folder), now
            if self._used + size <= self.max_bytes:
                self._full_logged = False
                return True
        return False


WAV_HEADER_BYTES = 44


def wav_bytes(folder: Path) -> int:
    """Total size of the WAVs under `folder` (files that vanish while counted count nothing)."""
    total = 0
    for path in folder.rglob("*.wav"):
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total


def manifest_row(name: str, day: str, capture: Capture) -> list[str]:
    v = capture.verdict
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(capture.wall))
    return [
        name,
        "",
        day,
        "",
        "robot amd capture",
        "caller",
        "call",
        v.result.value,
        f"{v.confidence:.3f}",
        f"{v.decided_at:.3f}",
        v.transcript,
        "; ".join(v.reasons),
        capture.call_uuid,
        stamp,
    ]


def write_wav(path: Path, audio: npt.NDArray[np.int16]) -> None:
    """16 kHz mono 16-bit WAV, mode 0600."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(TARGET_RATE)
        out.writeframes(np.ascontiguousarray(audio, dtype="<i2").tobytes())
    fd = open_private(path, "w")
    try:
        write_all(fd, buffer.getvalue())
    finally:
        os.close(fd)


def append_row(path: Path, row: list[str]) -> None:
    """Append one CSV row (the header first when the file is new or empty), under an exclusive lock."""
    fd = open_private(path, "a")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        if os.fstat(fd).st_size == 0:
            writer.writerow(COLUMNS)
        writer.writerow(row)
        write_all(fd, text.getvalue().encode("utf-8"))
    finally:
        os.close(fd)  # releases the lock


def _safe(uuid: str) -> str:
    """A call uuid as a file name (FreeSWITCH uuids are hex and dashes; anything else becomes '_')."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in uuid)
    return cleaned or "call"
