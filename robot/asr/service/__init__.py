"""Streaming recognition as a service (`robot asr serve`): a TCP server speaking whisper_streaming's protocol and a
WebSocket server with a JSON contract and a browser page, in one asyncio process on the robot's one AsrEngine.

Each client is a StreamSession (streaming Silero VAD + LocalAgreement-2 or AlignAtt, robot.asr.service.session)
whose recognitions go to the shared engine at Priority.SERVICE, so iterations of all clients that wait at the same
moment are decoded in one batch and call traffic, when both run in one process, is served first. The clients' VAD
runs in an AnalysisWorker (robot.media.analysis: the robot's with --with-robot), never on the event loop.
"""

from robot.asr.service.server import AsrService

__all__ = ["AsrService"]
