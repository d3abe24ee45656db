"""benchmarks/amd_eval_manifest.check_elision: eval-set builders refuse a filler French would elide ("de Ambroise")."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture()
def builders(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("amd_eval_manifest"), importlib.import_module("amd_eval_texts")


def test_a_vowel_filler_after_an_eliding_word_is_refused(builders: tuple[ModuleType, ModuleType]) -> None:
    manifest, texts = builders
    templates = texts._templates(texts.MACHINE, "voicemail", "vm-x", ["Messagerie de {name}, parlez."])
    with pytest.raises(SystemExit, match=r"vm-x.*\['Ambroise'\]"):
        manifest.check_elision(templates, {"name": ("Paul", "Ambroise")})
    with pytest.raises(SystemExit, match="Hugues"):  # {name2} is filled from `name`
        manifest.check_elision(
            texts._templates(texts.HUMAN, "human", "h-x", ["Allô, c'est {name} et le {name2}"]),
            {"name": ("Hugues",)},
        )


def test_consonant_fillers_and_other_contexts_pass(builders: tuple[ModuleType, ModuleType]) -> None:
    manifest, texts = builders
    templates = texts._templates(
        texts.MACHINE, "voicemail", "vm-y", ["Messagerie de {name}.", "{company} vous répond, {name} aussi."]
    )
    manifest.check_elision(templates, {"name": ("Paul", "Marcel"), "company": ("Atelier Roux",)})
    manifest.check_elision(templates[1:], {"name": ("Ambroise",), "company": ("Atelier Roux",)})  # no eliding word
