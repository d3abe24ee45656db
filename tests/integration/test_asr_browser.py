"""The browser page of `robot asr serve`, in Debian's chromium (headless, fake microphone playing a French clip):
the committed French words appear on the page, over raw PCM from the AudioWorklet and over MediaRecorder
Opus/WebM chunks decoded on the server. The page is read through the DevTools protocol."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import urllib.request
import wave
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest
from websockets.asyncio.client import connect

from robot.asr.engine import AsrEngine
from robot.asr.service import AsrService
from robot.media.audio import read_wav_16k
from robot.settings import Settings

from .asr_kit import STARTER, base_engine

pytestmark = pytest.mark.integration

CLIP = STARTER / "ast_vm-nobodyavail.wav"  # "Personne n'est en mesure de prendre votre appel"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def engine() -> Iterator[AsrEngine]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run installs it)")
    yield from base_engine()


@pytest.fixture
async def service(engine: AsrEngine) -> AsyncIterator[AsrService]:
    s = Settings()
    async with AsrService(engine, s.asr_service.model_copy(update={"ws_port": 0}), s.vad, tcp=False) as svc:
        yield svc


def fake_mic(folder: Path) -> Path:
    """The clip at 48 kHz with a second of silence before and after (chromium loops the file)."""
    pcm = read_wav_16k(CLIP)
    pad = np.zeros(16000, dtype=np.int16)
    audio = np.repeat(np.concatenate([pad, pcm, pad]), 3)  # 16 -> 48 kHz (sample-and-hold is enough for a test)
    path = folder / "mic.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(48000)
        wav.writeframes(audio.astype("<i2").tobytes())
    return path


@contextlib.asynccontextmanager
async def browser(url: str, folder: Path) -> AsyncIterator[str]:
    """Chromium on `url`; yields the page's DevTools WebSocket URL."""
    assert CHROMIUM is not None
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_mic(folder)}",
        f"--user-data-dir={folder / 'profile'}",
        "--remote-debugging-port=0",
        url,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        port = None
        async with asyncio.timeout(20):
            while port is None:
                line = (await proc.stderr.readline()).decode()
                assert line, "chromium exited before DevTools listened"
                if match := re.search(r"DevTools listening on ws://[\d.]+:(\d+)/", line):
                    port = int(match.group(1))
        targets = await asyncio.to_thread(_json, f"http://127.0.0.1:{port}/json/list")
        yield next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
    finally:
        proc.kill()
        await proc.wait()


def _json(url: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as response:
        data: list[dict[str, str]] = json.loads(response.read())
    return data


async def page_text(devtools: str, words: tuple[str, ...], wait_s: float) -> str:
    """Poll the page's committed text until it holds every word (or the time is up)."""
    text = ""
    async with connect(devtools, max_size=None) as cdp:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        n = 0
        while loop.time() < deadline:
            n += 1
            expression = "['committed', 'status'].map((id) => document.getElementById(id).textContent).join(' | ')"
            await cdp.send(json.dumps({"id": n, "method": "Runtime.evaluate", "params": {"expression": expression}}))
            while (reply := json.loads(await cdp.recv())).get("id") != n:
                pass
            text = str(reply["result"]["result"].get("value", ""))
            if all(w in text.lower() for w in words):
                return text
            await asyncio.sleep(0.5)
    return text


@pytest.mark.parametrize("path", ["pcm", "webm"])
async def test_french_words_appear_on_the_page(service: AsrService, tmp_path: Path, path: str) -> None:
    url = f"http://127.0.0.1:{service.ws_port}/?path={path}&autostart=1"
    async with browser(url, tmp_path) as devtools:
        text = await page_text(devtools, ("appel", "moment"), wait_s=25)
    assert "appel" in text.lower() and "moment" in text.lower(), text
    assert f"({path}," in text  # the page reported the path it used
