"""Build the `test18` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in forms no split had (dev-time).

    python benchmarks/amd_eval_test18.py [--out audio/amd-eval] [--seed 109]

Why: test17 is held out for a single measurement by the lead; test18 keeps test17's recipe (three kinds of synthetic
voice, each only in sox forms no other split uses; fresh wordings, fillers and pauses; people speaking in bursts,
voicemails spoken apart) so that a further held-out figure rests on unseen texts and voices. Built blind, for a
single measurement by the lead: the builder ran no AMD classifier, `robot amd` / `robot amd-eval` /
`robot amd-tune`, ASR, amd_upper_bound.py, amd_best_effort_texts.py or tune_amd.py on its clips, did not open
amd_keywords.yaml, read no AMD rule code and nothing in benchmarks/results/; other splits' texts were read only by
the programmatic check below (which printed only test18's own texts). Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+80c-tempo1.07` (`pitch 80 tempo -s 1.07`),
   `pico-230c-tempo0.98` (`pitch -230 tempo -s 0.98`), `pico+190c-tempo1.11` (`pitch 190 tempo -s 1.11`); one
   speaker changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per
   clip), changed by sox: `mbrola-fr2-130c-tempo1.03` (fr2, female), `mbrola-fr4+60c-tempo0.93` (fr4, female),
   `mbrola-fr6-70c-tempo1.1` (fr6, male); test17 used none of the three, which are heard in other forms in other
   splits (fr3 is not installed). espeak-ng formant variants no split uses (`fr+Henrique`, `fr+antonio`,
   `fr+quincy`; no other split's voice name or `source` has these names in any case), drawn speed and pitch as
   above, changed by sox: `espeak-fr+Henrique-tempo1.04` (`tempo -s 1.04`), `espeak-fr+antonio+60c-tempo0.96`
   (`pitch 60 tempo -s 0.96`), `espeak-fr+quincy-70c` (`pitch -70`). Every voice name was checked against the
   manifest's `voice` and `source` columns (no split has it), every variant against `espeak-ng --voices=variant`.
   make_amd_eval.py is unchanged. Template keys carry the letter `u` (`hs-u*`, `vm-u-apart*`, ...), no other
   split's (test17's are `t`; checked against the manifest's `source`).
2. Phrase templates written blind from the phrase families only (the same families and label policy as test17):
   people's short openers (just out of the bath, a crying baby, at the hairdresser's, gardening gloves on, expecting
   the plumber, at a site meeting, in a cellar with no signal, putting the shopping away); long openers: staff
   giving a company, a service and a name (a front desk asking "order or quote?", a notary's office, a repair
   workshop asking which appliance), private people waiting at the vet's with the cat, children shouting in the
   background, or answering about a bike for sale; two people who speak in bursts 0.5-1.0 s apart
   (`hl-u-bursts*`: taking a pan off the heat, looking for glasses); personal voicemails informal and formal, an
   office closed at lunchtime, an IVR menu with keys (parcel tracking, star for an adviser), a speech-driven
   switchboard asking for a department, two queues (people ahead in the queue; lines saturated, an operator
   freeing up), a business closed for stocktaking; 4 voicemails whose sentences are spoken 0.6-1.2 s apart
   (`vm-u-apart*`: a couple away for the weekend, a person on leave until March, a shop closed for the evening, a
   queue asking not to hang up); short voicemails (~2 s, a beep in most clips); carrier and PBX announcements: no
   subscriber answering at the number, no link to the callee, a phone switched off (send a text), a network
   failure, a number not in the plan, a number too long, a callee in do-not-disturb mode, congested lines in an
   area, a changed number read out in full, a service suspended by the carrier (SIT before every other one). The
   writer had seen the other builders' templates (as models of the code) and wrote other wordings. The same
   programmatic check as test5-test17 (normalised text: lower case, words only) compared every rendered test18 text
   (every filler combination, every shorter form fit_text can cut it to, each of those also said twice) with every
   `text` of manifest.csv, test17's included: none equals another split's text of 3 words or more, none contains or
   sits inside another split's text of 3 words or more; no filler is another split's filler, nor is a word of a
   name, surname or company a word of another split's texts or fillers (test2-test17 builders' and tune/test
   fillers); no template key is another split's. French elision: every name, surname and company starts with a
   consonant, and `amd_eval_manifest.check_elision` refuses (at import, before any clip) a filler starting with a
   vowel or h right after "de", "que", "le", ... in a template (test17's "de Ambroise").
   Replaced after that check (two rounds):
   - fillers (before the check, against the other splits' words): the names Barnabé, Sidonie, Firmin, Philomène,
     Romuald, Domitille, Gaspard, Corentin and the craft words "biscuiterie", "tonnellerie", "savonnerie",
     "marbrerie", "horlogerie", "cartonnerie", "distillerie" (other splits' fillers or words of their texts) were
     not used;
   - people's openers whose first clause, said twice, or whole text is another split's text or holds one:
     "Oui, allô ? Je sors de la douche, ..." -> "Ouais ? Je sors du bain, soyez bref."; "Oui, j'écoute ? Je range
     les courses, parlez." -> "Oui ? Je range les courses dans le frigo, parlez."; "Allô ? Je suis dans la salle
     d'attente du dentiste, je parle tout bas, c'est urgent ?" (another split's text word for word) -> "Allô ? Je
     patiente chez le vétérinaire avec le chat, ..."; "Oui, allô ? C'est vous qui avez appelé pour l'annonce du
     vélo ? ..." -> "Allô ? C'est vous qui avez appelé ...";
   - queues: "Votre appel va être pris en charge. ..." -> "Un conseiller vous répondra bientôt. ..."; "Merci de
     rester en ligne. ..." -> "Ne raccrochez surtout pas. ...";
   - announcements whose first sentence is inside or holds another split's text: "Votre correspondant est
     momentanément injoignable. ..." -> "Impossible d'établir la liaison avec ce correspondant. ..."; "Votre
     forfait ne permet pas d'appeler ce numéro. ..." -> "Ce numéro n'est pas compris dans votre forfait. ..."
   After these the check reports 0 collisions. Read back after the first build (the manifest's `text`, no
   classifier): 2 of the 3 clips of the shop closed for the evening were cut by fit_text to "<company>, bonsoir."
   (a receptionist's words, not a machine's), so that template now opens on "Le magasin a fermé ses portes à
   dix-neuf heures." (the check rerun: 0 collisions) and the split was built again; every cut text then keeps its
   label.
   What the check leaves: forms under 3 words ("Allô ?", "Oui ?", "Ouais ?") and formulaic runs ("votre
   correspondant", "votre appel", "au bip") recur, as in every split.
3. Labels and mix like test17: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`). Hold music, a chime or ringback before some greetings come from the shared
   timelines. Seed 109 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test18 rows of manifest.csv and writes only *_test18_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+Henrique,
fr+antonio and fr+quincy variants), mbrola with mbrola-fr2, -fr4, -fr6, and Debian's `libttspico-utils`
(non-free); tests and CI only read the committed files.
"""

from __future__ import annotations

from amd_eval_manifest import check_elision
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

TEST18 = "test18"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico+80c-tempo1.07", "pico", cents=80, tempo=1.07),
    Voice("pico-230c-tempo0.98", "pico", cents=-230, tempo=0.98),
    Voice("pico+190c-tempo1.11", "pico", cents=190, tempo=1.11),
    Voice("mbrola-fr2-130c-tempo1.03", "mbrola", "mb-fr2", cents=-130, tempo=1.03),
    Voice("mbrola-fr4+60c-tempo0.93", "mbrola", "mb-fr4", cents=60, tempo=0.93),
    Voice("mbrola-fr6-70c-tempo1.1", "mbrola", "mb-fr6", cents=-70, tempo=1.1),
    Voice("espeak-fr+Henrique-tempo1.04", "espeak", "fr+Henrique", tempo=1.04),
    Voice("espeak-fr+antonio+60c-tempo0.96", "espeak", "fr+antonio", cents=60, tempo=0.96),
    Voice("espeak-fr+quincy-70c", "espeak", "fr+quincy", cents=-70),
)

SLOTS = {
    "name": ("Télesphore", "Pétronille", "Wandrille", "Soizic", "Marcellin", "Clémentine"),
    "surname": ("Trouillebert", "Massabuau", "Ribeyrolles", "Chaudesaigues", "Figarède", "Quintric"),
    "company": ("Minoterie Vergnolle", "Malterie Salvetat", "Conserverie Pradinas", "Vinaigrerie Cantagrel"),
    "number": (
        "zéro trois, quatre-vingt-quatorze, vingt-huit, soixante-trois, quarante",
        "zéro cinq, cinquante-huit, treize, soixante-quinze, vingt-quatre",
        "zéro deux, quatre-vingt-dix-sept, trente-six, zéro huit, soixante-six",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-u",
        [
            "Ouais ? Je sors du bain, soyez bref.",
            "Allô ? Le bébé pleure, je le pose et je reviens.",
            "Oui ? Je suis chez le coiffeur, c'est rapide ?",
            "Allô ? Je décroche avec les gants de jardinage, une seconde.",
            "Allô ? C'est le plombier ? Ah non, pardon.",
            "Oui ? Je suis en réunion de chantier, j'ai une minute.",
            "Allô ? Ça capte mal dans la cave, je remonte.",
            "Oui ? Je range les courses dans le frigo, parlez.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-u",
        [
            "{company}, accueil, {name} à votre écoute, c'est pour une commande ou pour un devis ?",
            "Étude de maître {surname}, {name} à l'accueil, bonjour, c'est pour une succession ?",
            "Bonjour, {company}, atelier de réparation, {name} {surname}, c'est pour quel appareil ?",
            "Allô ? Je patiente chez le vétérinaire avec le chat, il miaule, vous pouvez répéter ?",
            "Allô ? Les enfants crient derrière, attendez que je ferme la porte du garage.",
            "Allô ? C'est vous qui avez appelé pour l'annonce du vélo ? Il est toujours à vendre.",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-u-bursts",
            [
                "Allô ? Je retire la poêle du feu. Voilà. Je vous écoute.",
                "Oui ? Pardon, je cherche mes lunettes. Ah, les voilà. Vous êtes qui ?",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-u",
        [
            "Salut, c'est {name}, je suis sûrement sur la route. Dis-moi ce que tu veux, je te rappelle ce soir.",
            "Bonjour, vous avez bien composé le numéro de {name} {surname}. Indiquez vos coordonnées, je reviendrai "
            "vers vous rapidement.",
            "Ici {company}. Nos bureaux sont fermés entre midi et quatorze heures. Merci de rappeler cet après-midi.",
            "Vous êtes en relation avec {company}. Pour suivre une livraison, appuyez sur deux. Pour parler à un "
            "conseiller, appuyez sur étoile.",
            "Serveur vocal de {company}. Dites simplement le service que vous cherchez, par exemple comptabilité ou "
            "expédition.",
            "Un conseiller vous répondra bientôt. Trois personnes vous précèdent dans la file.",
            "Nos lignes sont saturées en ce moment. Patientez encore un instant, un opérateur se libère.",
            "{company} est fermée pour inventaire jusqu'à jeudi. Pour une urgence, envoyez un courriel.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-u-apart",
            [
                "Ici le répondeur de {name} et {name2}. Nous sommes absents pour le week-end. Laissez vos coordonnées.",
                "Vous avez joint {name} {surname}. Je suis en congé jusqu'en mars. Pour le service, contactez le "
                "standard.",
                "Le magasin a fermé ses portes à dix-neuf heures. {company} vous accueille demain dès neuf heures. À "
                "demain.",
                "Ne raccrochez surtout pas. Votre demande compte pour nous. Un agent vous répondra dans quelques "
                "minutes.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-u",
        [
            "{name} ici, au bip.",
            "Répondeur {surname}, parlez.",
            "{company}, rappelez lundi.",
            "C'est {name}, un message ?",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-u",
        [
            "Aucun abonné ne répond à ce numéro. Vérifiez-le avant de rappeler.",
            "Impossible d'établir la liaison avec ce correspondant. Nous vous invitons à rappeler ultérieurement.",
            "Le téléphone que vous appelez est éteint. Vous pouvez envoyer un texto à votre correspondant.",
            "En raison d'une panne sur le réseau, la communication ne peut être établie.",
            "Ce numéro n'est pas compris dans votre forfait. Rechargez votre compte ou choisissez une autre offre.",
            "Le numéro composé est trop long. Raccrochez et composez à nouveau.",
            "Votre correspondant a activé le mode ne pas déranger. Votre appel ne peut lui être transmis.",
            "Les lignes de ce secteur sont encombrées. Renouvelez votre tentative dans un moment.",
            "Ce numéro a changé. Composez désormais le {number}.",
            "L'accès à ce service est suspendu par votre opérateur. Appelez le service client depuis une autre ligne.",
        ],
    )
)

check_elision(TEMPLATES, SLOTS)
PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST18, PLAN, 109, __doc__)
