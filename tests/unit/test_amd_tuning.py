"""robot.amd.tuning: the grid file, the transcript cache, and which configuration beats the current settings."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from robot.amd.evaluation import EvalReport
from robot.amd.tuning import CURRENT, TranscriptCache, TuneResult, better_than_current, load_grid, render
from robot.asr.engine import Priority
from robot.errors import ConfigError
from robot.events import Transcript
from robot.settings import AmdSettings

pytestmark = pytest.mark.unit


def grid_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grid.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_grid_is_checked_against_the_amd_settings(tmp_path: Path) -> None:
    path = grid_file(tmp_path, '{"patient": {"long_greeting_ms": 4000}, "no words": {"use_asr": false}}')
    assert load_grid(path, AmdSettings()) == {"patient": {"long_greeting_ms": 4000}, "no words": {"use_asr": False}}


def test_grid_values_come_back_as_the_settings_model_converts_them(tmp_path: Path) -> None:
    grid = load_grid(grid_file(tmp_path, '{"a": {"long_greeting_ms": 4000.0, "use_asr": "false"}}'), AmdSettings())
    assert grid == {"a": {"long_greeting_ms": 4000, "use_asr": False}}
    assert isinstance(grid["a"]["long_greeting_ms"], int)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": {"window_ms": 2000},\n "b": }', r"grid\.json:2: not valid JSON"),
        ("[1, 2]", r"grid\.json: expected a JSON object of configurations"),
        ("{}", r"grid\.json: expected a JSON object of configurations"),
        ('{"current": {"window_ms": 2000}}', r"configuration 'current': the name is reserved"),
        ('{"a": 3}', r"configuration 'a': expected an object of amd settings"),
        ('{"a": {"windowms": 2000}}', r"configuration 'a': amd\.windowms: unknown setting"),
        ('{"a": {"window_ms": -1}}', r"configuration 'a': amd\.window_ms: Input should be greater than 0"),
        ('{"a": {"machine_action": "shout"}}', r"configuration 'a': amd\.machine_action: Input should be"),
        ('{"a": {"keywords_file": "x.yaml"}}', r"configuration 'a': amd\.keywords_file: .*loaded once per run"),
    ],
)
def test_a_bad_grid_names_the_file_the_configuration_and_the_setting(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_grid(grid_file(tmp_path, text), AmdSettings())


def test_a_missing_grid_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.json: cannot read the grid"):
        load_grid(tmp_path / "missing.json", AmdSettings())


class CountingTranscriber:
    """Test double for the ASR engine: says how many windows it was asked to decode."""

    def __init__(self) -> None:
        self.calls = 0

    async def transcribe(self, audio: npt.NDArray[np.int16], *, priority: Priority) -> Transcript | None:
        self.calls += 1
        if audio.size == 0:
            return None
        return Transcript(f"fenêtre de {audio.size} échantillons", (), True, 0.125)


async def test_the_cache_decodes_each_window_once_and_keeps_the_options_in_its_key(tmp_path: Path) -> None:
    engine = CountingTranscriber()
    path = tmp_path / "cache.json"
    cache = TranscriptCache(engine, path, '{"model": "base"}')
    one, two = np.zeros(1600, dtype=np.int16), np.ones(3200, dtype=np.int16)
    first = await cache.transcribe(one, priority=Priority.AMD)
    again = await cache.transcribe(one, priority=Priority.AMD)
    assert first == again == Transcript("fenêtre de 1600 échantillons", (), True, 0.125)
    assert await cache.transcribe(np.zeros(0, dtype=np.int16), priority=Priority.AMD) is None
    await cache.transcribe(two, priority=Priority.AMD)
    assert (engine.calls, cache.misses) == (3, 3)
    cache.save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # call transcripts: personal data
    assert not path.with_name("cache.json.partial").exists()

    reloaded = TranscriptCache(engine, path, '{"model": "base"}')
    assert await reloaded.transcribe(two, priority=Priority.AMD) == Transcript(
        "fenêtre de 3200 échantillons", (), True, 0.125
    )
    assert reloaded.misses == 0 and engine.calls == 3
    other_model = TranscriptCache(engine, path, '{"model": "small"}')
    await other_model.transcribe(two, priority=Priority.AMD)
    assert other_model.misses == 1 and engine.calls == 4  # never an answer decoded with other options


def test_an_unreadable_cache_is_a_config_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cache\.json: unreadable transcript cache.*delete it"):
        TranscriptCache(CountingTranscriber(), path, "")
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cache\.json: not a transcript cache"):
        TranscriptCache(CountingTranscriber(), path, "")
    unwritable = TranscriptCache(CountingTranscriber(), tmp_path / "no-such-folder" / "cache.json", "")
    with pytest.raises(ConfigError, match=r"no-such-folder/cache\.json: cannot write the transcript cache"):
        unwritable.save()


def result(name: str, overrides: dict[str, Any], right: int, people_called_machines: int) -> TuneResult:
    """A configuration's result on 20 clips: 10 people (some called machines), 10 machines (the rest wrong)."""
    report = EvalReport(total=20, correct=right)
    humans_right = 10 - people_called_machines
    report.confusion = {
        "HUMAN": {"HUMAN": humans_right, "MACHINE": people_called_machines},
        "MACHINE": {"MACHINE": right - humans_right, "HUMAN": 10 - (right - humans_right)},
    }
    report.decision_s = [2.0] * 20
    return TuneResult(name, overrides, report)


def test_the_best_configuration_gets_more_right_without_calling_more_people_machines() -> None:
    results = [
        result(CURRENT, {}, 15, 1),
        result("greedy", {"machine_score_min": 1.5}, 18, 3),  # more right, but hangs up on 2 more people
        result("patient", {"long_greeting_ms": 4000}, 16, 0),
        result("words off", {"use_asr": False}, 17, 1),
        result("same", {"window_ms": 2400}, 15, 1),
    ]
    assert [r.name for r in better_than_current(results)] == ["words off", "patient"]
    text = render(results)
    assert "best: words off" in text and "ROBOT_AMD__USE_ASR=false" in text
    assert text.splitlines()[1].startswith("current") and "17/20" in text


def test_no_better_configuration_says_keep_the_current() -> None:
    results = [result(CURRENT, {}, 15, 1), result("greedy", {"machine_score_min": 1.5}, 18, 3)]
    assert better_than_current(results) == []
    assert "keep the current" in render(results)
