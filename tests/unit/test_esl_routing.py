"""Pure parts of the ESL client: reply FIFO, job matching, per-call routing, subscription line, backoff."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from robot.errors import EslConnectionError
from robot.esl.connection import reconnect_delays
from robot.esl.parser import EslEvent, EslMessage
from robot.esl.pending import JobWaiters, ReplyQueue, is_error_reply
from robot.esl.routing import DEFAULT_EVENTS, EventRouter, subscription_line

pytestmark = pytest.mark.unit


def reply(text: str) -> EslMessage:
    return EslMessage({"Content-Type": "command/reply", "Reply-Text": text})


def event(name: str, uuid: str = "", **headers: str) -> EslEvent:
    return EslEvent({"Event-Name": name, "Unique-ID": uuid, **headers})


async def test_reply_queue_is_fifo_and_skips_abandoned_requests() -> None:
    queue = ReplyQueue()
    first, second, third = queue.expect(), queue.expect(), queue.expect()
    second.cancel()  # timed out
    for text in ("+OK 1", "+OK 2", "+OK 3"):
        assert queue.resolve(reply(text))
    assert first.result().reply_text == "+OK 1" and third.result().reply_text == "+OK 3"
    assert not queue.resolve(reply("+OK unexpected"))


async def test_reply_queue_fail_all() -> None:
    queue = ReplyQueue()
    waiting = queue.expect()
    queue.fail_all(EslConnectionError("lost"))
    with pytest.raises(EslConnectionError, match="lost"):
        await waiting
    assert len(queue) == 0


async def test_jobs_match_by_uuid_before_or_after_registration() -> None:
    jobs = JobWaiters()
    late = jobs.expect("AAA")
    jobs.resolve(EslEvent({"Job-UUID": "bbb"}, "-ERR USER_BUSY\n"))
    jobs.resolve(EslEvent({"Job-UUID": "aaa"}, "+OK x\n"))
    assert late.result() == "+OK x\n"  # case-insensitive match
    early = jobs.expect("bbb")  # the event came first: kept until claimed
    assert early.result() == "-ERR USER_BUSY\n"


async def test_jobs_rekey_to_the_server_job_uuid() -> None:
    jobs = JobWaiters()
    mine = jobs.expect("proposed")
    jobs.resolve(EslEvent({"Job-UUID": "server"}, "+OK\n"))  # arrived before the reply was read
    jobs.rekey("proposed", "server")
    assert mine.result() == "+OK\n"
    other = jobs.expect("p2")
    jobs.rekey("p2", "s2")
    jobs.resolve(EslEvent({"Job-UUID": "s2"}, "-ERR NO_ANSWER\n"))
    assert other.result() == "-ERR NO_ANSWER\n"
    pending = jobs.expect("p3")
    jobs.fail_all(EslConnectionError("gone"))
    with pytest.raises(EslConnectionError):
        await pending


async def test_router_routes_by_unique_id_and_drops_oldest_when_full() -> None:
    router = EventRouter(call_queue_max=2)
    seen: list[str] = []
    remove = router.add_listener(lambda e: seen.append(e.name))
    a, b = router.call_events("AAAA"), router.call_events("bbbb")
    for name in ("CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE"):
        router.dispatch(event(name, "aaaa"))
    router.dispatch(event("CHANNEL_ANSWER", "bbbb"))
    router.dispatch(event("BACKGROUND_JOB"))
    assert a.dropped == 1 and router.dropped == 1
    assert [(await a.get()).name, (await a.get()).name] == ["CHANNEL_PARK", "CHANNEL_HANGUP_COMPLETE"]
    assert (await b.get()).name == "CHANNEL_ANSWER"
    assert len(seen) == 5
    remove()
    router.dispatch(event("X", "aaaa"))
    assert len(seen) == 5
    a.close()
    assert router.active_calls == 1
    a.close()  # idempotent
    assert (await a.get()).name == "X"  # queued before close: still delivered, then the end
    with pytest.raises(EOFError):
        await a.get()
    with pytest.raises(EOFError):
        await a.get()


async def test_call_events_iteration_ends_on_close() -> None:
    router = EventRouter()
    stream = router.call_events("u1")
    router.dispatch(event("CHANNEL_ANSWER", "u1"))
    stream.close()
    router.dispatch(event("CHANNEL_HANGUP", "u1"))  # after close: not delivered
    names = [e.name async for e in stream]
    assert names == ["CHANNEL_ANSWER"]


async def test_faulty_listener_does_not_stop_others() -> None:
    router = EventRouter()
    seen: list[str] = []

    def broken(_: EslEvent) -> None:
        raise ValueError("bug")

    router.add_listener(broken)
    router.add_listener(lambda e: seen.append(e.name))
    router.dispatch(event("CHANNEL_ANSWER"))
    assert seen == ["CHANNEL_ANSWER"] and router.listener_errors == 1


def test_subscription_line() -> None:
    line = subscription_line(DEFAULT_EVENTS)
    assert line.startswith("event plain CHANNEL_ANSWER ")
    head, _, custom = line.partition(" CUSTOM ")
    assert "BACKGROUND_JOB" in head.split() and custom.split()[0] == "mod_audio_stream::connect"
    assert subscription_line(["CHANNEL_ANSWER"]) == "event plain CHANNEL_ANSWER BACKGROUND_JOB"
    with pytest.raises(ValueError, match="bad ESL event name"):
        subscription_line(["CHANNEL_ANSWER\nexit"])


def test_reconnect_delays_double_and_cap() -> None:
    assert list(itertools.islice(reconnect_delays(0.2, 1.0), 6)) == [0.2, 0.4, 0.8, 1.0, 1.0, 1.0]


def test_error_replies() -> None:
    assert is_error_reply("-ERR No such channel!\n") and is_error_reply("-USAGE: uuid_audio_stream ...")
    assert not is_error_reply("+OK Success\n")


def test_no_event_loop_needed_for_router_construction() -> None:
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert EventRouter().active_calls == 0
