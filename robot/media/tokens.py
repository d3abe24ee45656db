"""Per-call stream tokens: the audio server only accepts a WebSocket whose URL carries the token of its call.

A token is HMAC-SHA256(secret, "robot-stream:" + call uuid), url-safe base64 without padding (43 characters).
It is deterministic per call; the server also refuses calls that are not open, so a leaked token is useless
once its call is over.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from pydantic import SecretStr

_DOMAIN = b"robot-stream:"


def stream_token(secret: SecretStr, call_uuid: str) -> str:
    """The token that authorises a mod_audio_stream connection for `call_uuid` (case-insensitive uuid)."""
    key = secret.get_secret_value().encode("utf-8")
    digest = hmac.new(key, _DOMAIN + call_uuid.lower().encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_token(secret: SecretStr, call_uuid: str, token: str) -> bool:
    """True when `token` is the token of `call_uuid`; the comparison takes constant time."""
    expected = stream_token(secret, call_uuid).encode("ascii")
    return hmac.compare_digest(expected, token.encode("utf-8", errors="replace"))
