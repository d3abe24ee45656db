"""Callee scripts: what the simulated far end does (answer or refuse, what it says and when, hang up).

One script per file, YAML (`.yaml`/`.yml`) or TOML (`.toml`); the script's name is its `name` field or the file stem.
Built-ins live in robot/sim/scripts/. Example:

    outcome: answer          # answer | busy | noanswer | no_route
    answer_delay_ms: 20
    hangup_after_ms: 60000   # callee hangs up (NORMAL_CLEARING) this long after answer; omit: never
    timeline:
      - {at_ms: 0, say: human_allo.wav}            # WAV relative to the script file, then to the audio dir
      - {at_ms: 9050, tone: {freq_hz: 1000, duration_ms: 500}}
      - {after_broadcast: 1, at_ms: 600, say: human_bargein.wav}   # 600 ms after the robot's 1st uuid_broadcast

Items: exactly one of `say`, `tone`, `sit`, `noise`, `silence` (a documented gap; silence is also what is sent
between items). Bad files raise ConfigError naming the file, the line (YAML) and the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from robot.errors import ConfigError

BUILTIN_SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"
DEFAULT_AUDIO_DIR = Path(__file__).resolve().parent.parent.parent / "audio" / "sim"
SCRIPT_SUFFIXES = (".yaml", ".yml", ".toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToneSpec(_Strict):
    freq_hz: float = Field(gt=0, lt=4000, description="Tone frequency, Hz (below 4 kHz: it must survive 8 kHz).")
    duration_ms: int = Field(gt=0, le=60_000, description="Tone length, ms.")
    level_dbfs: float = Field(-10.0, le=0, description="Peak level, dBFS.")


class SitSpec(_Strict):
    level_dbfs: float = Field(-12.0, le=0, description="Peak level of each SIT tone, dBFS.")


class NoiseSpec(_Strict):
    duration_ms: int = Field(gt=0, le=600_000, description="Noise length, ms.")
    level_dbfs: float = Field(-40.0, le=0, description="RMS level, dBFS.")


class SilenceSpec(_Strict):
    duration_ms: int = Field(gt=0, le=600_000, description="Gap length, ms (sends zeros; documents intent).")


class TimelineItem(_Strict):
    at_ms: int = Field(0, ge=0, description="Start, ms after answer (or after the broadcast, see after_broadcast).")
    after_broadcast: int | None = Field(
        None, ge=1, description="Anchor on the robot's Nth uuid_broadcast start (1-based) instead of the answer."
    )
    say: str | None = Field(None, description="WAV file to say (any rate; resampled).")
    tone: ToneSpec | None = None
    sit: SitSpec | None = None
    noise: NoiseSpec | None = None
    silence: SilenceSpec | None = None
    gain_db: float = Field(0.0, ge=-60, le=20, description="Gain applied to this item, dB.")

    @model_validator(mode="after")
    def _exactly_one_sound(self) -> TimelineItem:
        given = [n for n in ("say", "tone", "sit", "noise", "silence") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of say, tone, sit, noise, silence (got {given or 'none'})")
        return self

    @property
    def kind(self) -> str:
        for name in ("say", "tone", "sit", "noise", "silence"):
            if getattr(self, name) is not None:
                return name
        raise AssertionError("validated item has a sound")


class CalleeScript(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Script name = loopback extension.")
    description: str = ""
    outcome: Literal["answer", "busy", "noanswer", "no_route"] = Field(
        "answer", description="answer; busy (USER_BUSY, q850 17); noanswer (NO_ANSWER, q850 19); no_route (q850 3)."
    )
    answer_delay_ms: int = Field(20, ge=0, le=120_000, description="Ringing time before answer (or busy), ms.")
    ring_ms: int = Field(4000, ge=0, le=600_000, description="noanswer: ringing time before NO_ANSWER, ms.")
    hangup_after_ms: int | None = Field(None, ge=0, description="Callee hangs up this long after answer, ms.")
    dialplan_socket: str | None = Field(
        None, description='After answer, hand the B leg to an outbound-socket server: "host:port async full".'
    )
    timeline: tuple[TimelineItem, ...] = ()
    source: Path | None = Field(None, exclude=True, description="File the script came from.")

    @model_validator(mode="after")
    def _socket_target(self) -> CalleeScript:
        if self.dialplan_socket is not None:
            host_port = self.dialplan_socket.split()[0]
            host, sep, port = host_port.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"dialplan_socket must start with host:port (got {self.dialplan_socket!r})")
        return self

    @property
    def socket_address(self) -> tuple[str, int] | None:
        if self.dialplan_socket is None:
            return None
        host, _, port = self.dialplan_socket.split()[0].rpartition(":")
        return host, int(port)


def _yaml_line(text: str, loc: tuple[int | str, ...]) -> int | None:
    """Line (1-based) of the YAML node at a pydantic error location, or of its nearest parent."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part]
            if not match:
                break
            node = match[0][1]
            line = match[0][0].start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _read_mapping(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read script: {err}") from err
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else "?"
        raise ConfigError(f"{path}:{line}: invalid YAML: {err.problem}") from err
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: invalid {path.suffix[1:].upper()}: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a script must be a mapping of fields (got {type(data).__name__})")
    return data, text


def load_script(path: Path) -> CalleeScript:
    """Parse and validate one script file."""
    data, text = _read_mapping(path)
    data.setdefault("name", path.stem)
    try:
        return CalleeScript.model_validate({**data, "source": path})
    except ValidationError as err:
        problems = []
        for item in err.errors():
            field = ".".join(str(p) for p in item["loc"]) or "(script)"
            line = _yaml_line(text, tuple(item["loc"])) if path.suffix != ".toml" else None
            where = f"{path}:{line}" if line else str(path)
            problems.append(f"{where}: field {field}: {item['msg']}")
        raise ConfigError("invalid callee script:\n  " + "\n  ".join(problems)) from err


def load_scripts(*dirs: Path | None) -> dict[str, CalleeScript]:
    """Load every script of the built-in dir and then of `dirs` (later ones override by name)."""
    scripts: dict[str, CalleeScript] = {}
    for folder in (BUILTIN_SCRIPTS_DIR, *dirs):
        if folder is None:
            continue
        if not folder.is_dir():
            raise ConfigError(f"{folder}: scripts directory not found")
        for path in sorted(folder.iterdir()):
            if path.suffix in SCRIPT_SUFFIXES:
                script = load_script(path)
                scripts[script.name] = script
    return scripts


def resolve_sound(script: CalleeScript, name: str, audio_dir: Path) -> Path:
    """Find a `say` file: absolute, next to the script, or in the audio dir."""
    candidates = [Path(name)] if Path(name).is_absolute() else []
    if script.source is not None:
        candidates.append(script.source.parent / name)
    candidates.append(audio_dir / name)
    for path in candidates:
        if path.is_file():
            return path
    where = script.source or f"script {script.name!r}"
    raise ConfigError(f"{where}: field timeline.say: sound file {name!r} not found (looked in {audio_dir})")
