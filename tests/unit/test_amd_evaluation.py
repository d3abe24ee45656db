"""AMD evaluation: manifest columns, per-label / per-condition / per-voice accuracy, and the committed eval set."""

from __future__ import annotations

import csv
import re
import wave
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from robot.amd.detector import AmdFileResult
from robot.amd.evaluation import EvalReport, ManifestRow, read_manifest, voice_kind
from robot.errors import ConfigError
from robot.events import AmdResult

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
EVAL = REPO / "audio" / "amd-eval"


def _wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    return path


def _result(verdict: str, decided_at: float = 2.0) -> AmdFileResult:
    """Only the fields EvalReport reads (keeps this test off the detector's internals)."""
    fake = SimpleNamespace(
        verdict=SimpleNamespace(result=AmdResult(verdict), confidence=0.9, reasons=("r",), evidence={}),
        transcript="",
        timing=SimpleNamespace(decided_at=decided_at, asr_compute_s=None),
    )
    return cast(AmdFileResult, fake)


def _row(label: str, voice: str = "", condition: str = "") -> ManifestRow:
    return ManifestRow(Path(f"/x/{label}.wav"), label, "test", "", 2, source="s", voice=voice, condition=condition)


def test_manifest_carries_voice_condition_and_source(tmp_path: Path) -> None:
    _wav(tmp_path / "a.wav")
    _wav(tmp_path / "b.wav")
    (tmp_path / "m.csv").write_text(
        "file,label,split,text,source,voice,condition\n"
        "a.wav,human,test,Allô ?,espeak-ng fr,espeak-fr, telephone \n"
        "b.wav,MACHINE,tune,,,,\n",
        encoding="utf-8",
    )
    rows = read_manifest(tmp_path / "m.csv")
    assert [(r.label, r.voice, r.condition, r.source) for r in rows] == [
        ("HUMAN", "espeak-fr", "telephone", "espeak-ng fr"),
        ("MACHINE", "", "", ""),
    ]
    assert [r.line for r in read_manifest(tmp_path / "m.csv", split="tune")] == [3]


def test_manifest_without_the_new_columns_still_reads(tmp_path: Path) -> None:
    _wav(tmp_path / "a.wav")
    (tmp_path / "m.csv").write_text("file,label\na.wav,NO_ANSWER\n", encoding="utf-8")
    [row] = read_manifest(tmp_path / "m.csv")
    assert (row.split, row.voice, row.condition, row.source) == ("", "", "", "")


def test_manifest_errors_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("file,label\nmissing.wav,HUMAN\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"m\.csv:2: field 'file'"):
        read_manifest(tmp_path / "m.csv")


def _report() -> EvalReport:
    report = EvalReport()
    cases = [
        ("HUMAN", "HUMAN", "june", "recorded"),
        ("HUMAN", "MACHINE", "espeak-fr", "telephone"),
        ("MACHINE", "MACHINE", "june", "recorded"),
        ("MACHINE", "MACHINE", "espeak-fr", "noise"),
        ("OPERATOR", "OPERATOR", "june", "recorded"),
        ("OPERATOR", "MACHINE", "mbrola-fr4", "telephone"),
        ("OPERATOR", "OPERATOR", "mbrola-fr4", "synthetic"),
        ("NO_ANSWER", "NO_ANSWER", "none", "telephone"),
    ]
    for truth, verdict, voice, condition in cases:
        report.add(_row(truth, voice, condition), _result(verdict))
    return report


def test_summary_reports_accuracy_per_label_condition_and_voice() -> None:
    s = _report().summary()
    assert s["files"] == 8 and s["accuracy"] == 0.75
    assert s["humans_called_machines"] == 0.5
    assert s["operators_recall"] == round(2 / 3, 4)
    assert s["by_label"]["OPERATOR"] == {"files": 3, "correct": 2, "accuracy": round(2 / 3, 4)}
    assert s["by_label"]["MACHINE"] == {"files": 2, "correct": 2, "accuracy": 1.0}
    assert s["by_condition"] == {
        "noise": {"files": 1, "correct": 1, "accuracy": 1.0},
        "recorded": {"files": 3, "correct": 3, "accuracy": 1.0},
        "synthetic": {"files": 1, "correct": 1, "accuracy": 1.0},
        "telephone": {"files": 3, "correct": 1, "accuracy": round(1 / 3, 4)},
    }
    assert s["by_voice"]["mbrola-fr4"] == {"files": 2, "correct": 1, "accuracy": 0.5}
    assert list(s["by_voice"]) == sorted(s["by_voice"])
    assert s["by_voice_kind"] == {
        "espeak": {"files": 2, "correct": 1, "accuracy": 0.5},
        "june": {"files": 3, "correct": 3, "accuracy": 1.0},
        "mbrola": {"files": 2, "correct": 1, "accuracy": 0.5},
        "none": {"files": 1, "correct": 1, "accuracy": 1.0},
    }


def test_voice_kind_is_the_voice_prefix() -> None:
    assert [voice_kind({"voice": v}) for v in ("june+250c", "june-300c", "espeak-fr+klatt4", "none", "")] == [
        "june",
        "june",
        "espeak",
        "none",
        "",
    ]


def test_items_carry_voice_condition_and_source() -> None:
    item = _report().items[1]
    assert (item["voice"], item["condition"], item["source"], item["result"]) == (
        "espeak-fr",
        "telephone",
        "s",
        "MACHINE",
    )


def test_groups_without_values_and_without_operators() -> None:
    report = EvalReport()
    report.add(_row("HUMAN"), _result("HUMAN"))
    s = report.summary()
    assert s["operators_recall"] is None
    assert s["by_condition"] == {} and s["by_voice"] == {}
    assert s["by_label"] == {"HUMAN": {"files": 1, "correct": 1, "accuracy": 1.0}}
    text = report.render()
    assert "operators recall" not in text and "accuracy by condition" not in text
    assert "accuracy by label" in text


def test_render_lists_the_groups() -> None:
    text = _report().render()
    assert "operators recall 66.7%" in text
    assert re.search(r"accuracy by condition:\n(  .*\n)*  telephone\s+33\.3% \(1/3\)", text)
    assert re.search(r"  mbrola-fr4\s+50\.0% \(1/2\)", text)
    assert re.search(r"accuracy by voice kind:\n(  .*\n)*  june\s+100\.0% \(3/3\)", text)


# ------------------------------------------------------------------------- the committed set (audio/amd-eval)

CONDITIONS = {"synthetic", "recorded", "telephone", "noise"}
SPLITS = (
    "tune",
    "test",
    "test2",
    "test3",
    "test4",
    "test5",
    "test6",
    "test7",
    "test8",
    "test9",
    "test10",
    "test11",
    "test12",
    "test13",
    "test14",
    "test15",
    "test16",
    "test17",
    "test18",
)


def _rows() -> list[dict[str, str]]:
    with (EVAL / "manifest.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_eval_set_columns_and_sizes() -> None:
    rows = _rows()
    assert list(rows[0]) == ["file", "label", "split", "text", "source", "voice", "condition"]
    assert len(rows) >= 250
    for row in rows:
        assert row["split"] in SPLITS, row
        assert row["condition"] in CONDITIONS and row["voice"], row
        assert row["label"] in ("HUMAN", "MACHINE", "NO_ANSWER", "OPERATOR", "EXCLUDE"), row
        if row["file"].startswith(".."):
            continue  # starter clips live in ../shared
        with wave.open(str(EVAL / row["file"]), "rb") as w:
            assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
            assert w.getframerate() in (8000, 16000)
            assert w.getnframes() / w.getframerate() <= 7.0


def test_eval_set_split_holds_out_texts_and_voices() -> None:
    rows = _rows()
    test = [r for r in rows if r["split"] == "test"]
    tune = [r for r in rows if r["split"] == "tune"]
    assert len(test) >= 0.4 * (len(test) + len(tune))
    tune_texts = {_norm(r["text"]) for r in tune if r["text"]}
    assert not [r["text"] for r in test if r["text"] and _norm(r["text"]) in tune_texts]
    synthetic_tune = {r["voice"] for r in tune} - {"june", "none"}
    assert not {r["voice"] for r in test} & synthetic_tune
    for label, least in (("HUMAN", 40), ("MACHINE", 40), ("OPERATOR", 30), ("NO_ANSWER", 15)):
        assert sum(r["label"] == label for r in test) >= least, label
        assert sum(r["label"] == label for r in tune) >= least // 2, label


def _assert_no_text_or_template_of(split: list[dict[str, str]], older: list[dict[str, str]]) -> None:
    """No text (normalised) and no template (`[key]` of `source`) of `split` is in `older`."""
    old_texts = {_norm(r["text"]) for r in older if r["text"]}
    assert not [r["text"] for r in split if r["text"] and _norm(r["text"]) in old_texts]
    old_templates = {r["source"].split("]")[0] for r in older if r["source"].startswith("[")} - {"[no-answer"}
    assert all(r["source"].startswith("[") for r in split)
    assert not {r["source"].split("]")[0] for r in split} & old_templates


def test_eval_set_test2_is_held_out_from_tune_and_test() -> None:
    """test2 (built later, blind): no text, no template and no voice of tune or test; the real speaker only changed."""
    rows = _rows()
    test2 = [r for r in rows if r["split"] == "test2"]
    older = [r for r in rows if r["split"] in ("tune", "test")]
    _assert_no_text_or_template_of(test2, older)
    voices = {r["voice"] for r in test2}
    assert not voices & {r["voice"] for r in older} - {"none"}
    assert "june" not in voices and {"june+150c", "june-tempo1.1"} <= voices
    for label, least in (("HUMAN", 30), ("MACHINE", 30), ("OPERATOR", 25), ("NO_ANSWER", 10)):
        assert sum(r["label"] == label for r in test2) >= least, label
        assert sum(r["label"] == label and r["condition"] == "noise" for r in test2) >= 1, label


def test_eval_set_test3_is_held_out_with_a_second_real_speaker() -> None:
    """test3: no text, template or voice of another split; over a third of it is the second real voice (Armelle)."""
    rows = _rows()
    test3 = [r for r in rows if r["split"] == "test3"]
    older = [r for r in rows if r["split"] in ("tune", "test", "test2")]
    _assert_no_text_or_template_of(test3, older)
    voices = {r["voice"] for r in test3}
    assert not voices & {r["voice"] for r in older} - {"none"}
    armelle = [r for r in test3 if r["voice"].startswith("armelle")]
    assert len(armelle) >= 0.35 * len(test3)
    assert all("asterisk-prompt-fr-armelle" in r["source"] and r["condition"] in ("recorded", "noise") for r in armelle)
    for label, least in (("HUMAN", 30), ("MACHINE", 30), ("OPERATOR", 25), ("NO_ANSWER", 10)):
        assert sum(r["label"] == label for r in test3) >= least, label
        in_armelle = sum(r["label"] == label and r["voice"].startswith("armelle") for r in armelle)
        assert in_armelle >= (label != "NO_ANSWER"), label


def _prompt_ids(row: dict[str, str]) -> set[str]:
    """Asterisk prompt ids a recorded clip is made of (its `source`: '..., [stitched: ]id + 0.9 s pause + id; ...')."""
    said = row["source"].split("recorded voice", 1)[1].split("), ", 1)[1].split(";")[0].removeprefix("stitched: ")
    return {p.split(" (")[0] for p in said.split(" + ") if not p.endswith(" pause") and not p.startswith("digits/")}


def test_eval_set_test4_is_held_out_with_both_real_speakers() -> None:
    """test4: no text, template, prompt id or changed voice of another split; over a third of it is real voices."""
    rows = [r for r in _rows() if not r["file"].startswith("..")]
    test4 = [r for r in rows if r["split"] == "test4"]
    older = [r for r in rows if r["split"] != "test4"]
    _assert_no_text_or_template_of(test4, older)
    voices = {r["voice"] for r in test4}
    assert voices & {r["voice"] for r in older} <= {"armelle", "none"}  # real speakers as recorded, other prompts
    assert "june" not in voices and {"armelle", "armelle-200c", "june+400c", "june-tempo0.9"} <= voices
    real = [r for r in test4 if r["voice"].startswith(("june", "armelle"))]
    assert len(real) >= 0.35 * len(test4)
    old_ids = set().union(*(_prompt_ids(r) for r in older if r["voice"].startswith(("june", "armelle"))))
    new_ids = set().union(*(_prompt_ids(r) for r in real))
    assert len(new_ids) >= 15 and not new_ids & old_ids
    for label, least in (("HUMAN", 25), ("MACHINE", 30), ("OPERATOR", 25), ("NO_ANSWER", 10)):
        assert sum(r["label"] == label for r in test4) >= least, label
        assert sum(r["label"] == label for r in real) >= (label != "NO_ANSWER") * 8, label


def test_eval_set_test5_is_held_out_with_changed_real_voices_on_machine_prompts_only() -> None:
    """test5: no text, template, prompt id or voice of another split; real voices only changed by sox, and only on
    system prompts, labelled MACHINE (no system sentence as a person or as a network announcement)."""
    rows = [r for r in _rows() if not r["file"].startswith("..")]
    test5 = [r for r in rows if r["split"] == "test5"]
    older = [r for r in rows if r["split"] != "test5"]
    _assert_no_text_or_template_of(test5, older)
    voices = {r["voice"] for r in test5}
    assert voices & {r["voice"] for r in older} == {"none"}
    assert {"armelle+300c", "armelle-tempo1.25", "june-150c", "june-tempo1.2"} <= voices
    real = [r for r in test5 if r["voice"].startswith(("june", "armelle"))]
    assert len(real) >= 0.2 * len(test5)
    assert all(r["label"] == "MACHINE" and r["condition"] in ("recorded", "noise") for r in real)
    old_ids = set().union(*(_prompt_ids(r) for r in older if r["voice"].startswith(("june", "armelle"))))
    new_ids = set().union(*(_prompt_ids(r) for r in real))
    assert len(new_ids) >= 12 and not new_ids & old_ids
    assert {r["condition"] for r in test5} == CONDITIONS
    for label, least in (("HUMAN", 30), ("MACHINE", 35), ("OPERATOR", 25), ("NO_ANSWER", 10)):
        assert sum(r["label"] == label for r in test5) >= least, label
    operators = [r["source"] for r in test5 if r["label"] == "OPERATOR"]
    assert sum("; SIT " in s for s in operators) >= 10 and sum("no SIT" in s for s in operators) >= 10


def test_eval_set_test6_is_held_out_and_spoken_by_pico_only() -> None:
    """test6: no text, template or voice of another split; every speech clip is SVOX Pico in one of 5 sox forms (no
    espeak-ng, MBROLA or real voice), so no `recorded` condition."""
    rows = [r for r in _rows() if not r["file"].startswith("..")]
    test6 = [r for r in rows if r["split"] == "test6"]
    older = [r for r in rows if r["split"] != "test6"]
    _assert_no_text_or_template_of(test6, older)
    voices = {r["voice"] for r in test6}
    assert voices & {r["voice"] for r in older} == {"none"}
    assert voices == {"pico", "pico-250c", "pico+150c", "pico-tempo0.9", "pico-tempo1.15", "none"}
    assert all("SVOX Pico pico2wave -l fr-FR" in r["source"] for r in test6 if r["voice"] != "none")
    assert all(r["label"] == "NO_ANSWER" and not r["text"] for r in test6 if r["voice"] == "none")
    assert {r["condition"] for r in test6} == CONDITIONS - {"recorded"}
    for label, least in (("HUMAN", 30), ("MACHINE", 30), ("OPERATOR", 25), ("NO_ANSWER", 10)):
        assert sum(r["label"] == label for r in test6) >= least, label
    operators = [r["source"] for r in test6 if r["label"] == "OPERATOR"]
    assert sum("; SIT " in s for s in operators) >= 10 and sum("no SIT" in s for s in operators) >= 10


def test_eval_set_test7_is_held_out_and_spoken_by_pico_in_other_forms() -> None:
    """test7: no text, template or voice of another split (test6 included); every speech clip is SVOX Pico in one of 5
    sox forms test6 does not use, so no `recorded` condition."""
    rows = [r for r in _rows() if not r["file"].startswith("..")]
    test7 = [r for r in rows if r["split"] == "test7"]
    older = [r for r in rows if r["split"] != "test7"]
    _assert_no_text_or_template_of(test7, older)
    voices = {r["voice"] for r in test7}
    assert voices & {r["voice"] for r in older} == {"none"}
    assert voices == {"pico-150c", "pico+250c", "pico-350c", "pico-tempo0.95", "pico-tempo1.1", "none"}
    assert all("SVOX Pico pico2wave -l fr-FR" in r["source"] for r in test7 if r["voice"] != "none")
    assert all(r["label"] == "NO_ANSWER" and not r["text"] for r in test7 if r["voice"] == "none")
    assert {r["condition"] for r in test7} == CONDITIONS - {"recorded"}
    for label, least in (("HUMAN", 30), ("MACHINE", 30), ("OPERATOR", 25), ("NO_ANSWER", 10)):
        assert sum(r["label"] == label for r in test7) >= least, label
    operators = [r["source"] for r in test7 if r["label"] == "OPERATOR"]
    assert sum("; SIT " in s for s in operators) >= 10 and sum("no SIT" in s for s in operators) >= 10


def test_eval_set_test8_has_pico_and_mbrola_in_new_forms() -> None:
    """test8: no text, template or voice of another split; Pico and MBROLA voices in sox forms no split uses, and
    voicemails whose sentences are spoken at least 0.6 s apart."""
    rows = [r for r in _rows() if not r["file"].startswith("..")]
    test8 = [r for r in rows if r["split"] == "test8"]
    older = [r for r in rows if r["split"] != "test8"]
    _assert_no_text_or_template_of(test8, older)
    voices = {r["voice"] for r in test8}
    assert voices & {r["voice"] for r in older} == {"none"}
    pico = {"pico+100c", "pico-200c", "pico-tempo1.05", "pico-100c-tempo0.92"}
    assert voices == pico | {"mbrola-fr2+150c", "mbrola-fr4-200c", "mbrola-fr6-tempo0.9", "none"}
    for r in test8:
        if r["voice"] in pico:
            assert "SVOX Pico pico2wave -l fr-FR, " in r["source"], r
        elif r["voice"].startswith("mbrola"):
            assert "espeak-ng -v mb-fr" in r["source"] and " (sox)" in r["source"], r
        else:
            assert r["label"] == "NO_ANSWER" and not r["text"], r
    assert {r["condition"] for r in test8} == CONDITIONS - {"recorded"}
    for label, least in (("HUMAN", 30), ("MACHINE", 30), ("OPERATOR", 25), ("NO_ANSWER", 10)):
        assert sum(r["label"] == label for r in test8) >= least, label
    operators = [r["source"] for r in test8 if r["label"] == "OPERATOR"]
    assert sum("; SIT " in s for s in operators) >= 10 and sum("no SIT" in s for s in operators) >= 10
    pauses = [re.search(r"sentences spoken apart \(([0-9.]+) s pauses\)", r["source"]) for r in test8]
    apart = [float(m.group(1)) for m in pauses if m]
    assert len(apart) >= 10 and min(apart) >= 0.6


def _three_kind_split(name: str, pico: set[str], mbrola: set[str], espeak: set[str]) -> list[dict[str, str]]:
    """The rows of split `name` (test9 to test18), checked: no text, template or voice of another split; Pico,
    MBROLA and espeak-ng voices (`pico`, `mbrola`, `espeak`), each only in sox forms no split uses; SIT before some
    announcements, not before others."""
    rows = [r for r in _rows() if not r["file"].startswith("..")]
    split = [r for r in rows if r["split"] == name]
    older = [r for r in rows if r["split"] != name]
    assert all(f"_{name}_" in r["file"] for r in split) and not any(f"_{name}_" in r["file"] for r in older)
    _assert_no_text_or_template_of(split, older)
    voices = {r["voice"] for r in split}
    assert voices & {r["voice"] for r in older} == {"none"}
    assert voices == pico | mbrola | espeak | {"none"}
    for r in split:
        if r["voice"] in pico:
            assert "SVOX Pico pico2wave -l fr-FR, " in r["source"], r
        elif r["voice"] in mbrola:
            assert "espeak-ng -v mb-" in r["source"] and " (sox)" in r["source"], r
        elif r["voice"] in espeak:
            assert "espeak-ng -v fr+" in r["source"] and " (sox)" in r["source"], r
        else:
            assert r["label"] == "NO_ANSWER" and not r["text"], r
    assert {r["condition"] for r in split} == CONDITIONS - {"recorded"}
    for label, least in (("HUMAN", 30), ("MACHINE", 30), ("OPERATOR", 25), ("NO_ANSWER", 10)):
        assert sum(r["label"] == label for r in split) >= least, label
    operators = [r["source"] for r in split if r["label"] == "OPERATOR"]
    assert sum("; SIT " in s for s in operators) >= 10 and sum("no SIT" in s for s in operators) >= 10
    return split


def _pauses_apart(rows: list[dict[str, str]], label: str) -> list[float]:
    """The pauses between sentences of the `label` clips spoken apart."""
    found = [
        re.search(r"sentences spoken apart \(([0-9.]+) s pauses\)", r["source"]) for r in rows if r["label"] == label
    ]
    return [float(m.group(1)) for m in found if m]


def test_eval_set_test9_has_pico_mbrola_and_espeak_in_new_forms() -> None:
    """test9: no text, template or voice of another split; Pico, MBROLA and espeak-ng voices, each only in
    sox forms no split uses, and voicemails whose sentences are spoken at least 0.6 s apart."""
    test9 = _three_kind_split(
        "test9",
        {"pico+300c", "pico-50c-tempo1.12", "pico-tempo0.88"},
        {"mbrola-fr1-tempo1.12", "mbrola-fr7+200c", "mbrola-ca2-150c-tempo0.93"},
        {"espeak-fr+steph2-100c", "espeak-fr+gustave+150c", "espeak-fr+linda-tempo0.9"},
    )
    apart = _pauses_apart(test9, "MACHINE")
    assert len(apart) >= 10 and min(apart) >= 0.6


def test_eval_set_test10_has_pico_mbrola_and_espeak_in_other_new_forms() -> None:
    """test10: the same checks with its own voices; voicemails whose sentences are spoken at least 0.6 s apart and
    people speaking in bursts at least 0.5 s apart."""
    test10 = _three_kind_split(
        "test10",
        {"pico+50c-tempo1.08", "pico-300c-tempo1.03", "pico+200c-tempo0.94"},
        {"mbrola-fr2-100c-tempo1.06", "mbrola-fr4+100c-tempo0.95", "mbrola-fr6+250c"},
        {"espeak-fr+steph3+100c", "espeak-fr+iven3-tempo1.08", "espeak-fr+belinda-50c-tempo0.95"},
    )
    machines, people = _pauses_apart(test10, "MACHINE"), _pauses_apart(test10, "HUMAN")
    assert len(machines) >= 10 and min(machines) >= 0.6
    assert len(people) >= 3 and min(people) >= 0.5


def test_eval_set_test11_has_pico_mbrola_and_espeak_in_yet_other_forms() -> None:
    """test11: the same checks with its own voices; voicemails spoken with at least 0.6 s between sentences and
    people speaking in bursts at least 0.5 s apart."""
    test11 = _three_kind_split(
        "test11",
        {"pico-400c-tempo1.04", "pico+120c-tempo1.12", "pico-80c-tempo0.9"},
        {"mbrola-fr7-150c-tempo1.05", "mbrola-fr1+100c-tempo0.94", "mbrola-ca2+200c"},
        {"espeak-fr+iven2-50c", "espeak-fr+anika+100c-tempo1.05", "espeak-fr+edward-tempo0.93"},
    )
    machines, people = _pauses_apart(test11, "MACHINE"), _pauses_apart(test11, "HUMAN")
    assert len(machines) >= 10 and min(machines) >= 0.6
    assert len(people) >= 3 and min(people) >= 0.5


# test12 to test18: each its own Pico, MBROLA and espeak-ng forms (espeak-ng variants no other split uses)
SPOKEN_APART_SPLITS = {
    "test12": (
        {"pico+350c-tempo0.97", "pico-220c-tempo1.07", "pico+60c-tempo0.86"},
        {"mbrola-fr2+80c-tempo1.1", "mbrola-fr4-120c-tempo1.08", "mbrola-fr6+180c-tempo0.96"},
        {"espeak-fr+robert+70c", "espeak-fr+Alicia-120c-tempo1.06", "espeak-fr+paul-tempo1.1"},
    ),
    "test13": (
        {"pico+180c-tempo1.04", "pico-170c-tempo0.93", "pico+270c-tempo1.13"},
        {"mbrola-fr1-80c-tempo1.05", "mbrola-fr7+120c-tempo0.92", "mbrola-ca2+90c-tempo1.09"},
        {"espeak-fr+Andrea-tempo0.94", "espeak-fr+victor+110c", "espeak-fr+iven4-60c-tempo1.05"},
    ),
    "test14": (
        {"pico+230c-tempo0.91", "pico-130c-tempo1.09", "pico+320c-tempo1.06"},
        {"mbrola-fr2-60c-tempo0.95", "mbrola-fr4+140c-tempo1.04", "mbrola-fr6-110c-tempo1.07"},
        {"espeak-fr+Denis-tempo1.07", "espeak-fr+Hugo-70c-tempo0.95", "espeak-fr+shelby+130c"},
    ),
    "test15": (
        {"pico+160c-tempo0.97", "pico-240c-tempo1.06", "pico+290c-tempo0.93"},
        {"mbrola-fr1+60c-tempo1.08", "mbrola-fr7-90c-tempo0.97", "mbrola-ca2-70c-tempo1.04"},
        {"espeak-fr+Mike-tempo0.96", "espeak-fr+norbert+90c-tempo1.04", "espeak-fr+grandma-80c"},
    ),
    "test16": (
        {"pico+210c-tempo1.02", "pico-160c-tempo0.96", "pico+340c-tempo1.08"},
        {"mbrola-fr2+110c-tempo0.98", "mbrola-fr4-80c-tempo1.05", "mbrola-fr6+130c-tempo0.94"},
        {"espeak-fr+Jacky-tempo1.03", "espeak-fr+Zac-100c-tempo0.97", "espeak-fr+female3+70c"},
    ),
    "test17": (
        {"pico+140c-tempo0.95", "pico-190c-tempo1.03", "pico+260c-tempo1.1"},
        {"mbrola-fr1-110c-tempo0.96", "mbrola-fr7+70c-tempo1.06", "mbrola-ca2+130c-tempo0.95"},
        {"espeak-fr+benjamin-tempo0.97", "espeak-fr+aunty-90c-tempo1.05", "espeak-fr+david+80c"},
    ),
    "test18": (
        {"pico+80c-tempo1.07", "pico-230c-tempo0.98", "pico+190c-tempo1.11"},
        {"mbrola-fr2-130c-tempo1.03", "mbrola-fr4+60c-tempo0.93", "mbrola-fr6-70c-tempo1.1"},
        {"espeak-fr+Henrique-tempo1.04", "espeak-fr+antonio+60c-tempo0.96", "espeak-fr+quincy-70c"},
    ),
}


@pytest.mark.parametrize("split", sorted(SPOKEN_APART_SPLITS))
def test_eval_set_split_has_pico_mbrola_and_espeak_in_forms_of_its_own_and_speech_apart(split: str) -> None:
    """The three-kind checks with the split's own voices; voicemails spoken with at least 0.6 s between sentences
    and people speaking in bursts at least 0.5 s apart."""
    rows = _three_kind_split(split, *SPOKEN_APART_SPLITS[split])
    machines, people = _pauses_apart(rows, "MACHINE"), _pauses_apart(rows, "HUMAN")
    assert len(machines) >= 10 and min(machines) >= 0.6
    assert len(people) >= 3 and min(people) >= 0.5
