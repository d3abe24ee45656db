"""robot: an outbound voicebot for FreeSWITCH (ESL control, mod_audio_stream ingest, AMD, barge-in)."""

__version__ = "0.1.0"
__all__ = ["__version__"]
