"""Writing output files and folders: checked up front, atomic, durable, with the umask's modes.

Every command that writes output goes through here:

- :func:`check_output_path` refuses an unusable output path with one Dutch line, before any
  work is done.
- :func:`atomic_file` and :func:`atomic_folder` build the output under a temporary sibling name
  (``.<name>.tmp-<pid>-<random>``), fsync it, and only then put it in place, so a reader sees
  the old output or the new one, never half of one, also after a power cut.
- :func:`clean_stale` removes what a killed writer left behind and puts back a folder that a
  crash took away between two renames.

Modes follow the umask (``0o666 & ~umask`` for files, ``0o777 & ~umask`` for folders), as for
any file a program creates, so colleagues on a shared server can read a dataset when the umask
lets them; :mod:`tempfile` alone would make everything private.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path

from spreidingstoets.errors import InputError


def _read_umask() -> int:
    # /proc reads it without changing it; os.umask can only read by setting, which for a moment
    # gives other threads' new files umask 0.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    old = os.umask(0o077)
    os.umask(old)
    return old


UMASK = _read_umask()  # read once: the umask of the process when the program started
FILE_MODE = 0o666 & ~UMASK
FOLDER_MODE = 0o777 & ~UMASK


def check_output_path(
    path: str | Path, *, what: str, suffixes: Iterable[str] | None = None, folder: bool = False
) -> None:
    """Refuse an output path that cannot be written, naming what is wrong and what is valid.

    ``what`` names the option (``--out``); ``suffixes`` (``.csv``, ...) are the valid file name
    endings, compared case-insensitively; ``folder`` says the output is a folder, not a file.
    """
    path = Path(path)
    parent = path.absolute().parent
    if suffixes is not None:
        valid = tuple(suffixes)
        if path.suffix.lower() not in valid:
            found = f"extensie {path.suffix!r} past niet" if path.suffix else "geen extensie"
            raise InputError(f"{what} {path}: {found}; geldig: {', '.join(valid)}")
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"{what} {path}: dit is een bestand; geef een map")
    if not folder and path.is_dir():
        raise InputError(f"{what} {path}: dit is een map; geef een bestandsnaam in een map")
    if not parent.is_dir():
        raise InputError(f"{what} {path}: de map {parent} bestaat niet; maak die eerst aan")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{what} {path}: geen schrijfrechten in de map {parent}")


def _tmp_prefix(target: Path) -> str:
    return f".{target.name}.tmp-{os.getpid()}-"


def _old_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.old-{os.getpid()}")


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)  # folders too: fsync on a folder flushes its entries
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root``, and ``root`` itself, to disk."""
    for folder, _, files in os.walk(root, topdown=False):
        for name in files:
            _fsync_path(Path(folder, name))
        _fsync_path(Path(folder))


def _remove(path: Path) -> None:
    """Delete a file or folder tree, as far as possible (a leftover is cleaned up next time)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink(missing_ok=True)


@contextmanager
def _refused_as_input(
    target: Path, action: str | None = None, *, only: Container[int] | None = None
) -> Iterator[None]:
    # os.access cannot foresee every refusal (root in /proc, an immutable file or folder, a full
    # disk): the first file created and the final rename are the real test, and their failure
    # is the user's path, not a bug. ``action`` says what could not be done; ``only`` limits it
    # to these errnos (a failing disk is no fault of the path).
    try:
        yield
    except OSError as exc:
        if only is not None and exc.errno not in only:
            raise
        reason = _REASONS.get(exc.errno or 0, exc.strerror)
        doing = action or f"kan niet schrijven in de map {target.absolute().parent}"
        raise InputError(f"{target}: {doing} ({reason})") from exc


_REFUSALS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT})
_REASONS = {
    errno.EACCES: "geen schrijfrechten",
    errno.EPERM: "niet toegestaan",
    errno.EROFS: "alleen-lezen bestandssysteem",
    errno.ENOSPC: "schijf vol",
    errno.EDQUOT: "quotum vol",
    errno.ENOENT: "de map bestaat niet of neemt geen bestanden aan",
}


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """A temporary path next to ``path`` that replaces ``path`` only when the block succeeds.

    The block writes the temporary file (it exists, empty; a writer that must create the file
    itself may delete it first). Afterwards it gets the umask's mode, is fsynced, renamed over
    ``path`` and the folder is fsynced. On an error the temporary file is removed and ``path``
    is untouched.
    """
    path = Path(path)
    clean_stale(path)
    with _refused_as_input(path):
        fd, name = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE)
        _fsync_path(tmp)
        with _refused_as_input(path, "kan het bestaande bestand niet vervangen", only=_REFUSALS):
            os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
    _fsync_path(path.parent)


@contextmanager
def atomic_folder(target: str | Path, *, replace: bool) -> Iterator[Path]:
    """A temporary sibling folder that takes the place of ``target`` when the block succeeds.

    At every instant either the old or the new folder is at ``target``: on Linux the two are
    exchanged in one step (``renameat2`` with ``RENAME_EXCHANGE``) and the old one is deleted
    under the temporary name. Elsewhere the old folder is first renamed to ``.<name>.old-<pid>``;
    :func:`clean_stale` puts it back if the process dies before the new one is in place. On an
    error the temporary folder is removed and ``target`` is untouched.
    """
    target = Path(target).absolute()
    clean_stale(target)
    if target.exists() and not target.is_dir():
        raise InputError(f"{target} is een bestand, geen map; die wordt niet vervangen")
    if target.exists() and not replace:
        raise InputError(f"{target} bestaat al")
    with _refused_as_input(target):
        tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(target), dir=target.parent))
    try:
        os.chmod(tmp, FOLDER_MODE)
        yield tmp
        _fsync_tree(tmp)
        with _refused_as_input(target, "kan de bestaande map niet vervangen", only=_REFUSALS):
            old = _swap_in(tmp, target)
    except BaseException:
        _remove(tmp)
        raise
    _fsync_path(target.parent)
    if old is not None:
        _remove(old)


def _swap_in(new: Path, target: Path) -> Path | None:
    """Put ``new`` at ``target``; return where the previous folder went, if there was one."""
    if not target.exists():
        os.rename(new, target)
        return None
    if exchange(new, target):
        return new  # the old folder, now under the temporary name
    old = _old_name(target)
    os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)  # put the previous folder back
        raise
    return old


AT_FDCWD = -100
RENAME_EXCHANGE = 2
SYS_RENAMEAT2_X86_64 = 316


@cache
def _renameat2() -> Callable[..., int] | None:
    """libc's renameat2, or the raw system call on x86_64 where libc lacks it (glibc < 2.28)."""
    if sys.platform != "linux":
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "renameat2"):
        func = libc.renameat2
        func.argtypes = [
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_uint,
        ]
        func.restype = ctypes.c_int
        return func
    if platform.machine() != "x86_64":
        return None
    syscall = libc.syscall
    syscall.restype = ctypes.c_long

    def call(olddirfd: int, old: bytes, newdirfd: int, new: bytes, flags: int) -> int:
        return int(
            syscall(
                ctypes.c_long(SYS_RENAMEAT2_X86_64),
                ctypes.c_int(olddirfd),
                ctypes.c_char_p(old),
                ctypes.c_int(newdirfd),
                ctypes.c_char_p(new),
                ctypes.c_uint(flags),
            )
        )

    return call


def exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` in one atomic step; False where the system cannot."""
    func = _renameat2()
    if func is None:
        return False
    if func(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # kernel or filesystem lacks it
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _of_dead_process(name: str, prefix: str, *, with_random: bool) -> bool:
    """Whether ``name`` is ``<prefix><pid>`` (``<prefix><pid>-<random>``) of a process now gone."""
    if not name.startswith(prefix):
        return False
    pid, dash, _ = name[len(prefix) :].partition("-")
    return pid.isdigit() and bool(dash) == with_random and not _pid_alive(int(pid))


def clean_stale(target: str | Path) -> None:
    """Remove what killed writers of ``target`` left, and restore a folder lost between renames.

    Leftovers are ``.<name>.tmp-<pid>-*`` and ``.<name>.old-<pid>`` whose process is no longer
    running; those of running processes may still be in use and are kept. When ``target`` is
    missing and a dead process's ``.old-<pid>`` exists, the process died between moving the old
    folder away and moving the new one in: the old folder goes back to ``target``.
    """
    target = Path(target).absolute()
    try:
        names = sorted(os.listdir(target.parent))
    except OSError:
        return  # no folder, nothing left behind
    tmp_prefix, old_prefix = f".{target.name}.tmp-", f".{target.name}.old-"
    olds = [n for n in names if _of_dead_process(n, old_prefix, with_random=False)]
    tmps = [n for n in names if _of_dead_process(n, tmp_prefix, with_random=True)]
    if not olds and not tmps:
        return
    for name in olds:
        if os.path.lexists(target):
            _remove(target.parent / name)
        else:
            os.rename(target.parent / name, target)
    for name in tmps:
        _remove(target.parent / name)
    _fsync_path(target.parent)
