"""Which splits of audio/amd-eval may be tuned on (dev-time tools import HELD_OUT from here).

Every split has been measured: tune, test, test2, test3 and test4 were each reported as held out when first run and
tuned on from 2026-11-30; test5, test6 and test7 were built blind on 2026-11-30 and run once each with the start and
the final code of that session (test5 and test6 were then tuned on). A figure on any of them from now on is a
development figure: build a new split (benchmarks/amd_eval_test7.py is the latest model) and add it here before the
next held-out measurement.
"""

HELD_OUT: frozenset[str] = frozenset()
