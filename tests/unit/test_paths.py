"""robot works from any directory: packaged data files and prompt folders found relative to the scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.paths import PACKAGE_DATA, audio_dir_for, data_file

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]


def test_keyword_file_falls_back_to_the_packaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    packaged = data_file(Path("amd_keywords.yaml"))
    assert packaged == PACKAGE_DATA / "amd_keywords.yaml" and packaged.is_file()
    assert packaged.read_bytes() == (REPO / "amd_keywords.yaml").read_bytes()  # the repository's file, not a copy
    (tmp_path / "amd_keywords.yaml").write_text("mine", encoding="utf-8")
    assert data_file(Path("amd_keywords.yaml")) == Path("amd_keywords.yaml")  # a local file wins
    assert data_file(Path("no_such.yaml")) == Path("no_such.yaml")  # the error will name what was asked


def test_prompt_folder_is_looked_up_beside_the_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = REPO / "scenarios" / "demo_fr.yaml"
    assert audio_dir_for(scenario, Path("audio")) == REPO / "audio"
    (tmp_path / "audio").mkdir()
    assert audio_dir_for(scenario, Path("audio")) == Path("audio")  # exists from here: as given
    assert audio_dir_for(scenario, Path("/abs/audio")) == Path("/abs/audio")
