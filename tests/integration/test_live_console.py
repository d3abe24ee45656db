"""The live view end to end: the console server in-process (auth, /metrics, API, server-sent events), then a real
`robot campaign run` against `robot sim` (tiny model) watched with `robot top --once` and with Debian's headless
chromium through the DevTools protocol (the page fills in and updates without a reload; a screenshot is taken)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from websockets.asyncio.client import connect

from robot.calllog import CallLogEvent
from robot.clock import SystemClock
from robot.commands.serve_cmd import serve
from robot.console.live import LiveView
from robot.console.server import ConsoleServer
from robot.errors import ConfigError
from robot.metrics import RobotMetrics
from robot.settings import Settings, SimSettings
from robot.sim import SimServer
from tests.integration.campaign_faults_kit import (
    DIAL_TEMPLATE,
    LIVE_DIALER,
    REPO,
    SCENARIO,
    Campaign,
    base_env,
    free_port,
    robot_env,
    simulator,
    write_contacts,
)

pytestmark = pytest.mark.integration
TOKEN = "s3cret-token"
STATES = ("ringing", "AMD", "answered", "prompt playing", "listening")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def settings(**console: Any) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, campaign={"metrics_port": 0, "metrics_host": "127.0.0.1"}, console=console
    )


async def test_server_auth_metrics_api_and_events() -> None:
    metrics, live = RobotMetrics(), LiveView()
    metrics.bargeins.inc()
    live.apply(CallLogEvent(SystemClock().wall(), "originate", "cafe0001-x", "k", "+33612345678", {"p": Path("/x")}))
    server = ConsoleServer(metrics, live, settings(token=TOKEN, push_interval_s=0.1), SystemClock())
    port = await server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            async with http.get(f"{url}/metrics") as r:
                assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
            async with http.get(f"{url}/api/state", headers={"Authorization": "Bearer wrong"}) as r:
                assert r.status == 401
            async with http.get(f"{url}/metrics", headers={"Authorization": basic("anyone", TOKEN)}) as r:
                assert r.status == 200 and "text/plain; version=0.0.4" in r.headers["Content-Type"]
                assert "robot_bargeins_total 1.0" in await r.text()
            bearer = {"Authorization": f"Bearer {TOKEN}"}
            async with http.get(f"{url}/api/state", headers=bearer) as r:
                state = await r.json()
                assert state["calls"][0]["number"] == "+336******78" and state["bargeins"] == 1.0
            async with http.get(f"{url}/api/calls/cafe", headers=bearer) as r:
                first_event = (await r.json())["timeline"][0]
                assert first_event["event"] == "originate" and first_event["p"] == "/x"  # any field type goes out
            async with http.get(f"{url}/api/calls/beef", headers=bearer) as r:
                assert r.status == 404
            async with http.post(f"{url}/api/state", headers=bearer) as r:
                assert r.status == 405  # read-only
            async with http.get(f"{url}/", headers=bearer) as r:
                assert "EventSource" in await r.text()
            async with http.get(f"{url}/api/events", headers=bearer) as r:
                assert r.headers["Content-Type"] == "text/event-stream"
                first = await r.content.readuntil(b"\n\n")
                live.apply(CallLogEvent(SystemClock().wall(), "answer", "cafe0001-x", "k", "+33612345678", {}))
                second = await r.content.readuntil(b"\n\n")
                assert json.loads(first[6:])["calls"][0]["state"] == "ringing"
                assert json.loads(second[6:])["calls"][0]["state"] == "AMD"
    finally:
        async with asyncio.timeout(5):  # an open event stream does not hold the shutdown
            await server.close()


def test_exposed_without_token_is_refused() -> None:
    exposed = Settings(_env_file=None, campaign={"metrics_host": "0.0.0.0"})  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match=r"console\.token"):
        ConsoleServer(RobotMetrics(), LiveView(), exposed, SystemClock())


async def test_robot_serve_serves_metrics_and_the_console(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    async with SimServer(SimSettings.model_validate({"port": 0})) as sim:
        config = Settings.model_validate(
            {
                "esl": {"port": sim.port, "outbound_port": 0},
                "media": {"port": 0},
                "asr": {"model": str(tiny_model_dir), "local_files_only": True},
                "amd": {"keywords_file": str(REPO / "amd_keywords.yaml")},
                "campaign": {"metrics_port": port},
                "log": {"call_log": str(tmp_path / "calls.jsonl")},
            }
        )
        ready = asyncio.Event()
        task = asyncio.create_task(serve(config, ready))
        try:
            await asyncio.wait_for(ready.wait(), timeout=60)
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
                async with http.get(f"http://127.0.0.1:{port}/api/state") as r:
                    state = await r.json()
                async with http.get(f"http://127.0.0.1:{port}/metrics") as r:
                    metrics = await r.text()
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert f"live console on http://127.0.0.1:{port}/" in capsys.readouterr().out
    assert state["esl"]["connected"] is True and state["calls"] == [] and state["campaign"] is None
    assert "robot_esl_connected 1.0" in metrics and "robot_asr_queue_depth 0.0" in metrics


# ---- against a simulator campaign -------------------------------------------------------------------------------
@asynccontextmanager
async def live_campaign(tmp_path: Path, model: Path) -> AsyncIterator[str]:
    """`robot campaign run` (4 callees that answer and talk) against `robot sim`; yields the console's URL once
    at least two calls are answered."""
    csv_path, _ = write_contacts(tmp_path, ["00", "01", "02", "03"])
    async with simulator(tmp_path, {}) as (_, esl_port, _):
        port = free_port()
        env = {**robot_env(tmp_path, esl_port, model, {}), "ROBOT_CAMPAIGN__METRICS_PORT": str(port)}
        run = Campaign(tmp_path, env, "run")
        await run.start(
            "run", str(csv_path), "--name", "live", "--scenario", SCENARIO, "--no-prospecting",
            "--concurrency", "4", "--cps", "50", "--dial-template", DIAL_TEMPLATE, "--dialer", LIVE_DIALER,
        )  # fmt: skip
        try:
            await run.until(rf"live console: http://127\.0\.0\.1:{port}/")
            url = f"http://127.0.0.1:{port}"
            async with asyncio.timeout(30), aiohttp.ClientSession() as http:
                while True:
                    async with http.get(f"{url}/api/state") as r:
                        state = await r.json()
                    if sum(c["state"] not in ("ringing", "AMD") for c in state["calls"]) >= 2:
                        break
                    await asyncio.sleep(0.2)  # polling another process
            yield url
        finally:
            await run.kill()


async def test_robot_top_shows_the_calls_of_a_simulator_campaign(tmp_path: Path, tiny_model_dir: Path) -> None:
    async with live_campaign(tmp_path, tiny_model_dir) as url:
        top = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "robot", "top", "--once", "--url", url,
            env=base_env(COLUMNS="180"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(top.communicate(), 20)
        async with aiohttp.ClientSession() as http, http.get(f"{url}/api/state") as r:
            uuid = (await r.json())["calls"][0]["uuid"]
        one = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "robot", "top", "--url", url, "--call", uuid[:8],
            env=base_env(COLUMNS="180"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        call_out, call_err = await asyncio.wait_for(one.communicate(), 20)
    screen = out.decode()
    print(screen)
    assert top.returncode == 0, err.decode()
    assert "FreeSWITCH connected" in screen
    assert re.search(r"calls in flight: [1-4]\b", screen), screen
    assert "campaign live (running):" in screen and "contacts/min" in screen
    assert "pending:" not in screen  # why contacts wait: all four are dialled, none waits (no stale line)
    assert any(state in screen for state in STATES[2:]), screen
    assert re.search(r"\+336\*+0[0-3]", screen), screen  # masked numbers
    assert not re.search(r"\+336\d{8}", screen), screen
    timeline = call_out.decode()
    print(timeline)
    assert one.returncode == 0, call_err.decode()
    assert f"call {uuid}" in timeline and "originate" in timeline and "amd" in timeline, timeline
    assert "dial_string=sofia/gateway/sim/+336******0" in timeline, timeline


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")
    return found


class DevTools:
    """The smallest DevTools-protocol client: one page, commands answered in order."""

    def __init__(self, ws: Any) -> None:
        self.ws, self.next_id = ws, 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await self.ws.recv())
            if reply.get("id") == self.next_id:
                assert "error" not in reply, reply
                result: dict[str, Any] = reply["result"]
                return result

    async def text(self) -> str:
        result = await self.call("Runtime.evaluate", expression="document.body.innerText", returnByValue=True)
        return str(result["result"].get("value", ""))  # no body yet while the page loads


async def test_web_console_shows_live_calls_without_reload(tmp_path: Path, tiny_model_dir: Path) -> None:
    binary = chromium()
    async with live_campaign(tmp_path, tiny_model_dir) as url:
        browser = await asyncio.create_subprocess_exec(
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--remote-debugging-port=0", f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1280,1000",
            "about:blank", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=dict(os.environ),
        )  # fmt: skip
        try:
            assert browser.stderr is not None
            async with asyncio.timeout(30):
                while not (found := re.search(rb"DevTools listening on (ws://\S+)", await browser.stderr.readline())):
                    pass
            port = found[1].decode().split(":")[2].split("/")[0]
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/json/list") as r:
                page = next(t for t in await r.json() if t["type"] == "page")
            async with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
                tools = DevTools(ws)
                await tools.call("Page.navigate", url=url + "/")
                first = await until_text(tools, r"Calls in flight \([1-4]\)")
                await tools.call("Runtime.evaluate", expression="window.sameDocument = true")
                await asyncio.sleep(2.5)  # the page must change by itself (server-sent events), no reload
                later = await until_text(tools, r"Calls in flight")
                kept = await tools.call("Runtime.evaluate", expression="window.sameDocument === true")
                await tools.call("Runtime.evaluate", expression="document.querySelector('#calls tr').click()")
                clicked = await until_text(tools, r"\+\s*0\.000 s\s+originate")  # the call's timeline
                shot = await tools.call("Page.captureScreenshot", format="png")
        finally:
            browser.kill()
            await browser.wait()
    png = base64.b64decode(shot["data"])
    (tmp_path / "console.png").write_bytes(png)
    print(f"screenshot {tmp_path / 'console.png'} ({len(png)} bytes)\n{later}")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert kept["result"]["value"] is True  # the same document: updated in place
    assert re.search(r"answer\s+\{", clicked) and "sofia/gateway/sim/+336******0" in clicked, clicked
    assert later != first  # durations tick, states move on
    assert "FreeSWITCH connected" in later and "campaign live (running)" in later
    assert "AMD verdicts over time" in later and "per minute, last 30 min" in later
    assert any(state in later for state in STATES[2:]), later
    assert re.search(r"\+336\*+0[0-3]", later) and not re.search(r"\+336\d{8}", later), later


async def until_text(tools: DevTools, pattern: str, bound_s: float = 15.0) -> str:
    async with asyncio.timeout(bound_s):
        while not re.search(pattern, text := await tools.text()):  # noqa: ASYNC110 (polling the browser)
            await asyncio.sleep(0.2)
    return text
