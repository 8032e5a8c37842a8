"""Harness of the bad-input suite: run the command line in this process or in a child, and
check that a refusal is clean (exit status 2, one line on stderr, no traceback, nothing
written, within a time and memory bound)."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Bounds for one refused command. They catch hangs and runaway allocations (minutes, tens of
# GB), not slowness: a clean refusal takes well under a second and a few hundred MB.
HANG_LIMIT_S = 120
PEAK_RSS_LIMIT_B = 2 * 1024**3


@dataclass
class CliRun:
    args: list[str]
    code: int | None
    out: str
    err: str
    crash: str = ""  # the exception that escaped main(), if any


class Hang(Exception):
    pass


@contextlib.contextmanager
def hang_guard(seconds: int = HANG_LIMIT_S):
    """Raise :class:`Hang` in the main thread after ``seconds`` (POSIX alarm)."""

    def _alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(args: list[str], cwd: Path) -> CliRun:
    """``edrive ARGS`` through its entry point, in this process, in folder ``cwd``."""
    from edrive.cli import main

    out, err = io.StringIO(), io.StringIO()
    code, crash = None, ""
    old_argv, old_cwd = sys.argv, os.getcwd()
    sys.argv = ["edrive", *args]
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), hang_guard():
            main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # noqa: BLE001 - anything escaping main() is the bug
        crash = f"{type(exc).__name__}: {exc}"
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return CliRun(list(args), code, out.getvalue(), err.getvalue(), crash)


def run_cli_process(args: list[str], cwd: Path, scratch: Path) -> tuple[CliRun, int]:
    """``edrive ARGS`` as a separate process in ``cwd``; also returns its peak resident memory
    [B] (from ``wait4``). Its output goes through files in ``scratch``."""
    import time

    out_f, err_f = scratch / "stdout.txt", scratch / "stderr.txt"
    with open(out_f, "w") as out, open(err_f, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "edrive.cli", *args], cwd=cwd,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + HANG_LIMIT_S
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            return CliRun(list(args), None, out_f.read_text(), err_f.read_text(), "hang"), 0
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    run = CliRun(list(args), proc.returncode, out_f.read_text(), err_f.read_text())
    return run, usage.ru_maxrss * 1024


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (hidden ones too)."""
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


def assert_refused(run: CliRun, before: dict, folder: Path) -> None:
    """The contract for bad input on the command line."""
    what = f"edrive {' '.join(run.args)}"
    assert not run.crash, f"{what}: escaped main(): {run.crash}"
    assert run.code == 2, f"{what}: exit {run.code}; stderr: {run.err[-500:]!r}"
    lines = [ln for ln in run.err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"{what}: {len(lines)} lines on stderr: {run.err[-800:]!r}"
    assert lines[0].startswith("error: "), f"{what}: {lines[0]!r}"
    assert "Traceback" not in run.err and "np.float64" not in run.err, f"{what}: {run.err!r}"
    assert len(lines[0]) < 600, f"{what}: a {len(lines[0])}-character message"
    assert listing(folder) == before, f"{what}: wrote or changed files"
