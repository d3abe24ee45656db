"""Build the `test11` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in yet other sox forms (dev-time).

    python benchmarks/amd_eval_test11.py [--out audio/amd-eval] [--seed 71]

Why: test10 was run once with the start and the final code of a session and is development data. test11 keeps
test10's recipe (three kinds of synthetic voice, each only in sox forms no other split uses; fresh wordings, fillers
and pauses; people speaking in bursts, voicemails spoken apart) so that the next single held-out figure rests on
unseen texts and voices. Built blind, for a single measurement by the lead: the builder ran no AMD classifier,
`robot amd` / `robot amd-eval`, ASR, amd_upper_bound.py or tune_amd.py on its clips, did not open amd_keywords.yaml,
and read nothing in benchmarks/results/ nor the AMD section of the main README. Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico-400c-tempo1.04` (`pitch -400 tempo -s 1.04`),
   `pico+120c-tempo1.12` (`pitch 120 tempo -s 1.12`), `pico-80c-tempo0.9` (`pitch -80 tempo -s 0.9`); one speaker
   changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per clip),
   changed by sox: `mbrola-fr7-150c-tempo1.05` (fr7, male), `mbrola-fr1+100c-tempo0.94` (fr1, male),
   `mbrola-ca2+200c` (ca2, Canadian French, male); fr1, fr7 and ca2 are heard in other forms in other splits.
   espeak-ng formant variants no split uses (`fr+iven2`, `fr+anika`, `fr+edward`), drawn speed and pitch as above,
   changed by sox: `espeak-fr+iven2-50c` (`pitch -50`), `espeak-fr+anika+100c-tempo1.05` (`pitch 100 tempo -s
   1.05`), `espeak-fr+edward-tempo0.93` (`tempo -s 0.93`). make_amd_eval.py is unchanged.
2. Phrase templates written blind from the phrase families only (the same families and label policy as test10):
   people's short openers (what do you want, turning the radio down, a cutting line, out of the shower, on whose
   behalf); long openers: staff giving a company, a name and a service ("au téléphone", "standard", "atelier"),
   private people on a bike, in a meeting, or asking which company calls from an unknown number; two people who
   speak in bursts 0.5-1.0 s apart (`hl-m-bursts*`: one closing a window on road works, one stopping a microwave);
   personal voicemails informal and formal, a business greeting with opening hours, an IVR menu with keys, an
   automated switchboard asking for a 4-digit extension, two queues, a speech-driven IVR; 4 voicemails whose
   sentences are spoken 0.6-1.2 s apart (`vm-m-apart*`); short voicemails (~2 s, a beep in most clips); carrier
   announcements: number given to no subscriber, line cancelled, correspondent unreachable for now, phone off or out
   of coverage, callee without network, heavy traffic, call could not go through, number incomplete, subscription
   not allowing the number, extension not answering (SIT before every other one). The writer had seen the other
   builders' templates (as models of the code) and wrote other wordings. The same programmatic check as test5-test10
   (normalised text: lower case, words only) compared every rendered test11 text (every filler combination, every
   shorter form fit_text can cut it to, each of those also said twice) with every `text` of manifest.csv, test10's
   included: none equals another split's text of 3 words or more, none contains or sits inside another split's text
   of 3 words or more; no filler is another split's filler (test9's and test10's included), nor is a word of a name,
   surname or company a word of another split's texts. Replaced after that check:
   - fillers: the companies Miroiterie Lestrade, Tonnellerie Bouvard, Fromagerie Auzias, Serrurerie Dufaure (first
     word in other splits' texts) -> Coutellerie Lestrade, Chapellerie Bouvard, Horlogerie Auzias, Ganterie Dufaure;
   - "Allô ? Attendez, je baisse la radio. Voilà." (inside another split's text) -> "Allô ? Une seconde, je coupe la
     télé. Voilà, oui ?" (first clauses inside another's) -> "Allô ? Bougez pas, je coupe la télé. Voilà, oui ?";
   - "Oui, bonjour ? C'est pour quoi exactement ?" (contains another split's text) -> "Bonjour, oui ? Vous voulez
     parler à qui ?" ("Bonjour, oui ?" said twice equals another split's text) -> "Bonjour ? Vous voulez parler à
     qui, au juste ?";
   - "Allô ? Vous m'entendez ? Ça coupe un peu." (first sentence equals another split's text) -> "Allô ? Ça
     grésille, vous êtes toujours là ?" (first clauses inside another's) -> "Allô ? Ça crépite, vous êtes toujours
     là ?";
   - "Oui ? Je vous entends à peine, ..." (contains another split's text) -> "Oui ? On vous entend à peine, ...";
   - "Oui, allô ? Je sors de la douche, ..." and "Oui, allô ? Je suis en pleine réunion, ..." ("Oui, allô ?" said
     twice equals another split's text) -> "Allô ? Je sors de la douche, ..." and "Allô ? Je suis en pleine
     réunion, ...";
   - "Toutes nos lignes sont saturées. ..." (inside another's) -> "L'ensemble de nos lignes est occupé. ...";
   - "Merci de patienter, {company} va donner suite à votre appel dans un instant." (first clause inside others')
     -> "Restez avec nous, {company} va donner suite à votre appel très bientôt.";
   - "En raison d'un fort trafic, ..." (first clause inside another's) -> "Le trafic est trop important, ...";
   - "Le numéro composé est incomplet. ..." (inside another's) -> "Il manque des chiffres au numéro composé. ...".
   After the first build (read back from the manifest, no classifier), because a clip was cut to a text a person
   could say too (the label must hold for the cut text): "Vous êtes en relation avec {company}. Tapez un ..." ->
   "Menu vocal de {company}. Tapez un ..."; "{company}, bonsoir. Le magasin est fermé. ..." -> "Vous avez joint
   {company} en dehors de nos horaires. Le magasin est fermé. Nous vous accueillons dès demain matin."; both passed
   the check again. What the check leaves: formulaic runs ("votre correspondant", "après le bip", "restez en
   ligne") recur, as in every split.
3. Labels and mix like test10: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`). Hold music, a chime or ringback before some greetings come from the shared
   timelines. Seed 71 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test11 rows of manifest.csv and writes only *_test11_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+iven2, fr+anika
and fr+edward variants), mbrola with mbrola-fr1, -fr7, -ca2, and Debian's `libttspico-utils` (non-free); tests and CI
only read the committed files.
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

TEST11 = "test11"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico-400c-tempo1.04", "pico", cents=-400, tempo=1.04),
    Voice("pico+120c-tempo1.12", "pico", cents=120, tempo=1.12),
    Voice("pico-80c-tempo0.9", "pico", cents=-80, tempo=0.9),
    Voice("mbrola-fr7-150c-tempo1.05", "mbrola", "mb-fr7", cents=-150, tempo=1.05),
    Voice("mbrola-fr1+100c-tempo0.94", "mbrola", "mb-fr1", cents=100, tempo=0.94),
    Voice("mbrola-ca2+200c", "mbrola", "mb-ca2", cents=200),
    Voice("espeak-fr+iven2-50c", "espeak", "fr+iven2", cents=-50),
    Voice("espeak-fr+anika+100c-tempo1.05", "espeak", "fr+anika", cents=100, tempo=1.05),
    Voice("espeak-fr+edward-tempo0.93", "espeak", "fr+edward", tempo=0.93),
)

SLOTS = {
    "name": ("Théophane", "Ombeline", "Hippolyte", "Perrine", "Evrard", "Blandine"),
    "surname": ("Darrieussecq", "Montagut", "Etcheverry", "Lhermitte", "Quintard", "Vidalenc"),
    "company": ("Coutellerie Lestrade", "Chapellerie Bouvard", "Horlogerie Auzias", "Ganterie Dufaure"),
    "number": (
        "zéro trois, quatre-vingt-deux, quinze, soixante-quatorze, trente et un",
        "zéro cinq, cinquante-six, zéro neuf, quarante-huit, vingt-deux",
        "zéro sept, dix-neuf, soixante-trois, quatre-vingt-cinq, quatorze",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-m",
        [
            "Allô, oui ? Vous désirez quelque chose ?",
            "Allô ? Bougez pas, je coupe la télé. Voilà, oui ?",
            "Bonjour ? Vous voulez parler à qui, au juste ?",
            "Allô ? Ça crépite, vous êtes toujours là ?",
            "Allô ? Je sors de la douche, faites vite.",
            "Allô, c'est de la part de quelle personne ?",
            "Oui ? On vous entend à peine, rapprochez-vous du téléphone.",
            "Ouais ? J'ai pas reconnu le numéro, c'est quoi ?",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-m",
        [
            "{company}, bonjour, {name} au téléphone, en quoi puis-je vous aider ?",
            "{company}, standard, bonjour, {name} {surname} à votre service, c'est à quel propos ?",
            "{company}, atelier, bonjour, ici {name}, c'est pour une commande ou un renseignement ?",
            "Allô ? Je suis à vélo, attendez que je m'arrête. Voilà, c'est à vous.",
            "Allô ? Je suis en pleine réunion, là, je peux vous rappeler dans une heure ?",
            "Allô ? Je ne connais pas ce numéro, vous appelez de la part de quelle société ?",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-m-bursts",
            [
                "Allô ? Attendez, je ferme la fenêtre. Pardon, il y a des travaux dans la rue. Oui, allez-y.",
                "Oui ? Deux secondes, je coupe le micro-ondes. C'est bon, qui est au bout du fil ?",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-m",
        [
            "Coucou, tu es bien chez {name}, je suis pas dispo, dis-moi tout après le bip !",
            "Bonjour, {name} {surname} n'est pas joignable actuellement. Laissez votre nom et votre numéro, je vous "
            "rappellerai.",
            "{company}, bonjour. Notre accueil est ouvert du mardi au samedi, de huit heures trente à dix-huit heures.",
            "Menu vocal de {company}. Tapez un pour prendre rendez-vous, tapez deux pour toute autre demande.",
            "Standard automatique de {company}. Composez le numéro de poste à quatre chiffres, ou restez en ligne.",
            "L'ensemble de nos lignes est occupé. Votre temps d'attente est estimé à trois minutes.",
            "Restez avec nous, {company} va donner suite à votre appel très bientôt.",
            "Serveur vocal de {company}. Dites simplement, par exemple, facture, ou rendez-vous.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-m-apart",
            [
                "Bonjour. Vous avez joint le {number}. Personne n'est là. Parlez après la tonalité.",
                "Hello, ici le répondeur de {name} ! Je suis en vadrouille. Envoie-moi plutôt un texto.",
                "Vous avez joint {company} en dehors de nos horaires. Le magasin est fermé. Nous vous accueillons dès "
                "demain matin.",
                "Bonjour. Vous êtes en attente. Les appels sont traités dans l'ordre d'arrivée. Restez en ligne, "
                "s'il vous plaît.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-m",
        [
            "{name} est absent, laissez un mot.",
            "Ici {name} {surname}, message après la tonalité.",
            "Vous êtes chez {name}, parlez après le bip.",
            "{company}, message après le signal.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-m",
        [
            "Le numéro demandé n'est attribué à aucun abonné. Vérifiez-le, puis rappelez.",
            "Cette ligne a été résiliée. Aucun appel ne peut plus être acheminé vers ce numéro.",
            "Votre correspondant est momentanément injoignable. Merci de renouveler votre tentative plus tard.",
            "Le téléphone de la personne appelée est éteint, ou se trouve hors de la zone de couverture.",
            "Le destinataire ne capte pas le réseau pour l'instant. Rappelez dans quelques instants.",
            "Le trafic est trop important, nous ne pouvons pas acheminer votre appel. Merci de rappeler un peu "
            "plus tard.",
            "Votre appel n'a pu aboutir. Contrôlez le numéro composé et réessayez.",
            "Il manque des chiffres au numéro composé. Veuillez composer les dix chiffres.",
            "Votre abonnement ne permet pas d'appeler ce numéro. Pour plus d'informations, contactez votre opérateur.",
            "Le poste que vous appelez ne répond pas. Nous vous prions de rappeler ultérieurement.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST11, PLAN, 71, __doc__)
