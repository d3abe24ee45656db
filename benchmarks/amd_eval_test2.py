"""Build the `test2` split of audio/amd-eval/: a fresh held-out set (dev-time tool; the clips are committed).

    python benchmarks/amd_eval_test2.py [--out audio/amd-eval] [--seed 29]

Written after the AMD rules had been tuned on `tune` and `test` had been looked at: new phrase templates (written
blind, from the phrase families only: no test text and no amd_keywords.yaml phrase was read while writing them),
new slot fillers, voices heard in no other split, other recorded prompts. Same machinery as make_amd_eval.py
(timelines, conditions, labels); it replaces only the test2 rows of manifest.csv and writes only *_test2_*.wav.

Build-time needs, besides make_amd_eval.py's: mbrola-fr7 and mbrola-ca2 (non-free).
"""

from __future__ import annotations

from amd_eval_texts import GAP, HUMAN, MACHINE, OPERATOR, Recorded, SplitPlan, Template, Voice, _rec, _templates
from amd_eval_texts import Part as P
from make_amd_eval import split_main

TEST2 = "test2"

# espeak-ng variants no other split uses (tune: fr, fr-be, +m3, +f2; test: fr-ch, +f4, +klatt4), and two MBROLA
# voices no other split uses (fr7: French male; ca2: Canadian French male).
SYNTH_VOICES = (
    Voice("espeak-fr+m5", "espeak", "fr+m5"),
    Voice("espeak-fr+f3", "espeak", "fr+f3"),
    Voice("espeak-fr+klatt2", "espeak-klatt", "fr+klatt2"),
    Voice("mbrola-fr7", "mbrola", "mb-fr7"),
    Voice("mbrola-ca2", "mbrola", "mb-ca2"),
)
# The same real speaker as `june`, changed by sox in ways no other split uses (tune: +250 cents, test: -300 cents).
RECORDED_VOICES = (
    Voice("june+150c", "recorded", cents=150),
    Voice("june-tempo1.1", "recorded", tempo=1.1),
)

SLOTS = {
    "name": ("Bertrand", "Léa", "Mathieu", "Fatima", "Hugo", "Agnès"),
    "surname": ("Garnier", "Bouvier", "Ferrand", "Delattre", "Marchetti"),
    "company": ("Menuiserie Caron", "Pharmacie du Marché", "Agence Vauban", "Garage Delorme", "Cabinet Lenoir"),
    "number": (
        "zéro quatre, soixante-douze, dix-huit, trente-cinq, quatre-vingt-onze",
        "zéro deux, quarante et un, soixante-six, zéro neuf, cinquante-huit",
        "zéro cinq, cinquante-six, vingt-trois, quatre-vingt-sept, quatorze",
        "zéro trois, quatre-vingt-huit, quarante, soixante-douze, vingt-six",
    ),
}

# Written blind from the phrase families (see the module docstring). Six written templates were dropped unchanged
# because they turned out identical (normalised) to templates of tune or test ("Allô, j'écoute.", "Ouais, allô ?",
# "Allô ? Vous m'entendez ?", "Oui bonjour ?", "Répondeur de {name}.", "{name}, laissez un message."); nothing else
# was edited afterwards (the phone numbers were written as digits, here spelled out as the other splits do).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-c",
        ["Allô ? C'est qui ?", "Allô, oui, c'est moi.", "Bonjour, oui ?", "Allô ? Qui est à l'appareil ?"],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-c",
        [
            "Allô, {name} {surname} à l'appareil, je vous écoute.",
            "Oui bonjour, ici {name}, c'est pour quoi ?",
            "{company}, {name} à votre service, bonjour.",
            "Allô ? Oui, attendez, je coupe la radio, voilà, je vous écoute.",
            "Bonjour, cabinet du docteur {surname}, que puis-je faire pour vous ?",
            "Allô, oui, je suis en voiture, je vous entends mal, vous pouvez répéter ?",
            "Oui allô, c'est {name}, excusez-moi j'étais dans le jardin.",
            "Allô ? Là je ne peux pas parler, rappelez-moi dans une heure.",
            "Oui bonjour, vous êtes bien chez {name} {surname}, c'est à quel sujet ?",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-c",
        [
            "Bonjour, vous êtes sur le répondeur de {name}, je ne peux pas vous répondre pour le moment, laissez-moi "
            "un message et je vous rappelle.",
            "Salut, c'est {name}, je suis pas là, tu sais quoi faire après le bip !",
            "Bonjour, vous avez bien joint {name} {surname}. Je suis absent actuellement, merci de me laisser vos "
            "coordonnées, je vous recontacterai dès que possible.",
            "Vous êtes bien au {number}. Nous ne sommes pas disponibles, veuillez laisser un message après le signal "
            "sonore.",
            "Bonjour, vous êtes sur la messagerie du {number}. Votre correspondant est indisponible, laissez-lui un "
            "message après le bip.",
            "Bonjour, ici {name} {surname}. Je suis en congé jusqu'à lundi. En cas d'urgence, contactez le standard "
            "au {number}.",
            "Bonjour et bienvenue chez {company}. Nos bureaux sont fermés. Nous sommes ouverts du lundi au vendredi "
            "de neuf heures à dix-huit heures.",
            "{company}, bonjour. Pour le service commercial, tapez un. Pour le service après-vente, tapez deux. Pour "
            "toute autre demande, restez en ligne.",
            "Merci d'avoir appelé {company}. Tous nos conseillers sont actuellement en communication. Votre appel va "
            "être pris en charge dans quelques instants.",
            "Ne quittez pas, nous recherchons votre correspondant. Votre appel est important pour nous, merci de "
            "patienter.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-c",
        ["Bonjour, c'est {name}, laissez un message.", "Messagerie vocale, parlez après le bip."],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-c",
        [
            "Le numéro que vous avez composé n'est plus en service actuellement.",
            "Votre correspondant n'est pas joignable pour le moment, veuillez rappeler ultérieurement.",
            "Ce numéro n'existe pas. Veuillez vérifier le numéro de votre correspondant.",
            "Suite à un incident technique, votre appel ne peut aboutir. Merci de renouveler votre appel plus tard.",
            "Les lignes de votre correspondant sont saturées, veuillez rappeler dans quelques instants.",
            "L'accès à ce numéro est restreint. Votre appel ne peut être acheminé.",
            "Le numéro de votre correspondant a changé. Veuillez composer le {number}.",
            "Votre correspondant a restreint ses appels entrants, veuillez essayer plus tard.",
        ],
    )
)

# Asterisk prompts no other split uses (except the one-word `hello`, as in tune and test).
RECORDED: tuple[Recorded, ...] = (
    _rec(
        "r2-hello-x3",
        HUMAN,
        "human-short",
        P("hello"),
        P("pause", pause_s=(0.9, 1.5)),
        P("hello"),
        P("pause", pause_s=(0.7, 1.2)),
        P("hello"),
    ),
    _rec("r2-hello-sorry", HUMAN, "human-long", P("hello"), P("pause", pause_s=(0.6, 1.2)), P("vm-sorry")),
    _rec(
        "r2-queue-position",
        MACHINE,
        "voicemail",
        P("queue-thereare"),
        P("digits/3", text="#trois"),
        GAP,
        P("queue-thankyou"),
    ),
    _rec(
        "r2-queue-quantity",
        MACHINE,
        "voicemail",
        P("queue-quantity1"),
        P("digits/4", text="#quatre"),
        P("queue-quantity2"),
    ),
    _rec(
        "r2-queue-holdtime", MACHINE, "voicemail", P("queue-holdtime"), P("digits/5", text="#cinq"), P("queue-minutes")
    ),
    _rec("r2-queue-youarenext", MACHINE, "voicemail-short", P("queue-youarenext")),
    _rec("r2-priv-introsaved", MACHINE, "voicemail", P("priv-introsaved")),
    _rec("r2-followme-sorry", MACHINE, "voicemail", P("followme/sorry")),
    _rec("r2-vm-forward", MACHINE, "voicemail", P("vm-forward")),
    _rec("r2-dir-instr", MACHINE, "voicemail", P("dir-instr")),
    _rec("r2-vm-rec-name", MACHINE, "voicemail", P("vm-rec-name")),
    _rec("r2-speed-dial-empty", OPERATOR, "operator", P("speed-dial-empty")),
    _rec("r2-unidentified", OPERATOR, "operator", P("unidentified-no-callback")),
    _rec(
        "r2-having-problems",
        OPERATOR,
        "operator",
        P("sorry-youre-having-problems"),
        GAP,
        P("something-terribly-wrong"),
    ),
)

PLAN = SplitPlan(
    SYNTH_VOICES,
    RECORDED_VOICES,
    SLOTS,
    TEMPLATES,
    RECORDED,
    per_template={"human-short": 3, "human-long": 2, "voicemail": 2, "voicemail-short": 2, "operator": 3},
    per_recorded={HUMAN: 5, MACHINE: 2, OPERATOR: 3},
    no_answer=12,
)


if __name__ == "__main__":
    split_main(TEST2, PLAN, 29, __doc__)
