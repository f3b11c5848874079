"""Imported by the decode processes' fork server alone, before it forks any decode: from then on
every decode process starts with Ctrl+C and stop signals ignored.

The parent decides when a decode ends. A Ctrl+C or a stop signal sent to the whole process
group must not turn into a "crashed" decode, not even in the moment between a decode process's
birth and its first line of code (the fork server gives its children the signal handlers it
had before its own set-up, which is when this module runs).
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
