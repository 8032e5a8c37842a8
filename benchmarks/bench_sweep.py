"""Throughput and memory of ``edrive sweep run``.

Runs a sweep file with 1 and with 2 local workers into temporary folders and prints the
designs per second (wall time from the first chunk submitted to the last file written,
worker start-up included), the peak resident memory of this process
(``resource.getrusage``) and the peak of the summed resident memory of this process and
all its descendants (the fork server and the workers), sampled every 0.2 s with psutil.
The machine's load average is printed beside each figure, since other jobs on the same
cores slow the runs.

    python benchmarks/bench_sweep.py examples/sweep_motor_gear.yaml
    python benchmarks/bench_sweep.py my_large_sweep.yaml --workers 2
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import threading

from edrive.sweep import load_sweep, run_sweep


class TreeMemory(threading.Thread):
    """Peak summed RSS of this process and its descendants [MiB], sampled in a thread."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_mib = 0.0
        self.done = threading.Event()

    def run(self):
        import psutil

        me = psutil.Process()
        while not self.done.wait(0.2):
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_mib = max(self.peak_mib, total / 2**20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep")
    ap.add_argument("--workers", type=int, action="append",
                    help="worker counts to time (repeatable; default 1 and 2)")
    args = ap.parse_args()
    sweep = load_sweep(args.sweep)
    print(f"{args.sweep}: {sweep.n_designs} designs ({sweep.method}), chunks of "
          f"{sweep.chunk_size}; outputs {', '.join(sweep.outputs)}")
    for workers in args.workers or [1, 2]:
        load = os.getloadavg()[0]
        mem = TreeMemory()
        mem.start()
        with tempfile.TemporaryDirectory() as out:
            s = run_sweep(sweep, out, workers=workers)
        mem.done.set()
        mem.join()
        self_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"workers {workers}: {s.designs_run} designs in {s.seconds:.1f} s = "
              f"{s.designs_per_s:.0f} designs/s; peak RSS this process {self_mib:.0f} MiB, "
              f"all processes {mem.peak_mib:.0f} MiB; load average before {load:.2f}, "
              f"after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
