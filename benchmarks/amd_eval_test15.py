"""Build the `test15` split of audio/amd-eval/: held out, Pico, MBROLA and espeak-ng in forms no split had (dev-time).

    python benchmarks/amd_eval_test15.py [--out audio/amd-eval] [--seed 103]

Why: test14 is held out until the lead measures it once, then it is development data. test15 keeps test14's recipe
(three kinds of synthetic voice, each only in sox forms no other split uses; fresh wordings, fillers and pauses;
people speaking in bursts, voicemails spoken apart) so that the next single held-out figure rests on unseen texts and
voices. Built blind, for a single measurement by the lead: the builder ran no AMD classifier, `robot amd` /
`robot amd-eval` / `robot amd-tune`, ASR, amd_upper_bound.py, tune_amd.py or check_keyword_overlap.py on its clips,
did not open amd_keywords.yaml, read no AMD rule code, read no git log message or diff of robot/ or
amd_keywords.yaml, and read nothing in benchmarks/results/ nor the AMD section of the main README; other splits'
texts were read only by the programmatic check below. Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest, 12-13 clips each. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one
   female voice) in 3 sox forms no other split uses: `pico+160c-tempo0.97` (`pitch 160 tempo -s 0.97`),
   `pico-240c-tempo1.06` (`pitch -240 tempo -s 1.06`), `pico+290c-tempo0.93` (`pitch 290 tempo -s 0.93`); one
   speaker changed, not 3 speakers. MBROLA diphone voices driven by espeak-ng (speed 135-180, pitch 35-65 drawn per
   clip), changed by sox: `mbrola-fr1+60c-tempo1.08` (fr1, male), `mbrola-fr7-90c-tempo0.97` (fr7, male),
   `mbrola-ca2-70c-tempo1.04` (ca2, male, Canadian); test14 used none of the three, which are heard in other forms in
   other splits. espeak-ng formant variants no split uses (`fr+Mike`, `fr+norbert`, `fr+grandma`; no other split's
   variant has these names in any case), drawn speed and pitch as above, changed by sox: `espeak-fr+Mike-tempo0.96`
   (`tempo -s 0.96`), `espeak-fr+norbert+90c-tempo1.04` (`pitch 90 tempo -s 1.04`), `espeak-fr+grandma-80c`
   (`pitch -80`). Every voice name was checked against the manifest's `voice` column (no split has it), every
   variant against `espeak-ng --voices=variant`. make_amd_eval.py is unchanged. Template keys carry the letter `r`
   (`hs-r*`, `vm-r-apart*`, ...), no other split's (test14's are `q`; checked against the manifest's `source`).
2. Phrase templates written blind from the phrase families only (the same families and label policy as test14):
   people's short openers (filling up the car, just out of the shower, a phone battery almost flat, the car's
   hands-free kit, a worried parent thinking of the school, sitting down to dinner, "elle-même", who gave out the
   number); long openers: staff giving a company, a service and a name ("service après-vente", "accueil
   comptabilité", a pharmacy counter), private people at the market, in a dentist's waiting room, or calling back
   about a parcel; two people who speak in bursts 0.5-1.0 s apart (`hl-r-bursts*`: a cake out of the oven, putting
   the shopping away); personal voicemails informal and formal, a business greeting outside opening hours, an IVR
   menu with keys, a speech-driven switchboard asking for a name, two queues (calls ahead of yours; agents all
   busy), a speech-driven assistant; 4 voicemails whose sentences are spoken 0.6-1.2 s apart (`vm-r-apart*`: a
   family's home, a day of training, a shop closed for stocktaking, a queue with all advisers busy); short
   voicemails (~2 s, a beep in most clips); carrier and PBX announcements: number not allocated, call cannot be
   set up, callee not reachable, mobile off or out of range with an SMS notice, line suspended at the holder's
   request, network congestion, premium-rate numbers barred from the line, too few digits, plan without
   international calls, unknown extension (SIT before every other one). The writer had seen the other builders'
   templates (as models of the code) and wrote other wordings. The same programmatic check as test5-test14
   (normalised text: lower case, words only) compared every rendered test15 text (every filler combination, every
   shorter form fit_text can cut it to, each of those also said twice) with every `text` of manifest.csv, test14's
   included: none equals another split's text of 3 words or more, none contains or sits inside another split's text
   of 3 words or more; no filler is another split's filler, nor is a word of a name, surname or company a word of
   another split's texts or fillers; no template key is another split's. Replaced after that check:
   - fillers: the name Philomène and the surnames Etcheverry, Vasseur, Rouxel (other splits' fillers and words of
     their texts) and Lestrade (a word of other splits' texts) -> Gildas, Iribarne, Lachambre, Quillivic, Boutevin;
     the companies Tuilerie Roumégoux, Vannerie Teyssier and Ébénisterie Carrère ("tuilerie", "vannerie",
     "ébénisterie" words of other splits' texts) -> Fonderie Roumégoux, Poterie Teyssier, Marbrerie Carrère (with
     them "Messagerie de {name}" no longer sits inside another split's text);
   - "Allô ? Je suis à la caisse du supermarché, c'est pour quoi ?" (its first clauses equal another split's text)
     -> "Allô ? Je fais le plein d'essence, dites vite.";
   - "Allô ? Je conduis, je vous entends par le kit mains libres." (first clauses inside another's) -> "Allô ? Je
     vous entends par le kit mains libres de la voiture, allez-y.";
   - "Oui, c'est elle-même, de quoi s'agit-il ?" (first clauses inside another's) -> "Elle-même à l'appareil, vous
     désirez ?";
   - "Votre appel va être pris en charge. Il reste deux personnes avant vous, ..." (first sentence inside
     another's) -> "Il reste deux appels avant le vôtre. Ne raccrochez pas, un conseiller se libère bientôt.";
   - "Suite à une surcharge du réseau, votre appel n'a pas pu être établi. ..." (first clause inside another's) ->
     "En raison d'un trafic trop important, votre appel n'a pas pu être établi. ...".
   The first build failed (the set's own check: a text in two splits) because one short opener, too long for the
   3 s a short opener may last, was cut to "Allô ?": "Allô ? Je vous entends par le kit mains libres de la
   voiture, allez-y." -> "Allô ? Je suis en kit mains libres, allez-y."; it passed the check again.
   What the check leaves: forms under 3 words ("Allô ?", "Oui ?", "Bonjour") and formulaic runs ("votre
   correspondant", "après le bip", "espace client") recur, as in every split.
3. Labels and mix like test14: HUMAN 40 (24 short, 16 long, 4 of them in bursts), MACHINE 44 (36 voicemail / IVR /
   switchboard / queue, 8 short), OPERATOR 30 (15 with a SIT before the announcement, 15 without), NO_ANSWER 12
   (silence with line noise, some with clicks or strong noise); the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`). Hold music, a chime or ringback before some greetings come from the shared
   timelines. Seed 103 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test15 rows of manifest.csv and writes only *_test15_*.wav
(run it from the repository root: --out is relative). Build-time needs: sox, espeak-ng (with its fr+Mike, fr+norbert
and fr+grandma variants), mbrola with mbrola-fr1, -fr7, -ca2, and Debian's `libttspico-utils` (non-free); tests and
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

TEST15 = "test15"
SENTENCE_PAUSE_S = (0.6, 1.2)  # voicemails whose sentences are spoken apart
BURST_PAUSE_S = (0.5, 1.0)  # people who speak in bursts (busy) with pauses between them

SYNTH_VOICES = (
    Voice("pico+160c-tempo0.97", "pico", cents=160, tempo=0.97),
    Voice("pico-240c-tempo1.06", "pico", cents=-240, tempo=1.06),
    Voice("pico+290c-tempo0.93", "pico", cents=290, tempo=0.93),
    Voice("mbrola-fr1+60c-tempo1.08", "mbrola", "mb-fr1", cents=60, tempo=1.08),
    Voice("mbrola-fr7-90c-tempo0.97", "mbrola", "mb-fr7", cents=-90, tempo=0.97),
    Voice("mbrola-ca2-70c-tempo1.04", "mbrola", "mb-ca2", cents=-70, tempo=1.04),
    Voice("espeak-fr+Mike-tempo0.96", "espeak", "fr+Mike", tempo=0.96),
    Voice("espeak-fr+norbert+90c-tempo1.04", "espeak", "fr+norbert", cents=90, tempo=1.04),
    Voice("espeak-fr+grandma-80c", "espeak", "fr+grandma", cents=-80),
)

SLOTS = {
    "name": ("Aubin", "Léontine", "Corentin", "Gildas", "Eudes", "Solange"),
    "surname": ("Iribarne", "Lachambre", "Quillivic", "Chambolle", "Peyrot", "Boutevin"),
    "company": ("Fonderie Roumégoux", "Corderie Malbec", "Poterie Teyssier", "Marbrerie Carrère"),
    "number": (
        "zéro deux, quarante-trois, soixante-six, vingt et un, quinze",
        "zéro cinq, trente-neuf, quatre-vingt-deux, zéro sept, cinquante",
        "zéro quatre, soixante-dix-huit, douze, trente-quatre, quatre-vingt-dix-neuf",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-r",
        [
            "Allô ? Je fais le plein d'essence, dites vite.",
            "Oui ? Je sors de la douche, je vous écoute.",
            "Allô ? Ma batterie est presque vide, soyez bref.",
            "Allô ? Je suis en kit mains libres, allez-y.",
            "Allô ? C'est l'école ? Il est arrivé quelque chose ?",
            "Oui ? Vous tombez mal, je passe à table dans deux minutes.",
            "Elle-même à l'appareil, vous désirez ?",
            "Allô ? Qui vous a donné mon numéro ?",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-r",
        [
            "{company}, service après-vente, {name} qui vous répond, quel est votre souci ?",
            "Bonjour, {company}, accueil comptabilité, {name} {surname} à l'appareil, je vous écoute.",
            "Pharmacie {surname}, bonjour, {name} au comptoir, qu'est-ce qu'il vous faut ?",
            "Allô ? Je suis au marché, il y a du monde autour, répétez plus fort s'il vous plaît.",
            "Allô ? Je suis dans la salle d'attente du dentiste, je parle tout bas, c'est urgent ?",
            "Allô ? On m'a dit de rappeler ce numéro pour mon colis, c'est bien ici ?",
        ],
    )
    + spoken_apart(
        _templates(
            HUMAN,
            "human-long",
            "hl-r-bursts",
            [
                "Allô ? Je sors le gâteau du four, un instant. Ça y est, il est posé. Alors, c'est à quel sujet ?",
                "Oui ? Je range les courses, attendez. Bon, c'est rangé. Vous êtes qui ?",
            ],
        ),
        BURST_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-r",
        [
            "Hé, tu es bien chez {name} ! Pas moyen de décrocher, raconte-moi ça après le bip.",
            "Vous êtes sur la messagerie vocale de {name} {surname}. Merci de préciser votre nom et l'objet de votre "
            "appel après le signal.",
            "Notre atelier {company} est actuellement fermé. Nous vous accueillons du mercredi au dimanche, de dix "
            "heures à dix-neuf heures.",
            "Menu principal de {company}. Pour prendre rendez-vous, faites le un. Pour une réclamation, faites le "
            "trois.",
            "Standard vocal de {company}. Prononcez le nom de la personne que vous souhaitez joindre, ou faites le "
            "zéro.",
            "Il reste deux appels avant le vôtre. Ne raccrochez pas, un conseiller se libère bientôt.",
            "Les agents de {company} sont tous en communication. Gardez la ligne, nous allons vous répondre.",
            "Ici l'agent conversationnel de {company}. Expliquez-moi simplement votre demande, je vous oriente.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-r-apart",
            [
                "Vous êtes chez les {surname}. Personne ne peut vous répondre. Laissez votre message après la "
                "tonalité.",
                "Le répondeur de {name} vous écoute. Je suis en formation toute la journée. Je rappellerai ce soir.",
                "Répondeur automatique de {company}. Le magasin est fermé pour inventaire. Réouverture jeudi matin.",
                "Nos téléconseillers sont tous occupés. Votre appel sera transféré au premier disponible. Merci de "
                "votre patience.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-r",
        [
            "Ici {name}, laissez-moi un message.",
            "{name} {surname}, répondeur, parlez.",
            "{company} est fermé, rappelez demain.",
            "Messagerie de {name}, au signal.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-r",
        [
            "Ce numéro ne correspond à aucune ligne en service. Consultez l'annuaire ou vérifiez votre saisie.",
            "Nous ne pouvons pas établir la communication avec ce numéro. Merci de le vérifier et de réessayer.",
            "Le correspondant demandé ne peut pas être atteint pour le moment. Renouvelez votre appel ultérieurement.",
            "Le portable de votre correspondant est éteint ou ne capte pas. Il recevra un SMS l'informant de votre "
            "appel.",
            "Ce numéro a été suspendu temporairement à la demande de son titulaire.",
            "En raison d'un trafic trop important, votre appel n'a pas pu être établi. Merci de réessayer dans un "
            "moment.",
            "Votre abonnement ne permet pas de joindre les numéros à tarification spéciale. Contactez votre opérateur.",
            "Le numéro que vous avez saisi comporte trop peu de chiffres. Recomposez-le en entier.",
            "Votre offre ne comprend pas les appels vers l'étranger. Modifiez votre forfait depuis votre espace "
            "client.",
            "Ce numéro de poste est inconnu. Vérifiez-le ou composez le neuf pour joindre l'accueil.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST15, PLAN, 103, __doc__)
