"""Channel state of a simulated loopback call and the FreeSWITCH event headers it produces.

Header names, order and values follow the captures in ../shared/fixtures/freeswitch (FreeSWITCH 1.10.12):
13 core headers, then (Hangup-Cause,) the channel block, the Caller-* profile, every channel variable as
`variable_<name>` in the order it was set, and the event's own headers last. Values are raw here; the ESL
encoders URL-encode them for plain events.
"""

from __future__ import annotations

import time
import uuid as uuid_mod
from collections.abc import Iterable
from dataclasses import dataclass, field

Header = tuple[str, str]

CORE_UUID = str(uuid_mod.uuid4())
HOSTNAME = "robot-sim"
IPV4 = "127.0.0.1"
IPV6 = "::1"

# Event-Calling-File / -Function / -Line-Number per event, as seen in the captures.
CALLING: dict[str, tuple[str, str, str]] = {
    "CHANNEL_ANSWER": ("switch_channel.c", "switch_channel_perform_mark_answered", "3846"),
    "CHANNEL_PARK": ("switch_ivr.c", "switch_ivr_park", "1002"),
    "CHANNEL_UNPARK": ("switch_ivr.c", "switch_ivr_park", "1213"),
    "PLAYBACK_START": ("switch_ivr_play_say.c", "switch_ivr_play_file", "1646"),
    "PLAYBACK_STOP": ("switch_ivr_play_say.c", "switch_ivr_play_file", "2020"),
    "CUSTOM": ("mod_audio_stream.c", "responseHandler", "16"),
    "CHANNEL_HANGUP": ("switch_channel.c", "switch_channel_perform_hangup", "3445"),
    "CHANNEL_HANGUP_COMPLETE": ("switch_core_state_machine.c", "switch_core_session_reporting_state", "943"),
    "CHANNEL_STATE": ("switch_channel.c", "switch_channel_perform_set_running_state", "2408"),
    "CHANNEL_EXECUTE": ("switch_core_session.c", "switch_core_session_exec", "2944"),
    "CHANNEL_EXECUTE_COMPLETE": ("switch_core_session.c", "switch_core_session_exec", "2967"),
    "BACKGROUND_JOB": ("mod_event_socket.c", "api_exec", "1572"),
    "CHANNEL_DATA": ("mod_event_socket.c", "parse_command", "2117"),
}

Q850 = {
    "NORMAL_CLEARING": 16,
    "USER_BUSY": 17,
    "NO_ANSWER": 19,
    "NO_ROUTE_DESTINATION": 3,
    "CALL_REJECTED": 21,
    "ORIGINATOR_CANCEL": 487,
    "MANAGER_REQUEST": 0,
    "NO_USER_RESPONSE": 18,
    "ALLOTTED_TIMEOUT": 602,  # sched_hangup's default cause (execute_on_answer cap)
}


class EventSequence:
    """Global Event-Sequence counter (increases across all events of the process)."""

    def __init__(self, start: int = 100) -> None:
        self._next = start

    def take(self) -> int:
        self._next += 1
        return self._next


def _stamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def core_headers(name: str, wall: float, seq: EventSequence, subclass: str = "") -> list[Header]:
    calling = CALLING.get(name, ("switch_event.c", "switch_event_fire_detailed", "0"))
    head: list[Header] = [("Event-Subclass", subclass)] if subclass else []
    return [
        *head,
        ("Event-Name", name),
        ("Core-UUID", CORE_UUID),
        ("FreeSWITCH-Hostname", HOSTNAME),
        ("FreeSWITCH-Switchname", HOSTNAME),
        ("FreeSWITCH-IPv4", IPV4),
        ("FreeSWITCH-IPv6", IPV6),
        ("Event-Date-Local", _stamp(wall)),
        ("Event-Date-GMT", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(wall))),
        ("Event-Date-Timestamp", str(int(wall * 1_000_000))),
        ("Event-Calling-File", calling[0]),
        ("Event-Calling-Function", calling[1]),
        ("Event-Calling-Line-Number", calling[2]),
        ("Event-Sequence", str(seq.take())),
    ]


@dataclass(slots=True)
class Leg:
    """One side of a loopback call: A (the robot's, outbound) or B (the callee's, runs the script)."""

    uuid: str
    name: str  # loopback/<ext>-a
    destination: str
    is_a: bool
    session_id: int
    created_wall: float
    variables: dict[str, str] = field(default_factory=dict)
    answered_wall: float = 0.0
    hangup_wall: float = 0.0
    hangup_cause: str = ""
    cid_flipped: bool = False
    state: tuple[str, str, str] = ("CS_INIT", "DOWN", "2")
    hit_dialplan: bool = False

    @property
    def direction(self) -> str:
        return "outbound" if self.is_a else "inbound"

    @property
    def answer_state(self) -> str:
        if self.hangup_cause:
            return "hangup"
        return "answered" if self.answered_wall else "ringing"

    def channel_headers(self, cause_first: bool = True, with_variables: bool = True) -> list[Header]:
        """The channel block; HANGUP_COMPLETE puts Hangup-Cause first, other hangup-time events last."""
        us = _usec
        cid_name, cid_number, callee_number = ("Outbound Call", "default", "0000000000")
        if self.cid_flipped:
            caller_id: list[Header] = [
                ("Caller-Caller-ID-Name", cid_name),
                ("Caller-Caller-ID-Number", cid_number),
                ("Caller-Orig-Caller-ID-Number", "0000000000"),
                ("Caller-Callee-ID-Number", callee_number),
            ]
        else:
            caller_id = [
                ("Caller-Caller-ID-Number", "0000000000"),
                ("Caller-Orig-Caller-ID-Number", "0000000000"),
                ("Caller-Callee-ID-Name", cid_name),
                ("Caller-Callee-ID-Number", cid_number),
            ]
        cause: list[Header] = [("Hangup-Cause", self.hangup_cause)] if self.hangup_cause else []
        out: list[Header] = list(cause) if cause_first else []
        out += [
            ("Channel-State", self.state[0]),
            ("Channel-Call-State", self.state[1]),
            ("Channel-State-Number", self.state[2]),
            ("Channel-Name", self.name),
            ("Unique-ID", self.uuid),
            ("Call-Direction", self.direction),
            ("Presence-Call-Direction", self.direction),
            ("Channel-HIT-Dialplan", "true" if self.hit_dialplan else "false"),
            ("Channel-Call-UUID", self.uuid),
            ("Answer-State", self.answer_state),
        ]
        for way in ("Read", "Write"):
            out += [(f"Channel-{way}-Codec-Name", "L16"), (f"Channel-{way}-Codec-Rate", "8000")]
            out.append((f"Channel-{way}-Codec-Bit-Rate", "128000"))
        out += [
            ("Caller-Direction", self.direction),
            ("Caller-Logical-Direction", self.direction),
            ("Caller-Dialplan", "xml"),
            *caller_id,
            ("Caller-ANI", "0000000000"),
            ("Caller-Destination-Number", self.destination),
            ("Caller-Unique-ID", self.uuid),
            ("Caller-Source", "mod_loopback"),
            ("Caller-Context", "default"),
            ("Caller-Channel-Name", self.name),
            ("Caller-Profile-Index", "1"),
            ("Caller-Profile-Created-Time", us(self.created_wall)),
            ("Caller-Channel-Created-Time", us(self.created_wall)),
            ("Caller-Channel-Answered-Time", us(self.answered_wall)),
        ]
        for what in ("Progress", "Progress-Media"):
            out.append((f"Caller-Channel-{what}-Time", "0"))
        out.append(("Caller-Channel-Hangup-Time", us(self.hangup_wall)))
        for what in ("Transfer-Time", "Resurrect-Time", "Bridged-Time", "Last-Hold", "Hold-Accum"):
            out.append((f"Caller-Channel-{what}", "0"))
        out += [("Caller-Screen-Bit", "true"), ("Caller-Privacy-Hide-Name", "false")]
        out.append(("Caller-Privacy-Hide-Number", "false"))
        if with_variables:
            out += [(f"variable_{k}", v) for k, v in self.variables.items()]
        return out if cause_first else out + cause

    def set_cdr_variables(self) -> None:
        """The CDR variables FreeSWITCH adds at hangup (stamps, epochs, durations in s/ms/us)."""
        v = self.variables
        answered = self.answered_wall
        v["hangup_cause"] = self.hangup_cause
        v["hangup_cause_q850"] = str(Q850.get(self.hangup_cause, 16))
        v["digits_dialed"] = "none"
        v["start_stamp"] = v["profile_start_stamp"] = _stamp(self.created_wall)
        if answered:
            v["answer_stamp"] = _stamp(answered)
        v["end_stamp"] = _stamp(self.hangup_wall)
        for key, when in (("start", self.created_wall), ("profile_start", self.created_wall), ("answer", answered)):
            v[f"{key}_epoch"], v[f"{key}_uepoch"] = str(int(when)), _usec(when)
        for key in ("bridge", "last_hold"):
            v[f"{key}_epoch"] = v[f"{key}_uepoch"] = "0"
        v["hold_accum_seconds"] = v["hold_accum_usec"] = v["hold_accum_ms"] = "0"
        for key in ("resurrect", "progress", "progress_media"):
            v[f"{key}_epoch"] = v[f"{key}_uepoch"] = "0"
        v["end_epoch"], v["end_uepoch"] = str(int(self.hangup_wall)), _usec(self.hangup_wall)
        if "current_application" in v:
            v.setdefault("last_app", v["current_application"])
            if "current_application_data" in v:
                v.setdefault("last_arg", v["current_application_data"])
        v["caller_id"] = '"Outbound Call" <default>' if self.cid_flipped else "0000000000"
        total = max(self.hangup_wall - self.created_wall, 0.0)
        bill = max(self.hangup_wall - answered, 0.0) if answered else 0.0
        for suffix, scale in (("sec", 1), ("msec", 1000), ("usec", 1_000_000)):
            prefix = "u" if suffix == "usec" else ("m" if suffix == "msec" else "")
            v[f"{prefix}duration"] = str(round(total * scale))
            v[f"bill{suffix}"] = str(round(bill * scale))
            for key in ("progress", "answer", "wait", "progress_media"):
                v[f"{key}{suffix}"] = "0"
            v[f"flow_bill{suffix}"] = str(round(bill * scale))
        v["is_loopback"] = "1"


def _usec(wall: float) -> str:
    return str(int(wall * 1_000_000)) if wall else "0"


def new_uuid() -> str:
    return str(uuid_mod.uuid4())


def make_loopback_legs(
    a_uuid: str, extension: str, custom: Iterable[tuple[str, str]], wall: float, session_id: int
) -> tuple[Leg, Leg]:
    """A leg (robot side, parked) and B leg (callee side) with the variables loopback sets on each."""
    custom = list(custom)
    b_uuid = new_uuid()
    a = Leg(a_uuid, f"loopback/{extension}-a", extension, True, session_id, wall)
    b = Leg(b_uuid, f"loopback/{extension}-b", extension, False, session_id + 1, wall, hit_dialplan=True)
    a.variables.update(
        direction="outbound",
        is_outbound="true",
        session_id=str(a.session_id),
        read_codec="L16",
        read_rate="8000",
        write_codec="L16",
        write_rate="8000",
        channel_name=a.name,
        uuid=a_uuid,
        call_uuid=a_uuid,
        origination_uuid=a_uuid,
    )
    a.variables.update(custom)
    a.variables.update(
        originate_early_media="true", originate_endpoint="loopback", other_loopback_leg_uuid=b_uuid, loopback_leg="A"
    )
    b.variables.update(
        direction="inbound",
        uuid=b_uuid,
        session_id=str(b.session_id),
        channel_name=b.name,
        read_codec="L16",
        read_rate="8000",
        write_codec="L16",
        write_rate="8000",
        origination_uuid=a_uuid,
    )
    b.variables.update(custom)
    b.variables.update(other_loopback_leg_uuid=a_uuid, loopback_leg="B", call_uuid=b_uuid)
    return a, b
