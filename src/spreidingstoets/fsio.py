"""Writing output files: checked up front, atomic and durable."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from spreidingstoets.errors import InputError


def check_output_path(path: Path, *, what: str) -> None:
    if path.is_dir():
        raise InputError(f"{what} {path}: is een map; geef een bestandsnaam")
    if not path.parent.resolve().is_dir():
        raise InputError(f"{what} {path}: de map {path.parent} bestaat niet")


def write_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
