"""python -m bench.memory CONTENDER SLOT FILE: the MB one run adds to resident memory at peak.

Run in a fresh interpreter per measurement, with the input read from a file, so that nothing
else has grown the heap first; :func:`peak_extra_memory` runs it so from the benchmark.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.contenders import IMAGE_ONLY, codec, naive, pyvips_thumbnail
from bench.inputs import Case, encode, photo_like
from imagecore import Slot


def status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def main() -> None:
    name, slot, path = sys.argv[1], Slot(sys.argv[2]), Path(sys.argv[3])
    run = {
        "codec": codec,
        IMAGE_ONLY: lambda: codec(variants=False),
        "naive": lambda: naive,
        "pyvips": pyvips_thumbnail,
    }[name]()
    assert run is not None, f"{name} is not available"
    run(encode(photo_like((64, 48)), "JPEG"), Slot.PROFILE)  # loads and initialises everything
    data = path.read_bytes()
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed memory back, so reuse cannot hide growth
    # Linux resets the peak (VmHWM) to the current size when 5 is written to clear_refs.
    Path("/proc/self/clear_refs").write_text("5")
    baseline = status_kb("VmRSS")
    run(data, slot)
    print(max(0, status_kb("VmHWM") - baseline) / 1024)


def peak_extra_memory(contender: str, case: Case) -> float:
    """MB of resident memory one run adds at its peak, measured in a fresh interpreter.

    A fresh process (not a fork: libvips' threads do not survive one) loads everything, warms
    up on a small image, then runs once; the figure is its peak RSS minus its RSS before the run.
    """
    with tempfile.NamedTemporaryFile() as file:
        file.write(case.data)
        file.flush()
        out = subprocess.run(
            [sys.executable, "-m", "bench.memory", contender, case.slot.value, file.name],
            check=True,
            capture_output=True,
            text=True,
        )
    return float(out.stdout.strip())


if __name__ == "__main__":
    main()
