"""Which splits of audio/amd-eval may be tuned on (dev-time tools import HELD_OUT from here).

tune, test, test2, test3 and test4 were each reported as held out when first run and tuned on from 2026-11-30; test5,
test6 and test7 were built blind on 2026-11-30 and run once each with the start and the final code of that session
(test5 and test6 were then tuned on); test8 (benchmarks/amd_eval_test8.py) was built blind later that day, run once
with that session's start and final code, and is development data now. test9 (benchmarks/amd_eval_test9.py) was built
blind after that, run once with the start and the final code, and is development data now. test10
(benchmarks/amd_eval_test10.py) was built blind after that, run once with the start and the final code, and is
development data now. test11 (benchmarks/amd_eval_test11.py) was built blind after that, run once with the start
and the final code, and is development data now. test12 (benchmarks/amd_eval_test12.py) was built blind
after that, run once with the start and the final code of a session, and is development data now. test13
(benchmarks/amd_eval_test13.py, the latest model of a builder) was built blind after that, run once with the same
two codes as test12, and is development data now. A figure on any of them from now on is a development figure: build
a new split and add it here before the next held-out measurement. test14 (benchmarks/amd_eval_test14.py, built blind
on test13's recipe with texts, fillers and voice forms of its own) was run once with the start (997c947) and the
final code (56292c5) of the session of 2026-11-30 night, and is development data now. test15
(benchmarks/amd_eval_test15.py, built blind on test14's recipe with texts, fillers and voice forms of its own) was
run once with the same start code and 81c8cdf, and is development data now. test16 (benchmarks/amd_eval_test16.py,
built blind on test15's recipe with texts, fillers and voice forms of its own) was run once with the start code,
81c8cdf and the final code of that session (1bdbb41), and is development data now. test17
(benchmarks/amd_eval_test17.py, built blind on test16's recipe with texts, fillers and voice forms of its own) was
run once with the code of c6fa487 in the session of 2026-11-30 late evening, and is development data now. test18
(benchmarks/amd_eval_test18.py, built blind on test17's recipe with texts, fillers and voice forms of its own) was run
once with the start (c6fa487) and the final code (3ca37d8) of that session, and is development data now. A figure on
any split from now on is a development figure: build a new split and add it here before the next held-out measurement.
"""

HELD_OUT: frozenset[str] = frozenset()
