"""Answering-machine detection: phrase families (keywords), pure classifier, async detector (robot.amd.detector,
imported on its own because it pulls in the ASR engine), evaluation."""

from robot.amd.beepwait import BeepWait, BeepWaitOutcome, BeepWaitResult
from robot.amd.classifier import AmdClassifier
from robot.amd.keywords import Family, KeywordScores, KeywordSet, Weight, load_keywords

__all__ = [
    "AmdClassifier",
    "BeepWait",
    "BeepWaitOutcome",
    "BeepWaitResult",
    "Family",
    "KeywordScores",
    "KeywordSet",
    "Weight",
    "load_keywords",
]
