"""Build the `test12` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in still other forms (dev-time).

    python benchmarks/amd_eval_test12.py [--out audio/amd-eval] [--seed 83]

Why: test11 was run once with the start and the final code of a session and is development data. test12 keeps
test11's recipe (three kinds of synthetic voice, each only in sox forms no other split uses; fresh wordings, fillers
and pauses; people speaking in bursts, voicemails spoken apart) so that the next single held-out figure rests on
unseen texts and voices. Built blind, for a single measurement by the lead: the builder ran no AMD classifier,
`robot amd` / `robot amd-eval`, ASR, amd_upper_bound.py, tune_amd.py or check_keyword_overlap.py on its clips, did
not open amd_keywords.yaml, read no AMD rule code, and read nothing in benchmarks/results/ nor the AMD section of the
main README. Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+350c-tempo0.97` (`pitch 350 tempo -s 0.97`),
   `pico-220c-tempo1.07` (`pitch -220 tempo -s 1.07`), `pico+60c-tempo0.86` (`pitch 60 tempo -s 0.86`); one speaker
   changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per clip),
   changed by sox: `mbrola-fr2+80c-tempo1.1` (fr2, female), `mbrola-fr4-120c-tempo1.08` (fr4, female),
   `mbrola-fr6+180c-tempo0.96` (fr6, male); fr2, fr4 and fr6 are heard in other forms in other splits. espeak-ng
   formant variants no split uses (`fr+robert`, `fr+Alicia`, `fr+paul`), drawn speed and pitch as above, changed by
   sox: `espeak-fr+robert+70c` (`pitch 70`), `espeak-fr+Alicia-120c-tempo1.06` (`pitch -120 tempo -s 1.06`),
   `espeak-fr+paul-tempo1.1` (`tempo -s 1.1`). make_amd_eval.py is unchanged. Template keys carry the letter `n`
   (`hs-n*`, `vm-n-apart*`, ...), no other split's (test11's are `m`).
2. Phrase templates written blind from the phrase families only (the same families and label policy as test11):
   people's short openers (who is calling, turning the music down, a bad line in the metro, hands in flour, a
   barking dog, a suspected advert); long openers: staff giving a company, a service and a name ("accueil", "service
   après-vente", "secrétariat"), private people driving with a hands-free kit, at a supermarket till, or calling
   back about a message left; two people who speak in bursts 0.5-1.0 s apart (`hl-n-bursts*`: one putting a crying
   baby down, one climbing down a stepladder); personal voicemails informal and formal, a business greeting with
   opening hours, an IVR menu with keys, an automated switchboard asking for an extension, two queues, a
   speech-driven assistant; 4 voicemails whose sentences are spoken 0.6-1.2 s apart (`vm-n-apart*`); short
   voicemails (~2 s, a beep in most clips); carrier announcements: no subscriber at the number, number no longer in
   service, callee not available, mobile off or out of range, all the callee's lines busy, a network incident,
   service not included in the plan, badly formed number, callee refusing withheld numbers, prepaid credit used up
   (SIT before every other one). The writer had seen the other builders' templates (as models of the code) and
   wrote other wordings. The same programmatic check as test5-test11 (normalised text: lower case, words only)
   compared every rendered test12 text (every filler combination, every shorter form fit_text can cut it to, each
   of those also said twice) with every `text` of manifest.csv, test11's included: none equals another split's text
   of 3 words or more, none contains or sits inside another split's text of 3 words or more; no filler is another
   split's filler, nor is a word of a name, surname or company a word of another split's texts. Replaced after
   that check:
   - fillers: the names Anatole, Solène, Barnabé, Clothilde and the surnames Kerbrat, Pujol, Larrieu (other splits'
     fillers), the surname Rouquette (a word of other splits' texts) -> Aristide, Philomène, Tancrède, Eulalie,
     Guézennec, Lartigau, Cazenave, Soubiran; the companies Vannerie Castel, Sellerie Mazars, Cordonnerie Pradel
     (words in other splits' texts) -> Émaillerie Brassac, Dinanderie Mazet, Lutherie Fabrègue;
   - "Oui, allô, c'est à quel sujet ?" ("Oui, allô" said twice equals another split's text) -> "Bonsoir ? Vous
     appelez pour quelle raison ?";
   - "Allô ? Parlez plus fort, le chien aboie à côté." (first clauses equal another split's text) -> "Allô ? Haussez
     la voix, le chien aboie à côté.";
   - "Allô ? Vous êtes qui ? C'est encore de la publicité ?" (first clauses inside another's) -> "Allô ? Qui c'est ?
     Encore un démarcheur ?";
   - "Allô, bonjour ? On m'a laissé un message ..." ("Allô, bonjour ?" said twice equals another split's text) ->
     "Allô ? On m'a laissé un message ...";
   - "Ici {name}, laissez votre message." (equals another split's text) -> "{name} ici, laissez vos coordonnées.";
   - "Il n'y a pas d'abonné au numéro que vous avez demandé. ..." (first sentence equals another split's text) ->
     "Aucun abonné ne correspond au numéro que vous avez demandé. ...";
   - "La personne que vous cherchez à joindre n'est pas disponible. ..." (contains another split's text) -> "La
     personne que vous cherchez à joindre ne peut pas vous répondre. ...";
   - "Toutes les lignes de votre correspondant sont occupées. ..." (first sentence inside others') -> "Votre
     correspondant a déjà toutes ses lignes en communication. ...";
   - "Votre crédit de communication est épuisé. ..." (first sentence inside another's) -> "Le crédit de votre carte
     prépayée est épuisé. ...".
   After the first build (read back from the manifest, no classifier): "Bonjour et bienvenue chez {company}. Nos
   bureaux vous accueillent du lundi au ..." was cut to "Bonjour et bienvenue chez {company}.", which a person could
   say too (the label must hold for the cut text) -> "Les bureaux de {company} sont fermés pour le moment. Nous vous
   accueillons du lundi au vendredi, de neuf heures à dix-sept heures."; the names Aristide, Eulalie, Ambroise and the
   company Émaillerie Brassac gave "de Aristide", "de Émaillerie" (French elides "de" before a vowel) -> Rosalinde
   (Honorine, then Bertille were other splits' fillers), Pélagie, Séverin, Tuilerie Brassac; all passed the check
   again. What the check leaves: formulaic runs ("votre correspondant", "après le bip", "laisse un message") recur,
   as in every split.
3. Labels and mix like test11: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`). Hold music, a chime or ringback before some greetings come from the shared
   timelines. Seed 83 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test12 rows of manifest.csv and writes only *_test12_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+robert, fr+Alicia
and fr+paul variants), mbrola with mbrola-fr2, -fr4, -fr6, and Debian's `libttspico-utils` (non-free); tests and CI
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

TEST12 = "test12"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico+350c-tempo0.97", "pico", cents=350, tempo=0.97),
    Voice("pico-220c-tempo1.07", "pico", cents=-220, tempo=1.07),
    Voice("pico+60c-tempo0.86", "pico", cents=60, tempo=0.86),
    Voice("mbrola-fr2+80c-tempo1.1", "mbrola", "mb-fr2", cents=80, tempo=1.1),
    Voice("mbrola-fr4-120c-tempo1.08", "mbrola", "mb-fr4", cents=-120, tempo=1.08),
    Voice("mbrola-fr6+180c-tempo0.96", "mbrola", "mb-fr6", cents=180, tempo=0.96),
    Voice("espeak-fr+robert+70c", "espeak", "fr+robert", cents=70),
    Voice("espeak-fr+Alicia-120c-tempo1.06", "espeak", "fr+Alicia", cents=-120, tempo=1.06),
    Voice("espeak-fr+paul-tempo1.1", "espeak", "fr+paul", tempo=1.1),
)

SLOTS = {
    "name": ("Gwenaëlle", "Rosalinde", "Philomène", "Tancrède", "Pélagie", "Séverin"),
    "surname": ("Guézennec", "Lartigau", "Castaing", "Soubiran", "Cazenave", "Boissonnade"),
    "company": ("Tuilerie Brassac", "Ferronnerie Labat", "Dinanderie Mazet", "Lutherie Fabrègue"),
    "number": (
        "zéro deux, quarante et un, dix-sept, quatre-vingt-huit, cinquante-trois",
        "zéro quatre, trente-six, soixante-dix-neuf, douze, quatre-vingt-quinze",
        "zéro un, soixante-cinq, vingt-huit, quarante-quatre, dix-neuf",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-n",
        [
            "Allô ? Qui me demande, s'il vous plaît ?",
            "Allô ? Attendez, je baisse la musique. Voilà, je vous écoute.",
            "Allô ? Je vous capte très mal, je suis dans le métro.",
            "Allô ? Pardon, j'avais les mains dans la farine. Oui ?",
            "Bonsoir ? Vous appelez pour quelle raison ?",
            "Allô ? Haussez la voix, le chien aboie à côté.",
            "Allô ? Qui c'est ? Encore un démarcheur ?",
            "Oui, bonsoir, j'écoute.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-n",
        [
            "{company}, accueil, bonjour, {name} à l'appareil, que puis-je faire pour vous ?",
            "{company}, service après-vente, {name} {surname}, bonjour, je vous écoute.",
            "Bonjour, {company}, secrétariat, vous êtes en ligne avec {name}, c'est pour un rendez-vous ?",
            "Allô ? Je suis au volant, je branche le kit mains libres, attendez. Voilà, je vous entends.",
            "Allô ? Je suis à la caisse du supermarché, vous pouvez rester en ligne deux secondes ?",
            "Allô ? On m'a laissé un message à ce numéro, c'était à quel sujet ?",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-n-bursts",
            [
                "Allô ? Attendez, le bébé pleure. Je le pose dans son lit, une seconde. Voilà, je suis à vous.",
                "Oui ? Pardon, je descends de l'escabeau. C'est bon, qui est-ce ?",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-n",
        [
            "Salut, c'est {name}, je peux pas décrocher, laisse un petit message et je te rappelle vite !",
            "Bonjour, vous êtes sur la messagerie de {name} {surname}. Je suis indisponible pour l'instant, merci de "
            "laisser un message détaillé.",
            "Les bureaux de {company} sont fermés pour le moment. Nous vous accueillons du lundi au vendredi, de neuf "
            "heures à dix-sept heures.",
            "Bienvenue chez {company}. Pour le service commercial, appuyez sur la touche un. Pour la comptabilité, "
            "appuyez sur la touche deux.",
            "Vous êtes sur le standard automatisé de {company}. Si vous connaissez le poste de votre correspondant, "
            "composez-le maintenant.",
            "Nos conseillers sont tous en communication. Ne raccrochez pas, vous allez être mis en relation.",
            "{company} vous remercie de votre patience. Vous serez le prochain à être servi.",
            "Bonjour, je suis l'assistant vocal de {company}. En quelques mots, dites-moi la raison de votre appel.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-n-apart",
            [
                "Bonjour. Vous êtes bien au {number}. Nous sommes absents. Laissez-nous un message, merci.",
                "Coucou ! C'est la boîte vocale de {name}. Je suis au boulot. Rappelle ce soir ou laisse un message.",
                "Bonjour. {company} est fermé pour congés annuels. Réouverture le lundi vingt-quatre. Merci de votre "
                "compréhension.",
                "Bienvenue. Tous nos postes sont occupés. Votre appel va être pris en charge. Merci de rester en "
                "ligne.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-n",
        [
            "{name}, répondeur, à vous.",
            "Messagerie de {name} {surname}, parlez après le bip.",
            "{name} ici, laissez vos coordonnées.",
            "{company}, enregistrez votre message.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-n",
        [
            "Aucun abonné ne correspond au numéro que vous avez demandé. Veuillez vérifier le numéro.",
            "Ce numéro n'est plus en service depuis peu. Nous ne pouvons pas donner suite à votre appel.",
            "La personne que vous cherchez à joindre ne peut pas vous répondre. Essayez de nouveau dans un moment.",
            "Le mobile que vous appelez est éteint ou ne capte pas. Merci de réessayer plus tard.",
            "Votre correspondant a déjà toutes ses lignes en communication. Veuillez renouveler votre appel.",
            "Suite à un incident technique sur le réseau, votre appel ne peut aboutir. Nous vous prions de nous en "
            "excuser.",
            "Ce service n'est pas accessible avec votre offre. Renseignez-vous auprès de votre service client.",
            "Le format du numéro est incorrect. Composez le numéro complet, précédé de l'indicatif.",
            "Ce correspondant n'accepte pas les appels masqués. Rappelez en présentant votre numéro.",
            "Le crédit de votre carte prépayée est épuisé. Rechargez votre compte pour passer des appels.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST12, PLAN, 83, __doc__)
