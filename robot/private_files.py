"""Files holding personal data (campaign store, call log, exports): 0600, in folders created 0700.

Existing folders are left as they are (a shared working directory is not ours to change); a warning says when one
is readable by others.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIR_MODE = 0o700
_warned: set[Path] = set()


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) 0700; warn when an existing one is open to group or others."""
    if not path.exists():
        path.mkdir(parents=True, mode=DIR_MODE)
        path.chmod(DIR_MODE)  # mkdir's mode is filtered by the umask
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077 and path not in _warned:
        _warned.add(path)
        log.warning("%s is accessible to other users (mode %o): personal data lives there", path, mode)


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if missing, else set it to 0600 (it holds personal data)."""
    os.close(open_private(path, "a"))


def open_private(path: Path, mode: str = "w") -> int:
    """A descriptor on `path` opened for writing ('w' truncates, 'a' appends), mode 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)  # close-on-exec, as every descriptor Python opens (PEP 446)
    try:
        os.fchmod(fd, FILE_MODE)
    except OSError:
        os.close(fd)
        raise
    return fd


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to `fd` (os.write may write part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
