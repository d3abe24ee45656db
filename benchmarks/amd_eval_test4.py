"""Build the `test4` split of audio/amd-eval/: one more fresh held-out set, with both real voices (dev-time tool).

    python benchmarks/amd_eval_test4.py [--out audio/amd-eval] [--seed 37]

Built after tune/test/test2/test3 had all been run and compared, to measure the start-of-session code against the
end-of-session code once, on a split nobody has seen. Built like test3 (amd_eval_test3.py): new phrase templates
written blind from the phrase families only (no amd_keywords.yaml phrase and no other split's clip text was read
while writing them; the writer had seen test3's templates in its builder, used as a model of the code, and wrote
other wordings), new slot fillers, synthetic voices heard in no other split. One written template was dropped
unchanged because it turned out identical (normalised) to a template of another split ("Oui ? Je vous entends.");
three first names and two surnames written as slot fillers were also fillers of another split and were replaced;
nothing else was edited after that check.

Real voices, each only on prompt ids that no other split uses (both speakers recorded the same prompt ids; only ids
recorded by both are taken, because the recorded voices rotate over the recorded templates):
- Armelle Desjardins (asterisk-prompt-fr-armelle, fr-FR, GSM 8 kHz), as recorded (`armelle`, as in test3: same
  speaker, other prompts) and, for a share, pitched down 200 cents (`armelle-200c`, a shift no split used);
- June (asterisk-core-sounds-fr-wav, fr-CA) only changed: up 400 cents (`june+400c`) or slowed down (`june-tempo0.9`).
A clip's text is the fr-CA text of the same prompt id (core-sounds-fr.txt.gz), approximate for Armelle. The carrier
announcement prompts of the bank (number not in service, cannot complete, all circuits busy, ...) are all used by
other splits already, so the recorded operator clips are the remaining error prompts (access refused, wrong PIN,
removed from a conference, ...); `invalid` (unused id) was dropped because its text is that of a prompt another
split uses. Same machinery as make_amd_eval.py; it replaces only the test4 rows of manifest.csv and writes only
*_test4_*.wav. Build-time needs: those of amd_eval_test3.py.
"""

from __future__ import annotations

from amd_eval_texts import (
    ARMELLE_PROMPTS,
    GAP,
    HUMAN,
    MACHINE,
    OPERATOR,
    Recorded,
    SplitPlan,
    Template,
    Voice,
    _rec,
    _templates,
)
from amd_eval_texts import Part as P
from make_amd_eval import split_main

TEST4 = "test4"

# espeak-ng variants no other split uses (tune: fr, fr-be, +m3, +f2; test: fr-ch, +f4, +klatt4; test2: +m5, +f3,
# +klatt2; test3: +m7, +f5, +m2, +klatt3).
SYNTH_VOICES = (
    Voice("espeak-fr+m4", "espeak", "fr+m4"),
    Voice("espeak-fr+f1", "espeak", "fr+f1"),
    Voice("espeak-fr+m6", "espeak", "fr+m6"),
    Voice("espeak-fr+klatt5", "espeak-klatt", "fr+klatt5"),
)
# Rotated over the recorded clips: Armelle 3 in 5 (one of them pitched down), June 2 in 5, always changed.
RECORDED_VOICES = (
    Voice("armelle", "recorded", prompts=ARMELLE_PROMPTS),
    Voice("june+400c", "recorded", cents=400),
    Voice("armelle-200c", "recorded", cents=-200, prompts=ARMELLE_PROMPTS),
    Voice("june-tempo0.9", "recorded", tempo=0.9),
    Voice("armelle", "recorded", prompts=ARMELLE_PROMPTS),
)

SLOTS = {
    "name": ("Baptiste", "Gaëlle", "Thierry", "Océane", "Yannick", "Damien"),
    "surname": ("Besnard", "Guillot", "Marchal", "Collet", "Vidal"),
    "company": ("Boulangerie Fournier", "Menuiserie Lacombe", "Agence Horizon", "Pressing du Marché"),
    "number": (
        "zéro trois, quatre-vingt-un, douze, cinquante-huit, trente-trois",
        "zéro cinq, soixante, dix-neuf, quarante-six, quatre-vingt-huit",
        "zéro deux, vingt-quatre, soixante-quinze, onze, quatre-vingt-dix",
    ),
}

# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-e",
        [
            "Allô, oui, qui est là ?",
            "Ouais, bonjour ?",
            "Allô ? Parlez plus fort.",
            "Oui, c'est pour qui ?",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-e",
        [
            "Allô, {name} {surname} à l'appareil, je vous écoute, c'est à quel sujet ?",
            "Oui bonjour, excusez-moi, j'étais dans le jardin, je n'ai pas entendu sonner, c'est pour quoi ?",
            "Allô ? Oui, c'est {name}, mais là je ne peux pas trop parler, je suis à la caisse du supermarché.",
            "Bonjour, {company}, {name} à votre service, je vous passe qui ?",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-e",
        [
            "Bonjour, vous êtes sur le répondeur de {name} {surname}. Je ne peux pas vous répondre, laissez-moi vos "
            "coordonnées et je vous recontacte dès que possible.",
            "Salut, c'est {name}, je suis sûrement occupé, laisse-moi un mot après le signal sonore.",
            "Le correspondant que vous appelez n'est pas disponible. Laissez un message après le bip, il vous "
            "rappellera.",
            "{company}, bonjour. Notre accueil téléphonique est ouvert du lundi au vendredi de neuf heures à dix-huit "
            "heures. Merci de rappeler aux heures d'ouverture.",
            "Bienvenue sur le serveur vocal de {company}. Pour le service commercial, tapez un. Pour le service "
            "après-vente, tapez deux.",
            "Merci de rester en ligne, toutes nos lignes sont saturées. Nous allons donner suite à votre appel dans "
            "quelques instants.",
            "Vous êtes en communication avec la messagerie de {name}. Après le bip, parlez, puis raccrochez.",
            "Bonjour et merci de votre appel. Afin de mieux vous orienter, veuillez indiquer en quelques mots la "
            "raison de votre appel.",
            "Bonjour, c'est {name} et {name2}, on est en vacances jusqu'à la fin du mois, laissez un message !",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-e",
        [
            "Messagerie de {name}, parlez après le bip.",
            "{name} {surname}, laissez un message.",
            "Répondeur de {company}.",
            "Absent pour le moment, un message ?",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-e",
        [
            "Le numéro que vous avez demandé n'est plus attribué.",
            "Nous ne pouvons donner suite à votre appel, le numéro demandé n'est pas accessible.",
            "Toutes les lignes de votre correspondant sont occupées, veuillez rappeler ultérieurement.",
            "Cet appel n'est pas autorisé depuis votre ligne, veuillez contacter votre opérateur.",
            "Suite à une difficulté technique, votre appel ne peut aboutir. Merci de renouveler votre appel.",
        ],
    )
)

# Prompts no other split uses, recorded by both speakers. The human ones are a line a person could say, or one or two
# words followed by silence; the labels come from the timelines.
PAUSE = P("pause", pause_s=(0.8, 1.4))
RECORDED: tuple[Recorded, ...] = (
    _rec("r4-parler", HUMAN, "human-short", P("conf-unmuted")),
    _rec("r4-agent-poste", HUMAN, "human-short", P("spy-agent"), PAUSE, P("vm-extension")),
    _rec("r4-aucun-premier", HUMAN, "human-short", P("vm-no"), PAUSE, P("vm-first")),
    _rec("r4-tooshort", HUMAN, "human-short", P("vm-tooshort")),
    _rec("r4-callpending", HUMAN, "human-long", P("priv-callpending")),
    _rec("r4-getconfno", MACHINE, "voicemail", P("conf-getconfno")),
    _rec("r4-tempgreeting", MACHINE, "voicemail", P("vm-tempgreeting")),
    _rec("r4-getchannel", MACHINE, "voicemail", P("conf-getchannel")),
    _rec("r4-newpassword", MACHINE, "voicemail", P("vm-newpassword")),
    _rec("r4-torerecord", MACHINE, "voicemail", P("vm-torerecord")),
    _rec("r4-reenterpassword", MACHINE, "voicemail", P("vm-reenterpassword")),
    _rec("r4-savefolder", MACHINE, "voicemail", P("vm-savefolder")),
    _rec("r4-onlyperson", MACHINE, "voicemail", P("conf-onlyperson")),
    _rec("r4-msgsaved", MACHINE, "voicemail-short", P("vm-msgsaved")),
    _rec("r4-nomore", MACHINE, "voicemail-short", P("vm-nomore")),
    _rec("r4-kicked", OPERATOR, "operator", P("conf-kicked")),
    _rec("r4-refused-choice", OPERATOR, "operator", P("vm-incorrect"), GAP, P("conf-errormenu")),
    _rec("r4-invalidpin", OPERATOR, "operator", P("conf-invalidpin")),
    _rec("r4-nobox", OPERATOR, "operator", P("vm-nobox")),
    _rec("r4-mismatch", OPERATOR, "operator", P("vm-mismatch")),
    _rec("r4-loggedoff", OPERATOR, "operator", P("agent-loggedoff")),
)

PLAN = SplitPlan(
    SYNTH_VOICES,
    RECORDED_VOICES,
    SLOTS,
    TEMPLATES,
    RECORDED,
    per_template={"human-short": 3, "human-long": 2, "voicemail": 1, "voicemail-short": 2, "operator": 2},
    per_recorded={HUMAN: 2, MACHINE: 2, OPERATOR: 3},
    no_answer=11,
)


if __name__ == "__main__":
    split_main(TEST4, PLAN, 37, __doc__)
