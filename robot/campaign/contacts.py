"""Contacts CSV validation (pure once the bytes are read).

The whole file is checked before anything is stored; every bad row is reported with its line and field.

Format: UTF-8 (a BOM is accepted), delimiter `,` or `;` (taken from the header line), one header row.
Columns: `phone` (required); optional `name`, `timezone` (IANA, e.g. Europe/Paris), `consent_ref`; any other column
becomes a call variable whose name must be safe (`[a-z][a-z0-9_]{0,31}` after lower-casing the header).

Numbers: E.164 (`+` then 8 to 15 digits; spaces, dots, dashes and parentheses are ignored; a leading `00` is read as
`+`). A French national number (`0` followed by 9 digits, first digit 1-9) is normalised to `+33` without the 0.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from robot.errors import ConfigError

_KNOWN_COLUMNS = ("phone", "name", "timezone", "consent_ref")
_SAFE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")
_E164 = re.compile(r"\+[1-9][0-9]{7,14}\Z")
_FR_NATIONAL = re.compile(r"0[1-9][0-9]{8}\Z")
_SEPARATORS = re.compile(r"[ .\-()\u00a0]")
_MAX_VALUE_LEN = 256


@dataclass(frozen=True, slots=True)
class Contact:
    """One valid row. `line` is the 1-based line of the row in its file."""

    line: int
    phone: str
    name: str = ""
    timezone: str = "Europe/Paris"
    consent_ref: str = ""
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    field: str
    message: str
    raw_phone: str = ""

    def __str__(self) -> str:
        return f"line {self.line}, {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class ContactsReport:
    source: str
    contacts: list[Contact]
    problems: list[RowProblem]

    def describe_problems(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} bad row(s):"]
        lines += [f"  {self.source}:{p.line}: {p.field}: {p.message}" for p in self.problems]
        return "\n".join(lines)


def normalize_phone(raw: str) -> str:
    """Return the E.164 form of `raw` or raise ValueError saying why."""
    text = _SEPARATORS.sub("", raw.strip())
    if not text:
        raise ValueError("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    if _FR_NATIONAL.match(text):
        return "+33" + text[1:]
    if _E164.match(text):
        return text
    raise ValueError(f"{raw!r} is not an E.164 number (+ and 8-15 digits) nor a French national number (0XXXXXXXXX)")


def decode_csv_bytes(data: bytes, source: str) -> str:
    """UTF-8 with or without BOM; anything else is refused naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ConfigError(
            f"{source}:{line}: not UTF-8 (byte 0x{data[err.start]:02x}); save the file as UTF-8 (e.g. from Excel: "
            "'CSV UTF-8')"
        ) from err


def _delimiter(header: str, source: str) -> str:
    commas, semis = header.count(","), header.count(";")
    if commas and semis:
        raise ConfigError(f"{source}:1: header mixes ',' and ';' delimiters; use one of them")
    return ";" if semis else ","


def _column_names(header: list[str], source: str) -> list[str]:
    names: list[str] = []
    for index, raw in enumerate(header, start=1):
        name = raw.strip().lower()
        if not _SAFE_NAME.match(name):
            raise ConfigError(
                f"{source}:1: column {index} {raw!r} is not a safe variable name ([a-z][a-z0-9_]{{0,31}})"
            )
        if name in names:
            raise ConfigError(f"{source}:1: column {name!r} appears twice")
        names.append(name)
    if "phone" not in names:
        raise ConfigError(f"{source}:1: required column 'phone' is missing (got {', '.join(names) or 'nothing'})")
    return names


def _valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_contacts(
    text: str,
    *,
    source: str,
    default_timezone: str,
    consent_required: bool,
    dnc: Iterable[str] = (),
) -> ContactsReport:
    """Validate a whole contacts file. Raises ConfigError only for file-level problems (header, encoding);
    row problems are collected in the report."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ConfigError(f"{source}:1: empty file or empty header line")
    delimiter = _delimiter(lines[0], source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        names = _column_names(next(reader), source)
        rows: list[tuple[int, list[str]]] = []
        start = reader.line_num + 1
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as err:
        raise ConfigError(f"{source}:{reader.line_num}: CSV syntax error: {err}") from err
    blocked = set(dnc)
    contacts: list[Contact] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            problems.append(RowProblem(line, "row", f"{len(row)} fields, the header has {len(names)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(names, row, strict=True)}
        row_problems = _check_row(line, values, default_timezone, consent_required)
        phone = ""
        raw_phone = values["phone"]
        try:
            phone = normalize_phone(raw_phone)
        except ValueError as err:
            row_problems.insert(0, RowProblem(line, "phone", str(err), raw_phone))
        if phone and phone in seen:
            row_problems.append(RowProblem(line, "phone", f"duplicate of line {seen[phone]} ({phone})", raw_phone))
        if phone and phone in blocked:
            row_problems.append(RowProblem(line, "phone", f"{phone} is on the do-not-call list", raw_phone))
        if phone and phone not in seen:
            seen[phone] = line
        if row_problems:
            problems.extend(row_problems)
            continue
        contacts.append(
            Contact(
                line=line,
                phone=phone,
                name=values.get("name", ""),
                timezone=values.get("timezone") or default_timezone,
                consent_ref=values.get("consent_ref", ""),
                variables={k: v for k, v in values.items() if k not in _KNOWN_COLUMNS},
            )
        )
    return ContactsReport(source, contacts, problems)


def _check_row(line: int, values: dict[str, str], default_tz: str, consent_required: bool) -> list[RowProblem]:
    problems: list[RowProblem] = []
    raw_phone = values["phone"]
    for name, value in values.items():
        if len(value) > _MAX_VALUE_LEN:
            problems.append(RowProblem(line, name, f"longer than {_MAX_VALUE_LEN} characters", raw_phone))
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            problems.append(RowProblem(line, name, "contains control characters", raw_phone))
    tz = values.get("timezone") or default_tz
    if not _valid_timezone(tz):
        problems.append(RowProblem(line, "timezone", f"{tz!r} is not an IANA time zone", raw_phone))
    if consent_required and not values.get("consent_ref"):
        problems.append(
            RowProblem(line, "consent_ref", "required for a prospecting campaign (law of 30 June 2025)", raw_phone)
        )
    return problems


def load_contacts(
    path: Path, *, default_timezone: str, consent_required: bool, dnc: Iterable[str] = ()
) -> ContactsReport:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"{path}: cannot read contacts file: {err.strerror}") from err
    text = decode_csv_bytes(data, str(path))
    return parse_contacts(
        text, source=str(path), default_timezone=default_timezone, consent_required=consent_required, dnc=dnc
    )


def load_dnc(path: Path) -> set[str]:
    """Do-not-call list: one number per line (E.164 or French national); `#` starts a comment."""
    try:
        text = decode_csv_bytes(path.read_bytes(), str(path))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read do-not-call file: {err.strerror}") from err
    numbers: set[str] = set()
    for line_no, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            numbers.add(normalize_phone(entry))
        except ValueError as err:
            raise ConfigError(f"{path}:{line_no}: {err}") from err
    return numbers
