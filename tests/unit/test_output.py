"""Output files (edrive.io.output): checked before computing, written whole or not at all."""

import errno
import os
import subprocess
import sys
import time

import pytest

from edrive.errors import EdriveError
from edrive.io import output
from edrive.io.output import (
    check_output,
    refuse_input_as_output,
    write_frame_csv,
    write_output,
    write_outputs,
)

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _one_line(exc_info) -> str:
    text = str(exc_info.value)
    assert "\n" not in text
    return text


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("make, message", [
    (lambda d: "", "--out: empty path"),
    (lambda d: str(d), "is a folder"),
    (lambda d: f"{d}/", "names a folder"),
    (lambda d: os.symlink(d / "elsewhere.csv", d / "link.csv") or d / "link.csv",
     "is a symbolic link"),
    (lambda d: os.mkfifo(d / "fifo.csv") or d / "fifo.csv", "is a device, pipe or socket"),
    (lambda d: "/dev/null", "is a device, pipe or socket"),
    (lambda d: (d / "file.txt").write_text("x") and d / "file.txt" / "x.csv",
     "a parent is not a folder"),
])
def test_paths_that_cannot_be_outputs_are_refused(tmp_path, make, message):
    with pytest.raises(EdriveError) as exc:
        check_output(make(tmp_path), "--out")
    assert message in _one_line(exc)


def test_a_new_folder_or_a_regular_file_is_accepted(tmp_path):
    check_output(tmp_path / "new" / "deeper" / "x.csv", "--out")
    (tmp_path / "old.csv").write_text("old")
    check_output(tmp_path / "old.csv", "--out")
    assert not (tmp_path / "new").exists()  # checking creates nothing


@pytest.mark.parametrize("name, message", [("plot.unknownext", "suffix .unknownext"),
                                           ("plot", "no suffix"), ("plot.csv", "suffix .csv")])
def test_plot_suffix_must_be_a_format_matplotlib_writes(tmp_path, name, message):
    with pytest.raises(EdriveError) as exc:
        check_output(tmp_path / name, "--plot", plot=True)
    text = _one_line(exc)
    assert text.startswith("--plot: ") and message in text and ".png" in text and ".svg" in text
    check_output(tmp_path / "plot.SVG", "--plot", plot=True)


@pytest.mark.skipif(ROOT, reason="root writes into read-only folders")
def test_a_folder_without_write_permission_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(EdriveError, match="folder .* is not writable"):
            check_output(ro / "sub" / "x.csv", "--out")
        with pytest.raises(EdriveError, match="cannot write .*x.csv.*Permission denied"):
            write_output(ro / "x.csv", "a")
    finally:
        ro.chmod(0o700)


def test_a_long_path_is_shortened_in_messages(tmp_path):
    with pytest.raises(EdriveError) as exc:
        check_output(str(tmp_path) + "/" + "x" * 300 + "/", "--out")
    assert len(_one_line(exc)) < 400 and "..." in str(exc.value)


def test_input_file_as_output_is_refused(tmp_path):
    src = tmp_path / "car.yaml"
    src.write_text("x")
    os.link(src, tmp_path / "hard.yaml")
    for path in (src, tmp_path / "." / "car.yaml", tmp_path / "hard.yaml"):
        with pytest.raises(EdriveError, match="is the input file"):
            refuse_input_as_output(path, src, "--out")
    refuse_input_as_output(tmp_path / "other.yaml", src, "--out")
    refuse_input_as_output(tmp_path / "bmw_ix3", "bmw_ix3", "--out")  # a bundled name


def test_written_files_have_the_usual_permissions_and_no_temporary_is_left(tmp_path):
    old = os.umask(0o022)
    try:
        write_output(tmp_path / "a" / "x.csv", "a,b\n1,2\n")
    finally:
        os.umask(old)
    target = tmp_path / "a" / "x.csv"
    assert target.read_text() == "a,b\n1,2\n"
    assert target.stat().st_mode & 0o777 == 0o644
    assert _leftovers(tmp_path / "a") == []


def test_text_bytes_frames_and_writer_functions(tmp_path):
    import pandas as pd

    write_output(tmp_path / "t.txt", "é")
    write_output(tmp_path / "b.bin", b"\x00\x01")
    write_output(tmp_path / "f.txt", lambda fh: fh.write(b"from a function"))
    write_frame_csv(pd.DataFrame({"a": [1.5], "b": ["x"]}), tmp_path / "d.csv")
    assert (tmp_path / "t.txt").read_bytes() == "é".encode()
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "f.txt").read_text() == "from a function"
    assert (tmp_path / "d.csv").read_text() == "a,b\n1.5,x\n"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path, monkeypatch, code):
    target = tmp_path / "x.csv"
    target.write_text("old results")

    def fail(fd):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(output.os, "fsync", fail)
    with pytest.raises(EdriveError) as exc:
        write_output(target, "new results")
    text = _one_line(exc)
    assert "x.csv" in text and os.strerror(code) in text
    assert target.read_text() == "old results"
    assert _leftovers(tmp_path) == []


def test_several_files_are_written_all_or_none(tmp_path):
    first, second = tmp_path / "car.yaml", tmp_path / "car_map.csv"
    first.write_text("old car")
    second.write_text("old map")

    def disk_full(fh):
        fh.write(b"half a ma")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(EdriveError, match="car_map.csv.*No space left"):
        write_outputs({first: "new car", second: disk_full})
    assert first.read_text() == "old car" and second.read_text() == "old map"
    assert _leftovers(tmp_path) == []
    write_outputs({first: "new car", second: "new map"})
    assert first.read_text() == "new car" and second.read_text() == "new map"


def test_only_regular_files_are_replaced(tmp_path):
    kept = tmp_path / "kept.txt"
    kept.write_text("not to be replaced")
    link = tmp_path / "link.csv"
    link.symlink_to(kept)
    with pytest.raises(EdriveError, match="is a symbolic link"):
        write_output(link, "x")
    assert link.is_symlink() and kept.read_text() == "not to be replaced"
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(EdriveError, match="is a folder"):
        write_output(tmp_path / "dir.csv", "x")
    assert _leftovers(tmp_path) == []


def test_other_errors_of_a_writer_leave_nothing_behind(tmp_path):
    def broken(fh):
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        write_output(tmp_path / "x.png", broken)
    assert list(tmp_path.iterdir()) == []


def test_temporary_files_of_killed_writes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    host = output._host()
    killed = tmp_path / f".x.csv.edrive-{host}-{dead_pid}-0a1b2c3d.tmp"
    old = tmp_path / f".y.csv.edrive-otherhost-{os.getpid()}-0a1b2c3d.tmp"
    running = tmp_path / f".z.csv.edrive-{host}-{os.getpid()}-0a1b2c3d.tmp"
    foreign = tmp_path / ".x.csv.abc123"  # not edrive's pattern
    for p in (killed, old, running, foreign):
        p.write_text("partial")
    hour_ago = time.time() - output.STALE_TEMP_AGE_S - 60
    os.utime(old, (hour_ago, hour_ago))
    write_output(tmp_path / "x.csv", "a")
    assert not killed.exists() and not old.exists()
    assert running.exists() and foreign.exists()
