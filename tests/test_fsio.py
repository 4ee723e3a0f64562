"""Output files and folders: refused up front, atomic, durable, with the umask's modes."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import Town
from spreidingstoets import cli, fsio
from spreidingstoets.dataset import compile as compile_mod
from spreidingstoets.dataset.compile import write_dataset
from spreidingstoets.errors import InputError

REPO = Path(__file__).resolve().parents[1]
TIEL = REPO / "data" / "bag_sample" / "0281-tiel" / "BAGGEM0281L-01112026.zip"
AALSMEER = REPO / "data" / "bag_sample" / "0358-aalsmeer" / "BAGGEM0358L-01112026.zip"
GEBIEDEN = REPO / "data" / "bag_sample" / "0358-aalsmeer" / "layers" / "gebieden.geojson"


def child(script: str, *args: str, umask: int = -1) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a fresh interpreter, as another process that may die half-way."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=120,
        umask=umask,
        cwd=REPO,
    )


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended."""
    return int(child("import os; print(os.getpid())").stdout)


def siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def make_folder(path: Path, content: str) -> Path:
    path.mkdir()
    (path / "which").write_text(content)
    return path


# -- permissions -------------------------------------------------------------------------

MODES_SCRIPT = """
import sys
from spreidingstoets.cli import app
for args in ({import_args!r}, {check_args!r}):
    try:
        app(list(args))
    except SystemExit as exc:
        if exc.code not in (0, 1):
            raise
"""


@pytest.mark.parametrize(
    ("umask", "file_mode", "folder_mode"),
    [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)],
    ids=["umask022", "umask027"],
)
def test_output_modes_follow_the_umask(
    tmp_path: Path, umask: int, file_mode: int, folder_mode: int
) -> None:
    """A dataset (folder, files, layer folder) and a batch output get 0o666/0o777 & ~umask."""
    ds, verdicts, batch = tmp_path / "ds", tmp_path / "verdicts.jsonl", tmp_path / "apps.csv"
    batch.write_text(
        "address,kind,persons,date\nSnoekbaarsstraat 1 Aalsmeer,kamerverhuur,3,2026-11-15\n"
    )
    # The layer must lie where the dataset is (import refuses another municipality's layer).
    import_args = ("import", str(AALSMEER), "--out", str(ds), "--layer", f"gebieden={GEBIEDEN}")
    check_args = (
        "check",
        "--batch",
        str(batch),
        "--rules",
        "aalsmeer",
        "--data",
        str(ds),
        "--out",
        str(verdicts),
    )
    script = MODES_SCRIPT.format(import_args=import_args, check_args=check_args)
    result = child(script, umask=umask)
    assert result.returncode == 0, result.stderr
    folders = [ds, ds / "layers"]
    files = [verdicts, *(p for p in ds.rglob("*") if p.is_file())]
    assert len(files) >= 10 and (ds / "layers" / "gebieden.parquet") in files
    assert {p: stat.S_IMODE(p.stat().st_mode) for p in folders} == dict.fromkeys(
        folders, folder_mode
    )
    assert {p: stat.S_IMODE(p.stat().st_mode) for p in files} == dict.fromkeys(files, file_mode)


def test_umask_is_read_without_changing_it() -> None:
    result = child(
        "import os; from spreidingstoets import fsio; print(fsio.UMASK, os.umask(0))", umask=0o037
    )
    assert result.stdout.split() == [str(0o037), str(0o037)]


# -- atomic folder -----------------------------------------------------------------------


def test_failed_write_keeps_the_old_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    town = Town()
    town.row(town.street("Kwartelstraat"), [1, 3])
    first = write_dataset(town.tables(), tmp_path, tmp_path / "ds")
    town.row(town.street("Merelstraat"), [2])
    real = compile_mod.pq.write_table
    calls = {"n": 0}

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(compile_mod.pq, "write_table", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_dataset(town.tables(), tmp_path, tmp_path / "ds", force=True)
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["sha256"] == first["sha256"]
    assert siblings(tmp_path) == ["ds"]


def test_failed_exchange_keeps_the_old_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = make_folder(tmp_path / "ds", "old")

    def broken(a: Path, b: Path) -> bool:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(fsio, "exchange", broken)
    with pytest.raises(OSError, match="I/O error"), fsio.atomic_folder(target, replace=True) as tmp:
        (tmp / "which").write_text("new")
    assert (target / "which").read_text() == "old"
    assert siblings(tmp_path) == ["ds"]


def test_exchange_keeps_both_names_until_the_old_one_is_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = make_folder(tmp_path / "ds", "old")
    seen: list[tuple[str, str, list[str]]] = []
    renames: list[object] = []

    def remove(path: Path) -> None:  # runs after the swap, before the old folder is deleted
        seen.append(
            ((target / "which").read_text(), (path / "which").read_text(), siblings(tmp_path))
        )

    monkeypatch.setattr(fsio, "_remove", remove)
    monkeypatch.setattr(os, "rename", lambda *a: renames.append(a))
    with fsio.atomic_folder(target, replace=True) as tmp:
        (tmp / "which").write_text("new")
    [(at_target, at_tmp, names)] = seen
    assert (at_target, at_tmp) == ("new", "old")  # exchanged, not moved away and back
    assert names == [tmp.name, "ds"] and ".old-" not in "".join(names)
    assert renames == []  # no two-step rename: the target was never missing


def test_target_is_never_missing_while_it_is_replaced(tmp_path: Path) -> None:
    target = make_folder(tmp_path / "ds", "0")
    stop = threading.Event()
    looks = {"n": 0, "missing": 0}

    def watch() -> None:
        while not stop.is_set():
            looks["n"] += 1
            looks["missing"] += not os.path.isdir(target)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(1, 101):
            with fsio.atomic_folder(target, replace=True) as tmp:
                (tmp / "which").write_text(str(i))
    finally:
        stop.set()
        watcher.join()
    assert looks["n"] > 100 and looks["missing"] == 0
    assert (target / "which").read_text() == "100" and siblings(tmp_path) == ["ds"]


def test_exchange_where_it_is_unsupported_falls_back_to_two_renames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EINVAL (a filesystem without RENAME_EXCHANGE) means: move the old one aside first."""
    target = make_folder(tmp_path / "ds", "old")

    def einval(*args: object) -> int:
        ctypes.set_errno(errno.EINVAL)
        return -1

    monkeypatch.setattr(fsio, "_renameat2", lambda: einval)
    renames: list[tuple[str, str]] = []
    real = os.rename

    def rename(src: Path, dst: Path) -> None:
        renames.append((Path(src).name, Path(dst).name))
        real(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with fsio.atomic_folder(target, replace=True) as tmp:
        (tmp / "which").write_text("new")
    assert renames == [("ds", f".ds.old-{os.getpid()}"), (tmp.name, "ds")]
    assert (target / "which").read_text() == "new" and siblings(tmp_path) == ["ds"]


@pytest.mark.skipif(
    sys.platform != "linux" or platform.machine() != "x86_64", reason="raw syscall 316 is x86_64"
)
def test_exchange_by_raw_syscall_where_libc_lacks_renameat2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    libc = ctypes.CDLL(None, use_errno=True)

    class OldLibc:  # glibc < 2.28: syscall() but no renameat2()
        syscall = libc.syscall

    monkeypatch.setattr(fsio.ctypes, "CDLL", lambda *a, **k: OldLibc())
    fsio._renameat2.cache_clear()
    try:
        a, b = make_folder(tmp_path / "a", "A"), make_folder(tmp_path / "b", "B")
        assert fsio.exchange(a, b)
        assert ((a / "which").read_text(), (b / "which").read_text()) == ("B", "A")
        with pytest.raises(FileNotFoundError):
            fsio.exchange(a, tmp_path / "missing")
    finally:
        fsio._renameat2.cache_clear()


def test_everything_is_fsynced_before_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = make_folder(tmp_path / "ds", "old")
    events: list[object] = []
    real_fsync, real_exchange = os.fsync, fsio.exchange

    def fsync(fd: int) -> None:
        st_ = os.fstat(fd)
        events.append((st_.st_dev, st_.st_ino))
        real_fsync(fd)

    def exchange(a: Path, b: Path) -> bool:
        events.append("swap")
        return real_exchange(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(fsio, "exchange", exchange)
    with fsio.atomic_folder(target, replace=True) as tmp:
        (tmp / "sub").mkdir()
        (tmp / "sub" / "a").write_text("a")
        (tmp / "which").write_text("new")

    def key(p: Path) -> tuple[int, int]:
        return (p.stat().st_dev, p.stat().st_ino)

    swap = events.index("swap")
    written = {key(p) for p in (target, target / "sub", target / "sub" / "a", target / "which")}
    assert written <= set(events[:swap])
    assert key(tmp_path) in events[swap:]  # the rename itself made durable


# -- crashes and leftovers ---------------------------------------------------------------

CRASH_BETWEEN_RENAMES = """
import os, sys
from spreidingstoets import fsio

fsio.exchange = lambda a, b: False  # the fallback for systems without RENAME_EXCHANGE
real = os.rename

def rename(src, dst):
    real(src, dst)
    if ".old-" in os.fspath(dst):
        os._exit(17)  # killed after moving the old folder away, before moving the new one in

os.rename = rename
with fsio.atomic_folder(sys.argv[1], replace=True) as tmp:
    (tmp / "which").write_text("new")
"""


def test_crash_between_the_two_renames_is_recovered(tmp_path: Path) -> None:
    target = make_folder(tmp_path / "ds", "old")
    result = child(CRASH_BETWEEN_RENAMES, str(target))
    assert result.returncode == 17, result.stderr
    left = siblings(tmp_path)
    assert (
        "ds" not in left
        and any(".ds.old-" in n for n in left)
        and any(".ds.tmp-" in n for n in left)
    )
    fsio.clean_stale(target)
    assert (target / "which").read_text() == "old"
    assert siblings(tmp_path) == ["ds"]


def test_next_import_recovers_the_dataset_and_refuses_without_force(tmp_path: Path) -> None:
    town = Town()
    town.row(town.street("Kwartelstraat"), [1])
    first = write_dataset(town.tables(), tmp_path, tmp_path / "ds")
    assert child(CRASH_BETWEEN_RENAMES, str(tmp_path / "ds")).returncode == 17
    with pytest.raises(InputError, match="--force"):  # the old one is back, so it exists
        write_dataset(town.tables(), tmp_path, tmp_path / "ds")
    assert json.loads((tmp_path / "ds" / "manifest.json").read_text())["sha256"] == first["sha256"]
    assert siblings(tmp_path) == ["ds"]


KILLED_WRITER = """
import os, sys
from spreidingstoets import fsio

writer = fsio.atomic_folder if sys.argv[2] == "folder" else fsio.atomic_file
with writer(sys.argv[1], **({"replace": True} if sys.argv[2] == "folder" else {})) as tmp:
    os._exit(9)  # killed while writing
"""


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_leftovers_of_a_killed_writer_are_removed_by_the_next_write(
    tmp_path: Path, kind: str
) -> None:
    target = tmp_path / ("ds" if kind == "folder" else "out.jsonl")
    assert child(KILLED_WRITER, str(target), kind).returncode == 9
    assert [n for n in siblings(tmp_path) if n.startswith(f".{target.name}.tmp-")]
    if kind == "folder":
        with fsio.atomic_folder(target, replace=False) as tmp:
            (tmp / "which").write_text("new")
    else:
        with fsio.atomic_file(target) as tmp:
            tmp.write_text("new")
    assert siblings(tmp_path) == [target.name]


def test_clean_stale_removes_dead_leftovers_and_keeps_live_ones(
    tmp_path: Path, dead_pid: int
) -> None:
    make_folder(tmp_path / "ds", "current")
    live = [f".ds.tmp-{os.getpid()}-abc", f".ds.old-{os.getpid()}"]
    dead = [f".ds.tmp-{dead_pid}-abc", f".ds.tmp-{dead_pid}-x.gpkg-journal", f".ds.old-{dead_pid}"]
    others = [
        f".dsx.tmp-{dead_pid}-abc",
        f".ds.tmp-{dead_pid}",
        f".ds.old-{dead_pid}-x",
        "ds.tmp-1-a",
    ]
    for name in live + dead[::2] + others[:2]:
        make_folder(tmp_path / name, name)
    for name in (dead[1], *others[2:]):
        (tmp_path / name).write_text(name)
    fsio.clean_stale(tmp_path / "ds")
    assert siblings(tmp_path) == sorted(["ds", *live, *others])
    assert (tmp_path / "ds" / "which").read_text() == "current"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.sets(
        st.one_of(
            st.sampled_from(["ds", "dsx", "d"]),
            st.builds(
                lambda name, kind, pid, rest: f".{name}.{kind}-{pid}{rest}",
                st.sampled_from(["ds", "dsx", "d", "ds.tmp-1"]),
                st.sampled_from(["tmp", "old"]),
                st.sampled_from(["DEAD", "LIVE", "12x", ""]),
                st.sampled_from(["", "-", "-abc", "-abc.csv", "x"]),
            ),
        ),
        max_size=8,
    )
)
def test_clean_stale_touches_only_dead_leftovers_of_its_target(
    names: set[str], dead_pid: int
) -> None:
    """Invariant: only ``.ds.tmp-<dead>-*`` and ``.ds.old-<dead>`` go; an old one comes back
    as ``ds`` exactly when ``ds`` is missing."""
    names = {n.replace("DEAD", str(dead_pid)).replace("LIVE", str(os.getpid())) for n in names}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name in names:
            make_folder(root / name, name)
        fsio.clean_stale(root / "ds")
        tmp, old = f".ds.tmp-{dead_pid}-", f".ds.old-{dead_pid}"
        gone = {n for n in names if n.startswith(tmp) or n == old}
        expected = (names - gone) | ({"ds"} if old in names else set())
        assert set(siblings(root)) == expected
        if old in names and "ds" not in names:
            assert (root / "ds" / "which").read_text() == old


# -- atomic file -------------------------------------------------------------------------


def test_failed_file_write_keeps_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old")
    with pytest.raises(RuntimeError), fsio.atomic_file(out) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert out.read_text() == "old" and siblings(tmp_path) == ["out.csv"]
    with fsio.atomic_file(out) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".out.csv.tmp-{os.getpid()}-")
        tmp.write_text("new")
    assert out.read_text() == "new" and siblings(tmp_path) == ["out.csv"]


# -- refusals through the command line ---------------------------------------------------


@pytest.fixture
def read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder nobody may write in. Root ignores permissions, so then os.access is told so too."""
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    if os.geteuid() == 0:
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != folder and real(p, mode))
    return folder


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["spreidingstoets", *args])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    code = exit_.value.code
    return code if isinstance(code, int) else -1, capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "out", "message"),
    [
        ("check", "folder", "dit is een map"),
        ("check", "nope/x.jsonl", "bestaat niet"),
        ("check", "ro/x.jsonl", "geen schrijfrechten"),
        ("export", "folder", "geen extensie; geldig: .csv, .gpkg"),
        ("export", "folder.csv", "dit is een map"),
        ("export", "nope/x.csv", "bestaat niet"),
        ("export", "ro/x.gpkg", "geen schrijfrechten"),
        ("export", "x.xlsx", "extensie '.xlsx' past niet; geldig: .csv, .gpkg"),
        ("export-gpkg", "x.csv", "--format gpkg met --out"),
        ("import", "file.csv", "dit is een bestand"),
        ("import", "nope/ds", "bestaat niet"),
        ("import", "ro/ds", "geen schrijfrechten"),
        ("sample", "file.csv", "dit is een bestand"),
        ("sample", "nope/s", "bestaat niet"),
        ("sample", "ro/s", "geen schrijfrechten"),
        ("sample", "folder", "andere bestanden dan een voorbeeld"),
    ],
)
def test_unusable_output_paths_are_refused_before_any_work(
    tmp_path: Path,
    read_only: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    out: str,
    message: str,
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "mine.txt").write_text("keep")
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "file.csv").write_text("address,kind,persons\n")
    monkeypatch.chdir(tmp_path)
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    args = {
        "check": ["check", "--batch", "file.csv", "--rules", "tiel", "--out", out],
        "export": ["register", "export", "--register", "r.db", "--out", out],
        "export-gpkg": [
            "register",
            "export",
            "--register",
            "r.db",
            "--format",
            "gpkg",
            "--out",
            out,
        ],
        "import": ["import", str(TIEL), "--out", out],
        "sample": ["sample", "--out", out],
    }[command]
    code, stderr = run_main(monkeypatch, capsys, *args)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], stderr
    assert lines[0].startswith(("fout:", "error:")) and "Traceback" not in stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


def test_a_folder_that_refuses_the_first_file_gives_a_dutch_line() -> None:
    """Root passes os.access anywhere, yet /proc refuses new files: the write says so."""
    with (
        pytest.raises(InputError, match=r"kan niet schrijven in de map /proc \("),
        fsio.atomic_file("/proc/verdicts.jsonl"),
    ):
        pytest.fail("no temporary file can exist in /proc")


def test_sample_replaces_an_older_sample_as_a_whole(tmp_path: Path) -> None:
    from spreidingstoets.sample import write_sample

    out = tmp_path / "sample"
    written = write_sample(out)
    (out / "0281-tiel" / "stale.txt").write_text("from an older version")
    assert write_sample(out) == written
    assert sorted(p for p in out.rglob("*") if p.is_file()) == sorted(written)
    assert siblings(tmp_path) == ["sample"]
