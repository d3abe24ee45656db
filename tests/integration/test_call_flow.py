"""The live call path end to end: RobotApp (ESL client, audio server, tiny ASR model, VAD, AMD, scenario runner)
against an in-process SimServer over real sockets. The model has random weights: AMD decides on timing and tones."""

from __future__ import annotations

import asyncio
import csv
import json
import uuid as uuidlib
import wave
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from robot.calls.app import RobotApp
from robot.campaign.runner import AttemptRequest, CallOutcome, ContactRef
from robot.settings import Settings, SimSettings
from robot.sim import SimServer

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = "prompts/8k/no_answer.wav"  # 4 s: keeps the calls short
SCENARIO = f"""name: e2e
start: ask
steps:
  ask:
    play: {PROMPT}
    listen: {{timeout_ms: 1000}}
    on: {{default: bye}}
  bye:
    hangup: true
"""
CALL_TIMEOUT_S = 40.0


@dataclass
class Rig:
    sim: SimServer
    app: RobotApp
    call_log: Path
    scenario: Path
    commands: list[str]

    def attempt(self, target: str, call_uuid: str | None = None, scenario: Path | None = None) -> AttemptRequest:
        number = ContactRef("+33100000000")
        call_uuid = call_uuid or str(uuidlib.uuid4())
        return AttemptRequest(1, 1, "e2e", str(scenario or self.scenario), number, target, call_uuid)

    async def dial(self, target: str, call_uuid: str | None = None) -> CallOutcome:
        return await asyncio.wait_for(self.app.dial(self.attempt(target, call_uuid)), CALL_TIMEOUT_S)

    def log(self, call_uuid: str) -> list[dict[str, Any]]:
        self.app.call_log.flush()  # lines are written by the log's writer thread
        lines = self.call_log.read_text(encoding="utf-8").splitlines()
        return [e for e in map(json.loads, lines) if e["call_uuid"] == call_uuid]

    def sent(self, prefix: str, call_uuid: str) -> list[str]:
        """Command lines (api/bgapi word left out) the simulator ran that start with `prefix` and name the call."""
        return [c for c in self.commands if c.startswith(prefix) and call_uuid in c]


def settings_for(tmp_path: Path, tiny_model_dir: Path, sim_port: int, **sections: dict[str, Any]) -> Settings:
    base: dict[str, dict[str, Any]] = {
        "asr": {"model": str(tiny_model_dir), "local_files_only": True},
        "media": {"port": 0},
        "esl": {"port": sim_port, "outbound_port": 0, "reconnect_initial_s": 0.3, "reconnect_max_s": 0.5},
        "log": {"call_log": tmp_path / "calls.jsonl"},
        "campaign": {"metrics_port": 0},
        "dialog": {"audio_dir": REPO / "audio"},
    }
    for name, values in sections.items():
        base[name] = {**base.get(name, {}), **values}
    return Settings(_env_file=None, **base)  # type: ignore[call-arg]


@asynccontextmanager
async def rig(tmp_path: Path, tiny_model_dir: Path, **sections: dict[str, Any]) -> AsyncIterator[Rig]:
    scenario = tmp_path / "e2e.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    async with SimServer(SimSettings(port=0)) as sim:
        commands: list[str] = []
        execute = sim.api.execute

        async def spy(line: str) -> str:  # records what reached the far end; the simulator still answers
            commands.append(line)
            return await execute(line)

        sim.api.execute = spy  # type: ignore[method-assign]
        settings = settings_for(tmp_path, tiny_model_dir, sim.port, **sections)
        async with RobotApp(settings) as app:
            yield Rig(sim, app, settings.log.call_log, scenario, commands)


async def test_outcomes_of_every_callee_kind_and_barge_in(tmp_path: Path, tiny_model_dir: Path) -> None:
    targets = {
        "machine": "loopback/machine/default",
        "human": "loopback/human/default",
        "silence": "loopback/silence/default",
        "announcement": "loopback/announcement/default",
        "busy": "loopback/busy/default",
        "noanswer": "loopback/noanswer/default",
        "unknown": "loopback/no_such_extension/default",
        "bargein": "loopback/human_bargein/default",
    }
    uuids = {name: str(uuidlib.uuid4()) for name in targets}
    async with rig(tmp_path, tiny_model_dir) as r:
        results = await asyncio.gather(*(r.dial(target, uuids[name]) for name, target in targets.items()))
        out = dict(zip(targets, results, strict=True))
        machine_plays = r.sim.playbacks(uuids["machine"])
        human_plays = r.sim.playbacks(uuids["human"])
        kills = {name: r.sent("uuid_kill", u) for name, u in uuids.items()}
        logs = {name: r.log(u) for name, u in uuids.items()}
        bargein_plays = r.sim.playbacks(uuids["bargein"])
        bargein_speech = [s for s in r.sim.speech_log(uuids["bargein"]) if s.anchor == "broadcast 1"]

    machine = out["machine"]
    assert machine.answered and machine.amd_result is not None and machine.amd_result.value == "MACHINE"
    assert machine.disposition == "machine" and machine.hangup_cause == "NORMAL_CLEARING"
    assert kills["machine"], "the robot hung the machine up (the script would wait 60 s)"
    assert machine_plays == [], "nothing is played to a machine when machine_action=hangup"
    events = [e["event"] for e in logs["machine"]]
    assert events == ["originate", "answer", "amd", "hangup"]

    human = out["human"]
    assert human.amd_result is not None and human.amd_result.value == "HUMAN"
    assert human.intent == "timeout" and kills["human"]
    assert [p.file for p in human_plays] == [str(REPO / "audio" / PROMPT)]
    assert human_plays[0].status == "done"
    events = [e["event"] for e in logs["human"]]
    assert events.index("amd") < events.index("prompt_start") < events.index("prompt_stop") < events.index("hangup")

    for name, result in (("silence", "NO_ANSWER"), ("announcement", "OPERATOR")):
        outcome = out[name]
        assert outcome.answered and outcome.amd_result is not None, name
        assert outcome.amd_result.value == result and outcome.disposition == result.lower(), name
        assert kills[name] and r.sim.playbacks(uuids[name]) == [], name

    for name, cause in (("busy", "USER_BUSY"), ("noanswer", "NO_ANSWER"), ("unknown", "NO_ROUTE_DESTINATION")):
        outcome = out[name]
        assert not outcome.answered and outcome.hangup_cause == cause, name
        assert outcome.amd_result is None and outcome.disposition == cause.lower(), name
        assert [e["event"] for e in logs[name]] == ["originate", "hangup"], name
        assert logs[name][-1]["answered"] is False and logs[name][-1]["cause"] == cause, name
        assert kills[name] == [], name

    # human_bargein talks over the prompt 700 ms after it starts: the robot breaks it (uuid_break)
    assert out["bargein"].amd_result is not None and out["bargein"].amd_result.value == "HUMAN"
    (play, *_) = bargein_plays
    assert play.status == "break" and play.ended is not None
    assert bargein_speech and bargein_speech[0].started < play.ended < play.started + play.duration_s
    (barge,) = [e for e in logs["bargein"] if e["event"] == "barge_in"]
    assert 0 < barge["speech_onset"] <= barge["decided_at"] <= barge["break_sent_at"]
    stops = [e for e in logs["bargein"] if e["event"] == "prompt_stop"]
    assert stops[0]["status"] == "break"


async def _refused_status(url: str) -> int:
    try:
        async with connect(url, open_timeout=5) as ws:
            await ws.send(b"\x00garbage")
    except InvalidStatus as err:
        return err.response.status_code
    return 101


async def test_bad_audio_streams_are_refused_and_the_live_call_goes_on(tmp_path: Path, tiny_model_dir: Path) -> None:
    call_uuid = str(uuidlib.uuid4())
    async with rig(tmp_path, tiny_model_dir) as r:
        audio = r.app.audio.open_call(call_uuid)  # the same CallAudio the call gets (open_call is idempotent)
        call = asyncio.create_task(r.dial("loopback/machine/default", call_uuid))
        await asyncio.wait_for(audio.wait_connected(), CALL_TIMEOUT_S)
        good = r.app.audio.stream_url(call_uuid)
        base, _, token = good.partition("?token=")
        other = r.app.audio.stream_url(str(uuidlib.uuid4()))
        statuses = await asyncio.gather(
            _refused_status(base),  # no token
            _refused_status(f"{base}?token={'0' * len(token)}"),  # wrong token
            _refused_status(other),  # valid token of a call that is not open
            _refused_status(base.rsplit("/", 2)[0] + "/not-a-call"),
        )
        garbage = await _garbage_on_raw_socket(r.app.audio.port)
        outcome = await asyncio.wait_for(call, CALL_TIMEOUT_S)

    assert statuses[:3] == [401, 401, 403] and statuses[3] == 404
    assert garbage.startswith(b"HTTP/1.1 400") or garbage == b""
    assert outcome.amd_result is not None and outcome.amd_result.value == "MACHINE"
    stats = audio.stats
    assert stats.connections == 1 and stats.samples > 16000  # more than 1 s of audio, whatever the frame size
    assert stats.dropped_frames == stats.odd_frames == stats.oversized_frames == 0


async def _garbage_on_raw_socket(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"\x16\x03\x01 not http at all\r\n\r\n")
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(200), 5)
    finally:
        writer.close()


async def test_esl_drop_mid_call_reconnects_and_calls_end_cleanly(tmp_path: Path, tiny_model_dir: Path) -> None:
    live, gone = str(uuidlib.uuid4()), str(uuidlib.uuid4())
    async with rig(tmp_path, tiny_model_dir) as r:
        audios = [r.app.audio.open_call(u) for u in (live, gone)]
        calls = [asyncio.create_task(r.dial("loopback/human/default", u)) for u in (live, gone)]
        await asyncio.wait_for(asyncio.gather(*(a.wait_connected() for a in audios)), CALL_TIMEOUT_S)
        assert live in r.app.active and gone in r.app.active, "both sessions run"
        reconnects = r.app.esl.reconnects
        sim_call = r.sim.call(gone)
        assert sim_call is not None
        for session in list(r.sim.sessions):  # the ESL link drops ...
            await session.close(goodbye=False)
        await sim_call.hangup("NORMAL_CLEARING", by_callee=True)  # ... and this call ends while it is down
        results = await asyncio.wait_for(asyncio.gather(*calls), CALL_TIMEOUT_S)
        assert r.app.esl.reconnects == reconnects + 1 and r.app.esl.connected
        log_live, log_gone = r.log(live), r.log(gone)

    out_live, out_gone = results
    assert out_gone.answered and out_gone.hangup_cause == "ROBOT_ESL_LOST"
    assert log_gone[-1]["event"] == "hangup" and log_gone[-1]["cause"] == "ROBOT_ESL_LOST"
    assert out_live.answered and out_live.hangup_cause == "NORMAL_CLEARING"
    assert log_live[-1]["event"] == "hangup" and not [e for e in log_live if e["event"] == "error"]


async def test_voicemail_drop_plays_after_the_beep(tmp_path: Path, tiny_model_dir: Path) -> None:
    prompt = REPO / "audio" / "prompts" / "8k" / "goodbye.wav"
    call_uuid = str(uuidlib.uuid4())
    amd = {"machine_action": "voicemail_drop", "voicemail_prompt": str(prompt)}
    async with rig(tmp_path, tiny_model_dir, amd=amd) as r:
        outcome = await r.dial("loopback/machine/default", call_uuid)
        plays = r.sim.playbacks(call_uuid)
        speech = r.sim.speech_log(call_uuid)
        log = r.log(call_uuid)

    assert outcome.amd_result is not None and outcome.amd_result.value == "MACHINE"
    (beep,) = [s for s in speech if s.kind == "tone"]
    (play,) = plays
    assert play.file == str(prompt) and play.status == "done"
    assert play.started >= beep.started + beep.duration_s * 0.5, "the message starts after the beep"
    events = [e["event"] for e in log]
    assert events.index("amd") < events.index("prompt_start") < events.index("hangup")
    assert outcome.hangup_cause == "NORMAL_CLEARING" and r.sent("uuid_kill", call_uuid)


async def test_amd_capture_saves_what_amd_heard_on_each_call(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "capture"
    uuids = {"machine": str(uuidlib.uuid4()), "human": str(uuidlib.uuid4())}
    async with rig(tmp_path, tiny_model_dir, amd={"capture_dir": folder}) as r:
        machine, human = await asyncio.gather(
            r.dial("loopback/machine/default", uuids["machine"]), r.dial("loopback/human/default", uuids["human"])
        )
    # the app is closed: every capture is written
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as f:
        rows = {row["call_uuid"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(uuids.values())
    for name, outcome in (("machine", machine), ("human", human)):
        row = rows[uuids[name]]
        assert outcome.amd_result is not None and row["verdict"] == outcome.amd_result.value, name
        assert row["label"] == "" and row["file"].endswith(f"/{uuids[name]}.wav")
        with wave.open(str(folder / row["file"]), "rb") as w:
            heard_s = w.getnframes() / w.getframerate()
        assert abs(heard_s - float(row["decided_at_s"])) < 0.25, (name, heard_s, row["decided_at_s"])


async def test_the_amd_probe_gets_an_answer_from_a_person_who_waits_for_the_caller(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    """The callee says nothing until the robot speaks: without amd.probe_prompt the line is NO_ANSWER at
    amd.no_speech_timeout_ms; with it, the robot says "Allô ?" after 2 s of silence and hears "Oui ?"."""
    probe = REPO / "audio" / "prompts" / "8k" / "allo.wav"
    waits, silent, plain = str(uuidlib.uuid4()), str(uuidlib.uuid4()), str(uuidlib.uuid4())
    async with rig(tmp_path, tiny_model_dir, amd={"probe_prompt": str(probe)}) as r:
        answered = await r.dial("loopback/human_waits_for_caller/default", waits)
        dead = await r.dial("loopback/silence/default", silent)
        probe_plays = [p for p in r.sim.playbacks(waits) if p.file == str(probe)]
        log = r.log(waits)
    async with rig(tmp_path, tiny_model_dir) as r:
        unprobed = await r.dial("loopback/human_waits_for_caller/default", plain)
        assert not r.sim.playbacks(plain)

    assert answered.amd_result is not None and answered.amd_result.value == "HUMAN"
    assert len(probe_plays) == 1 and probe_plays[0].status in ("done", "break")
    (amd,) = [e for e in log if e["event"] == "amd"]
    assert amd["evidence"]["probe_at_s"] == pytest.approx(2.0, abs=0.15)
    assert amd["evidence"]["initial_silence_ms"] > 2000.0  # the answer came after the probe
    assert next(e["file"] for e in log if e["event"] == "prompt_start") == str(probe)
    assert dead.amd_result is not None and dead.amd_result.value == "NO_ANSWER"
    assert unprobed.amd_result is not None and unprobed.amd_result.value == "NO_ANSWER"


async def test_a_probe_the_switch_refuses_leaves_the_call_going(tmp_path: Path, tiny_model_dir: Path) -> None:
    """uuid_broadcast of the probe answered -ERR: logged as an error of that call, AMD still ends the silent line as
    NO_ANSWER (later, as with a probe) and the call is hung up as usual."""
    probe = REPO / "audio" / "prompts" / "8k" / "allo.wav"
    call_uuid = str(uuidlib.uuid4())
    async with rig(tmp_path, tiny_model_dir, amd={"probe_prompt": str(probe)}) as r:
        spy = r.sim.api.execute

        async def refuse_probe(line: str) -> str:
            if "uuid_broadcast" in line and str(probe) in line:
                r.commands.append(line)
                return "-ERR Operation Failed\n"
            return await spy(line)

        r.sim.api.execute = refuse_probe  # type: ignore[method-assign]
        outcome = await r.dial("loopback/silence/default", call_uuid)
        log = r.log(call_uuid)

    assert outcome.amd_result is not None and outcome.amd_result.value == "NO_ANSWER"
    assert r.sent("uuid_broadcast", call_uuid) and not r.sim.playbacks(call_uuid)
    errors = [e for e in log if e["event"] == "error"]
    assert len(errors) == 1 and "amd probe" in errors[0]["error"]
    (amd,) = [e for e in log if e["event"] == "amd"]
    assert amd["decided_at"] > 4.0 and "probe played at" in amd["reasons"][0]
    assert outcome.hangup_cause == "NORMAL_CLEARING" and r.sent("uuid_kill", call_uuid)
