"""Call scenarios: a YAML file of steps, validated at load time.

```yaml
name: demo_fr
start: greeting
steps:
  greeting:
    play: prompts/8k/greeting.wav      # relative to DialogSettings.audio_dir (or absolute)
    listen: {timeout_ms: 6000}         # optional: overrides listen_timeout_ms / end_of_turn_silence_ms
    on: {yes: confirm, no: goodbye, timeout: greeting_again, default: greeting_again}
  confirm:
    mark: {result: interested, tag: offer_yes}
    play: prompts/8k/confirm.wav
    hangup: true
  refusal:
    refusal: true                      # the caller asked never to be called again
    play: prompts/8k/sorry.wav
    transfer: {destination: "1000", context: default}
```

A step runs in this order: record `mark` / `refusal`, play `play` (if any), then continue in exactly one way:
`on` (listen for the answer and branch on its intent: yes, no, not_interested, call_back_later,
stop_calling_me, question, timeout, default), `next` (go to a step), `hangup: true` or `transfer`.
An answer whose intent has no branch takes `default`; a `timeout` without its own branch also takes `default`.
`during_play: {no: goodbye, ...}` (steps that only play, e.g. a confirmation before hanging up): the robot keeps
listening while the prompt plays; an answer with one of these intents stops it and goes to that step instead.

Every problem raises ConfigError naming the file, the line and what is wrong: YAML syntax, unknown or missing
fields, unknown step references, a step with no or several ways to continue, audio files that do not exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from robot.dialog.playback import PromptLibrary
from robot.errors import ConfigError

Branch = Literal["yes", "no", "not_interested", "call_back_later", "stop_calling_me", "question", "timeout", "default"]
PlayBranch = Literal["yes", "no", "not_interested", "call_back_later", "stop_calling_me", "question"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Listen(_Strict):
    timeout_ms: int | None = Field(
        default=None, gt=0, description="No answer after the prompt for this long -> timeout, ms."
    )
    end_of_turn_silence_ms: int | None = Field(default=None, gt=0, description="Silence that ends the answer, ms.")


class Mark(_Strict):
    result: str = Field(min_length=1, description="Contact result stored by the campaign (interested, refused...).")
    tag: str | None = Field(default=None, description="Free tag stored with the result.")


class Transfer(_Strict):
    destination: str = Field(min_length=1, description="uuid_transfer destination (extension).")
    context: str = Field(default="default", min_length=1, description="Dialplan context.")


class Step(_Strict):
    play: str | None = None
    listen: Listen | None = None
    on: dict[Branch, str] | None = None
    next: str | None = None
    hangup: bool = False
    transfer: Transfer | None = None
    mark: Mark | None = None
    refusal: bool = False
    during_play: dict[PlayBranch, str] | None = Field(
        default=None,
        description="While the prompt plays (and until a turn started during it ends): answer intent -> step.",
    )

    @model_validator(mode="after")
    def _one_way_on(self) -> Step:
        ways = [name for name, used in self._ways().items() if used]
        if len(ways) != 1:
            found = ", ".join(ways) if ways else "none"
            raise ValueError(f"a step continues in exactly one way: on, next, hangup or transfer (found: {found})")
        if self.listen is not None and self.on is None:
            raise ValueError("listen needs an `on` mapping to branch on the answer")
        if self.on is not None and not ({"default", "timeout"} & set(self.on)):
            raise ValueError("`on` needs a `default` or `timeout` branch (what happens when nobody answers)")
        if self.during_play is not None and self.play is None:
            raise ValueError("during_play needs a prompt to `play`")
        return self

    def _ways(self) -> dict[str, bool]:
        return {
            "on": self.on is not None,
            "next": self.next is not None,
            "hangup": self.hangup,
            "transfer": self.transfer is not None,
        }

    def targets(self) -> dict[str, str]:
        """Field path (inside the step) -> referenced step name."""
        refs = {f"on.{branch}": target for branch, target in (self.on or {}).items()}
        refs |= {f"during_play.{branch}": target for branch, target in (self.during_play or {}).items()}
        if self.next is not None:
            refs["next"] = self.next
        return refs


class Scenario(_Strict):
    name: str = Field(min_length=1)
    start: str
    steps: dict[str, Step] = Field(min_length=1)
    source: Path | None = Field(default=None, exclude=True)
    audio_dir: Path = Field(default=Path("."), exclude=True)

    def step(self, name: str) -> Step:
        return self.steps[name]

    def audio_path(self, step_name: str) -> Path:
        """Absolute path of a step's prompt (the file FreeSWITCH plays)."""
        play = self.steps[step_name].play
        if play is None:
            raise KeyError(f"step {step_name!r} plays nothing")
        path = Path(play)
        return path if path.is_absolute() else (self.audio_dir / path).resolve()


class _ScenarioLoader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: `on`, `yes`, `no` stay strings (YAML 1.1 made them bools)."""


_ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _node_line(root: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """1-based line of the YAML node at `loc`, or of the deepest parent that exists."""
    node = root
    line = None if node is None else node.start_mark.line + 1
    for part in loc:
        if not isinstance(node, yaml.MappingNode):
            break
        pairs = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)]
        if not pairs:
            break
        key, node = pairs[0]
        line = key.start_mark.line + 1
    return line


def _parse(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read scenario: {err.strerror}") from err
    try:
        root = yaml.compose(text, Loader=_ScenarioLoader)
        data = yaml.load(text, Loader=_ScenarioLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML: {err.problem or err}") from err
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: invalid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a scenario is a mapping with name, start and steps (got {type(data).__name__})")
    return data, root


def load_scenario(path: Path, audio_dir: Path, prompts: PromptLibrary | None = None) -> Scenario:
    """Read, validate and cross-check a scenario file; prompt paths are resolved against `audio_dir`. With
    `prompts`, every prompt is read into it now (a bad WAV is reported here), not from disk during a call."""
    data, root = _parse(path)
    data.setdefault("name", path.stem)
    try:
        scenario = Scenario.model_validate({**data, "source": path, "audio_dir": audio_dir.resolve()})
    except ValidationError as err:
        problems = []
        for item in err.errors():
            loc = tuple(item["loc"])
            line = _node_line(root, loc)
            field = ".".join(str(p) for p in loc) or "(scenario)"
            msg = item["msg"].removeprefix("Value error, ")
            problems.append(f"{path}:{line or 1}: {field}: {msg}")
        raise ConfigError("invalid scenario:\n  " + "\n  ".join(problems)) from err
    problems = []
    if scenario.start not in scenario.steps:
        problems.append(f"{path}:{_node_line(root, ('start',))}: start: unknown step {scenario.start!r}")
    for name, step in scenario.steps.items():
        for field, target in step.targets().items():
            if target not in scenario.steps:
                loc = ("steps", name, *field.split("."))
                problems.append(f"{path}:{_node_line(root, loc)}: steps.{name}.{field}: unknown step {target!r}")
        if step.play is not None:
            audio = scenario.audio_path(name)
            if not audio.is_file():
                loc = ("steps", name, "play")
                problems.append(f"{path}:{_node_line(root, loc)}: steps.{name}.play: audio file not found: {audio}")
    if problems:
        raise ConfigError("invalid scenario:\n  " + "\n  ".join(problems))
    if prompts is not None:
        for name, step in scenario.steps.items():
            if step.play is not None:
                prompts.get(scenario.audio_path(name))
    return scenario
