"""Benchmarks behind `robot bench NAME`: each prints one JSON object, with a baseline measured in the same run.

Each module `robot/bench/<name>.py` exposes `register(subparsers)`; its parser sets
`func=<callable(args, settings) -> int>`.
"""
