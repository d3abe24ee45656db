from __future__ import annotations

import wave
from pathlib import Path

import pytest

from robot.dialog.playback import PromptLibrary
from robot.dialog.scenario import load_scenario
from robot.errors import ConfigError

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
name: t
start: ask
steps:
  ask:
    play: hello.wav
    on:
      yes: bye
      no: bye
      default: bye
  bye:
    mark: {result: done}
    hangup: true
"""


@pytest.fixture
def audio(tmp_path: Path) -> Path:
    folder = tmp_path / "audio"
    folder.mkdir()
    (folder / "hello.wav").write_bytes(b"RIFF")
    return folder


def _load(tmp_path: Path, audio: Path, text: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_scenario(path, audio)
    return str(err.value)


def test_demo_scenario_loads_and_all_prompts_exist() -> None:
    scenario = load_scenario(REPO / "scenarios" / "demo_fr.yaml", REPO / "audio")
    assert scenario.start == "greeting"
    greeting = scenario.step("greeting")
    assert greeting.on is not None
    assert greeting.on["yes"] == "confirm" and greeting.on["stop_calling_me"] == "refusal"
    assert scenario.step("refusal").refusal
    assert scenario.audio_path("greeting").is_file()


def test_yes_no_on_keys_stay_strings(tmp_path: Path, audio: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD, encoding="utf-8")
    scenario = load_scenario(path, audio)
    assert scenario.step("ask").on == {"yes": "bye", "no": "bye", "default": "bye"}
    assert scenario.step("bye").hangup is True


def test_unknown_step_reference_names_line_and_step(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("yes: bye", "yes: byee"))
    assert "s.yaml:7: steps.ask.on.yes: unknown step 'byee'" in msg


def test_unknown_start(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("start: ask", "start: nowhere"))
    assert "s.yaml:2: start: unknown step 'nowhere'" in msg


def test_missing_audio_names_step_and_path(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("hello.wav", "missing.wav"))
    assert "s.yaml:5: steps.ask.play: audio file not found:" in msg
    assert str(audio / "missing.wav") in msg


def test_unknown_field_is_reported_at_its_line(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("    hangup: true", "    hangup: true\n    hangpu: true"))
    assert "s.yaml:13: steps.bye.hangpu: Extra inputs are not permitted" in msg


def test_unknown_branch_name(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("no: bye", "maybe: bye"))
    assert "s.yaml:8: steps.ask.on.maybe" in msg


def test_step_with_two_ways_to_continue(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("    hangup: true", "    hangup: true\n    next: ask"))
    assert "s.yaml:10: steps.bye: a step continues in exactly one way" in msg
    assert "found: next, hangup" in msg


def test_step_that_never_continues(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("    hangup: true\n", "    play: hello.wav\n"))
    assert "steps.bye: a step continues in exactly one way" in msg and "found: none" in msg


def test_on_without_default_or_timeout(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("      default: bye\n", ""))
    assert "s.yaml:4: steps.ask: `on` needs a `default` or `timeout` branch" in msg


def test_wrong_type_is_reported(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("    on:\n", "    listen: {timeout_ms: soon}\n    on:\n"))
    assert "s.yaml:6: steps.ask.listen.timeout_ms" in msg


def test_yaml_syntax_error_has_line(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("  bye:\n", "  bye: [\n"))
    assert "s.yaml:" in msg and "invalid YAML" in msg


def test_not_a_mapping_and_missing_file(tmp_path: Path, audio: Path) -> None:
    assert "a scenario is a mapping" in _load(tmp_path, audio, "- a\n- b\n")
    with pytest.raises(ConfigError, match="cannot read scenario"):
        load_scenario(tmp_path / "none.yaml", audio)


def test_missing_required_field(tmp_path: Path, audio: Path) -> None:
    msg = _load(tmp_path, audio, GOOD.replace("start: ask\n", ""))
    assert "s.yaml:1: start: Field required" in msg


def test_prompts_are_read_when_the_scenario_loads(tmp_path: Path, audio: Path) -> None:
    with wave.open(str(audio / "hello.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * 8000)
    path = tmp_path / "s.yaml"
    path.write_text(GOOD, encoding="utf-8")
    prompts = PromptLibrary()
    load_scenario(path, audio, prompts)
    (audio / "hello.wav").unlink()  # a call's playback no longer needs the file system
    assert prompts.get(audio / "hello.wav").duration_s == pytest.approx(1.0)
    (audio / "hello.wav").write_bytes(b"RIFF")
    with pytest.raises(ConfigError, match="cannot read prompt"):
        load_scenario(path, audio, PromptLibrary())
