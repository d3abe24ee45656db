"""Settings section of the FreeSWITCH + mod_audio_stream simulator (sim)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from robot.settings.base import _Section


class SimSettings(_Section):
    """The FreeSWITCH + mod_audio_stream simulator."""

    host: str = Field("127.0.0.1", description="Listen address of the simulated ESL.")
    port: int = Field(8021, ge=0, le=65535, description="Listen port of the simulated ESL (0: pick a free one).")
    scripts_dir: Path | None = Field(None, description="Extra callee scripts (YAML/TOML); built-ins always load.")
    password: SecretStr = Field(SecretStr("ClueCon"), description="ESL password the simulator accepts (secret).")
    audio_dir: Path | None = Field(
        None, description="Where scripts' `say` WAVs are looked up after the script's own folder (default audio/sim)."
    )
    missing_file_s: float = Field(
        3.0, gt=0, le=600, description="Playback length of a uuid_broadcast file that is not a readable WAV, seconds."
    )
    broadcast_delay_ms: int = Field(
        200, ge=0, le=5000, description="uuid_broadcast reply -> PLAYBACK_START delay, ms (~200 ms on the capture)."
    )
    default_script: str = Field("human", description="Script for sofia/gateway calls whose number maps to none.")
    originate_log: Path | None = Field(
        None,
        description="Append one JSON line per originate received (dial string, origination_uuid, variables), "
        "flushed per line: the ledger of what was really dialled. None: off.",
    )
    number_suffix_scripts: dict[str, str] = Field(
        default_factory=lambda: {
            "00": "human",
            "01": "human_bargein",
            "02": "human_backchannel",
            "03": "human_silent_first",
            "04": "machine",
            "05": "machine_short",
            "06": "silence",
            "07": "busy",
            "08": "noanswer",
            "09": "announcement",
            "10": "noise",
        },
        description="sofia/gateway/<gw>/<number>: last two digits of the number -> script name.",
    )
