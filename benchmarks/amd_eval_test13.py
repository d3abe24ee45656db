"""Build the `test13` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in forms no split had (dev-time).

    python benchmarks/amd_eval_test13.py [--out audio/amd-eval] [--seed 97]

Why: test12 was run once with the start and the final code of a session and is development data. test13 keeps
test12's recipe (three kinds of synthetic voice, each only in sox forms no other split uses; fresh wordings, fillers
and pauses; people speaking in bursts, voicemails spoken apart) so that the next single held-out figure rests on
unseen texts and voices. Built blind, for a single measurement by the lead: the builder ran no AMD classifier,
`robot amd` / `robot amd-eval`, ASR, amd_upper_bound.py, tune_amd.py or check_keyword_overlap.py on its clips, did
not open amd_keywords.yaml, read no AMD rule code, and read nothing in benchmarks/results/ nor the AMD section of the
main README; other splits' texts were read only by the programmatic check below. Rules, fixed before any clip
existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+180c-tempo1.04` (`pitch 180 tempo -s 1.04`),
   `pico-170c-tempo0.93` (`pitch -170 tempo -s 0.93`), `pico+270c-tempo1.13` (`pitch 270 tempo -s 1.13`); one
   speaker changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per
   clip), changed by sox: `mbrola-fr1-80c-tempo1.05` (fr1, male), `mbrola-fr7+120c-tempo0.92` (fr7, male),
   `mbrola-ca2+90c-tempo1.09` (ca2, male, Canadian); test12 used none of the three, which are heard in other forms
   in other splits. espeak-ng formant variants no split uses (`fr+Andrea`, `fr+victor`, `fr+iven4`), drawn speed
   and pitch as above, changed by sox: `espeak-fr+Andrea-tempo0.94` (`tempo -s 0.94`), `espeak-fr+victor+110c`
   (`pitch 110`), `espeak-fr+iven4-60c-tempo1.05` (`pitch -60 tempo -s 1.05`). make_amd_eval.py is unchanged.
   Template keys carry the letter `p` (`hs-p*`, `vm-p-apart*`, ...), no other split's (test12's are `n`).
2. Phrase templates written blind from the phrase families only (the same families and label policy as test12):
   people's short openers (an unknown number, turning the TV down, losing the network in a tunnel, called in from
   the garden, children shouting, a suspected window salesman, "c'est moi-même"); long openers: staff giving a
   company, a service and a name ("standard", "service facturation", a doctor's reception), private people on the
   motorway with the loudspeaker, queueing at the post office, or calling back about a missed call; two people who
   speak in bursts 0.5-1.0 s apart (`hl-p-bursts*`: a pan boiling over, parking the car); personal voicemails
   informal and formal, a business greeting outside opening hours, an IVR menu with keys, an automated switchboard
   asking for a 4-digit extension, two queues (estimated wait; "votre appel est important"), a speech-driven
   assistant; 4 voicemails whose sentences are spoken 0.6-1.2 s apart (`vm-p-apart*`: a couple's home, a holiday
   greeting, a shop closed on Sundays, a queue looking for an agent); short voicemails (~2 s, a beep in most clips);
   carrier and PBX announcements: number not allocated, call cannot be routed, callee cannot be reached, phone out
   of network with an SMS notice, line suspended at the holder's request, network congestion, special numbers
   barred from the line, a digit missing, plan without international calls, extension that does not exist (SIT
   before every other one). The writer had seen the other builders' templates (as models of the code) and wrote
   other wordings. The same programmatic check as test5-test12 (normalised text: lower case, words only) compared
   every rendered test13 text (every filler combination, every shorter form fit_text can cut it to, each of those
   also said twice) with every `text` of manifest.csv, test12's included: none equals another split's text of 3
   words or more, none contains or sits inside another split's text of 3 words or more; no filler is another split's
   filler, nor is a word of a name, surname or company a word of another split's texts. Replaced after that check:
   - fillers: the names Gontran, Ludivine, Firmin (other splits' fillers; Gontran and Firmin also words of other
     splits' texts) -> Gauvain (Baudouin, tried first, was both too), Sixtine, Mathurin; the surname Kervella
     (another split's filler, a word of other splits' texts) -> Trévidic (Quéméner, tried first, was both too); the
     companies Tonnellerie Vidalenc (both words in other splits' texts) and Coutellerie Sarrail ("coutellerie" a
     word of other splits' texts) -> Saboterie Peyrelade, Cirerie Sarrail (with them "Répondeur de {name}." and
     "Boîte vocale de {name}" no longer sit inside another split's text);
   - "Allô ? Je ne connais pas ce numéro, vous êtes qui ?" (first clauses inside another split's text) -> "Allô ?
     Ce numéro ne me dit rien, qui est à l'appareil ?";
   - "Allô ? Deux secondes, j'éteins la télé. Oui, je vous écoute." (first clauses inside another's; the whole
     contains another's) -> "Allô ? Patientez, je coupe le son de la télé. Voilà, dites-moi.";
   - "Allô ? Ça coupe, je passe sous un tunnel." (first clauses inside another's) -> "Allô ? Je vais perdre le
     réseau, je rentre dans un tunnel.";
   - "Bonjour ? C'est pour quoi exactement ?" (contains another split's text) -> "Bonjour ? Vous souhaitez me
     parler de quoi ?";
   - "Ouais, allô ? Si c'est pour vendre quelque chose, ça m'intéresse pas." ("Ouais, allô ?" said twice equals
     another split's text) -> "Ouais ? Si c'est encore pour vendre des fenêtres, ça m'intéresse pas.";
   - "Allô oui, bonjour, je vous écoute." (first clauses inside another's) -> "Bonjour, oui, c'est moi-même, je vous
     écoute." ("Bonjour, oui" said twice equals another split's text) -> "Oui, c'est moi-même, bonjour, je vous
     écoute.";
   - "Allô ? Une seconde, la casserole déborde. ..." (first clauses inside another's) -> "Allô ? Oh là, la
     casserole déborde. ...";
   - "Bonjour. Vous êtes chez {name} et {name2}. On ne peut pas répondre. Laissez un message après le bip."
     (contains another split's text) -> "... On ne peut pas répondre. Dites-nous qui vous êtes après le bip.";
   - "Votre correspondant est momentanément injoignable. ..." (first sentence inside another's) -> "Votre
     correspondant ne peut être joint pour l'instant. ...".
   Also before the first build: "{name} est absent, message après le bip." (half the names are women's) -> "{name}
   n'est pas là, message après le bip.". After the first build (read back from the manifest, no classifier):
   "Bonjour, ici l'assistant de rappel de {company}. Dites votre numéro de dossier ..." was cut to its first
   sentence, which a person could say too (the label must hold for the cut text) -> "Assistant vocal de {company}.
   Dites votre numéro de dossier ou tapez-le sur votre clavier."; it passed the check again. What the check leaves:
   forms under 3 words ("Allô ?", "Oui ?", "Bonjour") and formulaic runs ("votre correspondant", "après le bip",
   "laisse un message") recur, as in every split.
3. Labels and mix like test12: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`). Hold music, a chime or ringback before some greetings come from the shared
   timelines. Seed 97 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test13 rows of manifest.csv and writes only *_test13_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+Andrea,
fr+victor and fr+iven4 variants), mbrola with mbrola-fr1, -fr7, -ca2, and Debian's `libttspico-utils` (non-free);
tests and CI only read the committed files.
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

TEST13 = "test13"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico+180c-tempo1.04", "pico", cents=180, tempo=1.04),
    Voice("pico-170c-tempo0.93", "pico", cents=-170, tempo=0.93),
    Voice("pico+270c-tempo1.13", "pico", cents=270, tempo=1.13),
    Voice("mbrola-fr1-80c-tempo1.05", "mbrola", "mb-fr1", cents=-80, tempo=1.05),
    Voice("mbrola-fr7+120c-tempo0.92", "mbrola", "mb-fr7", cents=120, tempo=0.92),
    Voice("mbrola-ca2+90c-tempo1.09", "mbrola", "mb-ca2", cents=90, tempo=1.09),
    Voice("espeak-fr+Andrea-tempo0.94", "espeak", "fr+Andrea", tempo=0.94),
    Voice("espeak-fr+victor+110c", "espeak", "fr+victor", cents=110),
    Voice("espeak-fr+iven4-60c-tempo1.05", "espeak", "fr+iven4", cents=-60, tempo=1.05),
)

SLOTS = {
    "name": ("Maïwenn", "Gauvain", "Sixtine", "Mathurin", "Berthilde", "Romuald"),
    "surname": ("Trévidic", "Pouyade", "Fenouillet", "Rabasse", "Dartigues", "Mazerolles"),
    "company": ("Saboterie Peyrelade", "Chaudronnerie Roubaud", "Cirerie Sarrail", "Boissellerie Maury"),
    "number": (
        "zéro trois, vingt-deux, quatre-vingt-dix, quatorze, soixante et un",
        "zéro cinq, cinquante-sept, trente-trois, zéro huit, quarante-six",
        "zéro deux, dix-neuf, soixante-quatorze, vingt-sept, trente-huit",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-p",
        [
            "Allô ? Ce numéro ne me dit rien, qui est à l'appareil ?",
            "Allô ? Patientez, je coupe le son de la télé. Voilà, dites-moi.",
            "Allô ? Je vais perdre le réseau, je rentre dans un tunnel.",
            "Oui ? Excusez-moi, j'étais au fond du jardin. Allez-y.",
            "Bonjour ? Vous souhaitez me parler de quoi ?",
            "Allô ? Attendez, les enfants crient, je change de pièce.",
            "Ouais ? Si c'est encore pour vendre des fenêtres, ça m'intéresse pas.",
            "Oui, c'est moi-même, bonjour, je vous écoute.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-p",
        [
            "{company}, standard, bonjour, ici {name}, en quoi puis-je vous aider ?",
            "{company}, service facturation, {name} {surname}, bonjour, qu'est-ce que je peux faire pour vous ?",
            "Bonjour, cabinet du docteur {surname}, {name} à l'accueil, vous appelez pour prendre rendez-vous ?",
            "Allô ? Je suis sur l'autoroute, je vous mets sur haut-parleur, attendez. Voilà, allez-y.",
            "Allô ? Je fais la queue à la poste, parlez vite s'il vous plaît, c'est bientôt mon tour.",
            "Allô ? J'ai vu un appel manqué de ce numéro tout à l'heure, c'est vous qui m'avez appelé ?",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-p-bursts",
            [
                "Allô ? Oh là, la casserole déborde. Voilà, j'ai baissé le feu. Je vous écoute.",
                "Oui ? Attendez, je gare la voiture. C'est bon, je suis garé. Qui est à l'appareil ?",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-p",
        [
            "T'es bien sur le répondeur de {name} ! Laisse ton nom et ton numéro, je te rappelle dès que possible.",
            "Bonjour, vous avez joint la boîte vocale de {name} {surname}. Je ne peux pas prendre votre appel, merci "
            "de me laisser vos coordonnées.",
            "Vous appelez {company} en dehors de nos horaires d'ouverture. Nous sommes joignables du mardi au samedi, "
            "de huit heures trente à dix-huit heures.",
            "Bienvenue sur le serveur vocal de {company}. Pour suivre une commande, tapez un. Pour joindre un "
            "technicien, tapez deux.",
            "Standard automatique de {company}. Tapez le numéro de poste à quatre chiffres de la personne que vous "
            "souhaitez joindre.",
            "Tous nos opérateurs sont actuellement occupés. Votre temps d'attente est estimé à moins de deux minutes.",
            "Votre appel est important pour {company}. Un conseiller va vous répondre dans quelques instants, merci "
            "de patienter.",
            "Assistant vocal de {company}. Dites votre numéro de dossier ou tapez-le sur votre clavier.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-p-apart",
            [
                "Bonjour. Vous êtes chez {name} et {name2}. On ne peut pas répondre. Dites-nous qui vous êtes "
                "après le bip.",
                "Répondeur de {name}. Je suis en vacances jusqu'à dimanche. Laisse un message, je rappelle au retour.",
                "Vous êtes sur le répondeur de {company}. Notre magasin est fermé le dimanche. Nous rouvrons lundi à "
                "neuf heures.",
                "Veuillez patienter. Nous recherchons un conseiller disponible. Votre appel sera traité dans l'ordre "
                "d'arrivée.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-p",
        [
            "Boîte vocale de {name}, à vous.",
            "{name} {surname}, messagerie, parlez après le signal.",
            "Répondeur de {company}, c'est à vous.",
            "{name} n'est pas là, message après le bip.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-p",
        [
            "Le numéro que vous avez composé n'est pas attribué. Merci de consulter l'annuaire.",
            "Votre appel ne peut pas être acheminé vers ce numéro. Vérifiez-le et recommencez.",
            "Votre correspondant ne peut être joint pour l'instant. Merci de rappeler ultérieurement.",
            "Le téléphone de votre correspondant est hors réseau. Un SMS l'avertira de votre appel.",
            "Cette ligne est suspendue à la demande de son titulaire. Aucun appel ne peut être transmis.",
            "En raison d'une forte affluence sur le réseau, votre appel n'a pu aboutir. Rappelez dans quelques "
            "minutes.",
            "Les appels vers ce numéro spécial ne sont pas autorisés depuis votre ligne.",
            "Il manque un chiffre au numéro que vous venez de composer. Raccrochez et composez-le à nouveau.",
            "Votre forfait ne permet pas d'appeler l'étranger. Contactez votre opérateur pour l'activer.",
            "Ce poste n'existe pas. Veuillez consulter l'annuaire de l'entreprise.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST13, PLAN, 97, __doc__)
