"""Contacts CSV validation: every bad row named by line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from robot.campaign.contacts import decode_csv_bytes, load_contacts, load_dnc, normalize_phone, parse_contacts
from robot.errors import ConfigError

pytestmark = pytest.mark.unit


def parse(text: str, *, consent: bool = False, dnc: tuple[str, ...] = ()) -> tuple[list[str], list[str]]:
    report = parse_contacts(text, source="c.csv", default_timezone="Europe/Paris", consent_required=consent, dnc=dnc)
    return [c.phone for c in report.contacts], [str(p) for p in report.problems]


@pytest.mark.parametrize(
    ("raw", "e164"),
    [("+33 6 12 34 56 78", "+33612345678"), ("06.12.34.56.78", "+33612345678"), ("0033612345678", "+33612345678"),
     ("+1 (212) 555-0100", "+12125550100"), ("+3227000000", "+3227000000")],
)  # fmt: skip
def test_normalize_phone(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "612345678", "+0612345678", "+33612345678901234", "+33 6x", "0012"])
def test_normalize_phone_rejects(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_semicolon_bom_variables_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    text = (
        "phone;Name;timezone;consent_ref;Offre\r\n"
        "06 12 34 56 78;Zoé;;C-1;fibre\r\n"
        "+12125550100;Bob;America/New_York;C-2;\r\n"
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    report = load_contacts(path, default_timezone="Europe/Paris", consent_required=True)
    assert report.problems == []
    first, second = report.contacts
    assert (first.line, first.phone, first.name, first.timezone, first.variables) == (
        2, "+33612345678", "Zoé", "Europe/Paris", {"offre": "fibre"}
    )  # fmt: skip
    assert second.timezone == "America/New_York" and second.consent_ref == "C-2"


def test_every_bad_row_is_reported_with_line_and_field() -> None:
    text = (
        "phone,name,timezone,consent_ref\n"
        "+33612345678,A,,c1\n"
        "12,B,,c2\n"  # line 3: bad phone
        "06 12 34 56 78,C,,c3\n"  # line 4: duplicate of line 2
        "+33712345678,D,Mars/Olympus,c4\n"  # line 5: bad tz
        "+33812345678,E,,\n"  # line 6: no consent
        "+33912345678,F\n"  # line 7: field count
        "+33112345678,G,,c5\n"  # line 8: on DNC
    )
    phones, problems = parse(text, consent=True, dnc=("+33112345678",))
    assert phones == ["+33612345678"]
    assert problems[0].startswith("line 3, phone: '12' is not an E.164 number")
    assert "line 4, phone: duplicate of line 2 (+33612345678)" in problems
    assert "line 5, timezone: 'Mars/Olympus' is not an IANA time zone" in problems
    assert any(p.startswith("line 6, consent_ref: required") for p in problems)
    assert "line 7, row: 2 fields, the header has 4" in problems
    assert "line 8, phone: +33112345678 is on the do-not-call list" in problems


def test_consent_not_required_outside_prospecting_and_blank_lines_skipped() -> None:
    phones, problems = parse("phone\n+33612345678\n\n+33612345679\n")
    assert phones == ["+33612345678", "+33612345679"] and problems == []


@pytest.mark.parametrize(
    ("text", "message"),
    [("name,tz\nA,B\n", "required column 'phone' is missing"), ("", "empty file"),
     ("phone,phone\n1,2\n", "appears twice"), ("phone,my var\n1,2\n", "not a safe variable name"),
     ("phone,a;b\n", "mixes"), ('phone,name\n"+33612345678,"x\n', "CSV syntax error")],
)  # fmt: skip
def test_file_level_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(text)


def test_control_characters_and_long_values_are_refused() -> None:
    _, problems = parse("phone,note\n+33612345678,a\x07b\n+33612345679," + "x" * 300 + "\n")
    assert problems == ["line 2, note: contains control characters", "line 3, note: longer than 256 characters"]


def test_non_utf8_names_the_line() -> None:
    with pytest.raises(ConfigError, match=r"c.csv:3: not UTF-8 \(byte 0xe9\)"):
        decode_csv_bytes("phone,name\n+33612345678,a\n+33612345679,Zo\xe9\n".encode("latin-1"), "c.csv")


def test_dnc_file(tmp_path: Path) -> None:
    path = tmp_path / "dnc.txt"
    path.write_text("# opposition list\n06 12 34 56 78\n+12125550100  # US\n\n")
    assert load_dnc(path) == {"+33612345678", "+12125550100"}
    path.write_text("+33612345678\nnope\n")
    with pytest.raises(ConfigError, match=r"dnc\.txt:2:"):
        load_dnc(path)
