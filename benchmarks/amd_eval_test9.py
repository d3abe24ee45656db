"""Build the `test9` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in new sox forms (dev-time tool).

    python benchmarks/amd_eval_test9.py [--out audio/amd-eval] [--seed 61]

Why: test8 was measured and is development data. test9 speaks with three kinds of synthetic voice at once (SVOX
Pico, MBROLA diphones and espeak-ng formant variants), each only in sox forms no other split uses, with fresh
wordings, fillers and pauses, so that the next single held-out figure rests on unseen texts and voices. Built blind,
for a single measurement by the lead: the builder ran no AMD classifier, `robot amd` / `robot amd-eval`, ASR,
amd_upper_bound.py or tune_amd.py on its clips, did not open amd_keywords.yaml, and read nothing in
benchmarks/results/ nor the AMD section of the main README. Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+300c` (`pitch 300` cents), `pico-50c-tempo1.12`
   (`pitch -50 tempo -s 1.12`), `pico-tempo0.88` (`tempo -s 0.88`); one speaker changed, not 3 speakers. MBROLA
   diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per clip), then changed by sox:
   `mbrola-fr1-tempo1.12` (fr1, male, `tempo -s 1.12`), `mbrola-fr7+200c` (fr7, male, `pitch 200`),
   `mbrola-ca2-150c-tempo0.93` (ca2, Canadian male, `pitch -150 tempo -s 0.93`); fr1 is heard as is in tune, fr7 and
   ca2 in test2. espeak-ng formant variants no split uses (`fr+steph2`, `fr+gustave`, `fr+linda`; the manifest and
   the builders list every variant heard so far), drawn speed and pitch as above, changed by sox:
   `espeak-fr+steph2-100c` (female, `pitch -100`), `espeak-fr+gustave+150c` (male, `pitch 150`),
   `espeak-fr+linda-tempo0.9` (female, `tempo -s 0.9`). make_amd_eval.py is unchanged: its sox hook (test8) already
   applies a synthetic voice's cents / tempo, for espeak-ng voices as for MBROLA ones.
2. Phrase templates written blind from the phrase families only: people's short openers (who is calling, a bad
   line, busy at home); long openers: staff giving a company, a name and a service phrase ("pour vous servir", "à
   votre écoute", "au secrétariat"), private people busy with a client, driving, cooking, bathing children, or asking
   who calls; personal voicemails informal and formal, a business greeting with opening hours, an IVR menu, an
   automated switchboard, two queues, a speech-driven IVR; 4 voicemails whose sentences are spoken 0.6-1.2 s apart
   (`vm-j-apart*`); short voicemails (~2 s, then a beep in most clips); carrier announcements: number not assigned,
   number cancelled, person unreachable, phone off, out of coverage, lines congested, network overloaded, call
   cannot be completed, incomplete number, calls restricted on the line (SIT before every other one). The writer
   had seen the other builders' templates (as models of the code) and wrote other wordings. The same programmatic
   check as test5-test8 (normalised text: lower case, words only) compared every rendered test9 text (every filler
   combination, every shorter form fit_text can cut it to, each of those also said twice) with every `text` of
   manifest.csv: none equals another split's text of 3 words or more, none contains or sits inside another split's
   text of 3 words or more; no filler is another split's filler (test8's included), nor is a word of a name, surname
   or company a word of another split's texts. Replaced after that check:
   - fillers: the names Gaspard, Maëlys, Anatole, Ysaline and the surname Marchetti (other splits' fillers): all
     six names and six surnames drawn again (names Bertille, Octave, Eulalie, Isidore, Sidonie, Aristide; surnames
     Kervella, Larrieu, Delmas, Crozat, Mazeau, Baudouin); the companies Serrurerie Guillot, Menuiserie Tanguy,
     Fromagerie Bouvier, Quincaillerie Marchal (each word in other splits' texts) -> Tapisserie Garnaud, Poissonnerie
     Verdier, Chocolaterie Bonnefoy, Carrosserie Rouquette;
   - "Oui, allô ? Attendez, je baisse la radio." (inside another split's text) -> "Oui, allô ? Deux secondes, je
     coupe la télé.";
   - "Allô ? Bonjour, oui, c'est moi-même." (its first clauses inside another's) -> "Elle-même, oui, bonjour, c'est
     pour quoi ?" (contained another split's whole text "bonjour, c'est pour quoi") -> "C'est elle-même, oui, vous
     désirez ?" (its first clause inside another's) -> "Moi-même, oui, vous désirez ?";
   - "Oui ? Allô ? Parlez plus fort, s'il vous plaît." (contains another split's whole text "allô, parlez plus
     fort") -> "Oui ? Allô ? Ça grésille, répétez un peu ?";
   - "Allô, oui, bonjour, attendez deux secondes, ..." (first clauses inside another's) -> "Oui, bonjour, attendez
     deux secondes, ...";
   - "Merci de rester en ligne. Un conseiller de {company} va prendre votre appel ..." (first sentence inside
     another's) -> "Votre appel est en attente. Un conseiller de {company} va vous répondre ...";
   - "{name}, laissez votre message." (inside another split's text) -> "{name} n'est pas là, un message ?" (changed
     again after reading it back: a person says it too) -> "Vous appelez {name}, parlez au signal.";
   - "Messagerie vocale, parlez après le bip." (equal to another split's text) -> "Le répondeur vous écoute,
     parlez.";
   - "Ce numéro n'est attribué à aucun abonné. ..." (first sentence inside another's) -> "Le numéro demandé n'a pas
     été attribué. Vérifiez-le, puis recomposez-le.";
   - "Votre correspondant est injoignable pour l'instant. ..." (inside another's) -> "Nous ne parvenons pas à
     joindre la personne demandée. Merci de renouveler votre appel plus tard.";
   - "En raison d'un fort trafic, le réseau ne peut pas acheminer votre appel ..." (first clause inside another's) ->
     "Le réseau est momentanément surchargé. Votre appel ne peut pas être acheminé pour le moment.";
   - "Le numéro composé est incomplet. ..." (inside another's) -> "Il manque des chiffres au numéro que vous avez
     composé. ..." (equal to another split's text) -> "Votre numérotation est incomplète. ...".
   Changed before the first build without a check asking: a few wordings made generic so that every company filler
   fits (opening hours, "passer une commande", "notre magasin"), and "C'est {name}, à vous." -> "Ici {name},
   laissez-moi un mot." (a person could say the first). After the first build (read back, no classifier): names
   starting with a vowel (Octave, Eulalie, Isidore, Aristide) -> Gontran, Mahaut, Lazare, Philippine ("de Isidore"
   is not French), and "Salut ! C'est {name}. ..." -> "Ici le répondeur de {name} ! ..." because a clip was cut to
   "Salut ! C'est {name}.", which a person says too (the label must hold for the cut text). Both passed the check
   again. What the check leaves: 1-2 word forms a clip could be cut to ("Allô", "Oui", "Oui, allô", "Oui, bonjour",
   "Ouais, allô"), alone or said twice, equal other splits' texts (no test9 clip is cut to one: the shortest texts
   are 4 words), and formulaic runs ("je vous écoute", "après le bip", "votre correspondant") recur, as in every
   split.
3. Labels and mix like test8: HUMAN 40 (24 short, 16 long), MACHINE 44 (36 voicemail / IVR / switchboard / queue, 8
   short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12 (silence with line noise,
   some with clicks or strong noise); the conditions synthetic (16 kHz wideband), telephone and noise (no `recorded`:
   there is no real voice). Hold music, a chime or ringback before some greetings come from the shared timelines.
   Seed 61 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test9 rows of manifest.csv and writes only *_test9_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng, mbrola with mbrola-fr1, -fr7,
-ca2, and Debian's `libttspico-utils` (non-free); tests and CI only read the committed files.
"""

from __future__ import annotations

from amd_eval_texts import (
    HUMAN,
    MACHINE,
    OPERATOR,
    Template,
    Voice,
    _templates,
    spoken_apart,
    synthetic_only_plan,
)
from make_amd_eval import split_main

TEST9 = "test9"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart

SYNTH_VOICES = (
    Voice("pico+300c", "pico", cents=300),
    Voice("pico-50c-tempo1.12", "pico", cents=-50, tempo=1.12),
    Voice("pico-tempo0.88", "pico", tempo=0.88),
    Voice("mbrola-fr1-tempo1.12", "mbrola", "mb-fr1", tempo=1.12),
    Voice("mbrola-fr7+200c", "mbrola", "mb-fr7", cents=200),
    Voice("mbrola-ca2-150c-tempo0.93", "mbrola", "mb-ca2", cents=-150, tempo=0.93),
    Voice("espeak-fr+steph2-100c", "espeak", "fr+steph2", cents=-100),
    Voice("espeak-fr+gustave+150c", "espeak", "fr+gustave", cents=150),
    Voice("espeak-fr+linda-tempo0.9", "espeak", "fr+linda", tempo=0.9),
)

SLOTS = {
    "name": ("Bertille", "Gontran", "Mahaut", "Lazare", "Sidonie", "Philippine"),
    "surname": ("Kervella", "Larrieu", "Delmas", "Crozat", "Mazeau", "Baudouin"),
    "company": ("Tapisserie Garnaud", "Poissonnerie Verdier", "Chocolaterie Bonnefoy", "Carrosserie Rouquette"),
    "number": (
        "zéro trois, quatre-vingt-deux, quinze, soixante et onze, quarante-quatre",
        "zéro cinq, dix-neuf, cinquante-trois, quatre-vingt-huit, zéro sept",
        "zéro sept, soixante-deux, vingt-neuf, trente-trois, quatorze",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-j",
        [
            "Allô ? Oui, qui me demande ?",
            "Oui, allô ? Deux secondes, je coupe la télé.",
            "Allô ? Ah, ça coupe, vous m'entendez, là ?",
            "Oui, allô, j'étais dans le jardin, oui ?",
            "Moi-même, oui, vous désirez ?",
            "Oui ? Allô ? Ça grésille, répétez un peu ?",
            "Allô, oui, une seconde, je mets le haut-parleur.",
            "Ouais, allô, vas-y, je t'écoute.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-j",
        [
            "{company}, bonjour, {name} {surname} pour vous servir, en quoi puis-je vous aider ?",
            "{company}, service après-vente, {name} à votre écoute, bonjour, vous avez votre bon de commande ?",
            "Bonjour, {company}, {name} au secrétariat, vous souhaitez prendre rendez-vous ?",
            "Oui, bonjour, attendez deux secondes, je suis avec un client, voilà, je vous écoute.",
            "Allô, oui, {name} {surname}, excusez-moi, je suis au volant, vous pouvez faire vite ?",
            "Oui, allô ? Je suis en train de faire à manger, là, c'est pour quoi ?",
            "Allô ? Oui, c'est {name}, qui est-ce qui m'appelle, là ? Je n'ai pas reconnu le numéro.",
            "Allô, oui ? Pardon, je donnais le bain aux petits, vous êtes qui, déjà ?",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-j",
        [
            "Coucou, vous êtes bien chez {name} et {name2}, on n'est pas là, laissez un mot après le bip !",
            "Bonjour, vous avez bien composé le numéro de {name} {surname}. Je suis actuellement absent. Veuillez "
            "laisser votre nom et votre numéro, je vous rappellerai.",
            "Bonjour et merci pour votre appel. {company} vous accueille du mardi au samedi, de huit heures trente à "
            "midi.",
            "Vous êtes en relation avec {company}. Pour passer une commande, tapez un. Pour connaître nos horaires, "
            "tapez deux. Pour toute autre demande, restez en ligne.",
            "{company}, standard automatique. Prononcez le nom de la personne que vous souhaitez joindre.",
            "Votre appel est en attente. Un conseiller de {company} va vous répondre dans quelques instants.",
            "Votre appel va être pris en charge, nous vous remercions de votre patience.",
            "Bonjour, je suis l'assistant vocal de {company}. Dites simplement : commande, facture, ou autre.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-j-apart",
            [
                "Bonjour. Vous êtes bien sur la boîte vocale de {name} {surname}. Je suis en déplacement cette "
                "semaine. Laissez-moi un message, je vous rappelle dès mon retour.",
                "Ici le répondeur de {name} ! Je suis pas joignable là. Laisse-moi un message, bisous.",
                "Vous avez joint la messagerie de {company}. Notre magasin est fermé pour le moment. Il rouvrira "
                "demain à neuf heures.",
                "Bonjour. Merci de votre patience. Toutes nos lignes sont occupées. Votre appel sera traité dans "
                "l'ordre d'arrivée.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-j",
        [
            "Vous appelez {name}, parlez au signal.",
            "Le répondeur vous écoute, parlez.",
            "Ici {name}, laissez-moi un mot.",
            "{name} {surname}, message s'il vous plaît.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-j",
        [
            "Le numéro demandé n'a pas été attribué. Vérifiez-le, puis recomposez-le.",
            "Le numéro que vous appelez a été résilié. Il ne peut plus recevoir d'appels.",
            "Nous ne parvenons pas à joindre la personne demandée. Merci de renouveler votre appel plus tard.",
            "Le téléphone de votre correspondant est éteint. Vous pouvez réessayer plus tard ou lui envoyer un texto.",
            "Votre correspondant se trouve hors de la zone de couverture du réseau. Veuillez rappeler ultérieurement.",
            "Toutes les lignes sont encombrées. Merci de renouveler votre appel dans quelques instants.",
            "Le réseau est momentanément surchargé. Votre appel ne peut pas être acheminé pour le moment.",
            "L'appel que vous avez passé ne peut aboutir. Merci de raccrocher et de réessayer.",
            "Votre numérotation est incomplète. Veuillez composer les dix chiffres de votre correspondant.",
            "Votre ligne n'est pas autorisée à joindre ce type de numéro. Pour modifier vos restrictions d'appel, "
            "contactez votre opérateur.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST9, PLAN, 61, __doc__)
