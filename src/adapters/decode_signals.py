"""Imported by the decode processes' fork server alone, before it forks any decode: from then on
every decode process starts with Ctrl+C and stop signals ignored, and at the lowest CPU priority.

The parent decides when a decode ends. A Ctrl+C or a stop signal sent to the whole process
group must not turn into a "crashed" decode, not even in the moment between a decode process's
birth and its first line of code (the fork server gives its children the signal handlers it
had before its own set-up, which is when this module runs).

Decoding is batch work beside a server's requests: on a busy machine the scheduler lets a
request's few hundred microseconds of CPU go first, the fork server's forks included. A decode
still gets every CPU cycle nothing else wants.
"""

import os
import signal

#: nice(2)'s lowest priority: at 10, GETs answered while uploads were decoded on a 2-core
#: machine had two to three times their idle p99 (make bench).
DECODE_NICENESS = 19

signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
os.nice(DECODE_NICENESS)
