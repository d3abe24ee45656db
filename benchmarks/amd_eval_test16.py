"""Build the `test16` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in forms no split had (dev-time).

    python benchmarks/amd_eval_test16.py [--out audio/amd-eval] [--seed 107]

Why: test15 was run once with the start code (997c947) and the final code (81c8cdf) of a session and is development
data. test16 keeps test15's recipe (three kinds of synthetic voice, each only in sox forms no other split uses; fresh
wordings, fillers and pauses; people speaking in bursts, voicemails spoken apart) so that the next single held-out
figure rests on unseen texts and voices. Built blind, for a single measurement by the lead: the builder ran no AMD
classifier, `robot amd` / `robot amd-eval` / `robot amd-tune`, ASR, amd_upper_bound.py, tune_amd.py or
check_keyword_overlap.py on its clips, did not open amd_keywords.yaml, read no AMD rule code, read no git log message
or diff of robot/ or amd_keywords.yaml, and read nothing in benchmarks/results/ nor the AMD section of the main
README; other splits' texts were read only by the programmatic check below (which printed only test16's own texts).
Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+210c-tempo1.02` (`pitch 210 tempo -s 1.02`),
   `pico-160c-tempo0.96` (`pitch -160 tempo -s 0.96`), `pico+340c-tempo1.08` (`pitch 340 tempo -s 1.08`); one
   speaker changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per
   clip), changed by sox: `mbrola-fr2+110c-tempo0.98` (fr2, female), `mbrola-fr4-80c-tempo1.05` (fr4, female),
   `mbrola-fr6+130c-tempo0.94` (fr6, male); test15 used none of the three, which are heard in other forms in other
   splits. espeak-ng formant variants no split uses (`fr+Jacky`, `fr+Zac`, `fr+female3`; no other split's voice
   name has these names in any case), drawn speed and pitch as above, changed by sox: `espeak-fr+Jacky-tempo1.03`
   (`tempo -s 1.03`), `espeak-fr+Zac-100c-tempo0.97` (`pitch -100 tempo -s 0.97`), `espeak-fr+female3+70c`
   (`pitch 70`). Every voice name was checked against the manifest's `voice` column (no split has it), every
   variant against `espeak-ng --voices=variant`. make_amd_eval.py is unchanged. Template keys carry the letter `s`
   (`hs-s*`, `vm-s-apart*`, ...), no other split's (test15's are `r`; checked against the manifest's `source`).
2. Phrase templates written blind from the phrase families only (the same families and label policy as test15):
   people's short openers (on a bike, hanging out the washing, a line that cuts out, a sleeping baby, "lui-même",
   in a lift, just out of a meeting, expecting a delivery man); long openers: staff giving a company, a service and
   a name ("service réclamations", "bureau des ventes", a veterinary clinic's front desk), private people at the
   tip, at a stadium with the children, or calling back about a missed call; two people who speak in bursts 0.5-1.0 s
   apart (`hl-s-bursts*`: switching off the kettle, parking the car); personal voicemails informal and formal, a
   business greeting at the weekend, an IVR menu with keys, a speech-driven switchboard asking for a service or a
   name, two queues (estimated waiting time; calls taken in order of arrival), a speech-driven assistant; 4
   voicemails whose sentences are spoken 0.6-1.2 s apart (`vm-s-apart*`: a couple's home, a person on leave, an
   office closed at lunchtime, a queue with all staff busy); short voicemails (~2 s, a beep in most clips); carrier
   and PBX announcements: no subscriber at the number, callee unreachable, mobile out of network with an SMS notice,
   operator lines saturated, plan barring this kind of number, withheld numbers refused, wrong number format, credit
   used up, number cancelled without forwarding, extension not in the directory (SIT before every other one). The
   writer had seen the other builders' templates (as models of the code) and wrote other wordings. The same
   programmatic check as test5-test15 (normalised text: lower case, words only) compared every rendered test16 text
   (every filler combination, every shorter form fit_text can cut it to, each of those also said twice) with every
   `text` of manifest.csv, test15's included: none equals another split's text of 3 words or more, none contains or
   sits inside another split's text of 3 words or more; no filler is another split's filler, nor is a word of a
   name, surname or company a word of another split's texts or fillers; no template key is another split's.
   Replaced after that check:
   - fillers: the names Anatole, Capucine and the surname Kerjean (other splits' fillers and words of their texts)
     -> Aristide, Marceline, Trémolières; the companies Chaudronnerie Bastide, Sellerie Vautrin, Tonnellerie
     Mercadier and Vitrerie Pujol ("chaudronnerie", "bastide", "sellerie", "vautrin", "tonnellerie", "vitrerie",
     "pujol" words of other splits' texts or fillers) -> Cartonnerie Lagardère, Biscuiterie Bellocq, Savonnerie
     Mercadier, Miellerie Rigal;
   - "Lui-même, oui. C'est à propos de quoi ?" (first sentence inside another split's text) -> "Lui-même au bout du
     fil, c'est pour ?";
   - "Votre appel est en attente. Tous nos collaborateurs ..." (first sentence inside another's) -> "Patience, votre
     tour arrive. Tous nos collaborateurs ...";
   - "Aucun abonné ne correspond au numéro demandé. ..." (first sentence inside another's) -> "Nous ne trouvons
     aucun abonné à ce numéro. ...";
   - "Votre correspondant est injoignable pour l'instant. ..." (first sentence inside another's) -> "Impossible de
     joindre votre correspondant pour l'instant. ...";
   - "Votre crédit de communication est épuisé. Rechargez votre compte pour passer cet appel." (first sentence
     inside another's) -> "Votre solde ne suffit plus pour passer cet appel. Rechargez votre compte puis
     rappelez.";
   - "Ce numéro a été résilié. ..." (first sentence inside another's) -> "La ligne que vous appelez a été résiliée.
     ...".
   What the check leaves: forms under 3 words ("Allô ?", "Oui ?") and formulaic runs ("votre correspondant", "votre
   appel", "laissez vos coordonnées") recur, as in every split.
3. Labels and mix like test15: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`). Hold music, a chime or ringback before some greetings come from the shared
   timelines. Seed 107 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test16 rows of manifest.csv and writes only *_test16_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+Jacky, fr+Zac
and fr+female3 variants), mbrola with mbrola-fr2, -fr4, -fr6, and Debian's `libttspico-utils` (non-free); tests and
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

TEST16 = "test16"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico+210c-tempo1.02", "pico", cents=210, tempo=1.02),
    Voice("pico-160c-tempo0.96", "pico", cents=-160, tempo=0.96),
    Voice("pico+340c-tempo1.08", "pico", cents=340, tempo=1.08),
    Voice("mbrola-fr2+110c-tempo0.98", "mbrola", "mb-fr2", cents=110, tempo=0.98),
    Voice("mbrola-fr4-80c-tempo1.05", "mbrola", "mb-fr4", cents=-80, tempo=1.05),
    Voice("mbrola-fr6+130c-tempo0.94", "mbrola", "mb-fr6", cents=130, tempo=0.94),
    Voice("espeak-fr+Jacky-tempo1.03", "espeak", "fr+Jacky", tempo=1.03),
    Voice("espeak-fr+Zac-100c-tempo0.97", "espeak", "fr+Zac", cents=-100, tempo=0.97),
    Voice("espeak-fr+female3+70c", "espeak", "fr+female3", cents=70),
)

SLOTS = {
    "name": ("Aristide", "Marceline", "Fulbert", "Hortense", "Évariste", "Bathilde"),
    "surname": ("Trémolières", "Mazérolles", "Castagnet", "Pellegrin", "Trouvelot", "Dubreuil"),
    "company": ("Cartonnerie Lagardère", "Biscuiterie Bellocq", "Savonnerie Mercadier", "Miellerie Rigal"),
    "number": (
        "zéro trois, quatre-vingt-quatre, dix-sept, soixante-trois, vingt-deux",
        "zéro un, cinquante-huit, trente, quarante-six, zéro neuf",
        "zéro deux, quatorze, quatre-vingt-onze, soixante-quinze, trente-huit",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-s",
        [
            "Allô ? Je suis sur mon vélo, faites court.",
            "Oui ? J'étends le linge, parlez.",
            "Allô ? Ça coupe un peu, vous m'entendez bien ?",
            "Allô ? Le bébé dort, parlez doucement.",
            "Lui-même au bout du fil, c'est pour ?",
            "Allô ? Je suis dans l'ascenseur, ça risque de couper.",
            "Oui ? Je sors d'une réunion, j'ai deux minutes.",
            "Allô ? C'est le livreur ? Je descends tout de suite.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-s",
        [
            "{company}, service réclamations, {name} à votre écoute, que se passe-t-il ?",
            "Bonjour, {company}, bureau des ventes, ici {name} {surname}, en quoi puis-je vous aider ?",
            "Clinique vétérinaire {surname}, bonjour, {name} à l'accueil, c'est pour un rendez-vous ?",
            "Allô ? Je suis à la déchetterie, il y a des camions, je vous entends à peine, parlez fort.",
            "Allô ? Je suis au stade avec les enfants, ça crie partout, c'est important ?",
            "Allô ? J'ai un appel manqué de ce numéro ce matin, c'est à quel propos ?",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-s-bursts",
            [
                "Allô ? J'éteins la bouilloire, une seconde. Voilà. Je vous écoute, c'est quoi ?",
                "Oui ? Je gare la voiture, attendez. C'est bon, je suis garé. Qui me demande ?",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-s",
        [
            "Yo, c'est le répondeur de {name} ! Je suis sûrement dehors, laisse-moi un petit mot.",
            "Bonjour, vous avez composé le numéro de {name} {surname}. Je vous remercie de laisser vos coordonnées, "
            "je vous recontacterai.",
            "Bienvenue chez {company}. Nos bureaux sont fermés le week-end. Nous vous répondrons lundi dès huit "
            "heures trente.",
            "{company}, bonjour. Pour suivre une commande, appuyez sur la touche deux. Pour parler à un conseiller, "
            "appuyez sur la touche étoile.",
            "Accueil automatisé de {company}. Dites simplement le service ou la personne que vous cherchez.",
            "Votre demande compte pour nous. Le temps d'attente estimé est de moins de trois minutes.",
            "Tous nos opérateurs traitent d'autres appels. Le vôtre sera pris dans l'ordre d'arrivée.",
            "Bonjour, je suis l'assistante virtuelle de {company}. Dites-moi en quelques mots ce qui vous amène.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-s-apart",
            [
                "Bienvenue chez {name} et {name2}. Nous sommes absents pour le moment. Un message, et on vous "
                "rappelle.",
                "Messagerie personnelle de {name} {surname}. Je suis en congé jusqu'au quinze. Pour une urgence, "
                "contactez l'accueil.",
                "Ici {company}. Nos bureaux ferment entre midi et quatorze heures. Merci de rappeler cet après-midi.",
                "Patience, votre tour arrive. Tous nos collaborateurs sont occupés. Nous prenons votre appel dans un "
                "instant.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-s",
        [
            "{name} absent, message au bip.",
            "Répondeur {surname}, à vous.",
            "{company}, laissez vos coordonnées.",
            "C'est {name}, un message ?",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-s",
        [
            "Nous ne trouvons aucun abonné à ce numéro. Vérifiez-le puis recomposez.",
            "Impossible de joindre votre correspondant pour l'instant. Veuillez rappeler un peu plus tard.",
            "Le téléphone de la personne que vous appelez est hors réseau. Un SMS l'avertira de votre appel.",
            "Les lignes de l'opérateur sont saturées. Votre appel ne peut aboutir pour le moment.",
            "Votre forfait ne permet pas d'appeler ce type de numéro. Renseignez-vous auprès de votre opérateur.",
            "Votre correspondant refuse les appels masqués. Affichez votre numéro puis rappelez.",
            "Le format du numéro composé est incorrect. Composez les dix chiffres sans préfixe.",
            "Votre solde ne suffit plus pour passer cet appel. Rechargez votre compte puis rappelez.",
            "La ligne que vous appelez a été résiliée. Aucun renvoi n'a été prévu par son ancien titulaire.",
            "Le poste demandé n'existe pas dans cet annuaire. Raccrochez et composez le numéro du standard.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST16, PLAN, 107, __doc__)
