"""The live view: a model fed by the call log's events (live), the aiohttp server with /metrics, the JSON API and
the web console (server), and `robot top`'s terminal rendering (terminal)."""

from robot.console.live import LiveView, mask_number

__all__ = ["LiveView", "mask_number"]
