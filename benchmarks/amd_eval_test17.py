"""Build the `test17` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in forms no split had (dev-time).

    python benchmarks/amd_eval_test17.py [--out audio/amd-eval] [--seed 108]

Why: test16 was run once and is development data. test17 keeps test16's recipe (three kinds of synthetic voice, each
only in sox forms no other split uses; fresh wordings, fillers and pauses; people speaking in bursts, voicemails
spoken apart) so that the next single held-out figure rests on unseen texts and voices. Built blind, for a single
measurement by the lead: the builder ran no AMD classifier, `robot amd` / `robot amd-eval` / `robot amd-tune`, ASR,
amd_upper_bound.py or tune_amd.py on its clips, did not open amd_keywords.yaml, read no AMD rule code and nothing in
benchmarks/results/; other splits' texts were read only by the programmatic check below (which printed only
test17's own texts). Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+140c-tempo0.95` (`pitch 140 tempo -s 0.95`),
   `pico-190c-tempo1.03` (`pitch -190 tempo -s 1.03`), `pico+260c-tempo1.1` (`pitch 260 tempo -s 1.1`); one speaker
   changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per clip),
   changed by sox: `mbrola-fr1-110c-tempo0.96` (fr1, male), `mbrola-fr7+70c-tempo1.06` (fr7, male),
   `mbrola-ca2+130c-tempo0.95` (ca2, male, Canadian French); test16 used none of the three, which are heard in other
   forms in other splits (fr3 is not installed). espeak-ng formant variants no split uses (`fr+benjamin`, `fr+aunty`,
   `fr+david`; no other split's voice name or `source` has these names in any case), drawn speed and pitch as above,
   changed by sox: `espeak-fr+benjamin-tempo0.97` (`tempo -s 0.97`), `espeak-fr+aunty-90c-tempo1.05`
   (`pitch -90 tempo -s 1.05`), `espeak-fr+david+80c` (`pitch 80`). Every voice name was checked against the
   manifest's `voice` column (no split has it), every variant against `espeak-ng --voices=variant`.
   make_amd_eval.py is unchanged. Template keys carry the letter `t` (`hs-t*`, `vm-t-apart*`, ...), no other
   split's (test16's are `s`; checked against the manifest's `source`).
2. Phrase templates written blind from the phrase families only (the same families and label policy as test16):
   people's short openers (at the wheel hands-free, hands in flour, turning the radio down, at the checkout, asking
   who is calling, on a station platform, walking the dog, moving to another room); long openers: staff giving a
   company, a service and a name (after-sales asking for a file number, a switchboard, a physiotherapist's
   secretary), private people under a kitchen hood, at a crowded market, or calling back about a message left last
   night; two people who speak in bursts 0.5-1.0 s apart (`hl-t-bursts*`: turning off a tap, out of breath on the
   stairs); personal voicemails informal and formal, a shop closed on bank holidays, an IVR menu with keys, a
   speech-driven switchboard asking for a name, two queues (estimated waiting time; the first free adviser), a
   speech-driven assistant; 4 voicemails whose sentences are spoken 0.6-1.2 s apart (`vm-t-apart*`: a couple's
   home, a person travelling this week, a workshop closed for the summer, a queue with every line busy); short
   voicemails (~2 s, a beep in most clips); carrier and PBX announcements: number not allocated, callee not
   available, mobile switched off or out of reach, a technical incident, a call not in the plan, a callee filtering
   calls, an incomplete number, a line restricted to emergency calls, a number no longer in service, a service
   interrupted (SIT before every other one). The writer had seen the other builders' templates (as models of the
   code) and wrote other wordings. The same programmatic check as test5-test16 (normalised text: lower case, words
   only) compared every rendered test17 text (every filler combination, every shorter form fit_text can cut it to,
   each of those also said twice) with every `text` of manifest.csv, test16's included: none equals another
   split's text of 3 words or more, none contains or sits inside another split's text of 3 words or more; no
   filler is another split's filler, nor is a word of a name, surname or company a word of another split's texts or
   fillers; no template key is another split's.
   Replaced after that check (two rounds):
   - fillers: the name Perrine and the surnames Kerhervé, Bordenave, Vidalenc (other splits' fillers) -> Gwladys,
     Quéméneur, Larrouturou, Escudié; the companies Ganterie Castéran, Coutellerie Lasserre, Fromagerie Bouzigues
     ("ganterie", "coutellerie", "fromagerie" words of other splits' texts or fillers) -> Cidrerie Castéran,
     Nougaterie Bouzigues and, after "corderie", "chocolaterie", "saboterie" and "vannerie" were found too,
     Tréfilerie Lasserre;
   - people's openers whose first clause or whole text is another split's text or holds one: "Allô ? Je suis au
     volant, ..." and "Allô ? Je conduis, ..." -> "Allô ? Je suis en voiture sur l'autoroute, ..."; "Oui, allô ?
     J'ai les mains dans la farine." -> "Oui ? J'ai les mains dans la farine, faites vite."; "Allô ? Attendez, je
     baisse la radio." and "Allô ? Deux secondes, ..." -> "Allô ? Je coupe la musique du salon et je suis à
     vous."; "Allô ? Vous êtes qui, pardon ?" and "Allô ? Qui demandez-vous, pardon ?" -> "Allô ? Vous demandez
     quelqu'un en particulier ?"; "Allô, j'écoute ? Je promène le chien." -> "Oui ? Je sors le chien, ça tire sur
     la laisse."; "Allô ? Je vous entends mal, ..." -> "Allô ? Le réseau est mauvais ici, je change de pièce.";
     "Allô ? Je suis au marché, ..." -> "Allô ? On est au marché aux puces, ...";
   - queues: "Ne quittez pas." and "Gardez la ligne." -> "Restez avec nous sur la ligne."; "Merci de patienter."
     -> "Un peu de patience.";
   - announcements whose first sentence is inside another split's text: "Le numéro que vous avez demandé n'est
     pas attribué." -> "Ce numéro n'a été attribué à aucun abonné."; "Votre correspondant n'est pas disponible.
     Merci de renouveler votre appel ultérieurement." -> "Votre correspondant ne peut pas prendre d'appel en ce
     moment. Renouvelez votre appel plus tard."; "Suite à un incident technique, votre appel ne peut être
     acheminé." -> "Un incident technique empêche l'acheminement de votre appel."; "Le numéro composé est
     incomplet." and "Il manque des chiffres au numéro composé." -> "Votre numéro comporte trop peu de chiffres.";
     "Ce numéro n'est plus en service." -> "Cette ligne a été retirée du service."
   After these the check reports 0 collisions.
   What the check leaves: forms under 3 words ("Allô ?", "Oui ?") and formulaic runs ("votre correspondant", "votre
   appel", "après le bip") recur, as in every split.
3. Labels and mix like test16: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`). Hold music, a chime or ringback before some greetings come from the shared
   timelines. Seed 108 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test17 rows of manifest.csv and writes only *_test17_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+benjamin,
fr+aunty and fr+david variants), mbrola with mbrola-fr1, -fr7, -ca2, and Debian's `libttspico-utils` (non-free);
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

TEST17 = "test17"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico+140c-tempo0.95", "pico", cents=140, tempo=0.95),
    Voice("pico-190c-tempo1.03", "pico", cents=-190, tempo=1.03),
    Voice("pico+260c-tempo1.1", "pico", cents=260, tempo=1.1),
    Voice("mbrola-fr1-110c-tempo0.96", "mbrola", "mb-fr1", cents=-110, tempo=0.96),
    Voice("mbrola-fr7+70c-tempo1.06", "mbrola", "mb-fr7", cents=70, tempo=1.06),
    Voice("mbrola-ca2+130c-tempo0.95", "mbrola", "mb-ca2", cents=130, tempo=0.95),
    Voice("espeak-fr+benjamin-tempo0.97", "espeak", "fr+benjamin", tempo=0.97),
    Voice("espeak-fr+aunty-90c-tempo1.05", "espeak", "fr+aunty", cents=-90, tempo=1.05),
    Voice("espeak-fr+david+80c", "espeak", "fr+david", cents=80),
)

SLOTS = {
    "name": ("Gonzague", "Léopoldine", "Anselme", "Eulalie", "Ambroise", "Gwladys"),
    "surname": ("Quéméneur", "Lafourcade", "Larrouturou", "Chastagnol", "Escudié", "Cazaubon"),
    "company": ("Cidrerie Castéran", "Distillerie Pagès", "Tréfilerie Lasserre", "Nougaterie Bouzigues"),
    "number": (
        "zéro quatre, soixante-dix-neuf, douze, cinquante-cinq, trente et un",
        "zéro cinq, vingt-six, quarante-quatre, zéro trois, quatre-vingt-sept",
        "zéro deux, trente-trois, soixante et un, dix-neuf, quatre-vingt-deux",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-t",
        [
            "Allô ? Je suis en voiture sur l'autoroute, je vous mets sur haut-parleur.",
            "Oui ? J'ai les mains dans la farine, faites vite.",
            "Allô ? Je coupe la musique du salon et je suis à vous.",
            "Ouais ? Je suis à la caisse, rappelez dans cinq minutes.",
            "Allô ? Vous demandez quelqu'un en particulier ?",
            "Oui ? Je suis sur le quai, le train arrive.",
            "Oui ? Je sors le chien, ça tire sur la laisse.",
            "Allô ? Le réseau est mauvais ici, je change de pièce.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-t",
        [
            "{company}, service après-vente, {name} à l'appareil, quel est votre numéro de dossier ?",
            "Bonjour, vous êtes bien chez {company}, standard, {name} {surname}, que puis-je faire pour vous ?",
            "Cabinet de kinésithérapie {surname}, {name} au secrétariat, bonjour, vous souhaitez un créneau ?",
            "Allô ? Je suis sous la hotte de la cuisine, ça souffle fort, répétez plus lentement s'il vous plaît.",
            "Allô ? On est au marché aux puces, il y a un monde fou, vous pouvez parler plus fort ?",
            "Allô ? Vous m'avez laissé un message hier soir, c'est au sujet de la voiture ?",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-t-bursts",
            [
                "Allô ? Je ferme le robinet, deux secondes. Bon. Vous disiez ?",
                "Oui ? Je monte l'escalier, je suis essoufflé. Pardon. Qui me parle ?",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-t",
        [
            "Coucou, vous êtes chez {name} ! Pas dispo pour l'instant, racontez-moi tout après la tonalité.",
            "Bonjour, messagerie de {name} {surname}. Merci de préciser votre nom et l'objet de votre appel, je vous "
            "rappellerai.",
            "{company} vous remercie de votre appel. Notre boutique est fermée les jours fériés. Réouverture demain "
            "à neuf heures.",
            "Bienvenue chez {company}. Pour la facturation, tapez un. Pour l'assistance technique, tapez trois. "
            "Sinon, restez en ligne.",
            "Standard vocal de {company}. Prononcez le nom de votre interlocuteur après le signal.",
            "Tous nos conseillers sont en ligne. Votre attente est estimée à cinq minutes environ.",
            "Restez avec nous sur la ligne. Le premier conseiller libre va s'occuper de votre demande.",
            "Bonjour, ici l'assistant automatique de {company}. Expliquez-moi simplement la raison de votre appel.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-t-apart",
            [
                "Vous êtes bien chez {name} et {name2}. On ne peut pas répondre. Laissez un petit mot après le bip.",
                "Boîte vocale de {name} {surname}. Je suis en déplacement cette semaine. Je consulte mes messages "
                "le soir.",
                "{company}, bonjour. L'atelier est fermé pour congés annuels. Nous rouvrirons le premier septembre.",
                "Un peu de patience. Toutes nos lignes sont occupées. Un conseiller va bientôt vous prendre.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-t",
        [
            "Ici {name}, parlez après le bip.",
            "{surname}, absent, laissez un mot.",
            "{company}, fermé, rappelez demain.",
            "Messagerie de {name}, parlez.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-t",
        [
            "Ce numéro n'a été attribué à aucun abonné. Consultez l'annuaire ou les renseignements.",
            "Votre correspondant ne peut pas prendre d'appel en ce moment. Renouvelez votre appel plus tard.",
            "Le mobile de votre correspondant est éteint ou hors de portée. Essayez de nouveau dans quelques instants.",
            "Un incident technique empêche l'acheminement de votre appel. Nos équipes font le nécessaire.",
            "Cet appel n'est pas inclus dans votre offre. Contactez votre service client pour plus de détails.",
            "Ce correspondant filtre les appels. Votre numéro ne fait pas partie de sa liste autorisée.",
            "Votre numéro comporte trop peu de chiffres. Vérifiez l'indicatif et recommencez.",
            "Votre ligne est restreinte aux appels d'urgence. Régularisez votre facture pour rétablir le service.",
            "Cette ligne a été retirée du service. Le nouveau numéro de votre correspondant n'est pas communiqué.",
            "Le service demandé est momentanément interrompu. Merci de votre compréhension.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST17, PLAN, 108, __doc__)
