"""Build the `test6` split of audio/amd-eval/: held out, spoken by SVOX Pico, for one measurement (dev-time tool).

    python benchmarks/amd_eval_test6.py [--out audio/amd-eval] [--seed 47]

Why: every synthetic voice of the other splits is espeak-ng or MBROLA, which Whisper base mostly fails to understand,
so those splits largely measure how intelligible the TTS is. test6 speaks with SVOX Pico (fr-FR), a far more natural
French TTS, to show what the AMD does when the words can be understood. Built blind at the end of a session, for a
single measurement by the lead; the builder ran no AMD classifier or ASR on its clips and read no amd_eval / upper
bound / transcript WER result. Rules, fixed before any clip existed:

1. Voices: SVOX Pico fr-FR (`pico2wave -l fr-FR`, 16 kHz, its one female voice) in 5 sox forms, each a voice of
   its own in the manifest: `pico` as is, `pico-250c` (`pitch -250` cents, lower, male-ish), `pico+150c`
   (`pitch 150`), `pico-tempo0.9` (`tempo -s 0.9`, slower, same pitch), `pico-tempo1.15` (`tempo -s 1.15`). One
   speaker, changed: not 5 speakers. No espeak-ng or MBROLA voice, no real recorded voice (their unused prompts are
   exhausted by test5). pico2wave has no speed or pitch option, so unlike espeak-ng clips the speed and pitch the
   builder draws per clip are not applied (variety comes from the 5 forms, the fillers and the timelines).
   make_amd_eval.py got a `pico` Voice kind for this (Speaker.synth); rebuilt into a temporary folder with it, test4
   and test5 gave byte-identical WAV files and manifest rows.
2. Phrase templates written blind from the phrase families only (people's short openers; long openers with names,
   companies, "à l'appareil", "je vous écoute", "c'est à quel sujet"; personal and business voicemails, IVR menus,
   queues, short voicemails; carrier announcements: number not assigned, not in service, correspondent unreachable,
   mobile off, lines saturated, call cannot go through, network incident, invalid number). amd_keywords.yaml was not
   opened; the writer had seen tune/test's templates in make_amd_eval.py and test5's in amd_eval_test5.py (as models
   of the code) and wrote other wordings. After writing, a programmatic check (normalised text: lower case, words
   only) compared every rendered test6 text (every filler, every shorter form fit_text can cut it to) with every
   `text` of manifest.csv: none equals another split's text, none contains or sits inside another split's text of
   3 words or more (1-2 word texts such as "Oui ?" or "Allo" are inside most openers and were not counted), and no
   filler (name, surname, company, number) is another split's filler or a word of its texts. Replaced after that
   check: fillers that were another split's filler or a word of its texts (names Gaëlle, Bertrand, Inès, Hugo ->
   Clothilde, Gauthier, Maëlys, Anatole; surnames Carpentier, Lemoine, Guillot -> Hamelin, Jolivet, Prigent; all 4
   companies, Plomberie Arnaud, Pharmacie du Marché, Auto-école Pascal, Menuiserie Dubreuil -> Vitrerie Kerlan,
   Quincaillerie Jolibois, Taxis Marbeuf, Cordonnerie Tanguy); the queue greeting "Merci de votre patience. Un
   conseiller va prendre votre appel ..." lost its first sentence (a clip cut to it sits inside another split's
   text) and now ends "..., restez en ligne, merci."; and one opener beyond the rule: "Allô ? Oui, c'est {name},
   excusez-moi, j'étais dans le jardin, c'est à quel sujet ?" passed the check but shared a 7-word run and its whole
   shape with another split's opener, so it became "Allô ? Oui, c'est {name}, pardon, je descendais de l'escabeau,
   vous disiez ?". Nothing else changed. What the check leaves: the only equal texts are 1-2 word forms a clip can
   be cut to ("Oui", "Allô", "Bonjour", "Allô, oui", ...), and formulaic runs of 4-8 words ("je vous écoute, c'est à
   quel sujet", "votre appel ne peut aboutir") are shared with other splits' texts, as in every split.
3. Labels and mix like test5: HUMAN short and long openers, MACHINE voicemail / IVR / queue / short voicemail,
   OPERATOR announcements (SIT before every other one), NO_ANSWER; the conditions synthetic (16 kHz wideband),
   telephone and noise (no `recorded`: there is no real voice). Seed 47 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test6 rows of manifest.csv and writes only *_test6_*.wav.
Build-time needs: sox and Debian's `libttspico-utils` (non-free); tests and CI only read the committed files.
"""

from __future__ import annotations

from amd_eval_texts import HUMAN, MACHINE, OPERATOR, Template, Voice, _templates, synthetic_only_plan
from make_amd_eval import split_main

TEST6 = "test6"

SYNTH_VOICES = (
    Voice("pico", "pico"),
    Voice("pico-250c", "pico", cents=-250),
    Voice("pico+150c", "pico", cents=150),
    Voice("pico-tempo0.9", "pico", tempo=0.9),
    Voice("pico-tempo1.15", "pico", tempo=1.15),
)

SLOTS = {
    "name": ("Clothilde", "Gauthier", "Maëlys", "Raphaël", "Margaux", "Anatole"),
    "surname": ("Delaunay", "Hamelin", "Jolivet", "Prigent", "Texier", "Brunet"),
    "company": ("Vitrerie Kerlan", "Quincaillerie Jolibois", "Taxis Marbeuf", "Cordonnerie Tanguy"),
    "number": (
        "zéro trois, vingt-deux, cinquante et un, dix-sept, quarante-quatre",
        "zéro cinq, soixante-trois, douze, quatre-vingt-huit, trente-sept",
        "zéro six, dix-neuf, soixante-dix, quarante et un, vingt-trois",
    ),
}

# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-g",
        [
            "Oui, allô, qui demandez-vous ?",
            "Allô ? Allô ? Ça coupe, là.",
            "Oui, qu'est-ce qu'il y a ?",
            "Allô, bonjour, vous êtes ?",
            "Oui, une minute, voilà, allô ?",
            "Bonsoir, allô ?",
            "Allô ? Oui, oui, parlez.",
            "Allô, j'arrive, ne quittez pas.",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-g",
        [
            "Allô, {name} {surname}, bonjour, je vous écoute, c'est à quel sujet ?",
            "Oui, {company}, {name} à l'appareil, bonjour, en quoi puis-je vous aider ?",
            "Allô ? Oui, c'est {name}, pardon, je descendais de l'escabeau, vous disiez ?",
            "Bonjour, vous êtes bien chez les {surname}, qui est à l'appareil ?",
            "Allô, oui ? Parlez plus fort, il y a du bruit autour de moi.",
            "Oui, bonjour, {name} {surname}, je sors d'une réunion, je vous écoute.",
            "{company}, bonjour, ne quittez pas, je prends un stylo, voilà, je vous écoute.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-g",
        [
            "Bonjour, vous êtes sur le répondeur de {name} {surname}. Je ne suis pas disponible, laissez votre nom "
            "et votre numéro, je vous rappellerai.",
            "Salut, ici {name}, je ne peux pas décrocher. Laisse ton message après le bip, bisous !",
            "Bonjour, {company} vous remercie de votre appel. Nos locaux sont fermés, nous vous accueillons du lundi "
            "au samedi de huit heures à midi.",
            "Ici le standard automatique de {company}. Pour un devis, faites le un. Pour le suivi d'une commande, "
            "faites le deux.",
            "Un conseiller va prendre votre appel dans quelques instants, restez en ligne, merci.",
            "Votre appel est redirigé vers la messagerie du {number}. Après le bip, enregistrez votre message puis "
            "raccrochez.",
            "Vous êtes au cabinet dentaire du docteur {surname}. Pour une urgence, composez le quinze. Sinon, "
            "rappelez aux heures d'ouverture.",
            "Bonjour, c'est la famille {surname}, on n'est pas là pour le moment, laissez-nous un petit message.",
            "Pour être mis en relation avec le service après-vente, dites après-vente. Pour une autre demande, dites "
            "autre.",
            "Nous traitons un grand nombre d'appels. Votre attente est estimée à moins de cinq minutes, une musique "
            "va vous faire patienter.",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-g",
        [
            "Ici {name}, laissez votre message.",
            "C'est {name}, à vous.",
            "{company}, laissez vos coordonnées.",
            "{name} {surname}, message après le bip.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-g",
        [
            "Il n'existe aucun abonné à ce numéro. Merci de vérifier le numéro demandé.",
            "La ligne que vous appelez est hors service. Veuillez contacter votre correspondant par un autre moyen.",
            "Votre correspondant est injoignable pour l'instant. Nous vous invitons à rappeler ultérieurement.",
            "Le téléphone de la personne que vous appelez est éteint. Vous pouvez lui envoyer un message écrit.",
            "Le réseau de votre correspondant est saturé, votre appel ne peut être pris en compte, veuillez "
            "rappeler plus tard.",
            "Nous ne parvenons pas à établir la communication avec le numéro demandé. Raccrochez et réessayez.",
            "Suite à une perturbation technique sur notre réseau, votre appel ne peut aboutir. Nos équipes sont "
            "mobilisées.",
            "Le numéro composé n'est pas valide. Vérifiez l'indicatif et recommencez.",
            "Ce numéro a été résilié et n'a pas été réattribué.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST6, PLAN, 47, __doc__)
