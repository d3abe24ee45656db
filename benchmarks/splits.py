"""Which splits of audio/amd-eval may be tuned on (dev-time tools import HELD_OUT from here).

tune, test, test2, test3 and test4 were each reported as held out when first run, and tuned on from 2026-11-30
(a figure on them after that date is a development figure). test5, test6 and test7 (the last two SVOX Pico) are
held out: report them with `robot amd-eval --split test5` / `--split test6` / `--split test7`, never tune on them.
"""

HELD_OUT = frozenset({"test5", "test6", "test7"})
