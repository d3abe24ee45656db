"""Answering-machine detection: phrase families, pure classifier, async detector, evaluation."""

from robot.amd.classifier import AmdClassifier, BeepWait, BeepWaitOutcome, BeepWaitResult
from robot.amd.detector import AmdDetector, AmdFileResult, AmdTiming
from robot.amd.keywords import Family, KeywordScores, KeywordSet, Weight, load_keywords

__all__ = [
    "AmdClassifier",
    "AmdDetector",
    "AmdFileResult",
    "AmdTiming",
    "BeepWait",
    "BeepWaitOutcome",
    "BeepWaitResult",
    "Family",
    "KeywordScores",
    "KeywordSet",
    "Weight",
    "load_keywords",
]
