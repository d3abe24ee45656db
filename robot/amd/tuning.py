"""Choose AMD settings on your own labelled calls: a grid of `amd` overrides, each run on the same clips.

`robot amd-tune MANIFEST.csv --grid GRID.json` (robot/commands/amd_tune_cmd.py) runs the real detector (VAD, tones,
classifier, file-mode virtual clock) once per configuration on every clip of a labelled manifest, e.g. the calls
`amd.capture_dir` saved and a person labelled. The current settings always run first, in the same run, as the
baseline every configuration is compared with. Transcripts are cached by window content (the key holds the audio and
every `asr` setting: decoding is deterministic), so a grid of timing and scoring settings costs little more than one
evaluation; the cache holds call transcripts, so it is written 0600.

The grid file is a JSON object: {"name": {"amd setting": value, ...}, ...}. Each configuration is validated against
the `amd` settings model before anything runs; errors name the file, the configuration and the setting.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from robot.amd.detector import AmdDetector, AmdTranscriber
from robot.amd.evaluation import EvalReport, ManifestRow, evaluate
from robot.asr.engine import Priority
from robot.errors import ConfigError
from robot.events import Transcript
from robot.private_files import open_private, write_all
from robot.settings import AmdSettings, Settings

CURRENT = "current"  # the settings as loaded: the baseline of every comparison
# amd settings a grid cannot vary (loaded once for the whole run): why, for the error message
FIXED = {"keywords_file": "the phrase families are loaded once per run: set ROBOT_AMD__KEYWORDS_FILE and run again"}


def load_grid(path: Path, base: AmdSettings) -> dict[str, dict[str, Any]]:
    """The configurations of a grid file, each checked against AmdSettings (ConfigError names file, name, field)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the grid: {err.strerror}") from err
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}:{err.lineno}: not valid JSON: {err.msg}") from err
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f'{path}: expected a JSON object of configurations, e.g. {{"slower": {{"window_ms": 2600}}}}')
    grid: dict[str, dict[str, Any]] = {}
    known = set(AmdSettings.model_fields) - set(FIXED)
    for name, overrides in raw.items():
        if name == CURRENT:
            raise ConfigError(f"{path}: configuration {name!r}: the name is reserved for the settings as loaded")
        if not isinstance(overrides, dict):
            raise ConfigError(f"{path}: configuration {name!r}: expected an object of amd settings")
        for key in overrides:
            if key in FIXED:
                raise ConfigError(f"{path}: configuration {name!r}: amd.{key}: {FIXED[key]}")
            if key not in known:
                raise ConfigError(f"{path}: configuration {name!r}: amd.{key}: unknown setting")
        try:
            checked = AmdSettings.model_validate({**base.model_dump(), **overrides})
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"{path}: configuration {name!r}: amd.{field}: {first['msg']}") from None
        # the values as the settings model converts them (2600.0 -> 2600 ms, "false" -> False), since model_copy
        # applies overrides without validating them
        grid[name] = {key: getattr(checked, key) for key in overrides}
    return grid


class TranscriptCache:
    """An AmdTranscriber that answers repeated windows from a JSON file; the engine runs on a miss."""

    def __init__(self, engine: AmdTranscriber, path: Path, options: str) -> None:
        """`options`: everything the transcript depends on besides the audio (the model and every asr setting)."""
        self.engine = engine
        self.path = path
        self._options = options.encode()
        self.misses = 0
        self.cache: dict[str, list[Any] | None] = {}
        if path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as err:
                raise ConfigError(f"{path}: unreadable transcript cache ({err}); delete it to start afresh") from err
            if not isinstance(loaded, dict):
                raise ConfigError(f"{path}: not a transcript cache (expected a JSON object); delete it")
            self.cache = loaded

    def key(self, audio: npt.NDArray[Any]) -> str:
        return hashlib.sha1(self._options + np.ascontiguousarray(audio).tobytes()).hexdigest()

    async def transcribe(self, audio: npt.NDArray[np.int16], *, priority: Priority) -> Transcript | None:
        key = self.key(audio)
        if key not in self.cache:
            self.misses += 1
            result = await self.engine.transcribe(audio, priority=priority)
            self.cache[key] = None if result is None else [result.text, result.no_speech_prob]
        hit = self.cache[key]
        return None if hit is None else Transcript(str(hit[0]), (), True, float(hit[1]))

    def save(self) -> None:
        """Write the cache 0600 (it holds call transcripts), replacing the file only once it is complete."""
        partial = self.path.with_name(self.path.name + ".partial")
        try:
            fd = open_private(partial, "w")
            try:
                write_all(fd, json.dumps(self.cache).encode("utf-8"))
            finally:
                os.close(fd)
            partial.replace(self.path)
        except OSError as err:
            raise ConfigError(f"{self.path}: cannot write the transcript cache: {err.strerror or err}") from err


@dataclass(frozen=True, slots=True)
class TuneResult:
    name: str
    overrides: dict[str, Any]
    report: EvalReport

    def summary(self) -> dict[str, Any]:
        s = self.report.summary()
        keys = ("files", "accuracy", "humans_called_machines", "operators_recall", "decision_ms_p50", "decision_ms_p95")
        humans = self.report.confusion.get("HUMAN", {})
        return {
            "name": self.name,
            "overrides": self.overrides,
            **{k: s[k] for k in keys},
            "right": self.report.correct,
            "humans_called_machines_count": humans.get("MACHINE", 0),
            "confusion": self.report.confusion,
        }


async def tune(
    settings: Settings,
    rows: Sequence[ManifestRow],
    grid: Mapping[str, dict[str, Any]],
    make_detector: Callable[[Settings], AmdDetector],
) -> list[TuneResult]:
    """The current settings, then each configuration of `grid`, on every row (`make_detector(settings)` -> an
    AmdDetector sharing one transcriber, so that windows seen once are not decoded again)."""
    results = []
    for name, overrides in {CURRENT: {}, **grid}.items():
        tuned = settings.model_copy(update={"amd": settings.amd.model_copy(update=overrides)})
        results.append(TuneResult(name, dict(overrides), await evaluate(make_detector(tuned), rows)))
    return results


def better_than_current(results: Sequence[TuneResult]) -> list[TuneResult]:
    """Configurations with more clips right than the current settings and no more people called machines (hanging
    up on a person is the costly error), best first."""
    current = next(r for r in results if r.name == CURRENT)
    people = current.summary()["humans_called_machines_count"]
    better = [
        r
        for r in results
        if r.name != CURRENT
        and r.report.correct > current.report.correct
        and r.summary()["humans_called_machines_count"] <= people
    ]
    return sorted(better, key=lambda r: (-r.report.correct, r.summary()["humans_called_machines_count"]))


def render(results: Sequence[TuneResult]) -> str:
    lines = [
        f"{'configuration':24} {'right':>9} {'accuracy':>8} {'people->machine':>15} {'operators':>9} "
        f"{'p50 ms':>7} {'p95 ms':>7}"
    ]
    for r in results:
        s = r.summary()
        operators = "-" if s["operators_recall"] is None else f"{s['operators_recall']:.1%}"
        lines.append(
            f"{r.name[:24]:24} {s['right']:>4}/{s['files']:<4} {s['accuracy']:>8.1%} "
            f"{s['humans_called_machines_count']:>7} ({s['humans_called_machines']:.1%}) {operators:>9} "
            f"{s['decision_ms_p50']:>7} {s['decision_ms_p95']:>7}"
        )
    better = better_than_current(results)
    if not better:
        lines.append("no configuration gets more clips right without calling more people machines: keep the current")
    else:
        best = better[0]
        lines.append(f"best: {best.name} (more clips right, no more people called machines); to use it:")
        lines += [f"  ROBOT_AMD__{key.upper()}={_env_value(value)}" for key, value in best.overrides.items()]
    return "\n".join(lines)


def _env_value(value: Any) -> str:
    """How pydantic-settings reads the value back from the environment."""
    if isinstance(value, bool):
        return str(value).lower()
    if value is None or isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)
