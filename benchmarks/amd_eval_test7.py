"""Build the `test7` split of audio/amd-eval/: held out, spoken by SVOX Pico, for one measurement (dev-time tool).

    python benchmarks/amd_eval_test7.py [--out audio/amd-eval] [--seed 53]

Why: a second Pico split, next to test6, with other templates, fillers and sox forms, so that the one measurement
of the AMD on intelligible French TTS rests on more than one set of wordings. Built blind at the end of a session,
for a single measurement by the lead; the builder ran no AMD classifier or ASR on its clips and read no amd_eval /
upper bound / transcript WER result. Rules, fixed before any clip existed:

1. Voices: SVOX Pico fr-FR (`pico2wave -l fr-FR`, 16 kHz, its one female voice) in 5 sox forms that no other split
   uses, each a voice of its own in the manifest: `pico-150c` (`pitch -150` cents), `pico+250c` (`pitch 250`),
   `pico-350c` (`pitch -350`, low, male-ish), `pico-tempo0.95` (`tempo -s 0.95`), `pico-tempo1.1`
   (`tempo -s 1.1`). One speaker, changed: not 5 speakers. No espeak-ng or MBROLA voice, no real recorded voice.
   As in test6, the speed and pitch the builder draws per clip are not applied (pico2wave has no such options).
   make_amd_eval.py is unchanged.
2. Phrase templates written blind from the phrase families only (people's short openers; long openers with names,
   companies, "à l'appareil", "je vous écoute"; personal and business voicemails, IVR menus and switchboards, queues,
   short voicemails; carrier announcements: number not assigned / no longer in service / terminated, correspondent
   unreachable / phone off / out of coverage, lines busy / network congested, call could not be routed, technical
   incident, incomplete number). amd_keywords.yaml was not opened; the writer had seen test6's templates in
   amd_eval_test6.py (as the model of the code) and wrote other wordings. After writing, the same programmatic check as
   test5 and test6 (normalised text: lower case, words only) compared every rendered test7 text (every filler, every
   shorter form fit_text can cut it to) with every `text` of manifest.csv: none equals another split's text, none
   contains or sits inside another split's text of 3 words or more (1-2 word texts are inside most openers and were not
   counted), and no filler is another split's filler, nor are a name, surname or a company's words words of another
   split's texts. Replaced after that check: a surname that was another split's filler (Ferrand -> Quéméner); a company
   word in another split's texts and fillers (Serrurerie Abgrall -> Tonnellerie Abgrall); short openers equal to, or cut
   to a 3-5 word form inside, another split's text ("Allô, c'est pour quoi ?" -> "Allô, c'est à propos de quoi ?";
   "Allô, oui, bonjour, c'est qui ?" -> "Oui, allô, vous êtes qui, vous ?" (a first fix, "Oui, allô, bonjour, ...", was
   also inside one); "Allô ? Attendez, je baisse la radio." -> "Allô ? Deux secondes, je ferme la fenêtre."; "Allô, oui,
   c'est bien moi." -> "Allô ? Oui, c'est elle-même."; and "Ouais, allô ?" -> "Ouais ? Allez-y, je vous entends.",
   caught by the build's own check_split: a short opener is also said twice, "Ouais, allô ? Ouais, allô ?", equal to
   another split's text, a form the first check had not rendered; it renders them now); a long opener whose first
   clauses "Allô ? Oui, bonjour" sit inside other openers (now "Allô ? Oui, c'est {name}, bonjour, ..."); a short
   voicemail containing another split's whole text "laissez un message" ("{name}, absent, laissez un message." ->
   "{name} n'est pas là, parlez après le signal."); a queue greeting whose first sentence "Merci de rester en ligne." is
   inside another split's text (now "Votre appel sera traité dans l'ordre d'arrivée, ..., nous vous remercions de rester
   en ligne."); two announcements whose first sentence can be cut to another split's text's start ("Votre correspondant
   n'est pas joignable, ..." -> "Votre correspondant a éteint son téléphone ou se trouve hors d'atteinte. ..."; "Le
   numéro que vous avez composé est incomplet. ..." -> "Il manque des chiffres au numéro que vous avez composé. ...").
   Nothing else changed. What the check leaves: the only equal texts are 1-2 word forms a clip can be cut to ("Allô",
   "Oui", "Bonjour", "Ouais", "Allô, oui", "Oui, allô", "Oui, bonjour"; said twice, "Oui, allô" and "Oui, bonjour" equal
   other splits' texts, but only an opener over 3 s is cut, and no short opener is that long), and formulaic runs ("je
   vous écoute", "après le bip", "à l'appareil") recur in other splits' texts, as in every split.
3. Labels and mix like test6: HUMAN short and long openers, MACHINE voicemail / IVR / switchboard / queue / short
   voicemail, OPERATOR announcements (SIT before every other one), NO_ANSWER; the conditions synthetic (16 kHz
   wideband), telephone and noise (no `recorded`: there is no real voice). Seed 53 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test7 rows of manifest.csv and writes only *_test7_*.wav.
Build-time needs: sox and Debian's `libttspico-utils` (non-free); tests and CI only read the committed files.
"""

from __future__ import annotations

from amd_eval_texts import HUMAN, MACHINE, OPERATOR, Template, Voice, _templates, synthetic_only_plan
from make_amd_eval import split_main

TEST7 = "test7"

SYNTH_VOICES = (
    Voice("pico-150c", "pico", cents=-150),
    Voice("pico+250c", "pico", cents=250),
    Voice("pico-350c", "pico", cents=-350),
    Voice("pico-tempo0.95", "pico", tempo=0.95),
    Voice("pico-tempo1.1", "pico", tempo=1.1),
)

SLOTS = {
    "name": ("Bérénice", "Gaspard", "Ysaline", "Timothée", "Roxane", "Valentin"),
    "surname": ("Kermarec", "Vasseur", "Dumoulin", "Quéméner", "Rouxel", "Lebreton"),
    "company": ("Ébénisterie Morvan", "Fromagerie Castagne", "Imprimerie Vauclair", "Tonnellerie Abgrall"),
    "number": (
        "zéro deux, quatorze, quatre-vingt-dix, trente-trois, zéro huit",
        "zéro quatre, soixante et onze, cinquante-deux, vingt-neuf, quinze",
        "zéro sept, trente-six, quatre-vingt-quatre, soixante-deux, treize",
    ),
}

# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-h",
        [
            "Allô, c'est à propos de quoi ?",
            "Oui ? Allô, je vous entends mal.",
            "Oui, allô, vous êtes qui, vous ?",
            "Ouais ? Allez-y, je vous entends.",
            "Allô ? Deux secondes, je ferme la fenêtre.",
            "Oui, bonjour, j'écoute.",
            "Allô ? Qui est au bout du fil ?",
            "Allô ? Oui, c'est elle-même.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-h",
        [
            "Allô, oui, ici {name} {surname}, vous tombez bien, je viens de rentrer, qu'est-ce que je peux faire "
            "pour vous ?",
            "{company}, {name} à l'appareil, bonjour, que puis-je faire pour vous ?",
            "Allô ? Oui, c'est {name}, bonjour, je suis en voiture, je vous mets sur haut-parleur, allez-y.",
            "Bonjour, secrétariat de {company}, {name} {surname} à l'appareil, je vous écoute.",
            "Oui, allô, {name} {surname}, excusez le bruit, je suis sur un chantier, vous m'entendez ?",
            "Allô ? Ah, bonjour, ici la maison des {surname}, c'est de la part de qui ?",
            "Oui, bonjour, {name} au téléphone, j'ai un appel manqué de ce numéro, c'était vous ?",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-h",
        [
            "Vous êtes bien chez {name} et {name2}. Nous ne pouvons pas vous répondre, merci de laisser un message "
            "après le signal sonore.",
            "Coucou, c'est {name} ! Je suis occupée pour l'instant, parle après le bip et je te rappelle.",
            "Bienvenue chez {company}. Notre boutique est fermée. Nos horaires sont du mardi au vendredi, de neuf "
            "heures à dix-huit heures.",
            "Bonjour et bienvenue chez {company}. Pour connaître nos tarifs, tapez un. Pour prendre rendez-vous, "
            "tapez deux. Pour une autre question, tapez trois.",
            "Votre appel sera traité dans l'ordre d'arrivée, par le premier conseiller libre, nous vous remercions "
            "de rester en ligne.",
            "Vous êtes sur la boîte vocale du {number}. Votre correspondant ne peut pas vous répondre, laissez-lui "
            "un message après le bip.",
            "Vous êtes en relation avec le standard de {company}. Dites le nom de la personne que vous souhaitez "
            "joindre, ou restez en ligne.",
            "Bonjour, vous avez joint le cabinet de maître {surname}, avocat. Le cabinet est fermé, merci de "
            "rappeler demain matin.",
            "Tous nos conseillers sont en communication. Vous êtes le troisième dans la file d'attente, merci de "
            "patienter.",
            "Salut, vous êtes chez {name} {surname}, on est sûrement au fond du jardin, laissez un mot et on vous "
            "rappelle.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-h",
        [
            "{name} n'est pas là, parlez après le signal.",
            "Messagerie de {name}, parlez après le bip.",
            "{company}, merci de laisser un message.",
            "Répondeur de {name} {surname}, à vous.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-h",
        [
            "Ce numéro n'est attribué à aucun abonné. Merci de consulter l'annuaire ou les renseignements.",
            "Le numéro de votre correspondant n'est plus en service. Aucun numéro de remplacement n'a été communiqué.",
            "L'abonnement de ce correspondant a pris fin, ce numéro n'est plus utilisé.",
            "Votre correspondant a éteint son téléphone ou se trouve hors d'atteinte. Merci de renouveler votre appel.",
            "La personne que vous cherchez à joindre se trouve hors de la zone de couverture du réseau. Réessayez "
            "dans quelques instants.",
            "En raison d'un fort trafic, toutes les lignes de votre correspondant sont occupées. Merci de renouveler "
            "votre appel plus tard.",
            "Le réseau est momentanément encombré, la communication ne peut être établie. Patientez avant de rappeler.",
            "En raison d'un incident technique, votre appel n'a pas pu être acheminé. Nous vous prions de nous "
            "excuser.",
            "Il manque des chiffres au numéro que vous avez composé. Vérifiez-le et composez le numéro en entier, "
            "indicatif compris.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST7, PLAN, 53, __doc__)
