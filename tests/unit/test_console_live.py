"""The live view model (fed call log events and campaign counts) and `robot top`'s screen, without sockets."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from rich.console import Console

from robot.calllog import CallLogEvent
from robot.campaign.store import CampaignCounts, CampaignRecord, CampaignStatus
from robot.commands.top_cmd import base_url
from robot.console.live import LiveView, mask_number
from robot.console.terminal import duration, render, timeline
from robot.errors import ConfigError
from robot.metrics import RobotMetrics
from robot.settings import Settings

pytestmark = pytest.mark.unit
NUMBER = "+33612345678"


def ev(ts: float, event: str, uuid: str = "aaaa1111-0000", **fields: Any) -> CallLogEvent:
    return CallLogEvent(ts, event, uuid, "spring", NUMBER, fields)


def campaign(status: CampaignStatus = "running") -> CampaignRecord:
    return CampaignRecord(
        id=1,
        name="spring",
        scenario="s.yaml",
        prospecting=False,
        legal_basis="contract",
        status=status,
        settings={},
        created=0.0,
    )


def test_a_call_goes_through_its_states_and_ends_in_recent() -> None:
    live = LiveView(recent_calls=5, timeline_events=50)
    live.apply(ev(100.0, "originate", dial_string=f"sofia/gateway/op/{NUMBER}", attempt=1))
    assert live.snapshot(None, 101.0)["calls"][0]["state"] == "ringing"
    live.apply(ev(102.0, "answer", ring_s=2.0))
    assert live.snapshot(None, 102.5)["calls"][0]["state"] == "AMD"
    live.apply(ev(103.0, "amd", result="HUMAN", decided_at=0.9, reasons=["short greeting 0.6 s", "x", "y"]))
    live.apply(ev(103.2, "prompt_start", file="greeting.wav", status="start"))
    row = live.snapshot(None, 104.0)["calls"][0]
    assert (row["state"], row["amd"], row["amd_reason"]) == ("prompt playing", "HUMAN", "short greeting 0.6 s; x")
    live.step("aaaa1111-0000", "greeting")
    live.step("nope", "x")
    assert live.snapshot(None, 103.5)["calls"][0]["step"] == "greeting"
    live.apply(ev(104.0, "barge_in", step="greeting", speech_onset=10.0, break_sent_at=10.2))
    live.apply(ev(104.1, "prompt_stop", file="greeting.wav", status="break"))
    live.apply(ev(105.0, "transcript", step="greeting", text=" oui bonjour ", start=1.0, end=1.8))
    row = live.snapshot(None, 106.0)["calls"][0]
    assert row["state"] == "listening" and row["step"] == "greeting"
    assert (row["words"], row["bargeins"], row["duration_s"], row["talk_s"]) == ("oui bonjour", 1, 6.0, 4.0)
    assert row["number"] == "+336******78"
    live.apply(ev(107.0, "hangup", step="bye"))  # the dialog's hangup: the call is still up
    assert len(live.calls) == 1
    live.apply(ev(107.5, "hangup", cause="NORMAL_CLEARING", q850=16, answered=True))
    snap = live.snapshot(None, 110.0)
    assert snap["calls"] == [] and snap["recent"][0]["cause"] == "NORMAL_CLEARING"
    assert snap["recent"][0]["duration_s"] == 7.5
    assert snap["charts"]["bargein_latency_s"] == [pytest.approx(0.2)]
    assert snap["charts"]["amd"] == [{"ts": 103.0, "result": "HUMAN", "decided_s": 0.9}]
    timeline = live.timeline("aaaa", 110.0)
    assert timeline is not None and [e["event"] for e in timeline["timeline"]][:3] == ["originate", "answer", "amd"]
    assert timeline["timeline"][0]["dial_string"] == "sofia/gateway/op/+336******78"  # masked there too
    assert timeline["timeline"][1]["t"] == 2.0
    assert live.timeline("zzzz", 110.0) is None and live.timeline("", 110.0) is None


def test_unmasked_numbers_and_bounded_timeline_and_failed_originate() -> None:
    live = LiveView(mask_numbers=False, timeline_events=10)
    live.apply(ev(1.0, "originate", uuid="b1"))
    for i in range(20):
        live.apply(ev(2.0 + i, "prompt_start", uuid="b1"))
    found = live.timeline("b1", 30.0)
    assert found is not None and len(found["timeline"]) == 10 and found["number"] == NUMBER
    live.apply(ev(40.0, "error", uuid="b1", error="bad dial target"))  # never answered: ends the call
    assert live.calls == {} and live.recent[-1].cause == "ERROR"
    live.apply(ev(41.0, "hangup", uuid="c1", step="x"))  # a dialog hangup of an unknown call: ignored
    assert live.calls == {}


def test_campaign_progress_rate_and_eta() -> None:
    live = LiveView()
    live.campaign_progress(campaign(), CampaignCounts(total=10, by_state={"pending": 10}), now=1000.0)
    first = live.snapshot(None, 1000.0)["campaign"]
    assert first["done"] == 0 and first["eta_s"] is None and first["rate_per_min"] == 0.0
    counts = CampaignCounts(total=10, by_state={"done": 3, "skipped": 1, "pending": 6}, attempts=5, in_flight=2)
    live.campaign_progress(campaign(), counts, now=1060.0)
    k = live.snapshot(None, 1060.0)["campaign"]
    assert (k["done"], k["remaining"], k["rate_per_min"], k["eta_s"]) == (4, 6, 4.0, 90.0)
    assert k["waiting"] == []
    live.campaign_progress(campaign(), counts, now=1070.0, waiting=["pending: 6 (never called 6, retry scheduled 0)"])
    live.campaign_progress(campaign(), counts, now=1080.0)  # not read again: the last lines stay
    assert live.snapshot(None, 1080.0)["campaign"]["waiting"] == ["pending: 6 (never called 6, retry scheduled 0)"]
    live.campaign_progress(campaign("done"), CampaignCounts(total=10, by_state={"done": 10}), now=1100.0)
    assert live.snapshot(None, 1100.0)["campaign"]["eta_s"] == 0.0


def test_mask_number() -> None:
    assert mask_number("+33612345678") == "+336******78"
    assert mask_number("12345") == "*****"


def test_terminal_screen_shows_calls_states_and_progress() -> None:
    live = LiveView()
    metrics = RobotMetrics()
    metrics.esl_connected.callback = lambda: 1.0
    metrics.originate_results.inc(cause="USER_BUSY")
    live.apply(ev(100.0, "originate", uuid="aaaa1111"))
    live.apply(ev(100.0, "originate", uuid="bbbb2222"))
    live.apply(ev(101.0, "answer", uuid="bbbb2222"))
    live.apply(ev(101.5, "amd", uuid="bbbb2222", result="MACHINE", decided_at=1.4, reasons=["long greeting"]))
    live.campaign_progress(campaign(), CampaignCounts(total=4, by_state={"done": 1}, results={"BUSY": 1}), 100.0)
    console = Console(record=True, width=160, color_system=None)
    console.print(render(live.snapshot(metrics, 160.0), "http://127.0.0.1:9108"))
    text = console.export_text()
    assert "FreeSWITCH connected" in text and "calls in flight: 2" in text
    assert "aaaa1111" in text and "ringing" in text and "MACHINE (long greeting)" in text
    assert "campaign spring (running): 1/4 contacts" in text and "USER_BUSY 1" in text
    assert "1 min 00 s" in text and "+336******78" in text and NUMBER not in text


def test_duration() -> None:
    assert (duration(None), duration(5.4), duration(75), duration(3725)) == ("-", "5 s", "1 min 15 s", "1 h 02 min")


def test_terminal_timeline_of_one_call() -> None:
    live = LiveView()
    live.apply(ev(100.0, "originate", dial_string=f"sofia/gateway/op/{NUMBER}"))
    live.apply(ev(101.25, "answer", ring_s=1.25))
    found = live.timeline("aaaa", 103.0)
    assert found is not None
    console = Console(record=True, width=160, color_system=None)
    console.print(timeline(found))
    text = console.export_text()
    assert "call aaaa1111-0000 +336******78 · AMD · 3 s" in text
    assert "1.250" in text and "ring_s=1.25" in text and "dial_string=sofia/gateway/op/+336******78" in text


def test_a_call_whose_hangup_never_came_leaves_after_the_longest_possible_call() -> None:
    live = LiveView(max_age_s=1000.0)
    live.apply(ev(100.0, "originate", uuid="lost"))
    live.apply(ev(101.0, "answer", uuid="lost"))
    live.apply(ev(102.0, "error", uuid="lost", error="ESL error"))  # answered: an error alone does not end it
    assert [c["uuid"] for c in live.snapshot(None, 1000.0)["calls"]] == ["lost"]
    snap = live.snapshot(None, 1101.0)
    assert snap["calls"] == [] and snap["recent"][0]["cause"] == "UNKNOWN (no hangup logged)"


def test_top_default_url_follows_the_settings() -> None:
    def url(**campaign: object) -> str:
        settings = Settings(_env_file=None, campaign=campaign)  # type: ignore[call-arg]
        return base_url(argparse.Namespace(url=None), settings)

    assert url() == "http://127.0.0.1:9108"
    assert url(metrics_host="0.0.0.0", metrics_port=9200) == "http://127.0.0.1:9200"
    assert url(metrics_host="::1") == "http://[::1]:9108"
    assert base_url(argparse.Namespace(url="http://h:1/"), Settings(_env_file=None)) == "http://h:1"  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="--url"):
        url(metrics_port=0)
