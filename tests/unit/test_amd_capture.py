"""robot.amd.capture: what AMD heard on a call, saved as WAV + a manifest row that `robot amd-eval` reads."""

from __future__ import annotations

import csv
import stat
import threading
import wave
from pathlib import Path

import numpy as np
import pytest

import robot.amd.capture as capture_module
from robot.amd.capture import COLUMNS, MANIFEST, AmdCaptureWriter, Capture
from robot.amd.evaluation import read_manifest
from robot.errors import ConfigError
from robot.events import AmdResult, AmdVerdict

pytestmark = pytest.mark.unit

WALL = 1_795_290_000.0  # 2026-11-21T19:40:00Z
DAY = "2026-11-21"


def capture(uuid: str, seconds: float = 1.5, result: AmdResult = AmdResult.HUMAN) -> Capture:
    rng = np.random.default_rng(len(uuid))
    audio = rng.integers(-3000, 3000, size=int(seconds * 16000)).astype(np.int16)
    verdict = AmdVerdict(result, 0.91, 2.345, ("short greeting 480 ms then 1200 ms silence",), "Allô, oui ?")
    return Capture(uuid, audio, verdict, WALL)


def rows(folder: Path) -> list[dict[str, str]]:
    with (folder / MANIFEST).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_each_call_is_a_private_wav_and_a_manifest_row(tmp_path: Path) -> None:
    folder = tmp_path / "capture"
    writer = AmdCaptureWriter(folder)
    first, second = capture("4f1c-0001"), capture("4f1c-0002", 2.0, AmdResult.MACHINE)
    assert writer.submit(first) and writer.submit(second)
    writer.close()
    assert (writer.written, writer.dropped, writer.write_errors) == (2, 0, 0)

    lines = (folder / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(COLUMNS) and len(lines) == 3  # one header
    got = rows(folder)
    assert [r["file"] for r in got] == [f"{DAY}/4f1c-0001.wav", f"{DAY}/4f1c-0002.wav"]
    assert all(r["label"] == "" and r["split"] == DAY for r in got)
    assert (got[0]["verdict"], got[1]["verdict"]) == ("HUMAN", "MACHINE")
    assert got[0]["decided_at_s"] == "2.345" and got[0]["transcript"] == "Allô, oui ?"
    assert got[0]["captured_at"] == "2026-11-21T19:40:00Z" and got[0]["call_uuid"] == "4f1c-0001"
    with wave.open(str(folder / got[0]["file"]), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    assert np.array_equal(samples, first.audio)
    for path in (folder / MANIFEST, folder / got[0]["file"]):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((folder / DAY).stat().st_mode) == 0o700


def test_a_labelled_capture_is_an_amd_eval_manifest_and_an_unlabelled_row_says_where(tmp_path: Path) -> None:
    writer = AmdCaptureWriter(tmp_path)
    writer.submit(capture("a"))
    writer.submit(capture("b"))
    writer.close()
    with pytest.raises(ConfigError, match=r"manifest\.csv:2: field 'label' is ''"):
        read_manifest(tmp_path / MANIFEST)
    text = (tmp_path / MANIFEST).read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(f"{DAY}/a.wav,,", f"{DAY}/a.wav,HUMAN,")
    text[2] = text[2].replace(f"{DAY}/b.wav,,", f"{DAY}/b.wav,EXCLUDE,")
    (tmp_path / MANIFEST).write_text("\n".join(text) + "\n", encoding="utf-8")
    (row, excluded) = read_manifest(tmp_path / MANIFEST, split=DAY)
    assert (row.label, row.path, row.voice, row.condition) == ("HUMAN", tmp_path / DAY / "a.wav", "caller", "call")
    assert excluded.label == "EXCLUDE"


def test_a_second_writer_appends_without_a_second_header(tmp_path: Path) -> None:
    for uuid in ("one", "two"):  # e.g. two campaign workers sharing the folder, one after the other
        writer = AmdCaptureWriter(tmp_path)
        writer.submit(capture(uuid))
        writer.close()
    assert [r["call_uuid"] for r in rows(tmp_path)] == ["one", "two"]


def test_a_call_uuid_never_escapes_the_folder(tmp_path: Path) -> None:
    writer = AmdCaptureWriter(tmp_path)
    writer.submit(capture("../../etc/x"))
    writer.close()
    (row,) = rows(tmp_path)
    assert row["file"] == f"{DAY}/______etc_x.wav" and (tmp_path / row["file"]).is_file()


def test_a_full_queue_drops_the_capture_and_a_failed_write_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = capture_module.write_wav
    release = threading.Event()
    taken = threading.Event()
    fail = {"next": False}

    def slow_or_failing_disk(path: Path, audio: np.ndarray) -> None:  # stands in for the disk only
        taken.set()
        release.wait(10)
        if fail["next"]:
            fail["next"] = False
            raise OSError(28, "No space left on device")
        real_write(path, audio)

    monkeypatch.setattr(capture_module, "write_wav", slow_or_failing_disk)
    writer = AmdCaptureWriter(tmp_path, queue_max=1)
    assert writer.submit(capture("busy"))
    assert taken.wait(10)  # the writer holds the first capture
    assert writer.submit(capture("queued"))
    assert not writer.submit(capture("dropped"))  # the queue (1) is full: the call does not wait
    assert writer.dropped == 1
    fail["next"] = True
    release.set()
    writer.close()
    assert (writer.written, writer.write_errors) == (1, 1)
    assert [r["call_uuid"] for r in rows(tmp_path)] == ["queued"]
    assert not writer.submit(capture("late"))  # closed


def test_a_folder_that_cannot_be_made_is_a_config_error_naming_the_setting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"amd\.capture_dir: cannot create .*a-file/capture"):
        AmdCaptureWriter(blocker / "capture")


def test_captures_stop_at_the_size_limit_and_resume_once_files_are_moved_away(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    one = 44 + 24_000 * 2  # a 1.5 s capture as a WAV
    (tmp_path / "earlier.wav").write_bytes(b"\0" * one)  # WAVs already there count
    writer = AmdCaptureWriter(tmp_path, max_bytes=3 * one, recount_s=0.0)
    for uuid in ("first", "second", "third"):
        assert writer.submit(capture(uuid))  # the call never waits, whatever the disk holds
    writer.flush()
    assert (writer.written, writer.skipped_full, writer.dropped) == (2, 1, 0)
    assert [r["call_uuid"] for r in rows(tmp_path)] == ["first", "second"]
    assert not (tmp_path / DAY / "third.wav").exists()
    assert writer.submit(capture("fourth"))
    writer.flush()
    assert writer.skipped_full == 2
    assert sum("amd.capture_max_mb" in r.getMessage() for r in caplog.records) == 1  # logged once, not per call

    (tmp_path / "earlier.wav").unlink()  # a person moved a day away: the folder is re-counted, capture resumes
    assert writer.submit(capture("fifth"))
    writer.close()
    assert (writer.written, writer.skipped_full) == (3, 2)
    assert [r["call_uuid"] for r in rows(tmp_path)] == ["first", "second", "fifth"]
    assert sum(1 for _ in tmp_path.rglob("*.wav")) == 3  # nothing the robot wrote was deleted
