"""Pure ESL framing: bytes in, messages out; and the reverse for the simulator.

Wire rules (checked against ../shared/fixtures/freeswitch): a message is a block of `Name: value` lines
ended by an empty line (LF only); when a `Content-Length` header is present exactly that many body bytes
follow with no terminator. Header order varies (events start with Content-Length). Plain events carry a
second header block in the body, URL-encoded, possibly with its own Content-Length and body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from robot.errors import EslProtocolError

MAX_HEADER_BYTES = 1 << 20
MAX_BODY_BYTES = 64 << 20
# Characters FreeSWITCH leaves as they are when URL-encoding plain event values (seen in the captures).
_FS_SAFE = "/,.()!*'"


@dataclass(frozen=True, slots=True)
class EslMessage:
    """One framed message: its (URL-decoded) headers and raw body."""

    headers: Mapping[str, str]
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def reply_text(self) -> str:
        return self.headers.get("Reply-Text", "")

    @property
    def body_text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class EslEvent:
    """A decoded event (plain or json): headers with decoded values, and the inner body if any."""

    headers: Mapping[str, str]
    body: str = ""
    raw_format: str = field(default="plain", compare=False)

    @property
    def name(self) -> str:
        return self.headers.get("Event-Name", "")

    @property
    def subclass(self) -> str:
        return self.headers.get("Event-Subclass", "")

    @property
    def unique_id(self) -> str:
        return self.headers.get("Unique-ID", "")

    @property
    def job_uuid(self) -> str:
        return self.headers.get("Job-UUID", "")

    def get(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    def variable(self, name: str, default: str = "") -> str:
        return self.headers.get(f"variable_{name}", default)


def _parse_header_block(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_line in block.split(b"\n"):
        if not raw_line:
            continue
        line = raw_line.decode("utf-8", errors="replace")
        name, sep, value = line.partition(":")
        if not sep:
            raise EslProtocolError(f"header line without ':': {line[:80]!r}")
        headers[name.strip()] = unquote(value.strip())
    return headers


def _content_length(headers: Mapping[str, str]) -> int:
    raw = headers.get("Content-Length")
    if raw is None:
        return 0
    try:
        length = int(raw)
    except ValueError as err:
        raise EslProtocolError(f"bad Content-Length {raw!r}") from err
    if length < 0 or length > MAX_BODY_BYTES:
        raise EslProtocolError(f"Content-Length out of range: {length}")
    return length


class EslParser:
    """Incremental parser: `feed()` any chunk of bytes, get the messages completed by it."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._pending_headers: dict[str, str] | None = None
        self._pending_length = 0

    def feed(self, data: bytes) -> list[EslMessage]:
        self._buffer.extend(data)
        out: list[EslMessage] = []
        while True:
            if self._pending_headers is None:
                # FreeSWITCH never sends blank lines between messages, but tolerate stray LFs.
                while self._buffer[:1] == b"\n":
                    del self._buffer[:1]
                end = self._buffer.find(b"\n\n")
                if end < 0:
                    if len(self._buffer) > MAX_HEADER_BYTES:
                        raise EslProtocolError("header block larger than 1 MiB")
                    return out
                headers = _parse_header_block(bytes(self._buffer[:end]))
                del self._buffer[: end + 2]
                self._pending_headers = headers
                self._pending_length = _content_length(headers)
            if len(self._buffer) < self._pending_length:
                return out
            body = bytes(self._buffer[: self._pending_length])
            del self._buffer[: self._pending_length]
            out.append(EslMessage(self._pending_headers, body))
            self._pending_headers = None
            self._pending_length = 0

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete message."""
        return len(self._buffer)


def parse_event(message: EslMessage) -> EslEvent:
    """Decode a text/event-plain or text/event-json message into an EslEvent."""
    ctype = message.content_type
    if ctype == "text/event-plain":
        raw = message.body
        end = raw.find(b"\n\n")
        block, rest = (raw, b"") if end < 0 else (raw[:end], raw[end + 2 :])
        headers = _parse_header_block(block)
        inner_length = _content_length(headers)
        if len(rest) < inner_length:
            raise EslProtocolError(f"event body shorter than its Content-Length ({len(rest)} < {inner_length})")
        body = rest[:inner_length].decode("utf-8", errors="replace")
        return EslEvent(headers, body, "plain")
    if ctype == "text/event-json":
        try:
            data = json.loads(message.body)
        except ValueError as err:
            raise EslProtocolError(f"event-json body is not JSON: {err}") from err
        if not isinstance(data, dict):
            raise EslProtocolError("event-json body is not an object")
        body = str(data.pop("_body", ""))
        return EslEvent({str(k): str(v) for k, v in data.items()}, body, "json")
    raise EslProtocolError(f"not an event: Content-Type {ctype!r}")


def is_event(message: EslMessage) -> bool:
    return message.content_type in ("text/event-plain", "text/event-json")


# ---- encoding (the simulator's side, and tests) ----


def encode_message(headers: Iterable[tuple[str, str]], body: bytes = b"") -> bytes:
    """Frame a message: headers in the given order, Content-Length appended when there is a body."""
    lines = [f"{name}: {value}" for name, value in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\n".join(lines) + "\n\n").encode() + body


def encode_command_reply(reply_text: str, extra: Iterable[tuple[str, str]] = ()) -> bytes:
    return encode_message([("Content-Type", "command/reply"), ("Reply-Text", reply_text), *extra])


def encode_api_response(output: str) -> bytes:
    body = output.encode()
    return f"Content-Type: api/response\nContent-Length: {len(body)}\n\n".encode() + body


def encode_event_plain(headers: Iterable[tuple[str, str]], body: str = "") -> bytes:
    """An event as FreeSWITCH sends it in plain format: outer Content-Length first, URL-encoded values."""
    items = list(headers)
    inner_body = body.encode()
    if inner_body:
        items.append(("Content-Length", str(len(inner_body))))
    block = "".join(f"{name}: {quote(value, safe=_FS_SAFE)}\n" for name, value in items) + "\n"
    payload = block.encode() + inner_body
    return f"Content-Length: {len(payload)}\nContent-Type: text/event-plain\n\n".encode() + payload


def encode_event_json(headers: Iterable[tuple[str, str]], body: str = "") -> bytes:
    data: dict[str, str] = dict(headers)
    if body:
        data["Content-Length"] = str(len(body.encode()))
        data["_body"] = body
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return f"Content-Length: {len(payload)}\nContent-Type: text/event-json\n\n".encode() + payload


DISCONNECT_GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"


def encode_disconnect_notice(extra: Iterable[tuple[str, str]] = (), body: str = DISCONNECT_GOODBYE) -> bytes:
    """Content-Length is always written, `Content-Length: 0` included (the linger notice, outbound capture)."""
    raw = body.encode()
    items = [("Content-Type", "text/disconnect-notice"), *extra, ("Content-Length", str(len(raw)))]
    return ("".join(f"{name}: {value}\n" for name, value in items) + "\n").encode() + raw


@dataclass(frozen=True, slots=True)
class EslCommand:
    """A command as a client sends it: first line, then optional headers (sendmsg) and body."""

    line: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def verb(self) -> str:
        return self.line.split(" ", 1)[0]

    @property
    def argument(self) -> str:
        parts = self.line.split(" ", 1)
        return parts[1] if len(parts) > 1 else ""


class EslCommandParser:
    """Incremental parser for the client->server direction (what FreeSWITCH itself reads)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[EslCommand]:
        self._buffer.extend(data)
        out: list[EslCommand] = []
        while True:
            while bytes(self._buffer[:1]) in (b"\n", b"\r"):
                del self._buffer[:1]
            end = self._buffer.find(b"\n\n")
            if end < 0:
                if len(self._buffer) > MAX_HEADER_BYTES:
                    raise EslProtocolError("command larger than 1 MiB")
                return out
            block = bytes(self._buffer[:end]).replace(b"\r", b"")
            first, _, rest = block.partition(b"\n")
            headers: dict[str, str] = {}
            for raw_line in rest.split(b"\n"):
                if raw_line:
                    name, _, value = raw_line.decode("utf-8", errors="replace").partition(":")
                    headers[name.strip()] = value.strip()
            length = _content_length(
                {"Content-Length": headers["content-length"]} if "content-length" in headers else headers
            )
            if len(self._buffer) < end + 2 + length:
                return out
            body = bytes(self._buffer[end + 2 : end + 2 + length])
            del self._buffer[: end + 2 + length]
            out.append(EslCommand(first.decode("utf-8", errors="replace").strip(), headers, body))


def encode_command(line: str, headers: Iterable[tuple[str, str]] = (), body: bytes = b"") -> bytes:
    """Frame a client command (`api status`, or `sendmsg` with headers and an optional body)."""
    if "\n" in line or "\r" in line:
        raise EslProtocolError(f"a command line cannot contain a line break: {line[:80]!r}")
    parts = [line]
    for name, value in headers:
        if "\n" in value or "\r" in value or "\n" in name:
            raise EslProtocolError(f"header {name!r} cannot contain a line break")
        parts.append(f"{name}: {value}")
    if body:
        parts.append(f"content-length: {len(body)}")
    return ("\n".join(parts) + "\n\n").encode() + body
