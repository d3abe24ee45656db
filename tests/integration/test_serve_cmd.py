"""`robot serve` tells the operator the audio URL FreeSWITCH is really given (the port it listens on)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from robot.commands.serve_cmd import serve
from robot.settings import Settings, SimSettings
from robot.sim import SimServer
from tests.integration.campaign_faults_kit import REPO, free_port

pytestmark = pytest.mark.integration


async def test_serve_advertises_the_port_it_listens_on(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio_port = free_port()
    async with SimServer(SimSettings.model_validate({"port": 0})) as sim:
        settings = Settings.model_validate(
            {
                "esl": {"port": sim.port, "outbound_port": 0},
                "media": {"port": audio_port},  # public_url not set: follows the port
                "asr": {"model": str(tiny_model_dir), "local_files_only": True},
                "amd": {"keywords_file": str(REPO / "amd_keywords.yaml")},
                "campaign": {"metrics_port": 0},
                "log": {"call_log": str(tmp_path / "calls.jsonl")},
            }
        )
        ready = asyncio.Event()
        task = asyncio.create_task(serve(settings, ready))
        try:
            await asyncio.wait_for(ready.wait(), timeout=60)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    out = capsys.readouterr().out
    assert f"audio WebSocket on 127.0.0.1:{audio_port} (FreeSWITCH connects to ws://127.0.0.1:{audio_port})" in out
