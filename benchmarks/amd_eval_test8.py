"""Build the `test8` split of audio/amd-eval/: held out, SVOX Pico and MBROLA, for one measurement (dev-time tool).

    python benchmarks/amd_eval_test8.py [--out audio/amd-eval] [--seed 59]

Why: test6 and test7 speak only with SVOX Pico; test8 mixes Pico (in sox forms no other split uses) with MBROLA
voices changed by sox, and adds voicemails whose sentences are spoken apart, so that the one measurement rests on
fresh wordings, voices and pauses. Built blind at the end of a session, for a single measurement by the lead; the
builder ran no AMD classifier or ASR on its clips, did not open amd_keywords.yaml and read nothing in
benchmarks/results/. Rules, fixed before any clip existed:

1. Voices, each a voice of its own in the manifest. SVOX Pico fr-FR (`pico2wave -l fr-FR`, its one female voice) in
   4 sox forms no other split uses: `pico+100c` (`pitch 100` cents), `pico-200c` (`pitch -200`), `pico-tempo1.05`
   (`tempo -s 1.05`), `pico-100c-tempo0.92` (`pitch -100 tempo -s 0.92`); one speaker changed, not 4 speakers (the
   speed and pitch the builder draws per clip are not applied to Pico). MBROLA diphone voices driven by espeak-ng
   (speed 135-180, pitch 35-65 drawn per clip, as for every espeak-ng voice), then changed by sox in forms no split
   uses: `mbrola-fr2+150c` (fr2, female, `pitch 150`), `mbrola-fr4-200c` (fr4, female, `pitch -200`),
   `mbrola-fr6-tempo0.9` (fr6, male, `tempo -s 0.9`). The installed MBROLA French voices are fr1, fr2, fr4, fr6, fr7
   and ca2, each heard in one other split as is (fr2, fr6: tune; fr4: test); these three were picked among the least
   heard (12-13 clips each). make_amd_eval.py got two hooks for this split: a synthetic (espeak-ng / MBROLA) voice's
   cents / tempo are applied by sox (`sox -G`: guarded against clipping), and Template.pause_s speaks a template's
   sentences one by one with a pause drawn in that range between them. No earlier split has either: rebuilt into
   temporary folders with the final make_amd_eval.py, test2 (espeak-ng, Klatt, MBROLA, recorded June) and test7
   (Pico) gave byte-identical WAV files and manifest rows.
2. Phrase templates written blind from the phrase families only (people's short openers; long openers: staff
   answering with a company and a name, "à votre service", "à l'appareil", "je vous écoute", people talking 3-5 s
   with a name or a question; personal voicemails informal and formal, business voicemails, IVR menus, an automated
   switchboard, queues, a speech-driven IVR, an automated notification (a recorded system prompt is MACHINE, as in
   test5), short voicemails; 4 voicemails whose sentences are spoken 0.6-1.1 s apart (`vm-i-apart*`); carrier
   announcements: no line at the number, number no longer in service, correspondent unreachable, mobile off or flat,
   network saturated, call cannot be put through, number too short, call barred by the plan, out of coverage,
   network overload). The writer had seen the other builders' templates (amd_eval_test6.py, amd_eval_test7.py, as
   models of the code) and wrote other wordings. After writing, the same programmatic check as test5-test7
   (normalised text: lower case, words only) compared every rendered test8 text (every filler combination, every
   shorter form fit_text can cut it to, and each of those said twice, as short openers and looping announcements
   are) with every `text` of manifest.csv: none equals another split's text, none contains or sits inside another
   split's text of 3 words or more, and no filler is another split's filler, nor is a word of a name, surname or
   company a word of another split's texts. Replaced after that check: "Allô ? Oui, j'écoute, allez-y." (contains
   another split's whole text "oui, j'écoute") -> "Allô ? Oui, allez-y, parlez."; "Allô ? Oui, oui, je suis là."
   (its first clauses sit inside another split's text) -> "Allô ? Ouais, ouais, je suis là."; "Votre correspondant
   ne peut être joint actuellement. ..." (its first sentence equals another split's text) -> "Il est impossible de
   joindre votre correspondant en ce moment. ..."; "Ce service n'est pas disponible depuis votre ligne. ..."
   (contains another split's whole text "n'est pas disponible") -> "Votre forfait ne permet pas d'appeler ce
   numéro. ...". After the first build, three changes that no check asked for: the company "Ambulances Cazaux" ->
   "Pépinières Cazaux" ("de Ambulances" is not French), the switchboard "Standard de {company}, bonjour. ..." ->
   "Standard automatisé de {company}. ..." and the physiotherapist's closed-office greeting shortened ("... fermé
   le mercredi. Pour prendre rendez-vous, rappelez à partir de huit heures." -> "... fermé aujourd'hui. Pour un
   rendez-vous, rappelez demain."), because the clip cut them to "{company}, bonjour.", which a receptionist says
   too (the label must hold for the cut text). Both passed the check again. What the check leaves: the only equal
   texts are 1-2 word forms a clip can be cut to ("Allô", "Oui", "Bonjour", "Allô, oui", "Oui, allô", "Oui,
   bonjour"; no test8 clip is cut to one), and formulaic runs ("je vous écoute", "à l'appareil", "après le bip")
   recur in other splits' texts, as in every split.
3. Labels and mix like test6 and test7: HUMAN short and long openers, MACHINE voicemail / IVR / switchboard / queue /
   short voicemail, OPERATOR announcements (SIT before every other one), NO_ANSWER (silence with line noise, some
   with clicks or strong noise); the conditions synthetic (16 kHz wideband), telephone and noise (no `recorded`:
   there is no real voice). Hold music, a chime or ringback before some greetings come from the shared timelines.
   Seed 59 (no other split's).

Same machinery as make_amd_eval.py; it replaces only the test8 rows of manifest.csv and writes only *_test8_*.wav.
Build-time needs: sox, espeak-ng, mbrola with mbrola-fr2, -fr4, -fr6, and Debian's `libttspico-utils` (non-free);
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

TEST8 = "test8"
SENTENCE_PAUSE_S = (0.6, 1.1)  # voicemails whose sentences are spoken apart

SYNTH_VOICES = (
    Voice("pico+100c", "pico", cents=100),
    Voice("pico-200c", "pico", cents=-200),
    Voice("pico-tempo1.05", "pico", tempo=1.05),
    Voice("pico-100c-tempo0.92", "pico", cents=-100, tempo=0.92),
    Voice("mbrola-fr2+150c", "mbrola", "mb-fr2", cents=150),
    Voice("mbrola-fr4-200c", "mbrola", "mb-fr4", cents=-200),
    Voice("mbrola-fr6-tempo0.9", "mbrola", "mb-fr6", tempo=0.9),
)

SLOTS = {
    "name": ("Apolline", "Barnabé", "Séverine", "Firmin", "Léonie", "Honorine"),
    "surname": ("Kerbrat", "Duchesne", "Loiseau", "Penven", "Castel", "Vautrin"),
    "company": ("Charcuterie Pellerin", "Pépinières Cazaux", "Jardinerie Lescure", "Miroiterie Bastide"),
    "number": (
        "zéro un, cinquante-huit, trente-neuf, soixante-quatorze, vingt-six",
        "zéro deux, quarante-sept, quatre-vingt-onze, treize, soixante-huit",
        "zéro six, trente-quatre, vingt-cinq, quatre-vingt-dix-sept, dix",
    ),
}


# Written blind from the phrase families (see the module docstring).
TEMPLATES: tuple[Template, ...] = (
    _templates(
        HUMAN,
        "human-short",
        "hs-i",
        [
            "Allô ? Oui, allez-y, parlez.",
            "Oui, allô, c'est pour moi ?",
            "Allô ? Je ne vous entends pas bien, là.",
            "Oui, bonjour, c'est à quel propos ?",
            "Allô ? Ouais, ouais, je suis là.",
            "Oui ? Ah, pardon, j'avais la bouche pleine.",
            "Allô, bonsoir, qui est à l'appareil ?",
            "Allô ? Vous m'appelez pour quoi ?",
        ],
    )
    + _templates(
        HUMAN,
        "human-long",
        "hl-i",
        [
            "{company}, {name} à votre service, bonjour, c'est pour un renseignement ?",
            "Bonjour, {company}, {name} {surname} à l'appareil, que puis-je pour vous aujourd'hui ?",
            "Allô, oui, {name} {surname}, je vous écoute, je suis entre deux rendez-vous.",
            "Oui, allô ? C'est {name}, attendez, je sors du magasin, voilà, c'est à quel sujet ?",
            "Bonjour, accueil de {company}, {name} je vous écoute, vous avez un numéro de dossier ?",
            "Allô ? Oui, ici {name}, mon fils m'a dit que vous aviez appelé, c'est pour la maison ?",
            "Oui, bonjour, {name} {surname}, pardon, j'étais au sous-sol, qu'est-ce qu'il vous faut ?",
            "Allô, {company} bonjour, {name} au standard, vous voulez parler à qui ?",
        ],
    )
    + _templates(
        MACHINE,
        "voicemail",
        "vm-i",
        [
            "Salut, t'es bien sur le portable de {name}, je rappelle dès que possible, laisse-moi un petit message !",
            "Bienvenue sur le serveur vocal de {company}. Pour les commandes, appuyez sur la touche un. Pour le "
            "service technique, appuyez sur la touche deux.",
            "Standard automatisé de {company}. Si vous connaissez le poste de votre correspondant, composez-le "
            "maintenant. Sinon, patientez.",
            "Tous nos collaborateurs sont occupés, votre appel est important pour nous, ne quittez pas.",
            "Bonjour, le {number} est sur messagerie. Vous pouvez laisser un message après le signal, ou rappeler "
            "plus tard.",
            "Centre de kinésithérapie {surname}, bonjour. Le cabinet est fermé aujourd'hui. Pour un rendez-vous, "
            "rappelez demain.",
            "Bonjour, pour nous aider à orienter votre appel, dites en quelques mots l'objet de votre demande, après "
            "le bip.",
            "Bonjour, ceci est un message automatique de {company}. Votre commande est prête, vous pouvez venir la "
            "retirer en magasin.",
        ],
    )
    + spoken_apart(
        _templates(
            MACHINE,
            "voicemail",
            "vm-i-apart",
            [
                "Bonjour, vous êtes sur la messagerie de {name} {surname}. Je suis momentanément indisponible. Merci "
                "de me laisser vos coordonnées, je vous recontacterai.",
                "Bonjour, vous êtes bien chez {company}. Nous sommes en congés jusqu'au lundi vingt. Vous pouvez "
                "nous écrire par courriel.",
                "Merci d'avoir appelé {company}. Tous nos agents sont déjà en ligne. Votre temps d'attente est "
                "d'environ deux minutes.",
                "Bonjour. C'est {name}. Je ne suis pas là pour l'instant. Rappelez plus tard, merci.",
            ],
        ),
        SENTENCE_PAUSE_S,
    )
    + _templates(
        MACHINE,
        "voicemail-short",
        "vs-i",
        [
            "Ici {name}, votre message après le bip.",
            "Bonjour, ici {name}, parlez après le top.",
            "{company}, nous rappelons, laissez votre numéro.",
            "{name} {surname}, je vous rappelle au plus vite.",
        ],
    )
    + _templates(
        OPERATOR,
        "operator",
        "op-i",
        [
            "Aucune ligne ne correspond au numéro que vous avez appelé. Veuillez vérifier le numéro.",
            "Ce numéro a cessé d'être en service. Merci de vous renseigner auprès de votre correspondant.",
            "Il est impossible de joindre votre correspondant en ce moment. Veuillez renouveler votre appel "
            "ultérieurement.",
            "Le mobile que vous appelez est éteint ou déchargé. Essayez de rappeler un peu plus tard.",
            "Le réseau est saturé pour le moment. Nous vous remercions de rappeler dans quelques minutes.",
            "Votre appel ne peut pas être mis en relation. Veuillez raccrocher et composer à nouveau.",
            "Le numéro que vous avez composé est trop court. Vérifiez-le et renouvelez votre appel.",
            "Votre forfait ne permet pas d'appeler ce numéro. Pour plus d'informations, contactez votre opérateur.",
            "Nous n'avons pas pu joindre votre correspondant. Il est peut-être en dehors d'une zone couverte, merci "
            "de réessayer.",
            "Suite à une surcharge du réseau, votre communication n'a pas pu aboutir. Merci de patienter quelques "
            "instants avant de rappeler.",
        ],
    )
)

PLAN = synthetic_only_plan(SYNTH_VOICES, SLOTS, TEMPLATES)


if __name__ == "__main__":
    split_main(TEST8, PLAN, 59, __doc__)
