"""`robot campaign ...` end to end in-process (real SQLite file, real CSV files), plus a /metrics scrape."""

from __future__ import annotations

import asyncio
import csv
import json
import socket
from pathlib import Path

import pytest

from robot.campaign.sqlite_store import SqliteStore
from robot.cli import main
from robot.clock import SystemClock
from robot.console.live import LiveView
from robot.console.server import ConsoleServer
from robot.metrics import RobotMetrics
from robot.settings import Settings
from tests.integration.campaign_faults_kit import read_ledger, simulator

pytestmark = pytest.mark.integration
DIALER = "tests.integration.test_campaign_crash:make_dialer"
SCENARIO = str(Path(__file__).resolve().parents[2] / "scenarios" / "demo_fr.yaml")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROBOT_CAMPAIGN__DB_PATH", str(tmp_path / "robot.sqlite"))
    monkeypatch.setenv("ROBOT_CAMPAIGN__METRICS_PORT", "0")
    monkeypatch.setenv("ROBOT_TEST_LEDGER", str(tmp_path / "ledger.jsonl"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_bad_rows_refuse_everything_then_skip_invalid_stores_them(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contacts = write(env / "c.csv", "phone;consent_ref\n+33612345678;c1\nabc;c2\n+33612345679;\n")
    args = ["campaign", "run", str(contacts), "--name", "n1", "--scenario", SCENARIO, "--dialer", DIALER]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "c.csv:3: phone: 'abc' is not an E.164 number" in err
    assert "c.csv:4: consent_ref: required" in err and "nothing was created" in err
    assert main(["campaign", "status"]) == 0
    assert "no campaign" in capsys.readouterr().out
    assert main([*args, "--skip-invalid", "--no-prospecting"]) == 0  # consent_ref only needed for prospecting
    dnc = write(env / "dnc.txt", "+33612345678\n06 12 34 56 79\n")
    again = ["campaign", "run", str(contacts), "--name", "n2", "--scenario", SCENARIO, "--dialer", DIALER]
    assert main([*again, "--skip-invalid", "--no-prospecting", "--dnc", str(dnc)]) == 2
    assert "no valid contact" in capsys.readouterr().err
    assert main(["campaign", "export", "n1", "--format", "jsonl", "-o", str(env / "out.jsonl")]) == 0
    rows = [json.loads(x) for x in (env / "out.jsonl").read_text().splitlines()]
    assert [(r["line"], r["contact_state"], r["result"]) for r in rows] == [
        (2, "done", "ANSWERED"), (3, "skipped", None), (4, "done", "ANSWERED")
    ]  # fmt: skip


def test_missing_live_dialer_is_a_clear_error_and_creates_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contacts = write(env / "c.csv", "phone\n+33612345678\n")
    args = ["campaign", "run", str(contacts), "--name", "n1", "--scenario", SCENARIO, "--no-prospecting"]
    assert main([*args, "--dialer", "robot.calls.no_such_dialer:make_dialer"]) == 2
    assert "is not available" in capsys.readouterr().err
    assert main(["campaign", "status"]) == 0 and "no campaign" in capsys.readouterr().out


def test_run_pause_resume_export_csv(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contacts = write(env / "c.csv", "phone,name,offre\n+33612345678,Zoé,fibre\n+33612345679,Luc,\n")
    run = [
        "campaign",
        "run",
        str(contacts),
        "--name",
        "n2",
        "--scenario",
        SCENARIO,
        "--no-prospecting",
        "--dialer",
        DIALER,
    ]
    assert main(run) == 0
    assert main(run) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["campaign", "pause", "n2"]) == 2  # done campaigns cannot be paused
    assert main(["campaign", "export", "n2"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(out.splitlines()))
    assert [(r["phone"], r["name"], r["result"], json.loads(r["variables"])) for r in rows] == [
        ("+33612345678", "Zoé", "ANSWERED", {"offre": "fibre"}), ("+33612345679", "Luc", "ANSWERED", {"offre": ""})
    ]  # fmt: skip
    assert main(["campaign", "resume", "n2", "--dialer", DIALER]) == 0
    assert "is done" in capsys.readouterr().err


async def test_metrics_scrape_over_loopback() -> None:
    metrics = RobotMetrics()
    metrics.originate_results.inc(cause="USER_BUSY")
    settings = Settings(_env_file=None, campaign={"metrics_port": 0})  # type: ignore[call-arg]
    server = ConsoleServer(metrics, LiveView(), settings, SystemClock())
    port = await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        response = await asyncio.wait_for(reader.read(), timeout=5)
        writer.close()
        head, body = response.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 200 OK") and b"text/plain; version=0.0.4" in head
        assert b'robot_originate_results_total{cause="USER_BUSY"} 1.0' in body
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert (await asyncio.wait_for(reader.read(), timeout=5)).startswith(b"HTTP/1.1 404")
        writer.close()
    finally:
        await server.close()


def _bad_scenarios(env: Path) -> dict[str, tuple[Path, str]]:
    missing_prompt = write(
        env / "missing_prompt.yaml",
        "start: hello\nsteps:\n  hello:\n    play: no_such_prompt.wav\n    hangup: true\n",
    )
    broken = write(env / "broken.yaml", "start: [unclosed\n")
    return {
        "missing file": (env / "nope.yaml", "scenario " + str(env / "nope.yaml") + ": file not found"),
        "missing prompt": (missing_prompt, "audio file not found"),
        "bad yaml": (broken, "broken.yaml"),
    }


def test_bad_scenario_or_template_creates_nothing(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    contacts = write(env / "c.csv", "phone\n+33612345678\n")
    base = ["campaign", "run", str(contacts), "--name", "bad", "--no-prospecting", "--dialer", DIALER]
    for label, (scenario, expected) in _bad_scenarios(env).items():
        assert main([*base, "--scenario", str(scenario)]) == 2, label
        err = capsys.readouterr().err
        assert "nothing was created" in err and expected in err, (label, err)
    for template, expected in (("sofia/gateway/op/number", "{number} exactly once"), ("bogus/{number}", "allowed:")):
        assert main([*base, "--scenario", SCENARIO, "--dial-template", template]) == 2
        err = capsys.readouterr().err
        assert expected in err, err
    assert main(["campaign", "status"]) == 0
    assert "no campaign" in capsys.readouterr().out
    assert not (env / "ledger.jsonl").exists()  # nothing was dialled


def test_port_in_use_is_one_clear_line_and_creates_nothing(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts = write(env / "c.csv", "phone\n+33612345678\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("ROBOT_MEDIA__PORT", str(taken.getsockname()[1]))
        args = ["campaign", "run", str(contacts), "--name", "p", "--scenario", SCENARIO, "--no-prospecting"]
        assert main(args) == 2  # the live dialer: ports are checked before anything is created
    err = capsys.readouterr().err
    assert "media.port: cannot listen on 127.0.0.1:" in err and "Traceback" not in err
    assert main(["campaign", "status"]) == 0 and "no campaign" in capsys.readouterr().out


def test_resume_checks_again_and_status_says_who_holds_it(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = env / "scenario.yaml"
    scenario.write_text(Path(SCENARIO).read_text(encoding="utf-8"), encoding="utf-8")
    (env / "audio").symlink_to(Path(SCENARIO).parent.parent / "audio")  # prompts relative to the scenario
    contacts = write(env / "c.csv", "phone\n+33612345678\n+33612345679\n")
    run = ["campaign", "run", str(contacts), "--name", "r", "--scenario", str(scenario), "--no-prospecting"]
    assert main([*run, "--dialer", DIALER, "--concurrency", "1"]) == 0
    store = SqliteStore(env / "robot.sqlite")
    try:
        store.set_status("r", "paused")
        store.acquire_lease(store.get_campaign("r").id, "otherhost:1", 0.0, 30.0)  # a holder that died long ago
    finally:
        store.close()
    capsys.readouterr()
    assert main(["campaign", "status", "r"]) == 0
    out = capsys.readouterr().out
    assert "r: paused" in out and "none alive (last holder otherhost:1" in out
    scenario.unlink()
    assert main(["campaign", "resume", "r", "--dialer", DIALER]) == 2
    assert "nothing was created or dialled" in capsys.readouterr().err
    store = SqliteStore(env / "robot.sqlite")
    try:
        assert store.get_campaign("r").status == "paused"  # a failed check leaves it as it was
    finally:
        store.close()


def test_settings_errors_are_one_clear_message(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROBOT_CAMPAIGN__RETRY_DELAY_S", "{bad")
    assert main(["campaign", "status"]) == 2
    assert "nested values in ROBOT_* variables are JSON" in capsys.readouterr().err
    monkeypatch.delenv("ROBOT_CAMPAIGN__RETRY_DELAY_S")
    config = write(env / "robot.toml", "[campain]\nconcurrency = 3\n")
    assert main(["--config", str(config), "campaign", "status"]) == 2
    assert "unknown section(s) campain" in capsys.readouterr().err
    monkeypatch.setenv("ROBOT_CAMPAIGN__DEFAULT_TIMEZONE", "Europe/Pariss")
    assert main(["campaign", "status"]) == 2
    assert "unknown IANA time zone 'Europe/Pariss'" in capsys.readouterr().err


async def test_refused_esl_password_creates_nothing(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts = write(env / "c.csv", "phone\n+33612345678\n")
    async with simulator(env, {}) as (_, port, ledger):
        monkeypatch.setenv("ROBOT_ESL__PORT", str(port))
        monkeypatch.setenv("ROBOT_ESL__PASSWORD", "not-the-password")
        monkeypatch.setenv("ROBOT_MEDIA__PORT", "0")
        args = ["campaign", "run", str(contacts), "--name", "pw", "--scenario", SCENARIO, "--no-prospecting"]
        assert await asyncio.to_thread(main, args) == 2
    assert "refused the password" in capsys.readouterr().err
    assert read_ledger(ledger) == []
    assert main(["campaign", "status"]) == 0 and "no campaign" in capsys.readouterr().out
