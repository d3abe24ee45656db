"""amd_keywords.yaml + robot.amd.keywords: validation, normalisation, matching, weighed scoring."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.amd.keywords import (
    Family,
    KeywordSet,
    Weight,
    load_keywords,
    match_keys,
    normalise_words,
    parse_keywords,
)
from robot.errors import ConfigError

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def keywords() -> KeywordSet:
    return load_keywords(REPO / "amd_keywords.yaml")


def families(kw: KeywordSet, text: str) -> list[tuple[str, str, str]]:
    return [(m.family.value, m.weight.value, m.phrase.text) for m in kw.match(text)]


def test_shipped_file_has_the_required_families(keywords: KeywordSet) -> None:
    assert keywords.count(Family.VOICEMAIL) >= 86
    assert keywords.count(Family.HUMAN) >= 14
    assert keywords.count(Family.OPERATOR) >= 10
    assert keywords.count(Family.VOICEMAIL, Weight.WEAK) >= 10


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Allô ?", ("allo",)),
        ("ALLO", ("allo",)),
        ("laissez-moi", ("laissez", "moi")),
        ("n’est pas", ("n", "est", "pas")),
        ("n'est pas", ("n", "est", "pas")),
        ("Boîte  VOCALE!", ("boite", "vocale")),
        ("cœur", ("coeur",)),
        ("ce n°1 n'est plus", ("ce", "numero", "1", "n", "est", "plus")),  # Whisper's abbreviation of numéro
        ("N° 12, nº", ("numero", "12", "numero")),
        ("un nô", ("un", "no")),
        ("", ()),
    ],
)
def test_normalisation(text: str, words: tuple[str, ...]) -> None:
    assert normalise_words(text) == words


def test_long_human_greeting_is_human(keywords: KeywordSet) -> None:
    s = keywords.score("Oui bonjour, c'est Julien, je vous écoute", 3.0, 1.0)
    assert s.voicemail == 0
    assert s.human >= 3
    assert ("human", "strong", "je vous écoute") in families(keywords, "Oui bonjour, c'est Julien, je vous écoute")


def test_human_saying_not_available_scores_weakly(keywords: KeywordSet) -> None:
    s = keywords.score("je ne suis pas disponible là, rappelez-moi", 3.0, 1.0)
    assert s.voicemail == 1.0  # weak only: humans say it
    assert s.machine_minus_human <= 0


def test_allo_variants_are_human(keywords: KeywordSet) -> None:
    for text in ("Allô ?", "allo", "ALLÔ ALLÔ", "Oui, allô ?"):
        s = keywords.score(text, 3.0, 1.0)
        assert s.human >= 3 and s.voicemail == 0, text


def test_short_voicemail_is_strong(keywords: KeywordSet) -> None:
    s = keywords.score("Laissez un message", 3.0, 1.0)
    assert s.voicemail == 3.0 and s.human == 0


def test_operator_announcement(keywords: KeywordSet) -> None:
    s = keywords.score("Le numéro que vous avez composé n'est pas attribué.", 3.0, 1.0)
    assert s.operator >= 3 and s.voicemail == 0
    assert [m.phrase.text for m in keywords.match("le numéro que vous avez composé n’est pas attribué")] == [
        "le numéro que vous avez composé n'est pas attribué"
    ]


def test_longest_match_wins_and_positions(keywords: KeywordSet) -> None:
    matches = keywords.match("Bonjour, laissez-moi un message après le bip sonore")
    assert [(m.phrase.text, m.start_word, m.end_word) for m in matches] == [
        ("laissez moi un message", 1, 5),
        ("après le bip sonore", 5, 9),
    ]


def test_whole_words_only(keywords: KeywordSet) -> None:
    assert keywords.match("ouistiti messagers") == ()
    assert families(keywords, "oui") == [("human", "weak", "oui")]


@pytest.mark.parametrize(
    ("text", "machine"),
    [
        ("Bonjour, vous êtes bien sur la messagerie de Julien, laissez-moi un message après le bip sonore.", True),
        ("Vous êtes sur le répondeur de Marie Dupont, je vous rappellerai dès que possible.", True),
        ("Votre correspondant n'est pas disponible. Veuillez laisser un message après le signal sonore.", True),
        ("Personne n'est en mesure de prendre votre appel en ce moment.", True),
        ("Désolé, mais cette boîte vocale ne peut recevoir de nouveaux messages.", True),
        ("Après le timbre sonore, enregistrez votre message et appuyez sur dièse.", True),
        ("Nos bureaux sont fermés, nos horaires d'ouverture sont du lundi au vendredi.", True),
        ("Oui ?", False),
        ("Bonjour, oui j'écoute.", False),
        ("Oui allô, c'est qui ?", False),
        ("C'est à quel sujet ?", False),
        ("Attendez, je vous entends mal", False),
        ("je suis occupé là, rappelez-moi plus tard", False),
    ],
)
def test_weighed_scores(keywords: KeywordSet, text: str, machine: bool) -> None:
    s = keywords.score(text, 3.0, 1.0)
    assert (s.machine_minus_human >= 3.0) is machine, s.describe()


def test_operator_vs_voicemail_families_kept_apart(keywords: KeywordSet) -> None:
    s = keywords.score("Toutes les lignes sont occupées pour l'instant", 3.0, 1.0)
    assert s.operator == 3 and s.voicemail == 0
    s = keywords.score("Votre appel ne peut être complété tel que composé", 3.0, 1.0)
    assert s.operator >= 3 and s.voicemail == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("voicemail:\n  strong: [messagerie]\nhuman:\n  strong: [allo]\nrobots:\n  weak: [x]\n", ":5: unknown family"),
        ("voicemail:\n  strong: [messagerie]\n  medium: [x]\n", ":3: voicemail.medium: unknown weight"),
        ("voicemail:\n  strong: messagerie\n", ":2: voicemail.strong: expected a list"),
        ("voicemail:\n  strong:\n    - messagerie\n    - 12\n", ":4: voicemail.strong: each phrase must be a plain"),
        (
            "voicemail:\n  strong:\n    - Messagerie\n    - messagerie\n",
            ":4: voicemail.strong: phrase 'messagerie' repeats line 3",
        ),
        ("voicemail:\n  strong:\n    - '?!'\n", ":3: voicemail.strong: phrase '?!' has no words"),
        ("- a\n- b\n", ":1: top level: expected a mapping"),
        ("voicemail: [\n", "not valid YAML"),
        ("", "empty keyword file"),
        ("voicemail:\n  strong: [messagerie]\nhuman:\n  weak: [oui]\n", "family 'operator' has no phrases"),
    ],
)
def test_invalid_files_name_file_line_field(content: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_keywords(content, Path("kw.yaml"))
    assert "kw.yaml" in str(err.value)
    assert message in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read keyword file"):
        load_keywords(tmp_path / "nope.yaml")


def test_accent_that_carries_meaning_is_kept(keywords: KeywordSet) -> None:
    assert normalise_words("Je suis là, la boîte") == ("je", "suis", "là", "la", "boite")
    assert families(keywords, "la personne") == []
    assert ("human", "weak", "je suis là") in families(keywords, "oui je suis là")


def test_lone_la_is_no_human_evidence(keywords: KeywordSet) -> None:
    # a filler of any speech, and Whisper writes "là" for the article: "Nous sommes désolés là" is an announcement
    s = keywords.score("Nous sommes désolés là, la limite", 3.0, 1.0)
    assert s.human == 0.0 and s.operator > 0


@pytest.mark.parametrize(
    "text",
    [
        "Il n'y a pas d'abonné au numéro que vous avez demandé.",
        "Suite à un incident technique, votre appel n'a pu aboutir.",
        "Le numéro que vous demandez est incomplet, vérifiez votre numérotation.",
        "Le numéro appelé est hors service actuellement.",
        "La composition abrégée que vous avez faite n'existe pas.",
        "Tous les circuits sont occupés, le réseau est saturé.",
        "Ce service est indisponible depuis votre ligne.",
        "Nous ne pouvons donner suite à votre appel.",
    ],
)
def test_carrier_announcement_families_are_operator(keywords: KeywordSet, text: str) -> None:
    s = keywords.score(text, 3.0, 1.0)
    assert s.operator >= 3.0 and s.operator > s.voicemail and s.human == 0.0, s.describe()


@pytest.mark.parametrize(
    "text",
    [
        "Oui allô, je suis dans le train, le réseau est saturé, je vous rappelle",
        "Allô ? Oui, c'est moi, j'étais abonné chez vous",
    ],
)
def test_carrier_words_in_a_persons_opener_stay_human(keywords: KeywordSet, text: str) -> None:
    s = keywords.score(text, 3.0, 1.0)
    assert s.human >= 3.0 and s.operator < 3.0, s.describe()


@pytest.mark.parametrize(
    ("spoken", "listed"),
    [
        ("complétée", "complété"),
        ("complétés", "complété"),
        ("absente", "absent"),
        ("fermées", "fermés"),
        ("messageries vocales", "messagerie vocale"),
        ("nos bureaux", "nos bureau"),
    ],
)
def test_inflections_match_alike(spoken: str, listed: str) -> None:
    assert match_keys(spoken) == match_keys(listed)


def test_inflected_operator_phrase_matches(keywords: KeywordSet) -> None:
    assert ("operator", "strong", "ne peut être complété") in families(keywords, "Votre appel ne peut être complétée")


def test_bonjour_is_no_evidence(keywords: KeywordSet) -> None:
    assert families(keywords, "Bonjour") == []  # people and recorded greetings both open with it


def test_weak_human_words_do_not_offset_a_strong_voicemail_phrase(keywords: KeywordSet) -> None:
    s = keywords.score("Oui bonjour, vous êtes bien sur la messagerie de Julien", 3.0, 1.0)
    assert s.human == 0.0
    assert s.voicemail >= 3.0
    human = keywords.score("Oui bonjour, je vous écoute", 3.0, 1.0)
    assert human.human >= 4.0  # strong + weak count when no machine phrase is there


def test_a_phrase_repeated_as_an_inflection_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kw.yaml"
    text = (
        "voicemail:\n  strong:\n    - je suis absent\n    - je suis absente\n"
        "human:\n  weak: [oui]\noperator:\n  weak: [réseau]\n"
    )
    with pytest.raises(ConfigError, match=r"kw.yaml:4: voicemail.strong: phrase 'je suis absente' repeats line 3"):
        parse_keywords(text, path)


def test_misheard_announcement_keeps_weak_operator_evidence(keywords: KeywordSet) -> None:
    found = families(keywords, "ce n°1 n'est plus en termes dis actuellement")
    assert [f for f, _, _ in found] == ["operator", "operator"]
    assert keywords.score("ce n°1 n'est plus", 3.0, 1.0).operator == 2.0
    # "désolé" alone is in no family: voicemails open with it too
    assert keywords.score("Désolé, mais cette boîte", 3.0, 1.0).operator == 0.0


def test_whisper_spelling_of_allo_is_human(keywords: KeywordSet) -> None:
    assert families(keywords, "A l'eau, oui") == [("human", "strong", "à l'eau"), ("human", "weak", "oui")]
    assert families(keywords, "Hello !") == [("human", "weak", "hello")]


def test_merged_scores_keep_each_familys_best(keywords: KeywordSet) -> None:
    early = keywords.score("Oui, c'est moi, mais", 3.0, 1.0)  # the first transcript heard the person's opener
    later = keywords.score("avec M1, M3, je ne suis pas disponible", 3.0, 1.0)  # the next garbled it
    merged = early.merged(later)
    assert (merged.human, merged.voicemail, merged.operator) == (early.human, later.voicemail, 0.0)
    assert {m.phrase.text for m in merged.matches} == {m.phrase.text for m in early.matches + later.matches}
    same = later.merged(later)  # a phrase found twice at the same place counts once
    assert same.matches == later.matches and same.voicemail == later.voicemail


def test_call_transfer_congestion_and_cut_person_you_are_trying_to_reach(keywords: KeywordSet) -> None:
    transfer = keywords.score("Nous transférons votre appel, merci de rester en ligne.", 3.0, 1.0)
    assert transfer.voicemail >= 3.0 and transfer.human == 0
    congestion = keywords.score("Par suite d'encombrement, votre demande ne peut être satisfaite.", 3.0, 1.0)
    assert congestion.operator >= 3.0 and congestion.voicemail == 0
    cut = keywords.score("La personne que vous désirez", 3.0, 1.0)  # cut before "joindre"
    assert cut.voicemail > 0 and cut.human == 0


NEAR_FILE = """
voicemail:
  strong:
    - personne n'est en mesure de prendre votre appel
    - nous ne pouvons pas prendre votre appel
    - laissez un message
  weak:
    - je ne suis pas disponible pour le moment
human:
  strong:
    - je vous écoute
  weak:
    - oui
operator:
  strong:
    - le numéro que vous avez demandé
    - acheminer votre appel
"""


@pytest.fixture(scope="module")
def near_keywords() -> KeywordSet:
    return parse_keywords(NEAR_FILE, Path("near.yaml"))


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Personne n'est en mesure de prendre votre affaire.", "personne n'est en mesure de prendre votre appel"),
        ("personne n'est pas en mesure de prendre votre appel", "personne n'est en mesure de prendre votre appel"),
        ("personne n'est en mesure prendre votre appel", "personne n'est en mesure de prendre votre appel"),
        ("Personne n'est en mesure de prendre votre", "personne n'est en mesure de prendre votre appel"),  # cut
        ("le numéro que vous avez demandés", "le numéro que vous avez demandé"),  # exact: inflection folds
        ("le numéro que vous tentez demandé", "le numéro que vous avez demandé"),
    ],
)
def test_a_long_strong_phrase_matches_one_word_off(near_keywords: KeywordSet, text: str, phrase: str) -> None:
    matches = near_keywords.match(text, near_min_words=5)
    assert [m.phrase.text for m in matches] == [phrase]
    assert near_keywords.match(text) == () or not matches[0].near  # off by default


@pytest.mark.parametrize(
    "text",
    [
        "votre numéro que vous avez demandé",  # the first word must be the phrase's
        "personne n'est en mesure de nous prendre votre temps",  # two words off
        "laissez donc un message",  # a 3-word phrase: exact only
        "je ne suis pas disponible pour ce moment",  # weak phrases: exact only
        "le numéro que",  # too short a piece of the phrase
    ],
)
def test_near_matches_stay_narrow(near_keywords: KeywordSet, text: str) -> None:
    assert all(not m.near for m in near_keywords.match(text, near_min_words=5)), text


def test_near_matches_score_their_own_points_and_only_when_asked(near_keywords: KeywordSet) -> None:
    text = "Oui, personne n'est en mesure de prendre votre affaire"
    off = near_keywords.score(text, 3.0, 1.0)
    assert (off.voicemail, off.human) == (0.0, 1.0)
    assert near_keywords.score(text, 3.0, 1.0, near_points=0.0, near_min_words=5).voicemail == 0.0
    on = near_keywords.score(text, 3.0, 1.0, near_points=2.0, near_min_words=5)
    # a near match is no exact strong machine phrase: the person's weak "oui" still counts
    assert (on.voicemail, on.human, on.operator) == (2.0, 1.0, 0.0)
    assert "voicemail/near strong:" in on.describe()
    assert near_keywords.score(text, 3.0, 1.0, near_points=2.0, near_min_words=10).voicemail == 0.0


def test_an_exact_match_wins_over_a_near_one_of_the_same_length(near_keywords: KeywordSet) -> None:
    matches = near_keywords.match("le numéro que vous avez demandé", near_min_words=3)
    assert [(m.phrase.text, m.near) for m in matches] == [("le numéro que vous avez demandé", False)]
    matches = near_keywords.match("oui je vous écoute", near_min_words=3)
    assert [(m.phrase.text, m.near) for m in matches] == [("oui", False), ("je vous écoute", False)]


def test_a_near_match_gives_way_to_an_exact_strong_phrase_of_another_family(near_keywords: KeywordSet) -> None:
    # one word off a voicemail phrase, and that word makes it a carrier announcement
    text = "Nous ne pouvons pas acheminer votre appel"
    matches = near_keywords.match(text, near_min_words=5)
    assert [(m.phrase.text, m.near) for m in matches] == [("acheminer votre appel", False)]
    on = near_keywords.score(text, 3.0, 1.0, near_points=2.0, near_min_words=5)
    assert (on.voicemail, on.operator) == (0.0, 3.0)
    # the longer exact or near phrase of the same family still wins (longest first)
    same = near_keywords.match("personne n'est en mesure de prendre votre affaire", near_min_words=5)
    assert [(m.phrase.text, m.near) for m in same] == [("personne n'est en mesure de prendre votre appel", True)]


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("Bienvenue sur le standard automatique de la mairie, pour l'état civil tapez un", "voicemail"),
        ("Votre temps d'attente est estimé à deux minutes", "voicemail"),
        ("En raison d'un grand nombre d'appels, merci de patienter", "voicemail"),
        ("Toutes nos lignes sont occupées, restez en ligne", "voicemail"),  # a company's queue, not the network
        ("Le mobile de votre correspondant est éteint ou hors zone de couverture", "operator"),
        ("Cette ligne a été résiliée", "operator"),
        ("Nous ne parvenons pas à établir la communication", "operator"),
        ("Votre forfait ne permet pas d'appeler ce type de numéro", "operator"),
        ("Votre correspondant ne peut pas être atteint pour l'instant", "operator"),
        ("Suite à un trafic trop important, la communication n'a pas pu être établie", "operator"),
        ("Les numéros surtaxés sont bloqués sur cette ligne", "operator"),
        ("Menu principal : pour le service client, tapez deux", "voicemail"),
        ("Standard vocal, dites le nom de votre interlocuteur", "voicemail"),
        ("Le magasin est actuellement fermé, nous rouvrons lundi", "voicemail"),
        ("Nos agents sont tous occupés, votre appel sera transféré", "voicemail"),
        # call screening, digit counts, barred and withdrawn lines; closed shops and queues in other words
        ("Votre correspondant filtre ses appels, il ne peut pas vous répondre", "operator"),
        ("Vous avez composé trop peu de chiffres", "operator"),
        ("Seuls les appels d'urgence sont possibles depuis cette ligne", "operator"),
        ("Merci de régulariser votre situation auprès de votre opérateur", "operator"),
        ("Ce poste a été retiré du service", "operator"),
        ("Nous sommes fermés le dimanche, à demain", "voicemail"),
        ("La boutique est fermée pour travaux", "voicemail"),
        ("Un conseiller va prendre votre appel, ne quittez pas", "voicemail"),
        ("Encore un instant, c'est bientôt votre tour", "voicemail"),
    ],
)
def test_switchboards_queues_and_network_faults(keywords: KeywordSet, text: str, family: str) -> None:
    s = keywords.score(text, 3.0, 1.0)
    points = {"voicemail": s.voicemail, "operator": s.operator, "human": s.human}
    assert points[family] >= 3.0 and max(v for k, v in points.items() if k != family) < points[family], (text, s)


def test_at_equal_length_a_strong_phrase_wins_over_an_overlapping_weak_one() -> None:
    kw = parse_keywords(
        "voicemail:\n  strong: [attente est estimée]\n  weak: [temps d'attente]\n"
        "human:\n  strong: [allô]\noperator:\n  strong: [numéro erroné]\n",
        Path("tie.yaml"),
    )
    matches = kw.match("Votre temps d'attente est estimé à deux minutes")
    assert [(m.phrase.text, m.weight.value) for m in matches] == [("attente est estimée", "strong")]
    assert kw.score("Votre temps d'attente est estimé", 3.0, 1.0).voicemail == 3.0


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, Boulangerie Dupuis, Chantal à votre service, je vous écoute.",
        "Cabinet Leroy bonjour, en quoi puis-je vous être utile ?",
        "Transports Morel, que puis-je faire pour vous ?",
        "Allô ? Ah vous tombez mal, je suis au volant.",
    ],
)
def test_staff_and_busy_peoples_openers_are_human(keywords: KeywordSet, text: str) -> None:
    scores = keywords.score(text, 3.0, 1.0)
    assert scores.human >= 3.0 and scores.voicemail == 0 and scores.machine_minus_human < 0


def test_a_machine_that_says_it_is_at_your_service_still_leaves_a_message(keywords: KeywordSet) -> None:
    scores = keywords.score("Notre équipe reste à votre service, merci de laisser un message après le bip.", 3.0, 1.0)
    assert scores.machine_minus_human > 0
