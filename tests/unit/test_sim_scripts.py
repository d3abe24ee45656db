"""Callee scripts: built-ins load and render; bad files name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from robot.errors import ConfigError
from robot.sim.program import CallAudio, build_program
from robot.sim.scripts import DEFAULT_AUDIO_DIR, CalleeScript, TimelineItem, load_script, load_scripts

pytestmark = pytest.mark.unit

REQUIRED = {
    "human",
    "human_bargein",
    "human_backchannel",
    "human_silent_first",
    "human_waits_for_caller",
    "machine",
    "machine_short",
    "silence",
    "busy",
    "noanswer",
    "announcement",
    "noise",
    "handoff",
}


def test_builtins_load_and_render() -> None:
    scripts = load_scripts()
    assert set(scripts) >= REQUIRED
    for script in scripts.values():
        program = build_program(script, DEFAULT_AUDIO_DIR)
        assert set(program.timeline) == {8000, 16000}
    assert scripts["busy"].outcome == "busy" and scripts["noanswer"].outcome == "noanswer"
    assert scripts["handoff"].socket_address == ("127.0.0.1", 8084)
    bargein = build_program(scripts["human_bargein"], DEFAULT_AUDIO_DIR)
    assert [c.kind for c in bargein.broadcast_cues(1)] == ["say"] and bargein.broadcast_cues(2) == ()


def test_bad_field_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("outcome: answer\ntimeline:\n  - at_ms: 0\n    tone: {freq_hz: 9000, duration_ms: 100}\n")
    with pytest.raises(ConfigError) as err:
        load_script(path)
    text = str(err.value)
    assert f"{path}:4" in text and "timeline.0.tone.freq_hz" in text


def test_item_needs_exactly_one_sound(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("timeline:\n  - {at_ms: 0, say: a.wav, sit: {}}\n")
    with pytest.raises(ConfigError, match=r"two.yaml:2: field timeline.0: .*exactly one"):
        load_script(path)


def test_unknown_field_and_bad_yaml(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("outcome: answer\nanswr_delay_ms: 3\n")
    with pytest.raises(ConfigError, match=r"x.yaml:2: field answr_delay_ms"):
        load_script(tmp_path / "x.yaml")
    (tmp_path / "y.yaml").write_text("timeline: [\n")
    with pytest.raises(ConfigError, match=r"y.yaml:\d+: invalid YAML"):
        load_script(tmp_path / "y.yaml")


def test_toml_script_and_missing_sound(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('outcome = "answer"\n[[timeline]]\nat_ms = 10\nsay = "nowhere.wav"\n')
    script = load_script(path)
    assert script.name == "t" and script.timeline[0].say == "nowhere.wav"
    with pytest.raises(ConfigError, match=r"t.toml: field timeline.say: sound file 'nowhere.wav' not found"):
        build_program(script, DEFAULT_AUDIO_DIR)


def test_user_dir_overrides_builtin(tmp_path: Path) -> None:
    (tmp_path / "human.yaml").write_text("outcome: busy\n")
    assert load_scripts(tmp_path)["human"].outcome == "busy"
    with pytest.raises(ConfigError, match="not found"):
        load_scripts(tmp_path / "missing")


def test_frames_follow_timeline_and_bargein_mix() -> None:
    tone = TimelineItem.model_validate({"at_ms": 100, "tone": {"freq_hz": 1000, "duration_ms": 100}})
    late = TimelineItem.model_validate({"after_broadcast": 1, "at_ms": 0, "noise": {"duration_ms": 40}})
    program = build_program(CalleeScript(name="t", timeline=(tone, late)), DEFAULT_AUDIO_DIR)
    audio = CallAudio(program)
    silent = np.frombuffer(audio.frame(16000, 0, 320), dtype="<i2")
    loud = np.frombuffer(audio.frame(16000, 1600 + 320, 320), dtype="<i2")
    after = audio.frame(16000, 16000 * 5, 320)
    assert not silent.any() and np.abs(loud).max() > 8000 and after == bytes(640)
    audio.add(5.0, program.broadcast_cues(1)[0])
    assert np.frombuffer(audio.frame(16000, 16000 * 5, 320), dtype="<i2").any()
    assert len(audio.frame(8000, 790, 160)) == 320  # straddles the end of the timeline
