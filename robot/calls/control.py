"""What the dialog and AMD need from a live call, whatever carries it (inbound ESL originate or dialplan
hand-off). The ESL implementation lives in robot/calls/esl_control.py."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class CallControl(Protocol):
    uuid: str

    async def play(self, path: Path | str) -> None:
        """Start playing a file to the caller (uuid_broadcast <uuid> <file> aleg); returns once accepted."""

    async def stop_playback(self) -> None:
        """Stop what plays now (uuid_break <uuid> all). Sent at once, never queued behind audio work."""

    async def pause_playback(self) -> None:
        """Toggle pause of the file playing now (uuid_fileman <uuid> pause): a second call resumes it from the same
        sample. Sent at once, like stop_playback."""

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        """Hang the call up (uuid_kill <uuid> <cause>); a call already gone is not an error."""

    async def transfer(self, destination: str, context: str = "default") -> None:
        """Transfer the call (uuid_transfer)."""

    async def set_var(self, name: str, value: str) -> None:
        """Set a channel variable (uuid_setvar)."""
