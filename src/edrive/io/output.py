"""Output files: checked before any computation, written whole or not at all.

:func:`check_output` refuses, before anything is computed, a path that could not be written
or must not be replaced: an empty name, a folder, a symbolic link, a device, pipe or socket,
a parent that is not a folder, a folder that cannot be written, and (for plots) a suffix
matplotlib cannot write. :func:`write_outputs` then writes each file to a temporary file in
the target's folder, flushes it to disk, and renames all of them into place only when every
one is complete; on any failure (a full disk, no permission, a read-only file system) the
temporary files are removed, existing targets are left as they were, and one
:class:`~edrive.errors.EdriveError` names the path and the reason. Only regular files are
ever replaced. New files get the usual permissions (``0o666`` less the umask, as ``open``).

Temporary files are named ``.<name>.edrive-<host>-<pid>-<random>.tmp``. A write killed
before its rename leaves one behind; the next write into that folder removes those whose
process has ended (same host) or that are older than :data:`STALE_TEMP_AGE_S`.

Content is given as bytes, text (written as UTF-8) or a function that writes to a binary
file object, e.g. ``lambda fh: figure.savefig(fh, format="png")``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO

from ..errors import EdriveError, format_path

STALE_TEMP_AGE_S = 3600.0  # a temporary file older than this is a leftover of a killed write
TEMP_NAME = re.compile(r"^\..*\.edrive-(?P<host>[A-Za-z0-9-]*)-(?P<pid>\d+)-[0-9a-f]+\.tmp$")

Content = bytes | str | Callable[[BinaryIO], None]


def show_path(path: str | os.PathLike) -> str:
    """A path as the user wrote it, quoted, shortened in the middle when very long."""
    return format_path(os.fspath(path))


def plot_format(path: str | os.PathLike, option: str = "") -> str:
    """The matplotlib format named by a plot file's suffix (``png``, ``svg``, ``pdf``...)."""
    suffix = Path(path).suffix.lower().removeprefix(".")
    formats = _plot_formats()
    if suffix not in formats:
        found = f"suffix .{suffix}" if suffix else "no suffix"
        raise EdriveError(f"{_prefix(option)}{show_path(path)}: {found}; allowed plot "
                          f"formats: {', '.join('.' + f for f in formats)}")
    return suffix


def _plot_formats() -> list[str]:
    from matplotlib.backend_bases import FigureCanvasBase

    # pgf needs a LaTeX installation to write
    return sorted(set(FigureCanvasBase.get_supported_filetypes()) - {"pgf"})


def check_output(path: str | os.PathLike, option: str = "", *, plot: bool = False) -> Path:
    """Refuse an output path that cannot be written or must not be replaced (module
    docstring); ``option`` (e.g. ``--out``) starts the message. Creates nothing."""
    text = os.fspath(path)
    if not text.strip():
        raise EdriveError(f"{_prefix(option)}empty path; allowed: a file name")
    if text.endswith(("/", os.sep)):
        raise EdriveError(f"{_prefix(option)}{show_path(text)} names a folder; allowed: a "
                          "file name")
    target = Path(text)
    if plot:
        plot_format(target, option)
    _check_target(target, option)
    folder = target.parent
    while not folder.exists() and folder != folder.parent:  # made when writing
        folder = folder.parent
    if not folder.is_dir():
        raise EdriveError(f"{_prefix(option)}{show_path(text)}: {show_path(folder)} is not a "
                          "folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EdriveError(f"{_prefix(option)}{show_path(text)}: folder {show_path(folder)} is "
                          "not writable")
    return target


def refuse_input_as_output(path: str | os.PathLike, source: str | os.PathLike,
                           option: str = "") -> None:
    """Refuse an output that is the input file ``source`` (the same path, or the same file
    through a link); a ``source`` that is not a file (e.g. a bundled name) is no conflict."""
    if not os.path.isfile(source):
        return
    same = os.path.realpath(path) == os.path.realpath(source)
    with contextlib.suppress(OSError):
        same = same or os.path.samefile(path, source)
    if same:
        raise EdriveError(f"{_prefix(option)}{show_path(path)} is the input file "
                          f"{show_path(source)}; allowed: another file name")


def write_output(path: str | os.PathLike, content: Content) -> None:
    """Write one file (see :func:`write_outputs`)."""
    write_outputs({path: content})


def write_frame_csv(frame, path: str | os.PathLike) -> None:
    """Write a pandas DataFrame as CSV (no index column)."""
    write_output(path, lambda fh: frame.to_csv(fh, index=False))


def write_outputs(files: Mapping[str | os.PathLike, Content]) -> None:
    """Write every file or none: each to a temporary file first, all renamed into place
    once all are complete (module docstring)."""
    staged: list[tuple[Path, Path]] = []
    current = None
    try:
        for path, content in files.items():
            current = Path(path)
            _check_target(current)
            current.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(current.parent)
            tmp = current.parent / _temp_name(current)
            staged.append((tmp, current))
            _write_file(tmp, content)
        for tmp, current in staged:
            _check_target(current)  # nothing but a regular file is replaced
            os.replace(tmp, current)
        for folder in {target.parent for _, target in staged}:
            _sync_folder(folder)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise EdriveError(f"cannot write {show_path(current)}: {reason}") from None
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def remove_stale_temps(folder: str | os.PathLike) -> None:
    """Remove temporary files of killed writes from ``folder`` (module docstring)."""
    now, host = time.time(), _host()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        m = TEMP_NAME.match(entry.name)
        if not m:
            continue
        with contextlib.suppress(OSError):
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            ended = m["host"] == host and os.name == "posix" and not _process_alive(
                int(m["pid"]))
            if ended or now - st.st_mtime > STALE_TEMP_AGE_S:
                os.unlink(entry.path)


def _prefix(option: str) -> str:
    return f"{option}: " if option else ""


def _check_target(target: Path, option: str = "") -> None:
    """The target is absent or a regular file."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise EdriveError(f"{_prefix(option)}{show_path(target)}: a parent is not a "
                          "folder") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL character in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise EdriveError(f"{_prefix(option)}{show_path(target)}: {reason}") from None
    kind = ("a folder" if stat.S_ISDIR(st.st_mode) else
            "a symbolic link" if stat.S_ISLNK(st.st_mode) else
            None if stat.S_ISREG(st.st_mode) else "a device, pipe or socket")
    if kind:
        raise EdriveError(f"{_prefix(option)}{show_path(target)} is {kind}; allowed: a new "
                          "file or a regular file, which is replaced")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "", socket.gethostname())[:32]


def _temp_name(target: Path) -> str:
    return f".{target.name[:64]}.edrive-{_host()}-{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _process_alive(pid: int) -> bool:
    """Whether a process of this host has the id ``pid`` (POSIX: signal 0 only asks)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # e.g. no permission to signal it: it exists
        return True
    return True


def _write_file(tmp: Path, content: Content) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(tmp, flags, 0o666), "wb") as fh:  # 0o666 less the umask
        if callable(content):
            content(fh)
        else:
            fh.write(content.encode() if isinstance(content, str) else content)
        fh.flush()
        os.fsync(fh.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the renames durable (not every file system can sync a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
