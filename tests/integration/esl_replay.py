"""A replaying "FreeSWITCH" for ESL tests: it plays the real captured bytes back, in the captured order.

A script is the capture's timeline: `rx` steps are bytes FreeSWITCH sent (written as they were recorded),
`tx` steps are commands the recorder sent (the peer must send a command with the same verb, then the script
goes on). Timing is dropped, causality is kept. The same runner plays either side of a connection: the
inbound server (tests of EslClient) or the FreeSWITCH that connects to our outbound server.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path

from robot.esl.parser import EslCommand, EslCommandParser, encode_command_reply


@dataclass(frozen=True)
class Step:
    kind: str  # "rx": bytes to write; "tx": a command to read
    data: bytes = b""
    text: str = ""


def load_script(fixtures: Path, name: str) -> list[Step]:
    timeline = json.loads((fixtures / f"{name}.timeline.json").read_text())
    rx = (fixtures / timeline["rx_file"]).read_bytes()
    steps: list[Step] = []
    for item in timeline["io"]:
        if item.get("eof"):
            continue  # FreeSWITCH closed the socket: the runner closes after its last step
        if item["dir"] == "rx":
            chunk = rx[item["offset"] : item["offset"] + item["len"]]
            if steps and steps[-1].kind == "rx":
                steps[-1] = Step("rx", steps[-1].data + chunk)
            else:
                steps.append(Step("rx", chunk))
        else:
            steps.append(Step("tx", text=item["text"]))
    assert sum(len(s.data) for s in steps) == len(rx), f"{name}: timeline does not cover the capture"
    return steps


def verb_of(line: str) -> str:
    """What must match: `api uuid_kill`, `bgapi originate`, `event plain`, `sendmsg`, `auth`..."""
    words = line.split()
    return " ".join(words[:2]) if words and words[0] in ("api", "bgapi", "event") else (words[0] if words else "")


@dataclass
class Connection:
    received: list[EslCommand] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class ScriptRunner:
    """Plays one script over one stream pair."""

    def __init__(
        self,
        steps: list[Step],
        conn: Connection,
        *,
        drop_at_tx: int | None = None,
        hold_at_tx: int | None = None,
        release: asyncio.Event | None = None,
        answer_extra_subscription: bool = False,
    ) -> None:
        self.steps = steps
        self.conn = conn
        self.drop_at_tx = drop_at_tx
        self.hold_at_tx = hold_at_tx
        self.release = release
        self.answer_extra_subscription = answer_extra_subscription

    async def run(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = EslCommandParser()
        backlog: list[EslCommand] = []
        tx_index = 0
        try:
            for step in self.steps:
                if step.kind == "rx":
                    writer.write(step.data)
                    await writer.drain()
                    continue
                expected = verb_of(step.text.split("\n", 1)[0])
                while True:
                    while not backlog:
                        data = await reader.read(65536)
                        if not data:
                            return
                        backlog.extend(parser.feed(data))
                    command = backlog.pop(0)
                    self.conn.received.append(command)
                    if (
                        self.answer_extra_subscription
                        and command.verb == "event"
                        and not expected.startswith("event")
                        and not expected.startswith("auth")
                    ):
                        writer.write(encode_command_reply("+OK event listener enabled plain"))
                        continue
                    break
                if command.verb == "exit" and expected != "exit":  # the peer ends early: answer like FreeSWITCH
                    writer.write(encode_command_reply("+OK bye"))
                    return
                if verb_of(command.line) != expected:
                    self.conn.errors.append(f"step {tx_index}: expected {expected!r}, got {command.line!r}")
                    return
                if tx_index == self.drop_at_tx:
                    return
                if tx_index == self.hold_at_tx and self.release is not None:
                    await self.release.wait()
                tx_index += 1
            await reader.read()  # the script is over: wait for the peer to close
        finally:
            writer.close()


class ReplayServer:
    """Inbound ESL server on 127.0.0.1:<ephemeral>; connection n plays `scripts[min(n, last)]`."""

    def __init__(self, runners: list[ScriptRunner]) -> None:
        self.runners = runners
        self.connections: list[Connection] = []
        self.accepted = asyncio.Event()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def __aenter__(self) -> ReplayServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        runner = self.runners[min(len(self.connections), len(self.runners) - 1)]
        self.connections.append(runner.conn)
        self.accepted.set()
        await runner.run(reader, writer)
