"""The dialog stack against the simulator over real sockets: ESL (EslClient + EslCallControl), mod_audio_stream
WebSocket (AudioServer), Silero VAD, barge-in policy and the scenario runner."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from robot.bench.simbench import SimBench, bench_scenario, heard_whole
from robot.settings import Settings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROMPT = REPO / "audio" / "prompts" / "8k" / "no_answer.wav"  # 4 s: keeps the test short


async def test_talking_callee_breaks_the_prompt_and_calm_callee_does_not() -> None:
    settings = Settings(_env_file=None, dialog={"bargein_policy": "vad"})  # type: ignore[call-arg]
    scenario = bench_scenario(PROMPT)
    async with SimBench(settings, None, opening_wait_s=1.0) as bench:
        talker, calm = await asyncio.wait_for(
            asyncio.gather(bench.call("human_bargein", scenario), bench.call("noise", scenario)), timeout=30
        )
        talker_plays = bench.sim.playbacks(talker.uuid)
        talker_speech = [s for s in bench.sim.speech_log(talker.uuid) if s.anchor == "broadcast 1"]
        calm_plays = bench.sim.playbacks(calm.uuid)

    assert talker.broke and talker_plays[0].status == "break"
    (barge,) = talker.outcome.barge_ins
    assert barge.policy == "vad" and barge.decided_at - barge.speech_onset >= 0.24
    ended = talker_plays[0].ended
    assert ended is not None and ended > talker_speech[0].started, "the break follows the callee's speech"
    assert ended < talker_plays[0].started + talker_plays[0].duration_s, "the prompt was cut short"
    assert talker.outcome.steps == ["ask", "bye"] and talker.outcome.ended_by == "hangup"
    assert barge.decided_at - barge.speech_onset == pytest.approx(0.24, abs=0.045), "breaks at min speech (audio time)"
    assert len(talker_plays) == 1 and talker.outcome.resumes == 0, "a real barge-in is never resumed"

    assert not calm.broke and calm.outcome.barge_ins == []
    assert calm_plays[0].status == "done", "line noise never breaks a prompt"
    assert calm.outcome.intents == ["timeout"]


async def test_backchannels_over_the_prompt_resume_it_from_where_it_broke() -> None:
    settings = Settings(_env_file=None, dialog={"bargein_policy": "vad"})  # type: ignore[call-arg]
    async with SimBench(settings, None, opening_wait_s=1.0) as bench:
        calm = await asyncio.wait_for(bench.call("human_backchannel", bench_scenario(PROMPT)), timeout=30)
        plays = bench.sim.playbacks(calm.uuid)

    assert plays[0].status == "break", "the vad policy breaks on the 'oui' first"
    resumed = plays[1]
    assert resumed.file == plays[0].file == str(PROMPT) and resumed.offset_samples > 0
    assert plays[0].ended is not None
    reached = (plays[0].ended - plays[0].started) * plays[0].rate
    assert reached - 0.4 * 8000 < resumed.offset_samples <= reached, "restarts a little before where it broke"
    assert plays[-1].status == "done" and heard_whole(plays), "the callee heard the whole prompt in the end"
    assert calm.outcome.resumes == len(plays) - 1 >= 1
    assert calm.outcome.steps == ["ask", "bye"]


async def test_pause_policy_pauses_then_resumes_a_backchannel_and_breaks_a_talker() -> None:
    settings = Settings(_env_file=None, dialog={"bargein_policy": "pause"})  # type: ignore[call-arg]
    scenario = bench_scenario(PROMPT)
    async with SimBench(settings, None, opening_wait_s=1.0) as bench:
        calm, talker = await asyncio.wait_for(
            asyncio.gather(bench.call("human_backchannel", scenario), bench.call("human_bargein", scenario)), timeout=30
        )
        calm_plays = bench.sim.playbacks(calm.uuid)
        talker_plays = bench.sim.playbacks(talker.uuid)

    (whole,) = calm_plays  # one playback, never restarted: paused and resumed in place
    assert whole.status == "done" and whole.pauses >= 1 and whole.paused_s > 0
    assert whole.ended is not None
    assert whole.ended - whole.started == pytest.approx(whole.duration_s + whole.paused_s, abs=0.1)
    assert calm.outcome.resumes == whole.pauses and calm.outcome.steps == ["ask", "bye"]
    (broken,) = talker_plays
    assert broken.status == "break" and broken.pauses == 1, "paused at once, then broken"
    assert talker.outcome.barge_ins[0].policy == "pause"
