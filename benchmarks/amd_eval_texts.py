"""Phrase families, voices and split plans of audio/amd-eval/ (dev-time; benchmarks/make_amd_eval.py builds it).

Every template (a written phrase with slots, or a recorded prompt or stitch of prompts) belongs to one split; slot
fillers (names, companies, numbers) are split-specific; synthetic texts come from families of ordinary French phone
phrases written here, not from amd_keywords.yaml. The later splits' builders (benchmarks/amd_eval_test*.py) declare
their own voices and templates with these types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ASTERISK = Path("/usr/share/asterisk/sounds/fr_CA_f_June")
ASTERISK_TEXTS = Path("/usr/share/doc/asterisk-core-sounds-fr/core-sounds-fr.txt.gz")
TUNE, TEST = "tune", "test"
HUMAN, MACHINE, OPERATOR, NO_ANSWER = "HUMAN", "MACHINE", "OPERATOR", "NO_ANSWER"

# ----------------------------------------------------------------------------------------------------- voices


@dataclass(frozen=True)
class Prompts:
    """Where a recorded speaker's Asterisk prompts live; their texts always come from ASTERISK_TEXTS (by prompt id)."""

    directory: Path
    ext: str  # "wav" is read as is; anything else (gsm) is converted by sox
    about: str  # the manifest's `source` names the speaker with this


JUNE_PROMPTS = Prompts(ASTERISK, "wav", "asterisk-core-sounds-fr-wav fr_CA_f_June")
# The second real speaker (test3, test4): Debian's asterisk-prompt-fr-armelle, which ships no texts
ARMELLE_PROMPTS = Prompts(
    Path("/usr/share/asterisk/sounds/fr"),
    "gsm",
    "asterisk-prompt-fr-armelle (Armelle Desjardins, fr-FR, GSM 8 kHz; text: the fr-CA text of the same prompt id, "
    "approximate wording)",
)


@dataclass(frozen=True)
class Voice:
    name: str  # the manifest's `voice`
    kind: str  # espeak (formant), espeak-klatt, mbrola (diphone), pico (SVOX Pico fr-FR, test6), recorded
    espeak: str = ""  # espeak-ng -v argument (espeak and mbrola voices)
    cents: int = 0  # sox pitch shift (recorded, pico and, from test8, mbrola voices)
    tempo: float = 1.0  # sox tempo factor (same voices): faster or slower speech, same pitch
    prompts: Prompts = JUNE_PROMPTS  # recorded voice: whose prompts

    def sox_effects(self) -> list[str]:
        effects = ["pitch", str(self.cents)] if self.cents else []
        return effects + (["tempo", "-s", f"{self.tempo:g}"] if self.tempo != 1.0 else [])

    def shift(self) -> str:
        """How a voice was changed by sox, for the manifest's `source` ('' when it was not)."""
        parts = ([f"pitch {self.cents:+d} cents"] if self.cents else []) + (
            [f"tempo x{self.tempo:g}"] if self.tempo != 1.0 else []
        )
        return f", {', '.join(parts)} (sox)" if parts else ""


SYNTH_VOICES = {
    TUNE: (
        Voice("espeak-fr", "espeak", "fr"),
        Voice("espeak-fr+m3", "espeak", "fr+m3"),
        Voice("espeak-fr+f2", "espeak", "fr+f2"),
        Voice("espeak-fr-be", "espeak", "fr-be"),
        Voice("mbrola-fr1", "mbrola", "mb-fr1"),
        Voice("mbrola-fr2", "mbrola", "mb-fr2"),
        Voice("mbrola-fr6", "mbrola", "mb-fr6"),
    ),
    TEST: (
        Voice("espeak-fr-ch", "espeak", "fr-ch"),
        Voice("espeak-fr+f4", "espeak", "fr+f4"),
        Voice("espeak-fr+klatt4", "espeak-klatt", "fr+klatt4"),
        Voice("mbrola-fr4", "mbrola", "mb-fr4"),
        Voice("mbrola-fr3", "mbrola", "mb-fr3"),
        Voice("mbrola-fr5", "mbrola", "mb-fr5"),
        Voice("mbrola-ca1", "mbrola", "mb-ca1"),
    ),
}
JUNE = Voice("june", "recorded")
RECORDED_VOICES = {
    TUNE: (JUNE, JUNE, Voice("june+250c", "recorded", cents=250)),
    TEST: (JUNE, JUNE, Voice("june-300c", "recorded", cents=-300)),
}

# ------------------------------------------------------------------------------------------ phrase families
# Written for this set from ordinary French phone openings, voicemail greetings, IVRs and carrier announcements.
# Slots: {name} {name2} {surname} {company} {number}; fillers differ per split.

SLOTS = {
    TUNE: {
        "name": ("Julien", "Nadia", "Thomas", "Camille", "Éric"),
        "surname": ("Moreau", "Girard", "Lefèvre"),
        "company": ("la boulangerie Lemaire", "Transports Vidal", "l'agence Horizon"),
        "number": ("zéro six, quarante-deux, dix-huit, trente, cinquante-cinq", "zéro un, quarante, vingt, seize"),
    },
    TEST: {
        "name": ("Sandrine", "Marc", "Yasmine", "Olivier", "Chloé"),
        "surname": ("Lambert", "Roussel", "Perrin"),
        "company": ("Garage Fontaine", "Assurances Mercier", "Optique Bellevue"),
        "number": ("zéro sept, douze, quatre-vingt-un, soixante, neuf", "zéro quatre, soixante-sept, onze"),
    },
}


@dataclass(frozen=True)
class Template:
    key: str
    label: str
    family: str  # human-short, human-long, voicemail, voicemail-short, operator
    text: str
    pause_s: tuple[float, float] | None = None  # sentences spoken apart, a pause drawn in this range between them


def _templates(label: str, family: str, prefix: str, texts: Sequence[str]) -> tuple[Template, ...]:
    return tuple(Template(f"{prefix}{i:02d}", label, family, t) for i, t in enumerate(texts))


def spoken_apart(templates: tuple[Template, ...], pause_s: tuple[float, float]) -> tuple[Template, ...]:
    """The templates with their sentences spoken apart, a pause drawn in `pause_s` (seconds) between them."""
    return tuple(replace(t, pause_s=pause_s) for t in templates)


SYNTH_TEMPLATES = {
    TUNE: _templates(
        HUMAN,
        "human-short",
        "hs-a",
        ["Oui, allô ?", "Allô, oui ?", "Oui ?", "Oui, bonjour.", "Ouais, allô ?", "Bonjour ?", "Allô, qui est-ce ?"],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-a",
        [
            "Oui bonjour, {name} {surname} à l'appareil.",
            "Allô, c'est {name}, je vous écoute.",
            "Oui, allô, je suis en voiture, c'est à quel sujet ?",
            "{company}, bonjour, je vous écoute.",
            "Allô oui, attendez, je vous entends très mal.",
            "Oui, c'est moi, mais je ne suis pas disponible là, rappelez-moi plus tard.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-a",
        [
            "Bonjour, vous êtes bien sur la messagerie de {name}. Je ne peux pas répondre pour l'instant, "
            "laissez-moi un message.",
            "Salut, c'est {name}, je suis pas dispo, laisse un message et je te rappelle.",
            "Bonjour, vous êtes sur le répondeur de {name} et {name2}. Laissez-nous vos coordonnées après le bip.",
            "Vous êtes bien au {number}. Merci de laisser un message.",
            "Bonjour, cabinet du docteur {surname}. Le secrétariat est fermé, nos horaires sont du lundi au "
            "vendredi de neuf heures à dix-huit heures.",
            "Bienvenue chez {company}. Pour le service client, tapez un. Pour la facturation, tapez deux.",
            "Bonjour, votre correspondant est absent pour le moment. Vous pouvez laisser un message après le "
            "signal sonore.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-a",
        ["Messagerie de {name}.", "Laissez un message.", "{name}, laissez un message.", "Répondeur de {name}."],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-a",
        [
            "Le numéro que vous avez demandé n'est pas attribué.",
            "Toutes les lignes de votre correspondant sont occupées, veuillez rappeler plus tard.",
            "Votre correspondant n'est pas joignable pour le moment, merci de renouveler votre appel.",
            "Ce numéro n'est plus en service actuellement.",
            "Par suite d'encombrement, votre appel ne peut aboutir, veuillez rappeler ultérieurement.",
        ],
    ),
    TEST: _templates(
        HUMAN,
        "human-short",
        "hs-b",
        [
            "Allô, j'écoute.",
            "Oui, bonsoir.",
            "Allô, bonjour !",
            "Hein ? Allô ?",
            "Ouais ?",
            "Allô, c'est pour quoi ?",
            "Oui, je vous entends.",
            "Allô ? Vous m'entendez ?",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-b",
        [
            "Allô, oui, ici {name} {surname}, qu'est-ce que je peux faire pour vous ?",
            "Bonjour, {company}, {name} à l'appareil, que puis-je pour vous ?",
            "Oui, allô, c'est {name}, c'est de la part de qui ?",
            "Allô ? Oui, c'est bien moi, c'est pour quoi exactement ?",
            "Bonjour madame, oui, oui, allez-y, je vous écoute.",
            "Allô, je suis en réunion, vous pouvez me rappeler ce soir ?",
            "Oui bonjour, secrétariat du docteur {surname}, je vous écoute.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-b",
        [
            "Bonjour, ici {name} {surname}. Je suis absent en ce moment, parlez après le signal.",
            "Coucou, c'est {name} ! Je ne suis pas joignable, envoie-moi plutôt un texto.",
            "Bonjour et bienvenue chez {company}. Nos conseillers sont tous en ligne, merci de patienter.",
            "Vous êtes en communication avec la boîte vocale du {number}. Enregistrez votre message.",
            "Bonjour, {company} est actuellement fermé. Nous sommes ouverts du mardi au samedi.",
            "Votre appel a été transféré sur la messagerie vocale de {name}. Parlez après la tonalité.",
            "Bonjour, {name} à l'appareil, enfin, mon répondeur. Rappelez-moi, ou laissez un petit mot.",
            "Bonjour, vous avez joint {company}. Pour être rappelé, dites votre nom et votre numéro.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-b",
        ["Vous êtes chez {name}.", "Boîte vocale de {name}.", "Bonjour, c'est {name}, parlez.", "{name}, je rappelle."],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-b",
        [
            "Le numéro de votre correspondant a changé, veuillez consulter l'annuaire.",
            "Suite à un incident technique, votre appel ne peut être acheminé. Merci de rappeler dans quelques "
            "minutes.",
            "Le numéro que vous avez composé n'existe pas, veuillez vérifier votre numéro.",
            "Votre correspondant est déjà en ligne, merci de rappeler dans quelques instants.",
            "Les appels vers ce numéro ne sont pas autorisés depuis votre ligne.",
            "Il n'y a pas d'abonné au numéro que vous avez demandé.",
        ],
    ),
}

# ------------------------------------------------------------------------------------------ recorded prompts


@dataclass(frozen=True)
class Part:
    sound: str  # file under ASTERISK without .wav, or "pause" / "digits"
    cut_s: float | None = None  # keep the prompt up to here (a sentence pause), seconds from the file start
    text: str | None = None  # text of the kept part when cut (else the package's text)
    pause_s: tuple[float, float] = (0.0, 0.0)  # for "pause": uniform range


@dataclass(frozen=True)
class Recorded:
    key: str
    label: str
    family: str
    parts: tuple[Part, ...]
    stitched: bool = False


def _rec(key: str, label: str, family: str, *parts: Part) -> Recorded:
    sounds = [p for p in parts if p.sound != "pause"]
    return Recorded(key, label, family, parts, stitched=len(sounds) > 1 or any(p.sound == "digits" for p in parts))


P = Part
GAP = P("pause", pause_s=(0.15, 0.35))  # between stitched prompts of one machine
RECORDED_TEMPLATES = {
    TUNE: (
        _rec("r-hello", HUMAN, "human-short", P("hello")),
        _rec("r-hello-hello", HUMAN, "human-short", P("hello"), P("pause", pause_s=(0.8, 1.4)), P("hello")),
        _rec(
            "r-vm-intro",
            MACHINE,
            "voicemail",
            P("vm-intro", 2.9, "Veuillez laissez votre message après le bip sonore."),
        ),
        _rec("r-vm-rec-unv", MACHINE, "voicemail", P("vm-rec-unv")),
        _rec("r-vm-mailboxfull", MACHINE, "voicemail", P("vm-mailboxfull")),
        _rec("r-vm-whichbox", MACHINE, "voicemail", P("vm-whichbox")),
        _rec("r-vm-login", MACHINE, "voicemail-short", P("vm-login", 1.45, "Messagerie Asterisk.")),
        _rec(
            "r-queue-periodic",
            MACHINE,
            "voicemail",
            P("queue-periodic-announce", 2.5, "Tous nos représentants sont presentement occupes."),
        ),
        _rec("r-pls-hold", MACHINE, "voicemail", P("pls-hold-while-try")),
        _rec("r-followme-status", MACHINE, "voicemail", P("followme/status")),
        _rec("r-priv-recordintro", MACHINE, "voicemail", P("priv-recordintro")),
        _rec("r-ss-noservice", OPERATOR, "operator", P("ss-noservice")),
        _rec("r-allbusy-later", OPERATOR, "operator", P("all-circuits-busy-now"), GAP, P("please-try-call-later")),
        _rec("r-sorry-simul", OPERATOR, "operator", P("sorry"), GAP, P("simul-call-limit-reached")),
        _rec("r-nonumber-again", OPERATOR, "operator", P("vm-nonumber"), GAP, P("please-try-again")),
    ),
    TEST: (
        _rec(
            "r-hello-moment", HUMAN, "human-short", P("hello"), P("pause", pause_s=(0.3, 0.7)), P("one-moment-please")
        ),
        _rec("r-moment", HUMAN, "human-short", P("one-moment-please")),
        _rec(
            "r-hello-sorry-moment",
            HUMAN,
            "human-long",
            P("hello"),
            P("pause", pause_s=(0.6, 1.1)),
            P("im-sorry"),
            P("pause", pause_s=(0.1, 0.3)),
            P("one-moment-please"),
        ),
        _rec("r-vm-nobodyavail", MACHINE, "voicemail", P("vm-nobodyavail")),
        _rec("r-vm-rec-busy", MACHINE, "voicemail", P("vm-rec-busy")),
        _rec("r-theperson-unavail", MACHINE, "voicemail", P("vm-theperson"), P("digits"), P("vm-isunavail")),
        _rec("r-theperson-busy", MACHINE, "voicemail", P("vm-theperson"), P("digits"), P("vm-isonphone")),
        _rec(
            "r-tt-allbusy",
            MACHINE,
            "voicemail",
            P("tt-allbusy", 4.2, "Tous nos préposés sont présentement occupés. Votre appel est important pour nous,"),
        ),
        _rec("r-transfer", MACHINE, "voicemail", P("transfer")),
        _rec("r-vm-dialout", MACHINE, "voicemail", P("vm-dialout")),
        _rec("r-followme-hold", MACHINE, "voicemail", P("followme/pls-hold-while-try")),
        _rec("r-queue-waiting", MACHINE, "voicemail-short", P("queue-callswaiting")),
        _rec("r-privacy-prompt", MACHINE, "voicemail", P("privacy-prompt")),
        _rec("r-vm-reachoper", MACHINE, "voicemail", P("vm-reachoper")),
        _rec(
            "r-cannot-complete", OPERATOR, "operator", P("cannot-complete-as-dialed"), GAP, P("check-number-dial-again")
        ),
        _rec("r-privacy-unident", OPERATOR, "operator", P("privacy-unident")),
        _rec("r-sorry-feature", OPERATOR, "operator", P("im-sorry"), GAP, P("feature-not-avail-line")),
        _rec("r-pbx-invalid", OPERATOR, "operator", P("pbx-invalid")),
        _rec("r-privacy-incorrect", OPERATOR, "operator", P("privacy-incorrect"), GAP, P("vm-pls-try-again")),
    ),
}

# Starter clips (../shared/audio/amd-starter), kept by relative path; split by the prompt/template they carry.
STARTER_SPLIT = {
    "ast_vm-nobodyavail.wav": TEST,
    "ast_vm-rec-busy.wav": TEST,
    "ast_vm-isunavail.wav": TEST,
    "ast_cannot-complete-as-dialed.wav": TEST,
}  # everything else (espeak-ng `fr` pairs, the other prompts) -> tune

# Clips per template and split (variants differ in voice, speed, timeline and condition).
PER_TEMPLATE = {"human-short": 3, "human-long": 3, "voicemail": 3, "voicemail-short": 2, "operator": 3}
PER_RECORDED = {HUMAN: 5, MACHINE: 2, OPERATOR: 4}
NO_ANSWER_CLIPS = {TUNE: 16, TEST: 20}


@dataclass(frozen=True)
class SplitPlan:
    """What one split is made of: its voices, slot fillers, templates and clip counts."""

    synth_voices: tuple[Voice, ...]
    recorded_voices: tuple[Voice, ...]  # rotated over the recorded clips
    slots: dict[str, tuple[str, ...]]
    templates: tuple[Template, ...]
    recorded: tuple[Recorded, ...]
    per_template: dict[str, int]  # clips per synthetic template, by family
    per_recorded: dict[str, int]  # clips per recorded template, by label
    no_answer: int


def synthetic_only_plan(
    voices: tuple[Voice, ...], slots: dict[str, tuple[str, ...]], templates: tuple[Template, ...]
) -> SplitPlan:
    """A split spoken by synthetic voices only (test6 on): 3 clips per short-opener, voicemail and operator template,
    2 per long-opener and short-voicemail one, 12 silent calls, no recorded prompts."""
    return SplitPlan(
        voices,
        (),
        slots,
        templates,
        (),
        per_template={"human-short": 3, "human-long": 2, "voicemail": 3, "voicemail-short": 2, "operator": 3},
        per_recorded={HUMAN: 0, MACHINE: 0, OPERATOR: 0},
        no_answer=12,
    )


PLANS = {
    split: SplitPlan(
        SYNTH_VOICES[split],
        RECORDED_VOICES[split],
        SLOTS[split],
        SYNTH_TEMPLATES[split],
        RECORDED_TEMPLATES[split],
        PER_TEMPLATE,
        PER_RECORDED,
        NO_ANSWER_CLIPS[split],
    )
    for split in (TUNE, TEST)
}  # built together by main() from one seed; other splits (test2: amd_eval_test2.py) are built on their own
