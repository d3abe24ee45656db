"""Build audio/amd-eval/: a labelled French AMD evaluation set (dev-time tool; the clips are committed).

    python benchmarks/make_amd_eval.py [--out audio/amd-eval] [--seed 7]

Build-time needs (Debian bookworm): espeak-ng, sox, asterisk-core-sounds-fr-wav and asterisk-core-sounds-fr (main:
the recorded fr-CA voice and its texts, core-sounds-fr.txt.gz), mbrola (contrib), mbrola-fr1, -fr2, -fr3, -fr4,
-fr5, -fr6 and -ca1 (non-free). Tests and CI need none of them. Same seed and same tool versions -> the same files,
byte for byte.

Voices: one real recorded voice (Asterisk's French prompts, "June", fr-CA, 8 kHz), optionally pitch-shifted with
sox, and synthetic voices of three kinds: espeak-ng formant voices, espeak-ng's Klatt synthesiser (test only) and
MBROLA diphone voices (France, Belgium, Canada; male and female) driven by espeak-ng. Every clip is a call timeline
(silence before the answer, line noise, ringback, hold music, voicemail beeps, SIT tones, pauses, repeats) in one of
four conditions: `synthetic` (synthetic voice, 16 kHz wideband), `telephone` (8 kHz, 300-3400 Hz, G.711 mu-law, line
noise), `recorded` (the real voice through the same telephone chain), `noise` (any voice, telephone chain, noise at
6-18 dB SNR).

Split by phrase template AND by voice: every template (a written phrase with slots, or a recorded prompt or stitch
of prompts) belongs to one split, slot fillers (names, companies, numbers) are split-specific, recorded prompt files
are never shared between splits (except the one-word "Allo", see README), and the synthetic voices of `test` never
speak in `tune` (the Klatt kind is test-only). The build fails if a test text also appears in tune. Synthetic texts
come from families of ordinary French phone phrases written here, not from amd_keywords.yaml
(benchmarks/check_keyword_overlap.py reports the overlap).

A third split, `test2` (fresh held-out templates and voices, written later), is built on its own seed by
benchmarks/amd_eval_test2.py with this machinery (`build_split`); this script keeps its rows when it rebuilds tune and
test. So does `test3` (benchmarks/amd_eval_test3.py), with a second real recorded voice (`Prompts`: Armelle's GSM
prompts of asterisk-prompt-fr-armelle), and `test4` (benchmarks/amd_eval_test4.py), with both real speakers, and
`test6` (benchmarks/amd_eval_test6.py), spoken by SVOX Pico (Voice kind `pico`; needs libttspico-utils, non-free).
`test8` (benchmarks/amd_eval_test8.py) adds sox forms of MBROLA voices (a synthetic voice's cents/tempo, applied by
sox after espeak-ng) and templates whose sentences are spoken apart (Template.pause_s); no earlier split uses either,
so their clips are unchanged.

Modules: the phrase families, voices and split plans are benchmarks/amd_eval_texts.py, the call-timeline sounds and
audio helpers benchmarks/amd_eval_sounds.py; this one synthesises speech, lays out the clips and writes the set."""

from __future__ import annotations

import argparse
import csv
import functools
import gzip
import random
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from amd_eval_manifest import Clip, read_rows, starter_rows, stats_markdown, write_clips, write_manifest
from amd_eval_sounds import (
    WORK_RATE,
    Audio,
    beep,
    chime,
    music,
    noise,
    pad_to,
    read_wav,
    ringback,
    rms,
    silence,
    sit,
    telephone,
    to_work_rate,
    trim,
)
from amd_eval_texts import (
    ASTERISK_TEXTS,
    HUMAN,
    MACHINE,
    NO_ANSWER,
    OPERATOR,
    PLANS,
    Part,
    Recorded,
    SplitPlan,
    Template,
    Voice,
)

MAX_SECONDS = 7.0


# ------------------------------------------------------------------------------------------------ speech


class Speaker:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.texts = parse_texts(ASTERISK_TEXTS)

    def synth(self, text: str, voice: Voice, speed: int, pitch: int) -> Audio:
        """espeak-ng (speed, pitch) or, for kind `pico`, pico2wave fr-FR (speed and pitch unused: pico2wave has no
        such options), then changed by the voice's sox effects if it has any."""
        raw = self.tmp / "synth.wav"
        if voice.kind == "pico":
            subprocess.run(["pico2wave", "-l", "fr-FR", "-w", str(raw), text], check=True, stderr=subprocess.DEVNULL)
        else:
            cmd = ["espeak-ng", "-v", voice.espeak, "-s", str(speed), "-p", str(pitch), "-w", str(raw), text]
            subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        if voice.sox_effects():
            changed = self.tmp / "synth-sox.wav"
            guard = [] if voice.kind == "pico" else ["-G"]  # espeak-ng's loud output would clip when pitched
            subprocess.run(["sox", "-R", "-D", *guard, str(raw), str(changed), *voice.sox_effects()], check=True)
            raw = changed
        audio, rate = read_wav(raw)
        audio = to_work_rate(audio, rate)
        peak = float(np.max(np.abs(audio))) or 1.0
        return trim(audio * (0.6 / peak))

    def synth_apart(self, text: str, voice: Voice, speed: int, pitch: int, pause_s: float) -> Audio:
        """Each sentence of `text` synthesised on its own, with `pause_s` of silence between them."""
        sentences = re.findall(r"[^.!?]+[.!?]*", text)
        parts: list[Audio] = []
        for sentence in (s.strip() for s in sentences):
            if sentence:
                parts += [silence(pause_s)] if parts else []
                parts.append(self.synth(sentence, voice, speed, pitch))
        return np.concatenate(parts) if parts else self.synth(text, voice, speed, pitch)

    def prompt(self, part: Part, voice: Voice) -> Audio:
        src = voice.prompts.directory / f"{part.sound}.{voice.prompts.ext}"
        if voice.sox_effects() or voice.prompts.ext != "wav":
            out = self.tmp / "pitched.wav"
            pcm = ["-e", "signed-integer", "-b", "16"] if voice.prompts.ext != "wav" else []  # e.g. GSM -> 16-bit PCM
            # -R: repeatable random numbers, -D: no dither -> same bytes on every run
            subprocess.run(["sox", "-R", "-D", str(src), *pcm, str(out), *voice.sox_effects()], check=True)
            src = out
        audio, rate = read_wav(src)
        if part.cut_s is not None:
            audio = audio[: round(part.cut_s * rate)]
        audio = to_work_rate(audio, rate)
        peak = float(np.max(np.abs(audio))) or 1.0
        return trim(audio * (0.6 / peak))

    def text_of(self, part: Part) -> str:
        return part.text if part.text is not None else self.texts[part.sound]


def join_texts(texts: Sequence[str]) -> str:
    """Texts of stitched prompts as one sentence ('#' marks digits, read inside the sentence)."""
    out = ""
    prev_digits = False
    for text in texts:
        digits = text.startswith("#")
        text = text.lstrip("#")
        if not out:
            out = text
        elif digits or out.endswith(tuple(".,?!")) or prev_digits:
            out += " " + text
        else:
            out += (". " if text[:1].isupper() else ", ") + text
        prev_digits = digits
    return out[:1].upper() + out[1:]


def parse_texts(path: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            name, sep, text = line.partition(":")
            if sep and not line.startswith(";"):
                texts[name.strip()] = text.strip().strip('“”"')
    return texts


# ---------------------------------------------------------------------------------------------- timelines


Speech = Callable[[float], tuple[str, Audio, str]]  # max seconds -> (text said, audio, description)


def fit_text(text: str, render: Callable[[str], Audio], max_s: float) -> tuple[str, Audio]:
    """Speech for `text`, dropping trailing clauses until it lasts at most max_s (keeps at least one)."""
    clauses = re.findall(r"[^,.!?]+[,.!?]*\s*", text)
    while True:
        said = "".join(clauses).strip().rstrip(",;")
        audio = render(said)
        if len(audio) <= max_s * WORK_RATE or len(clauses) == 1:
            return said, audio[: round(max_s * WORK_RATE)]
        clauses = clauses[:-1]


@dataclass(frozen=True)
class Take:
    """Where a clip goes and who speaks in it."""

    split: str
    voice: Voice | None
    condition: str
    template: str


class Builder:
    def __init__(self, seed: int, speaker: Speaker, plans: dict[str, SplitPlan] | None = None) -> None:
        self.rng = random.Random(seed)
        self.speaker = speaker
        self.plans = PLANS if plans is None else plans
        self.clips: list[Clip] = []
        self.count: Counter[tuple[str, str]] = Counter()
        self.turns: Counter[tuple[str, str]] = Counter()

    # -- output --------------------------------------------------------------------------------------------

    def add(
        self, take: Take, label: str, text: str, parts: list[Audio], desc: list[str], speech_rms: float | None
    ) -> None:
        audio = np.concatenate(parts)[: round(MAX_SECONDS * WORK_RATE)]
        gen = np.random.default_rng(self.rng.randrange(2**32))
        if speech_rms is not None:  # line level varies from call to call (speech and tones alike)
            gain = self.rng.uniform(-12.0, 0.0)
            audio = audio * np.float32(10 ** (gain / 20))
            speech_rms *= 10 ** (gain / 20)
            desc.append(f"level {gain:+.0f} dB")
        if take.condition == "synthetic":
            floor = self.rng.uniform(-66.0, -56.0)
            audio = audio + noise(gen, len(audio), "white") * 10 ** (floor / 20)
            desc.append(f"16 kHz wideband, noise floor {floor:.0f} dBFS")
        else:
            if take.condition == "noise":
                colour = self.rng.choice(("white", "pink", "brown", "hum"))
                snr = self.rng.uniform(6.0, 18.0)
                if speech_rms:
                    level = 20 * np.log10(speech_rms) - snr
                    desc.append(f"{colour} noise at {snr:.0f} dB SNR")
                else:
                    level = -30.0 - snr / 2
                    desc.append(f"{colour} noise at {level:.0f} dBFS")
                audio = audio + noise(gen, len(audio), colour) * 10 ** (level / 20)
            audio = telephone(np.clip(audio, -1.0, 1.0))
            line = self.rng.uniform(-58.0, -46.0)
            audio = audio + noise(gen, len(audio), "white")[: len(audio)] * 10 ** (line / 20)
            desc.append(f"telephone band 300-3400 Hz, 8 kHz, G.711 mu-law, line noise {line:.0f} dBFS")
        kind = {HUMAN: "human", MACHINE: "machine", OPERATOR: "operator", NO_ANSWER: "noanswer"}[label]
        self.count[(kind, take.split)] += 1
        name = f"{kind}_{take.split}_{self.count[(kind, take.split)]:03d}.wav"
        self.clips.append(
            Clip(
                name,
                label,
                take.split,
                text,
                "; ".join(desc),
                take.voice.name if take.voice else "none",
                take.condition,
                np.clip(audio, -1.0, 1.0).astype(np.float32),
                take.template,
            )
        )

    # -- speech sources ------------------------------------------------------------------------------------

    def slots(self, split: str) -> dict[str, str]:
        fill = self.plans[split].slots
        names = self.rng.sample(fill["name"], 2)
        return {
            "name": names[0],
            "name2": names[1],
            "surname": self.rng.choice(fill["surname"]),
            "company": self.rng.choice(fill["company"]),
            "number": self.rng.choice(fill["number"]),
        }

    def synth_speech(self, template: Template, split: str, voice: Voice, max_s: float) -> tuple[str, Audio, str]:
        text = template.text.format(**self.slots(split))
        text = text[:1].upper() + text[1:]
        speed = self.rng.choice((135, 150, 165, 180))
        pitch = self.rng.randint(35, 65)
        gap = 0.0
        if template.pause_s is None:
            said, audio = fit_text(text, lambda t: self.speaker.synth(t, voice, speed, pitch), max_s)
        else:
            gap = self.rng.uniform(*template.pause_s)
            said, audio = fit_text(text, lambda t: self.speaker.synth_apart(t, voice, speed, pitch, gap), max_s)
        desc = f"espeak-ng -v {voice.espeak} -s {speed} -p {pitch}{voice.shift()}"
        if voice.kind == "pico":
            desc = f"SVOX Pico pico2wave -l fr-FR{voice.shift()}"
        if template.pause_s is not None:
            desc += f", sentences spoken apart ({gap:.1f} s pauses)"
        if said != text:
            desc += " (trailing clauses dropped to fit the clip)"
        return said, audio, desc

    def recorded_speech(self, rec: Recorded, voice: Voice, max_s: float) -> tuple[str, Audio, str]:
        """Recorded prompts are never shortened here (max_s is ignored): the timelines make room for them."""
        audio: list[Audio] = []
        texts: list[str] = []
        names: list[str] = []
        for part in rec.parts:
            if part.sound == "pause":
                gap = self.rng.uniform(*part.pause_s)
                audio.append(silence(gap))
                names.append(f"{gap:.1f} s pause")
            elif part.sound == "digits":
                digits = [str(self.rng.randint(1, 9)) for _ in range(self.rng.choice((3, 4)))]
                for d in digits:
                    audio += [self.speaker.prompt(Part(f"digits/{d}"), voice), silence(self.rng.uniform(0.05, 0.15))]
                texts.append("#" + " ".join(self.speaker.texts[f"digits/{d}"] for d in digits))
                names.append("digits/" + ",".join(digits))
            else:
                audio.append(self.speaker.prompt(part, voice))
                texts.append(self.speaker.text_of(part))
                names.append(part.sound + (f" (first {part.cut_s:.1f} s)" if part.cut_s else ""))
        shift = voice.shift()
        how = "stitched: " if rec.stitched else ""
        desc = f"{voice.prompts.about} (recorded voice{shift}), {how}" + " + ".join(names)
        return join_texts(texts), np.concatenate(audio), desc

    # -- timelines -----------------------------------------------------------------------------------------

    def human(self, take: Take, speech: Speech, turn: int, family: str) -> None:
        text, audio, desc = speech(4.6 if family == "human-long" else 3.0)
        rng = self.rng
        speech_s = len(audio) / WORK_RATE
        parts: list[Audio] = []
        notes = [desc]
        kind = turn % 4
        if kind == 3:  # ringback leaking before the answer
            ring, what = ringback(rng)
            gap = rng.uniform(0.2, 0.8)
            if len(ring) / WORK_RATE + gap + speech_s <= MAX_SECONDS - 2.0:
                parts += [ring, silence(gap)]
                notes.insert(0, what + " before the answer")
        room = MAX_SECONDS - 1.8 - speech_s - sum(len(p) for p in parts) / WORK_RATE
        if kind == 1 and room >= 1.5:  # silent-first human
            lead = rng.uniform(1.4, min(3.0, room))
            notes.insert(0, f"silent-first human, {lead:.1f} s of silence")
        else:
            lead = rng.uniform(0.15, max(0.2, min(0.9, room)))
            notes.insert(0, f"lead {lead:.1f} s")
        parts += [silence(lead), audio]
        said = text
        if kind == 2 and family == "human-short" and speech_s < 1.6:  # repeats the opener after a pause
            gap = rng.uniform(0.8, 1.5)
            parts += [silence(gap), audio]
            said = f"{text} {text}"
            notes.append(f"repeated after {gap:.1f} s")
        used = sum(len(p) for p in parts) / WORK_RATE
        parts.append(silence(max(1.8, rng.uniform(5.0, 6.5) - used)))
        self.add(take, HUMAN, said, parts, notes, rms(audio))

    def machine(self, take: Take, speech: Speech, turn: int, variant: int, family: str) -> None:
        rng = self.rng
        pre: list[Audio] = []
        pre_notes: list[str] = []
        kind = turn % 5
        if kind == 1:
            length = rng.uniform(0.8, 2.2)
            pre += [music(rng, length), silence(rng.uniform(0.1, 0.4))]
            pre_notes.append(f"hold music {length:.1f} s before the greeting")
        elif kind == 2:
            ring, what = ringback(rng)
            pre += [ring, silence(rng.uniform(0.3, 0.9))]
            pre_notes.append(what + " before the greeting")
        elif kind == 3:
            ch, what = chime(rng)
            pre += [ch, silence(rng.uniform(0.1, 0.3))]
            pre_notes.append(what + " before the greeting")
        lead = rng.uniform(0.1, 0.8)
        room = MAX_SECONDS - 0.1 - lead - sum(len(p) for p in pre) / WORK_RATE
        text, audio, desc = speech(max(2.0, room))
        speech_s = len(audio) / WORK_RATE
        if speech_s > room:  # no room for the pre-roll: drop it
            pre, pre_notes = [], []
            lead = min(lead, max(0.05, MAX_SECONDS - 0.1 - speech_s))
        parts = [*pre, silence(lead), audio]
        notes = [*pre_notes, f"lead {lead:.1f} s", desc]
        used = sum(len(p) for p in parts) / WORK_RATE
        want_beep = not (family == "voicemail-short" and variant == 1) and turn % 7 != 6
        b, what = beep(rng)
        gap = rng.uniform(0.1, 1.3)
        if want_beep and used + gap + len(b) / WORK_RATE <= MAX_SECONDS - 0.2:
            parts += [silence(gap), b]
            notes.append(f"{what} {gap:.1f} s after the greeting")
        elif used < MAX_SECONDS - 0.5:
            notes.append("no beep")
        else:
            notes.append("greeting runs to the end of the clip")
        pad_to(parts, rng.uniform(5.5, MAX_SECONDS))
        self.add(take, MACHINE, text, parts, notes, rms(audio))

    def operator(self, take: Take, speech: Speech, turn: int) -> None:
        rng = self.rng
        lead = rng.uniform(0.05, 0.5)
        tones, what = sit(rng)
        with_sit = turn % 2 == 0
        room = MAX_SECONDS - 0.1 - lead - (len(tones) / WORK_RATE if with_sit else 0.0)
        text, audio, desc = speech(max(2.0, room))
        speech_s = len(audio) / WORK_RATE
        if speech_s > room:
            lead = 0.05
        if with_sit and speech_s > MAX_SECONDS - 0.15 - len(tones) / WORK_RATE:
            with_sit = False
            what = "announcement too long for a SIT in the clip"
        parts = [silence(lead)]
        notes = [f"lead {lead:.2f} s"]
        if with_sit:
            parts.append(tones)
            notes.append(what + " before the announcement")
        else:
            notes.append("no SIT")
        notes.append(desc)
        parts.append(audio)
        gap = rng.uniform(0.5, 1.0)
        if turn % 3 == 1 and sum(len(p) for p in parts) + gap * WORK_RATE + len(audio) <= MAX_SECONDS * WORK_RATE:
            parts += [silence(gap), audio]  # short announcements loop
            text = f"{text} {text}"
            notes.append(f"repeated after {gap:.1f} s")
        pad_to(parts, rng.uniform(5.5, MAX_SECONDS))
        self.add(take, OPERATOR, text, parts, notes, rms(audio))

    def no_answer(self, split: str, i: int) -> None:
        take = Take(split, None, "noise" if i % 3 == 2 else "telephone", "no-answer")
        length = self.rng.uniform(5.6, MAX_SECONDS)
        parts = [silence(length)]
        notes = ["answered, nobody speaks"]
        if i % 4 == 3:  # a click or two (handset, line)
            for _ in range(self.rng.randint(1, 2)):
                at = round(self.rng.uniform(0.3, length - 0.5) * WORK_RATE)
                parts[0][at : at + 40] += np.hanning(40).astype(np.float32) * self.rng.uniform(0.05, 0.2)
            notes.append("clicks")
        self.add(take, NO_ANSWER, "", parts, notes, None)

    # -- the plan ------------------------------------------------------------------------------------------

    def build(self) -> list[Clip]:
        synth_conditions = ("telephone", "synthetic", "telephone", "noise")
        for split, plan in self.plans.items():
            voices = list(plan.synth_voices)
            self.rng.shuffle(voices)
            n = 0
            for template in plan.templates:
                for variant in range(plan.per_template[template.family]):
                    voice = voices[n % len(voices)]
                    condition = synth_conditions[(n + n // len(voices)) % len(synth_conditions)]
                    n += 1
                    take = Take(split, voice, condition, template.key)
                    speech = functools.partial(self.synth_speech, template, split, voice)
                    self.emit(take, template.label, template.family, variant, speech)
            m = 0
            for rec in plan.recorded:
                for variant in range(plan.per_recorded[rec.label]):
                    voice = plan.recorded_voices[m % len(plan.recorded_voices)]
                    condition = "noise" if m % 4 == 3 else "recorded"
                    m += 1
                    take = Take(split, voice, condition, rec.key)
                    self.emit(take, rec.label, rec.family, variant, functools.partial(self.recorded_speech, rec, voice))
            for i in range(plan.no_answer):
                self.no_answer(split, i)
        return self.clips

    def emit(self, take: Take, label: str, family: str, variant: int, speech: Speech) -> None:
        """One clip; `turn` (clips of this label and split so far) rotates the timeline kinds across templates."""
        turn = self.turns[(take.split, label)]
        self.turns[(take.split, label)] += 1
        if label == HUMAN:
            self.human(take, speech, turn, family)
        elif label == MACHINE:
            self.machine(take, speech, turn, variant, family)
        else:
            self.operator(take, speech, turn)


def build_split(out: Path, split: str, plan: SplitPlan, seed: int) -> None:
    """Build one split on its own seed and replace its manifest rows; the other rows and files stay as they are."""
    with tempfile.TemporaryDirectory() as tmp:
        clips = Builder(seed, Speaker(Path(tmp)), {split: plan}).build()
    rows = [r for r in read_rows(out) if r["split"] != split]
    write_manifest(out, rows + write_clips(out, clips), clips)


def split_main(split: str, plan: SplitPlan, seed: int, doc: str) -> None:
    """Command line of a split built on its own (amd_eval_test2.py, amd_eval_test3.py): [--out DIR] [--seed N]."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("audio/amd-eval"))
    parser.add_argument("--seed", type=int, default=seed)
    args = parser.parse_args()
    build_split(args.out, split, plan, args.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("audio/amd-eval"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stats", action="store_true", help="print the README count tables of --out and exit")
    args = parser.parse_args()
    out: Path = args.out
    if args.stats:
        with (out / "manifest.csv").open(encoding="utf-8", newline="") as f:
            print(stats_markdown(list(csv.DictReader(f))))
        return
    kept = [r for r in read_rows(out) if r["split"] not in PLANS]  # splits built on their own (test2)
    with tempfile.TemporaryDirectory() as tmp:
        clips = Builder(args.seed, Speaker(Path(tmp))).build()
    write_manifest(out, starter_rows(out) + write_clips(out, clips) + kept, clips)


if __name__ == "__main__":
    main()
