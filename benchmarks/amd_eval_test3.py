"""Build the `test3` split of audio/amd-eval/: a held-out set with a second real recorded voice (dev-time tool).

    python benchmarks/amd_eval_test3.py [--out audio/amd-eval] [--seed 31]

Written while the AMD rules were being changed on `tune`, to measure start-of-session code against end-of-session
code on a split nobody has tuned on. New phrase templates, written blind from the phrase families only (no
amd_keywords.yaml phrase and no test/test2 clip text was read while writing them; the writer had seen tune's and
test2's templates in the builder code shortly before, and wrote other wordings on purpose), new slot fillers, voices
heard in no other split. Two written templates were dropped unchanged because they turned out identical (normalised)
to a template of another split ("Allô, bonjour !", "Allô ? Oui ?"); nothing else was edited afterwards.

The second real voice is Armelle Desjardins (Debian's asterisk-prompt-fr-armelle: France-French, female, GSM 8 kHz).
That package ships no texts: a clip's text is the fr-CA text of the same prompt id (asterisk-core-sounds-fr's
core-sounds-fr.txt.gz), so its wording may differ from what Armelle says; the labels are what count. Only prompt ids
that no other split uses are taken. Same machinery as make_amd_eval.py (timelines, conditions, labels); it replaces
only the test3 rows of manifest.csv and writes only *_test3_*.wav.

Build-time needs, besides make_amd_eval.py's: asterisk-prompt-fr-armelle. It conflicts with asterisk-core-sounds-fr,
whose texts file is still read at /usr/share/doc/asterisk-core-sounds-fr/core-sounds-fr.txt.gz: install armelle, then
put that file back from the other package (`apt-get download asterisk-core-sounds-fr`, `dpkg -x`). No MBROLA voice is
left unused by the other splits (fr1-fr7, ca1, ca2 are all taken), so the synthetic voices are espeak-ng variants.
"""

from __future__ import annotations

from amd_eval_texts import (
    ARMELLE_PROMPTS,
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

TEST3 = "test3"

# espeak-ng variants no other split uses (tune: fr, fr-be, +m3, +f2; test: fr-ch, +f4, +klatt4; test2: +m5, +f3,
# +klatt2).
SYNTH_VOICES = (
    Voice("espeak-fr+m7", "espeak", "fr+m7"),
    Voice("espeak-fr+f5", "espeak", "fr+f5"),
    Voice("espeak-fr+m2", "espeak", "fr+m2"),
    Voice("espeak-fr+klatt3", "espeak-klatt", "fr+klatt3"),
)
# Two clips in three as recorded; the third a little faster (sox tempo, same pitch).
RECORDED_VOICES = (
    Voice("armelle", "recorded", prompts=ARMELLE_PROMPTS),
    Voice("armelle", "recorded", prompts=ARMELLE_PROMPTS),
    Voice("armelle-tempo1.15", "recorded", tempo=1.15, prompts=ARMELLE_PROMPTS),
)

SLOTS = {
    "name": ("Romain", "Inès", "Gilles", "Sophie", "Karim", "Manon"),
    "surname": ("Blanchard", "Lemoine", "Tessier", "Aubert", "Carpentier"),
    "company": ("Plomberie Roux", "Librairie des Quais", "Transports Bernier", "Auto-école Soleil"),
    "number": (
        "zéro six, treize, quarante-quatre, soixante-dix-neuf, vingt",
        "zéro un, trente-deux, quatre-vingt-quinze, zéro sept, soixante-trois",
        "zéro quatre, vingt-sept, cinquante, quatre-vingt-deux, dix-sept",
    ),
}

# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-d",
        [
            "Oui, j'écoute ?",
            "Oui, qui demandez-vous ?",
            "Bonjour, c'est pour quoi ?",
            "Hum, allô ?",
            "Oui, allô, bonsoir.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-d",
        [
            "Allô, oui, bonjour, ici {name} {surname}, qu'est-ce que je peux faire pour vous ?",
            "Oui, {name} au téléphone, excusez-moi, je n'ai pas bien entendu, c'est de la part de qui ?",
            "Allô ? Oui bonjour, vous tombez mal, je suis en pleine réunion, vous pouvez faire vite ?",
            "Bonjour, {company}, {name} à l'écoute, en quoi puis-je vous aider ?",
            "Allô, attendez une seconde, je baisse la télé... Voilà, oui, bonjour ?",
            "Oui, allô, c'est chez {name}, qui est à l'appareil s'il vous plaît ?",
            "Allô, bonsoir, c'est son fils qui répond, ma mère n'est pas là, je peux prendre un message ?",
            "Oui bonjour, c'est bien moi, mais je suis au volant, faites court s'il vous plaît.",
            "Ah, bonjour, oui, j'attendais justement votre appel, allez-y.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-d",
        [
            "Bonjour, vous êtes bien chez {name} et {name2}, nous sommes absents pour l'instant, laissez-nous un petit "
            "message et on vous rappelle très vite.",
            "Coucou, c'est {name} ! Je ne suis pas joignable, dis-moi ce que tu veux après la tonalité, bisous.",
            "Bonjour, ici la boîte vocale de {name} {surname}. Je suis actuellement en déplacement, merci de laisser "
            "votre nom, votre numéro et l'objet de votre appel.",
            "Vous avez joint le {number}. Personne n'est disponible pour prendre votre appel, vous pouvez enregistrer "
            "votre message maintenant.",
            "Bonjour, {company} vous souhaite la bienvenue. Nos bureaux sont actuellement fermés, nous vous "
            "accueillons du mardi au samedi de huit heures trente à dix-neuf heures.",
            "Bienvenue chez {company}. Si vous êtes déjà client, appuyez sur la touche étoile. Sinon, appuyez sur "
            "dièse.",
            "Pour être mis en relation avec un conseiller, dites conseiller ou appuyez sur zéro.",
            "Tous nos opérateurs sont occupés. Vous êtes le troisième dans la file d'attente, votre temps d'attente "
            "est estimé à deux minutes.",
            "Veuillez patienter, un conseiller va prendre votre appel. Cet appel peut être enregistré afin "
            "d'améliorer la qualité de notre service.",
            "Bonjour, le cabinet de maître {surname} est fermé pour congés annuels, réouverture le lundi vingt-trois. "
            "Merci de votre compréhension.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-d",
        ["Boîte vocale de {name} {surname}.", "C'est {name}, laisse ton message.", "Ici {name}, à vous après le bip."],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-d",
        [
            "Le numéro de votre correspondant n'est pas reconnu, veuillez vérifier votre saisie.",
            "Votre appel ne peut être établi, le réseau est momentanément indisponible.",
            "Cette ligne n'est pas ouverte aux appels entrants.",
            "Votre crédit de communication est épuisé, votre appel ne peut être acheminé.",
            "Le numéro composé est incomplet. Merci de recomposer le numéro en entier.",
            "Le poste demandé est actuellement en dérangement, veuillez renouveler votre appel plus tard.",
            "Votre correspondant est déjà en ligne, veuillez rappeler dans un instant.",
            "L'abonné que vous cherchez à joindre a suspendu sa ligne.",
        ],
    )
)

# Armelle's prompts, chosen by id among those no other split uses. Human-like lines are rare among system prompts:
# the human ones are short words or a question followed by silence.
RECORDED: tuple[Recorded, ...] = (
    _rec(
        "r3-merci-x2",
        HUMAN,
        "human-short",
        P("auth-thankyou"),
        P("pause", pause_s=(0.9, 1.5)),
        P("privacy-thankyou"),
    ),
    _rec(
        "r3-demain",
        HUMAN,
        "human-short",
        P("digits/tomorrow"),
        P("pause", pause_s=(0.8, 1.4)),
        P("digits/today"),
    ),
    _rec("r3-changeto", HUMAN, "human-long", P("vm-changeto")),
    _rec(
        "r3-reporthold",
        MACHINE,
        "voicemail",
        P("queue-reporthold"),
        P("queue-less-than"),
        P("digits/5", text="#cinq"),
        P("vm-minutes"),
    ),
    _rec("r3-youhave", MACHINE, "voicemail-short", P("vm-youhave"), P("digits/2", text="#deux"), P("vm-messages")),
    _rec("r3-rec-temp", MACHINE, "voicemail", P("vm-rec-temp")),
    _rec("r3-leavemsg", MACHINE, "voicemail-short", P("vm-leavemsg")),
    _rec("r3-helpexit", MACHINE, "voicemail", P("vm-helpexit")),
    _rec("r3-tempgreeting2", MACHINE, "voicemail", P("vm-tempgreeting2")),
    _rec("r3-waitforleader", MACHINE, "voicemail", P("conf-waitforleader")),
    _rec("r3-placeintoconf", MACHINE, "voicemail", P("conf-placeintoconf")),
    _rec("r3-starmain", MACHINE, "voicemail", P("vm-starmain")),
    _rec("r3-enter-num", MACHINE, "voicemail", P("vm-enter-num-to-call")),
    _rec("r3-conf-getpin", MACHINE, "voicemail", P("conf-getpin")),
    _rec("r3-saveoper", MACHINE, "voicemail", P("vm-saveoper")),
    _rec("r3-invalidpark", OPERATOR, "operator", P("pbx-invalidpark")),
    _rec("r3-conf-invalid", OPERATOR, "operator", P("conf-invalid")),
    _rec("r3-incorrect-mailbox", OPERATOR, "operator", P("vm-incorrect-mailbox")),
    _rec("r3-conf-noempty", OPERATOR, "operator", P("conf-noempty")),
    _rec("r3-conf-locked", OPERATOR, "operator", P("conf-locked")),
    _rec("r3-dir-nomatch", OPERATOR, "operator", P("dir-nomatch")),
)

PLAN = SplitPlan(
    SYNTH_VOICES,
    RECORDED_VOICES,
    SLOTS,
    TEMPLATES,
    RECORDED,
    per_template={"human-short": 3, "human-long": 2, "voicemail": 1, "voicemail-short": 2, "operator": 2},
    per_recorded={HUMAN: 2, MACHINE: 2, OPERATOR: 3},
    no_answer=12,
)


if __name__ == "__main__":
    split_main(TEST3, PLAN, 31, __doc__)
