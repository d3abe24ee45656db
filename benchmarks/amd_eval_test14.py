"""Build the `test14` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in forms no split had (dev-time).

    python benchmarks/amd_eval_test14.py [--out audio/amd-eval] [--seed 101]

Why: test13 was run once with the start and the final code of a session and is development data. test14 keeps
test13's recipe (three kinds of synthetic voice, each only in sox forms no other split uses; fresh wordings, fillers
and pauses; people speaking in bursts, voicemails spoken apart) so that the next single held-out figure rests on
unseen texts and voices. Built blind, for a single measurement by the lead: the builder ran no AMD classifier,
`robot amd` / `robot amd-eval` / `robot amd-tune`, ASR, amd_upper_bound.py, tune_amd.py or check_keyword_overlap.py
on its clips, did not open amd_keywords.yaml, read no AMD rule code, read no git log message or diff of robot/ or
amd_keywords.yaml, and read nothing in benchmarks/results/ nor the AMD section of the main README; other splits'
texts were read only by the programmatic check below. Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+230c-tempo0.91` (`pitch 230 tempo -s 0.91`),
   `pico-130c-tempo1.09` (`pitch -130 tempo -s 1.09`), `pico+320c-tempo1.06` (`pitch 320 tempo -s 1.06`); one
   speaker changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per
   clip), changed by sox: `mbrola-fr2-60c-tempo0.95` (fr2, female), `mbrola-fr4+140c-tempo1.04` (fr4, female),
   `mbrola-fr6-110c-tempo1.07` (fr6, male); test13 used none of the three, which are heard in other forms in other
   splits. espeak-ng formant variants no split uses (`fr+Denis`, `fr+Hugo`, `fr+shelby`), drawn speed and pitch as
   above, changed by sox: `espeak-fr+Denis-tempo1.07` (`tempo -s 1.07`), `espeak-fr+Hugo-70c-tempo0.95` (`pitch -70
   tempo -s 0.95`), `espeak-fr+shelby+130c` (`pitch 130`). Every voice name was checked against the manifest's
   `voice` column (no split has it). make_amd_eval.py is unchanged. Template keys carry the letter `q` (`hs-q*`,
   `vm-q-apart*`, ...), no other split's (test13's are `p`).
2. Phrase templates written blind from the phrase families only (the same families and label policy as test13):
   people's short openers (hands full and the loudspeaker on, a bad line on the bus, busy cooking, wind on the line,
   an unknown number that may be a firm, the radio turned down, "c'est bien lui", a suspected survey); long openers:
   staff giving a company, a service and a name ("service clients", "service des livraisons", a notary's office),
   private people on a station platform, at the hairdresser's, or calling back about a letter received; two people
   who speak in bursts 0.5-1.0 s apart (`hl-q-bursts*`: looking for glasses, closing the garage door); personal
   voicemails informal and formal, a business greeting outside opening hours, an IVR menu with keys, an automated
   switchboard asking for an extension, two queues (place in the queue; a colleague will answer), a speech-driven
   assistant; 4 voicemails whose sentences are spoken 0.6-1.2 s apart (`vm-q-apart*`: a family's home, a business
   trip abroad, a shop on annual leave, a queue with all advisers busy); short voicemails (~2 s, a beep in most
   clips); carrier and PBX announcements: number not allocated, call cannot be routed, callee not reachable, mobile
   off or out of range with an SMS notice, line suspended at the holder's request, network congestion, premium-rate
   numbers barred from the line, number incomplete, plan without international calls, extension not valid (SIT
   before every other one). The writer had seen the other builders' templates (as models of the code) and wrote
   other wordings. The same programmatic check as test5-test13 (normalised text: lower case, words only) compared
   every rendered test14 text (every filler combination, every shorter form fit_text can cut it to, each of those
   also said twice) with every `text` of manifest.csv, test13's included: none equals another split's text of 3
   words or more, none contains or sits inside another split's text of 3 words or more; no filler is another split's
   filler, nor is a word of a name, surname or company a word of another split's texts. Replaced after that check:
   - fillers: the names Théophane, Bérangère, Philippine and the surname Lagarrigue (other splits' fillers and words
     of their texts) -> Hermance, Tugdual, Domitille, Bordenave; the companies Miroiterie Sabatier ("miroiterie" a
     word of other splits' texts) and Plâtrerie Lacombe ("lacombe" one) -> Gypserie Sabatier, Plâtrerie Lavaysse
     (with them "Messagerie de {name}." no longer sits inside another split's text);
   - "Allô ? Attendez, je baisse la radio. Voilà, c'est à vous." (first clauses inside other splits' texts) ->
     "Allô ? Ne quittez pas, je règle le volume de la radio. C'est bon, parlez.";
   - "Allô ? Pardon, je cherche mes lunettes. ..." ("Allô ? Pardon" said twice equals another split's text) ->
     "Allô ? Je cherche mes lunettes, pardon. ...";
   - "Oui ? Une minute, je ferme la porte du garage. ..." (first clauses inside another's) -> "Oui ? Je ferme la
     porte du garage, une minute. ...";
   - "Merci de rester en ligne. Vous êtes le troisième dans la file d'attente." (first sentence inside others') ->
     "Patientez, vous êtes troisième dans la file d'attente. Temps d'attente estimé : quatre minutes.";
   - "Toutes nos lignes sont occupées. Restez en ligne ..." (first sentence inside others') -> "L'ensemble de nos
     conseillers est en ligne. Restez en ligne ...";
   - "Ce numéro n'est attribué à aucun abonné. Vérifiez le numéro composé." (first sentence inside another's) ->
     "Le numéro composé n'a pas été attribué. Vérifiez-le avant de rappeler.";
   - "Le réseau est saturé pour le moment. Nous vous invitons ..." (first sentence inside another's) -> "Le réseau
     de votre opérateur est encombré. Nous vous invitons ...".
   After the first build (read back from the manifest, no classifier), two voicemails were cut to a first clause or
   sentence a person could say too (the label must hold for the cut text): "Coucou, ici le portable de {name} ! ..."
   -> "Coucou, tu es sur la messagerie de {name} ! ..."; "Bonsoir. Ici la famille {surname}. Nous sommes absents
   ..." (spoken apart) -> "Répondeur de la famille {surname}. Nous sommes absents ...". All passed the check again.
   What the check leaves: forms under 3 words ("Allô ?", "Oui ?") and formulaic runs
   ("votre correspondant", "après le bip", "restez en ligne") recur, as in every split.
3. Labels and mix like test13: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`). Hold music, a chime or ringback before some greetings come from the shared
   timelines. Seed 101 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test14 rows of manifest.csv and writes only *_test14_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+Denis, fr+Hugo
and fr+shelby variants), mbrola with mbrola-fr2, -fr4, -fr6, and Debian's `libttspico-utils` (non-free); tests and CI
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

TEST14 = "test14"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico+230c-tempo0.91", "pico", cents=230, tempo=0.91),
    Voice("pico-130c-tempo1.09", "pico", cents=-130, tempo=1.09),
    Voice("pico+320c-tempo1.06", "pico", cents=320, tempo=1.06),
    Voice("mbrola-fr2-60c-tempo0.95", "mbrola", "mb-fr2", cents=-60, tempo=0.95),
    Voice("mbrola-fr4+140c-tempo1.04", "mbrola", "mb-fr4", cents=140, tempo=1.04),
    Voice("mbrola-fr6-110c-tempo1.07", "mbrola", "mb-fr6", cents=-110, tempo=1.07),
    Voice("espeak-fr+Denis-tempo1.07", "espeak", "fr+Denis", tempo=1.07),
    Voice("espeak-fr+Hugo-70c-tempo0.95", "espeak", "fr+Hugo", cents=-70, tempo=0.95),
    Voice("espeak-fr+shelby+130c", "espeak", "fr+shelby", cents=130),
)

SLOTS = {
    "name": ("Gwenola", "Hermance", "Tugdual", "Clotaire", "Domitille", "Landry"),
    "surname": ("Bordenave", "Kerjean", "Poitevin", "Darrigrand", "Castagnède", "Morvillier"),
    "company": ("Gypserie Sabatier", "Plâtrerie Lavaysse", "Verrerie Guiraud", "Forge Delpeyrat"),
    "number": (
        "zéro quatre, trente et un, cinquante-deux, dix-sept, quatre-vingt-huit",
        "zéro un, soixante-neuf, vingt-quatre, quarante, treize",
        "zéro trois, quatre-vingt-quinze, zéro six, soixante-dix, vingt-neuf",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-q",
        [
            "Allô ? J'ai les mains prises, je mets le haut-parleur.",
            "Allô ? Parlez plus près du micro, je suis dans le bus.",
            "Oui ? Je suis en pleine cuisine, faites court s'il vous plaît.",
            "Allô ? J'entends rien, il y a trop de vent ici.",
            "Bonsoir ? Je ne reconnais pas ce numéro, c'est une entreprise ?",
            "Allô ? Ne quittez pas, je règle le volume de la radio. C'est bon, parlez.",
            "Oui, c'est bien lui, mais je vous entends mal, répétez ?",
            "Allô ? Si c'est un sondage, je n'ai vraiment pas le temps.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-q",
        [
            "{company}, service clients, {name} à votre écoute, que puis-je faire pour vous ?",
            "Bonjour, {company}, service des livraisons, {name} {surname}, je vous écoute.",
            "Étude de maître {surname}, {name} à l'appareil, c'est à quel propos ?",
            "Allô ? Je suis sur un quai de gare, il y a du bruit, parlez fort s'il vous plaît.",
            "Allô ? Je suis chez le coiffeur, je ne peux pas trop parler, c'est rapide ?",
            "Allô ? Vous m'avez envoyé un courrier la semaine dernière, vous appelez à ce sujet ?",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-q-bursts",
            [
                "Allô ? Je cherche mes lunettes, pardon. Ah, les voilà. Je vous écoute, c'est pour quoi ?",
                "Oui ? Je ferme la porte du garage, une minute. Voilà, c'est fait. Vous disiez ?",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-q",
        [
            "Coucou, tu es sur la messagerie de {name} ! Je ne peux pas décrocher, dis-moi tout après le bip.",
            "Bonjour, vous êtes en relation avec la messagerie de {name} {surname}. Merci d'indiquer votre nom, "
            "votre numéro et l'objet de votre appel.",
            "{company} vous remercie de votre appel. Nos bureaux sont fermés, ils ouvrent du lundi au jeudi de "
            "neuf heures à dix-sept heures trente.",
            "Serveur vocal de {company}. Pour un devis, appuyez sur la touche un. Pour le suivi d'un chantier, "
            "appuyez sur la touche deux.",
            "Vous êtes sur le standard automatisé de {company}. Composez l'extension de votre correspondant, ou "
            "restez en ligne.",
            "Patientez, vous êtes troisième dans la file d'attente. Temps d'attente estimé : quatre minutes.",
            "Nos équipes traitent les demandes au plus vite. Ne quittez pas, un collaborateur de {company} va "
            "prendre votre appel.",
            "Je suis l'assistant virtuel de {company}. En quelques mots, dites-moi la raison de votre appel.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-q-apart",
            [
                "Répondeur de la famille {surname}. Nous sommes absents pour le moment. Parlez après le signal sonore.",
                "Messagerie de {name}. Je suis en déplacement à l'étranger cette semaine. Écrivez-moi plutôt un mail.",
                "Répondeur de {company}. Nous sommes en congés annuels. Réouverture le premier septembre.",
                "L'ensemble de nos conseillers est en ligne. Restez en ligne s'il vous plaît. Un agent va vous "
                "répondre.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-q",
        [
            "Messagerie vocale de {name}, parlez.",
            "{name} rappellera, parlez après le bip.",
            "{company}, répondeur, à vous.",
            "Ligne de {name} {surname}, bip.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-q",
        [
            "Le numéro composé n'a pas été attribué. Vérifiez-le avant de rappeler.",
            "L'acheminement de votre appel est impossible. Veuillez vérifier le numéro de votre correspondant.",
            "Votre correspondant n'est pas accessible actuellement. Veuillez renouveler votre appel plus tard.",
            "Le mobile que vous appelez est éteint ou hors de portée. Votre correspondant sera prévenu de votre "
            "appel par SMS.",
            "À la demande de l'abonné, cette ligne est provisoirement suspendue.",
            "Le réseau de votre opérateur est encombré. Nous vous invitons à renouveler votre appel dans quelques "
            "instants.",
            "Votre ligne ne donne pas accès aux numéros surtaxés. Pour plus d'informations, contactez votre service "
            "client.",
            "Le numéro demandé est incomplet. Vérifiez-le et renouvelez votre appel.",
            "Les appels internationaux ne sont pas inclus dans votre offre. Rendez-vous dans votre espace client "
            "pour modifier vos options.",
            "Le poste demandé n'est pas valide. Raccrochez ou patientez pour être mis en relation avec le standard.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST14, PLAN, 101, __doc__)
