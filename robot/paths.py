"""Where relative paths from the settings are looked up, so `robot` works from any directory.

- Data files shipped with robot (`amd_keywords.yaml`): the path as given when it exists (relative to the working
  directory), else the packaged copy of that name (`robot/data/`, a link to the repository's file, installed as
  package data).
- A scenario's prompt folder (`dialog.audio_dir`, default `audio`): as given when it exists, else next to the
  scenario file, else next to the scenario's folder (`scenarios/x.yaml` beside `audio/`).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def data_file(path: Path) -> Path:
    """`path` if it exists or is absolute, else the packaged file of the same name if there is one."""
    if path.is_absolute() or path.exists():
        return path
    packaged = PACKAGE_DATA / path.name
    return packaged if packaged.is_file() else path


def audio_dir_for(scenario: Path, audio_dir: Path) -> Path:
    """The prompt folder of `scenario`: `audio_dir` as given if it exists, else relative to the scenario file."""
    if audio_dir.is_absolute() or audio_dir.is_dir():
        return audio_dir
    here = scenario.resolve().parent
    for base in (here, here.parent):
        if (base / audio_dir).is_dir():
            return base / audio_dir
    return audio_dir
