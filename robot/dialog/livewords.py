"""Live words of one call's listener (robot.dialog.listener.CallListener), on its kept audio (robot.dialog.callaudio).

Live words (dialog.streaming, robot.dialog.live): from stream_preroll_ms before each VAD onset until
end_of_turn_silence_ms after the speech ends, the caller's audio feeds the call's LiveRecognizer (whether a
prompt plays or not); its updates go out (CallListener._on_live) as `partial` (unstable words) and `transcript`
(committed words with start/end) events through `on_event`. VAD gates inference: no speech, no ASR request.
The listener's end of speech is the VAD's, or later when the live recogniser heard words after it (a soft ending
the VAD missed), by HEARD_PAST_VAD_MAX_S at most. All timing here is stream audio time (AudioChunk.t).
"""

from __future__ import annotations

from robot.dialog.callaudio import RATE, CallAudio
from robot.dialog.live import LiveRecognizer
from robot.events import Word

__all__ = ["HEARD_PAST_VAD_MAX_S", "LiveWords"]

HEARD_PAST_VAD_MAX_S = 2.0  # live words after the VAD's end of speech extend it by this much at most


class LiveWords(CallAudio):
    """The call's live recogniser fed with the caller's speech, and the words it committed."""

    # set in CallListener.__init__
    live: LiveRecognizer | None  # None without ASR or with dialog.streaming off
    _stream_on: bool  # caller audio goes to the live recogniser
    _stream_fed_until: float
    _partial: str
    _heard_until: float  # end of the last word the live recogniser heard, stream seconds

    def _stream_step(self) -> None:
        live = self.live
        if live is None or not self._stream_on:
            return
        audio = self.audio_between(self._stream_fed_until, self.audio_time)
        live.feed(self.audio_time - audio.size / RATE, audio)
        self._stream_fed_until = self.audio_time
        silence_s = self.settings.end_of_turn_silence_ms / 1000
        last = self._last_segment
        if (
            self._segment_onset is None
            and last is not None
            and self.audio_time - self._speech_end(last[1]) >= silence_s
        ):
            self._stream_on = False
            self._spawn(live.finalize())
        elif live.due():
            self._spawn(live.iterate())

    def turn_words(self, start: float, end: float | None = None) -> list[Word]:
        """Committed live words spoken from `start` (VAD onset, minus alignment slack) to `end` (None: now)."""
        if self.live is None:
            return []
        first = start - 0.5
        last = (self.audio_time if end is None else end) + 0.5
        return [w for w in self.live.committed if first <= w.start <= last]

    def heard_since(self, onset: float) -> str | None:
        """Live words (committed, then the current partial) of the speech from `onset`; None when none yet."""
        words = [w.text for w in self.turn_words(onset)]
        if self._partial:
            words.append(self._partial)
        return " ".join(words) or None

    def _speech_end(self, vad_end: float) -> float:
        """End of speech: the VAD's, or later when the live recogniser heard words after it (a soft ending the VAD
        missed), by HEARD_PAST_VAD_MAX_S at most."""
        return max(vad_end, min(self._heard_until, vad_end + HEARD_PAST_VAD_MAX_S))
