"""Build the `test5` split of audio/amd-eval/: a last fresh held-out set, for one final measurement (dev-time tool).

    python benchmarks/amd_eval_test5.py [--out audio/amd-eval] [--seed 43]

Built blind at the end of a session, for a single final measurement by the lead; the builder did not run any AMD
classifier or ASR on its clips and read no amd_eval result. Rules, fixed before any clip existed:

1. Phrase templates written blind from the phrase families only (voicemail greetings: personal, business, IVR,
   queue; short voicemails; people's short and long openers with names, companies, "à l'appareil", "je vous
   écoute"; carrier announcements: number not assigned, not in service, correspondent unreachable, lines busy, call
   cannot go through, technical incident, invalid number). amd_keywords.yaml was not opened; the writer had seen the
   tune/test templates in make_amd_eval.py and test4's in amd_eval_test4.py (read as models of the code) and wrote
   other wordings. After writing, a programmatic check (normalised text: lower case, words only) compared every
   rendered text with every `text` of manifest.csv: no test5 text equals another split's text, and none contains
   another split's text of 3 words or more (1-2 word texts such as "Oui ?" or "Allo" are inside most openers and were
   not counted); no slot filler (name, surname, company, number) is a filler or a word of another split's texts.
   Replaced after that check, and nothing else: the short opener "Allô ? Oui, c'est moi." (equal to another split's
   text) became "Allô ? Oui, lui-même."; the queue greeting "Votre appel est important pour nous. Tous nos
   interlocuteurs sont en communication, ..." lost its first sentence (inside two other splits' texts, and a clip can
   be cut down to it) and now ends "..., merci de ne pas raccrocher."; no filler collided.
2. Voices heard in no other split. Synthetic: espeak-ng variants that no split uses: fr+m1, fr+m8, fr+Annie,
   fr+steph, fr+michel (formant) and fr+klatt (the Klatt kind; fr+klatt6 renders byte for byte the same audio as
   fr+klatt with espeak-ng 1.51, so only one of them is used). No MBROLA voice: every French one (fr1-fr7, ca1, ca2)
   is taken by another split.
3. Real recorded voices, only on prompt ids that no other split uses and that both speakers recorded, each in a sox
   form no split used: Armelle (asterisk-prompt-fr-armelle) pitched up 300 cents (`armelle+300c`) or faster
   (`armelle-tempo1.25`), June (asterisk-core-sounds-fr-wav) pitched down 150 cents (`june-150c`) or faster
   (`june-tempo1.2`); one of each speaker per template. A clip's text is the fr-CA text of the prompt id
   (core-sounds-fr.txt.gz), approximate for Armelle. Label hygiene: every recorded prompt here is a system sentence
   (voicemail-system menu, agent login, conference, directory), so every recorded clip is MACHINE. No unused prompt
   is a network or number-status announcement (those are all taken by other splits; `number-not-answering` and
   `pls-try-call-later` are in the texts file but neither speaker's package ships them), so no recorded OPERATOR;
   no unused prompt is a line a person says when picking up the phone, so no recorded HUMAN. Unlike the README's
   older label note, a PBX error here would be MACHINE, not OPERATOR.
4. Size and mix like test4: HUMAN short and long openers, MACHINE voicemail / short voicemail / IVR / queue,
   OPERATOR announcements (SIT before every other one), NO_ANSWER; the conditions synthetic, telephone, noise,
   recorded. Seed 43 (no other split's).

Same machinery as make_amd_eval.py (not changed for this split); it replaces only the test5 rows of manifest.csv and
writes only *_test5_*.wav. Build-time needs: those of amd_eval_test3.py (no MBROLA voice).
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

TEST5 = "test5"

# espeak-ng variants no other split uses (tune: fr, fr-be, +m3, +f2; test: fr-ch, +f4, +klatt4; test2: +m5, +f3,
# +klatt2; test3: +m7, +f5, +m2, +klatt3; test4: +m4, +f1, +m6, +klatt5).
SYNTH_VOICES = (
    Voice("espeak-fr+m1", "espeak", "fr+m1"),
    Voice("espeak-fr+Annie", "espeak", "fr+Annie"),
    Voice("espeak-fr+m8", "espeak", "fr+m8"),
    Voice("espeak-fr+steph", "espeak", "fr+steph"),
    Voice("espeak-fr+michel", "espeak", "fr+michel"),
    Voice("espeak-fr+klatt", "espeak-klatt", "fr+klatt"),
)
# Rotated over the recorded clips, two per template: even templates get (armelle+300c, june-150c), odd ones
# (armelle-tempo1.25, june-tempo1.2); the long prompts sit on odd templates, so that none outlasts the clip.
RECORDED_VOICES = (
    Voice("armelle+300c", "recorded", cents=300, prompts=ARMELLE_PROMPTS),
    Voice("june-150c", "recorded", cents=-150),
    Voice("armelle-tempo1.25", "recorded", tempo=1.25, prompts=ARMELLE_PROMPTS),
    Voice("june-tempo1.2", "recorded", tempo=1.2),
)

SLOTS = {
    "name": ("Aurélien", "Solène", "Maxime", "Ludivine", "Fabrice", "Noémie"),
    "surname": ("Péron", "Chevallier", "Renaud", "Masson", "Barbier", "Poulain"),
    "company": ("Serrurerie Mallet", "Fleuriste Les Capucines", "Atelier Vélo Plus", "Cabinet Rivière"),
    "number": (
        "zéro deux, quatorze, soixante-six, trente-neuf, quatre-vingt-dix-sept",
        "zéro un, quarante-huit, vingt-neuf, cinquante-deux, soixante-quatorze",
        "zéro sept, trente, quatre-vingt-quatre, quinze, soixante-deux",
    ),
}

# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-f",
        [
            "Allô ? Oui, lui-même.",
            "Ouais, c'est qui ?",
            "Allô ? Y a quelqu'un ?",
            "Oui, allô, une seconde.",
            "Bonjour, oui, allô ?",
            "Allô, oui, bonsoir.",
            "Oui ? Je vous écoute.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-f",
        [
            "Oui, bonjour, c'est {name} {surname} à l'appareil, vous désirez ?",
            "Allô, {company}, bonjour, {name} au téléphone, je vous écoute.",
            "Oui, allô ? Attendez, je baisse la radio, voilà, je vous écoute.",
            "Allô, c'est {name}. Vous êtes qui, pardon ?",
            "Bonjour, ici {surname}, oui, c'est bien moi, de quoi s'agit-il ?",
            "Allô oui ? Je suis sur la route, faites vite s'il vous plaît.",
            "Oui, {name} à l'appareil, j'étais en train de cuisiner, c'est pour quoi ?",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-f",
        [
            "Bonjour, vous avez bien appelé {name} {surname}. Je suis indisponible pour le moment, merci de me laisser "
            "un message détaillé.",
            "Hé, c'est {name} ! Tu tombes sur ma messagerie, dis-moi ce que tu voulais et je te rappelle vite.",
            "Bonjour, vous êtes en relation avec {company}. Nos bureaux sont fermés pour le week-end, merci de nous "
            "recontacter lundi.",
            "Bienvenue chez {company}. Pour prendre rendez-vous, appuyez sur la touche un. Pour toute autre demande, "
            "restez en ligne.",
            "Tous nos interlocuteurs sont en communication. Le temps d'attente estimé est de deux minutes, merci de "
            "ne pas raccrocher.",
            "Bonjour, {name} et {name2} ne sont pas là pour l'instant. Dites-nous qui vous êtes et on vous rappelle.",
            "Vous êtes sur la boîte vocale du {number}. Votre correspondant ne peut pas prendre votre appel, parlez "
            "après le bip.",
            "Cabinet {surname}, bonjour. Le secrétariat est en pause déjeuner, nous reprenons les appels à quatorze "
            "heures.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-f",
        [
            "Messagerie vocale, {name}.",
            "{name} est absent, parlez.",
            "Le répondeur de {name} {surname}.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-f",
        [
            "Le numéro composé n'est attribué à aucun abonné.",
            "Ce numéro n'est pas en service. Merci de consulter l'annuaire ou de vérifier le numéro.",
            "Votre correspondant ne peut être joint actuellement. Veuillez renouveler votre appel plus tard.",
            "Toutes les lignes sont momentanément saturées, nous ne pouvons donner suite à votre appel.",
            "Votre appel n'a pas pu aboutir. Veuillez raccrocher et recomposer le numéro.",
            "En raison d'un incident sur le réseau, votre communication ne peut être établie pour le moment.",
            "Le numéro que vous avez composé est incomplet ou erroné. Veuillez vérifier et refaire le numéro.",
            "Le mobile de votre correspondant est éteint ou hors zone de couverture.",
            "L'abonné que vous cherchez à joindre a suspendu son abonnement, aucun appel ne peut lui être transmis.",
        ],
    )
)

# Prompts no other split uses, recorded by both speakers, all system sentences (MACHINE); even / odd positions get
# the voices above (the long prompts are odd).
RECORDED: tuple[Recorded, ...] = (
    _rec("r5-dir-nomore", MACHINE, "voicemail", P("dir-nomore")),
    _rec("r5-newuser", MACHINE, "voicemail", P("vm-newuser")),
    _rec("r5-toforward", MACHINE, "voicemail", P("vm-toforward")),
    _rec("r5-agent-incorrect", MACHINE, "voicemail", P("agent-incorrect")),
    _rec("r5-onlyone", MACHINE, "voicemail", P("conf-onlyone")),
    _rec("r5-auth-incorrect", MACHINE, "voicemail", P("auth-incorrect")),
    _rec("r5-tempremoved", MACHINE, "voicemail", P("vm-tempremoved")),
    _rec("r5-delete-next", MACHINE, "voicemail", P("vm-delete"), GAP, P("vm-next")),
    _rec("r5-leaderhasleft", MACHINE, "voicemail", P("conf-leaderhasleft")),
    _rec("r5-agent-user", MACHINE, "voicemail", P("agent-user")),
    _rec("r5-loginok", MACHINE, "voicemail-short", P("agent-loginok")),
    _rec("r5-deleted", MACHINE, "voicemail-short", P("vm-deleted")),
    _rec("r5-passchanged", MACHINE, "voicemail-short", P("vm-passchanged")),
    _rec("r5-repeat-prev", MACHINE, "voicemail", P("vm-repeat"), GAP, P("vm-prev")),
)

PLAN = SplitPlan(
    SYNTH_VOICES,
    RECORDED_VOICES,
    SLOTS,
    TEMPLATES,
    RECORDED,
    per_template={"human-short": 3, "human-long": 2, "voicemail": 1, "voicemail-short": 2, "operator": 3},
    per_recorded={HUMAN: 0, MACHINE: 2, OPERATOR: 0},
    no_answer=11,
)


if __name__ == "__main__":
    split_main(TEST5, PLAN, 43, __doc__)
