"""Call log writer, reader and follower on real files (the follower is driven by its poll hook, no sleeps)."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import threading
from pathlib import Path

import pytest

from robot.calllog import CallLogFollower, CallLogWriter, EventFilter, follow, parse_line, read_events
from robot.clock import ManualClock
from robot.errors import ConfigError

pytestmark = pytest.mark.unit


def test_write_then_read_back(tmp_path: Path) -> None:
    path = tmp_path / "log" / "calls.jsonl"
    clock = ManualClock(start_wall=1_790_000_000.0)
    writer = CallLogWriter(path, clock)
    writer.write("originate", "u1", campaign="c1", contact="+33612345678", dial="sofia/x")
    clock.advance(1.5)
    writer.write("transcript", "u1", campaign="c1", text="oui bonjour")
    writer.write("hangup", "u2", cause="NORMAL_CLEARING")
    writer.close()
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {
        "ts": 1_790_000_000.0, "event": "originate", "call_uuid": "u1", "campaign": "c1",
        "contact": "+33612345678", "dial": "sofia/x",
    }  # fmt: skip
    errors: list[str] = []
    events = list(read_events(path, errors.append))
    assert [e.event for e in events] == ["originate", "transcript", "hangup"] and errors == []
    assert events[1].ts == 1_790_000_001.5 and events[1].fields == {"text": "oui bonjour"}
    assert 'text="oui bonjour"' in events[1].human() and "transcript" in events[1].human()
    assert [e.event for e in events if EventFilter(call_uuid="u1", event="transcript").match(e)] == ["transcript"]
    assert [e.call_uuid for e in events if EventFilter(campaign="c1").match(e)] == ["u1", "u1"]


def test_writer_refuses_unknown_events_and_reserved_fields(tmp_path: Path) -> None:
    writer = CallLogWriter(tmp_path / "c.jsonl", ManualClock())
    with pytest.raises(ValueError, match="unknown call log event"):
        writer.write("lunch", "u1")
    with pytest.raises(ValueError, match="reserved"):
        writer.write("hangup", "u1", ts=3)
    writer.close()


def test_bad_lines_are_named_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"ts": 1, "event": "answer", "call_uuid": "u"}\nnot json\n[1]\n{"ts": 1, "event": "x"}\n')
    errors: list[str] = []
    assert len(list(read_events(path, errors.append))) == 1
    assert errors[0].startswith(f"{path}:2: not JSON")
    assert errors[1] == f"{path}:3: a call log line must be a JSON object"
    assert errors[2] == f"{path}:4: missing field 'call_uuid'"
    with pytest.raises(ConfigError, match="'ts' is not a number"):
        parse_line('{"ts": "x", "event": "a", "call_uuid": "u"}', "f:1")


def test_two_writers_append_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    a, b = CallLogWriter(path, ManualClock()), CallLogWriter(path, ManualClock())
    long_text = "mot " * 2000  # > PIPE_BUF: written under flock
    for i in range(50):
        a.write("transcript", f"a{i}", text=long_text if i % 10 == 0 else "court")
        b.write("intent", f"b{i}", intent="refus")
    a.close()
    b.close()
    errors: list[str] = []
    events = list(read_events(path, errors.append))
    assert errors == [] and len(events) == 100


def test_follower_handles_partial_lines_truncation_and_rotation(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    errors: list[str] = []
    follower = CallLogFollower(path, errors.append)
    assert follower.poll() == []  # no file yet
    writer = CallLogWriter(path, ManualClock())
    writer.write("originate", "u1")
    writer.flush()
    with path.open("a") as raw:
        raw.write('{"ts": 1, "event": "answer", "call_')  # a writer mid-line
    assert [e.call_uuid for e in follower.poll()] == ["u1"]
    with path.open("a") as raw:
        raw.write('uuid": "u1"}\n')
    assert [e.event for e in follower.poll()] == ["answer"]
    os.truncate(path, 0)  # copytruncate rotation
    writer.write("hangup", "u1")
    writer.flush()
    assert [e.event for e in follower.poll()] == ["hangup"]
    writer.write("error", "u1")  # written to the old file just before the rename
    writer.flush()
    os.rename(path, tmp_path / "c.jsonl.1")
    writer.close()
    fresh = CallLogWriter(path, ManualClock())
    fresh.write("originate", "u2")
    fresh.flush()
    assert [(e.event, e.call_uuid) for e in follower.poll()] == [("error", "u1"), ("originate", "u2")]
    fresh.close()
    follower.close()
    assert errors == []


async def test_follow_yields_as_the_poll_hook_allows(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    writer = CallLogWriter(path, ManualClock())
    writer.write("originate", "u1")
    writer.flush()
    polls: asyncio.Queue[None] = asyncio.Queue()
    waited = 0

    async def wait() -> None:
        nonlocal waited
        waited += 1
        await polls.get()

    stream = follow(CallLogFollower(path, lambda _: None), wait)
    first = await asyncio.wait_for(anext(stream), 5)
    writer.write("hangup", "u1")
    writer.flush()
    polls.put_nowait(None)
    second = await asyncio.wait_for(anext(stream), 5)
    assert (first.event, second.event, waited) == ("originate", "hangup", 1)
    await stream.aclose()  # type: ignore[attr-defined]
    writer.close()


def test_write_never_waits_for_the_file_lock_and_subscribers_see_each_event(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    writer = CallLogWriter(path, ManualClock())
    seen: list[tuple[str, int]] = []
    writer.subscribe(lambda e: seen.append((e.event, threading.get_ident())))
    other = os.open(path, os.O_WRONLY | os.O_APPEND)
    fcntl.flock(other, fcntl.LOCK_EX)  # another process holds the lock that long lines take
    try:
        writer.write("transcript", "u1", text="mot " * 2000)  # returns at once: the writer thread waits
        writer.write("hangup", "u1")
        assert path.read_text() == ""
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    writer.flush()
    assert [e.event for e in read_events(path, print)] == ["transcript", "hangup"]
    assert seen == [("transcript", threading.get_ident()), ("hangup", threading.get_ident())]
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write("hangup", "u1")
