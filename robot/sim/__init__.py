"""A FreeSWITCH 1.10 + mod_audio_stream stand-in: ESL inbound/outbound, loopback calls run by callee scripts."""

from robot.sim.call import PlaybackRecord, SimCall, SpeechRecord
from robot.sim.scripts import CalleeScript, load_script, load_scripts
from robot.sim.server import SimServer

__all__ = [
    "CalleeScript",
    "PlaybackRecord",
    "SimCall",
    "SimServer",
    "SpeechRecord",
    "load_script",
    "load_scripts",
]
