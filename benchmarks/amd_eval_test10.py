"""Build the `test10` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in new sox forms (dev-time tool).

    python benchmarks/amd_eval_test10.py [--out audio/amd-eval] [--seed 67]

Why: test9 was run once with the start and the final code of a session and is development data. test10 again speaks
with three kinds of synthetic voice (SVOX Pico, MBROLA diphones, espeak-ng formant variants), each only in sox forms
no other split uses, with fresh wordings, fillers and pauses, and adds people who speak in bursts with pauses between
them, so that the next single held-out figure rests on unseen texts and voices. Built blind, for a single
measurement by the lead: the builder ran no AMD classifier, `robot amd` / `robot amd-eval`, ASR, amd_upper_bound.py or
tune_amd.py on its clips, did not open amd_keywords.yaml, and read nothing in benchmarks/results/ nor the AMD section
of the main README. Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+50c-tempo1.08` (`pitch 50 tempo -s 1.08`),
   `pico-300c-tempo1.03` (`pitch -300 tempo -s 1.03`), `pico+200c-tempo0.94` (`pitch 200 tempo -s 0.94`); one
   speaker changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per
   clip), then changed by sox: `mbrola-fr2-100c-tempo1.06` (fr2, female, `pitch -100 tempo -s 1.06`),
   `mbrola-fr4+100c-tempo0.95` (fr4, female, `pitch 100 tempo -s 0.95`), `mbrola-fr6+250c` (fr6, male, `pitch 250`);
   fr2 and fr6 are heard as is in tune, fr4 in test, and fr2+150c / fr4-200c / fr6-tempo0.9 in test8. espeak-ng
   formant variants no split uses (`fr+steph3`, `fr+iven3`, `fr+belinda`), drawn speed and pitch as above, changed by
   sox: `espeak-fr+steph3+100c` (`pitch 100`), `espeak-fr+iven3-tempo1.08` (`tempo -s 1.08`),
   `espeak-fr+belinda-50c-tempo0.95` (`pitch -50 tempo -s 0.95`). make_amd_eval.py's machinery is unchanged (its sox
   hook applies a synthetic voice's cents / tempo); only its --stats column order changed, so that test10 comes after
   test9 (the clips and manifest rows of every split are the same).
2. Phrase templates written blind from the phrase families only: people's short openers (what is it about, a bad
   line, who is speaking, wet hands, leaving the metro, a formal "à qui ai-je l'honneur"); long openers: staff giving
   a company, a name and a service phrase ("vous êtes en ligne avec", "service comptabilité", "accueil", "vous
   répond"), private people driving (hands-free kit), cooking, or asking who calls from an unknown number; two people
   who speak in bursts 0.5-1.0 s apart (`hl-k-bursts*`: one coming down from upstairs, one with a barking dog);
   personal voicemails informal and formal, a business greeting with opening hours, an IVR menu with keys, an
   automated switchboard asking for an extension, two queues, a speech-driven IVR; 4 voicemails whose sentences are
   spoken 0.6-1.2 s apart (`vm-k-apart*`); short voicemails (~2 s, then a beep in most clips); carrier
   announcements: no subscriber for the number, number no longer working, correspondent unreachable, mobile off or
   out of network, not covered by the network, network saturated, communication could not be set up, too few
   digits, calls to this destination restricted, subscriber not reachable (SIT before every other one). The writer
   had seen the other builders' templates (as models of the code) and wrote other wordings. The same programmatic
   check as test5-test9 (normalised text: lower case, words only) compared every rendered test10 text (every filler
   combination, every shorter form fit_text can cut it to, each of those also said twice) with every `text` of
   manifest.csv, test9's included: none equals another split's text of 3 words or more, none contains or sits
   inside another split's text of 3 words or more; no filler is another split's filler (test9's included), nor is a
   word of a name, surname or company a word of another split's texts. Replaced after that check:
   - fillers: the name Barnabé and the surnames Quéméner, Vasseur (other splits' fillers) -> Florimond, Kerhervé,
     Rocheteau; the companies Cordonnerie Pelletier, Jardinerie Caradec, Imprimerie Fauvel (first word in other
     splits' texts) -> Sellerie Pelletier, Pépinière Caradec, Ébénisterie Fauvel (again a word of another split's
     texts) -> Vannerie Fauvel;
   - "Oui, allô, je vous entends mal, vous pouvez répéter ?" (its first clauses equal another split's text) -> "Oui,
     allô ? La ligne est mauvaise, vous pouvez répéter ?";
   - "Allô ? J'écoute, oui." (its first clause equals another split's text) -> "Oui ? Allô ? Je suis là, parlez.";
   - "Oui, c'est bien moi, qu'est-ce qu'il y a ?" (first clauses inside others') -> "Lui-même, oui, qu'est-ce qu'il
     y a ?" (contains another split's whole text) -> "Lui-même, oui, vous êtes qui ?";
   - "Ouais, allô, c'est qui à l'appareil ?" (contains another split's text "allô, c'est qui") -> "Ouais, allô, qui
     me parle, là ?";
   - "Allô, bonsoir, oui ?" (said twice, contains another split's text) -> "Bonsoir ? Allô, oui ?" (the same) ->
     "Bonsoir, à qui ai-je l'honneur ?";
   - "Allô ? Oui, je suis sur la route, là, ..." (first clauses inside another's) -> "Allô ? Je conduis, là, ...";
   - "Allô ? Oui, c'est moi. Excusez-moi, ..." (first sentence equals another split's text) -> "Allô ? Une minute.
     Excusez-moi, j'étais à l'étage. Voilà, je vous écoute.";
   - "Ce numéro n'existe pas. ..." (first sentence inside another's) -> "Aucun abonné ne correspond au numéro
     demandé. Merci de vérifier votre saisie.";
   - "Le numéro de votre correspondant n'est plus en service. ..." (first sentence equals another split's text) ->
     "Ce numéro a cessé d'être en service. ..." (inside / equal to another's) -> "Ce numéro ne fonctionne plus. Nous
     vous invitons à consulter l'annuaire.";
   - "Votre correspondant ne peut être joint actuellement. ..." (first sentence equals another split's text) -> "Il
     nous est impossible de joindre votre correspondant actuellement. ...";
   - "Votre appel ne peut être établi. ..." (first sentence inside another's) -> "La communication n'a pas pu être
     établie. Veuillez vérifier le numéro et recommencer.".
   After the first build (read back from the manifest, no classifier): "Hé, c'est {name} ! Je suis occupé, là. ..."
   -> "Ici la boîte vocale de {name} ! Je ne peux pas répondre. Rappelle-moi, ou laisse un message." because a clip
   was cut to "Hé, c'est {name} ! Je suis occupé, là.", which a person says too (the label must hold for the cut
   text); it passed the check again. What the check leaves: 2-word forms a clip could be cut to ("Oui, allô",
   "Ouais, allô", "Oui ? Allô ?") said twice equal other splits' texts (no test10 clip is cut to one: the shortest
   texts are 5 words), and formulaic runs ("je vous écoute", "votre correspondant", "laissez un message") recur, as in
   every split.
3. Labels and mix like test9: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`: there is no real voice). Hold music, a chime or ringback before some
   greetings come from the shared timelines. Seed 67 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test10 rows of manifest.csv and writes only *_test10_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+steph3, fr+iven3
and fr+belinda variants), mbrola with mbrola-fr2, -fr4, -fr6, and Debian's `libttspico-utils` (non-free); tests and
CI only read the committed files.
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

TEST10 = "test10"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (moving, busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico+50c-tempo1.08", "pico", cents=50, tempo=1.08),
    Voice("pico-300c-tempo1.03", "pico", cents=-300, tempo=1.03),
    Voice("pico+200c-tempo0.94", "pico", cents=200, tempo=0.94),
    Voice("mbrola-fr2-100c-tempo1.06", "mbrola", "mb-fr2", cents=-100, tempo=1.06),
    Voice("mbrola-fr4+100c-tempo0.95", "mbrola", "mb-fr4", cents=100, tempo=0.95),
    Voice("mbrola-fr6+250c", "mbrola", "mb-fr6", cents=250),
    Voice("espeak-fr+steph3+100c", "espeak", "fr+steph3", cents=100),
    Voice("espeak-fr+iven3-tempo1.08", "espeak", "fr+iven3", tempo=1.08),
    Voice("espeak-fr+belinda-50c-tempo0.95", "espeak", "fr+belinda", cents=-50, tempo=0.95),
)

SLOTS = {
    "name": ("Ferdinand", "Capucine", "Séraphin", "Bérangère", "Florimond", "Gwendoline"),
    "surname": ("Kerhervé", "Lagarrigue", "Pujol", "Rocheteau", "Chabrol", "Ternisien"),
    "company": ("Bijouterie Lavergne", "Sellerie Pelletier", "Pépinière Caradec", "Vannerie Fauvel"),
    "number": (
        "zéro deux, quarante et un, soixante-sept, dix-huit, vingt-cinq",
        "zéro quatre, quatre-vingt-onze, trente-six, cinquante, douze",
        "zéro six, vingt-trois, quatre-vingt-dix-sept, zéro huit, soixante",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-k",
        [
            "Allô ? Oui, c'est à quel sujet ?",
            "Oui, allô ? La ligne est mauvaise, vous pouvez répéter ?",
            "Oui ? Allô ? Je suis là, parlez.",
            "Lui-même, oui, vous êtes qui ?",
            "Allô ? Pardon, j'avais les mains mouillées, oui ?",
            "Ouais, allô, qui me parle, là ?",
            "Bonsoir, à qui ai-je l'honneur ?",
            "Oui, allô ? Je sors du métro, ça capte mal.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-k",
        [
            "{company}, bonjour, vous êtes en ligne avec {name}, que puis-je faire pour vous ?",
            "Bonjour, {company}, service comptabilité, {name} {surname} à l'appareil, je vous écoute.",
            "{company}, accueil, bonjour, {name} vous répond, c'est pour un devis ?",
            "Allô ? Je conduis, là, je vous mets sur le kit mains libres, allez-y.",
            "Oui, allô ? J'ai une casserole sur le feu, faites court, s'il vous plaît, c'est pour quoi ?",
            "Allô ? Qui êtes-vous, s'il vous plaît ? Ce numéro ne me dit rien du tout.",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-k-bursts",
            [
                "Allô ? Une minute. Excusez-moi, j'étais à l'étage. Voilà, je vous écoute.",
                "Oui, allô ? Pardon, le chien aboie. Voilà, c'est bon, dites-moi.",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-k",
        [
            "Salut, c'est {name}, je peux pas décrocher, laisse ton message et je te rappelle vite !",
            "Bonjour, vous êtes sur le répondeur de {name} {surname}. Je ne suis pas disponible pour le moment. "
            "Merci de me laisser un message détaillé.",
            "{company} vous remercie de votre appel. Nos bureaux sont ouverts du lundi au vendredi, de neuf heures à "
            "dix-sept heures.",
            "Bienvenue chez {company}. Pour le service client, appuyez sur la touche un. Pour la comptabilité, "
            "appuyez sur la touche deux.",
            "Vous êtes au standard de {company}. Si vous connaissez le poste de votre correspondant, composez-le "
            "maintenant.",
            "Nos conseillers sont tous occupés. Ne quittez pas, vous serez mis en relation dès que possible.",
            "{company}, bonjour. Veuillez patienter, nous recherchons votre interlocuteur.",
            "{company}, service vocal. En quelques mots, dites-nous la raison de votre appel.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-k-apart",
            [
                "Bonjour. Vous êtes bien chez {name} {surname}. Nous sommes absents pour le moment. Laissez vos "
                "coordonnées après le signal sonore.",
                "Ici la boîte vocale de {name} ! Je ne peux pas répondre. Rappelle-moi, ou laisse un message.",
                "Bienvenue chez {company}. Nos bureaux sont fermés. Merci de rappeler aux heures d'ouverture.",
                "Bonjour. Votre appel a bien été reçu. Un membre de notre équipe va vous répondre. Merci de ne pas "
                "raccrocher.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-k",
        [
            "Boîte vocale de {name}, au bip.",
            "Répondeur de {name} {surname}, à vous.",
            "Messagerie de {name}, un message au bip.",
            "{company}, laissez-nous un message.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-k",
        [
            "Aucun abonné ne correspond au numéro demandé. Merci de vérifier votre saisie.",
            "Ce numéro ne fonctionne plus. Nous vous invitons à consulter l'annuaire.",
            "Il nous est impossible de joindre votre correspondant actuellement. Veuillez renouveler votre appel "
            "ultérieurement.",
            "Le mobile que vous cherchez à joindre est éteint ou hors réseau. Rappelez plus tard.",
            "La personne que vous appelez n'est pas couverte par le réseau en ce moment. Merci de réessayer plus tard.",
            "Suite à une saturation du réseau, votre appel ne peut aboutir. Veuillez patienter avant de rappeler.",
            "La communication n'a pas pu être établie. Veuillez vérifier le numéro et recommencer.",
            "Le numéro que vous avez composé ne comporte pas assez de chiffres. Merci de le composer en entier.",
            "Les appels vers cette destination sont restreints sur votre ligne. Renseignez-vous auprès de votre "
            "service client.",
            "L'abonné que vous demandez n'est pas joignable. Essayez de nouveau dans quelques minutes.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST10, PLAN, 67, __doc__)
