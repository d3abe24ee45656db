"""Simulated FreeSWITCH events and the per-connection subscriptions that filter them."""

from __future__ import annotations

from dataclasses import dataclass, field

from robot.esl.parser import encode_event_json, encode_event_plain
from robot.sim.channel import Header


@dataclass(slots=True)
class SimEvent:
    """One fired event; its wire forms are rendered once and shared by every subscriber."""

    name: str
    headers: list[Header]
    body: str = ""
    subclass: str = ""
    channel_uuid: str = ""
    _plain: bytes | None = field(default=None, repr=False)
    _json: bytes | None = field(default=None, repr=False)

    def encode(self, fmt: str) -> bytes:
        if fmt == "json":
            if self._json is None:
                self._json = encode_event_json(self.headers, self.body)
            return self._json
        if self._plain is None:
            self._plain = encode_event_plain(self.headers, self.body)
        return self._plain


class Subscription:
    """What an ESL connection listens to: `event <fmt> NAMES...` adds to it (CUSTOM takes subclasses after it)."""

    def __init__(self) -> None:
        self.format: str | None = None
        self.names: set[str] = set()
        self.subclasses: set[str] = set()
        self.all = False
        self.channel_uuid: str | None = None  # myevents: only this channel's events

    @property
    def active(self) -> bool:
        return self.format is not None

    def add(self, fmt: str, words: list[str]) -> None:
        self.format = fmt
        custom = False
        for word in words:
            if word == "ALL":
                self.all = True
            elif word == "CUSTOM":
                custom = True
                self.names.add("CUSTOM")
            elif custom:  # as mod_event_socket: every word after CUSTOM is a subclass
                self.subclasses.add(word)
            else:
                self.names.add(word)

    def remove(self, words: list[str]) -> None:
        for word in words:
            if word == "ALL":
                self.all = False
                self.names.clear()
            self.names.discard(word)
            self.subclasses.discard(word)

    def clear(self) -> None:
        self.__init__()  # type: ignore[misc]

    def wants(self, event: SimEvent) -> bool:
        if self.format is None:
            return False
        if self.channel_uuid is not None and event.channel_uuid != self.channel_uuid:
            return False
        if self.all:
            return True
        if event.name == "CUSTOM":
            return "CUSTOM" in self.names and (not self.subclasses or event.subclass in self.subclasses)
        return event.name in self.names
