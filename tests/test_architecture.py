"""The pure core stays pure: the engine, the rule types, the domain and the dataset's in-memory
model import no file, database, web or YAML library, and start fast."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FORBIDDEN = (
    "yaml",
    "lxml",
    "pyogrio",
    "pyarrow",
    "pandas",
    "geopandas",
    "sqlalchemy",
    "alembic",
    "typer",
    "rich",
    "fastapi",
    "scipy",
    # the project's own readers, stores and front-ends
    "spreidingstoets.dataset.store",
    "spreidingstoets.dataset.compile",
    "spreidingstoets.dataset.lvbag",
    "spreidingstoets.dataset.geopackage",
    "spreidingstoets.dataset.sources",
    "spreidingstoets.ruleset.loader",
    "spreidingstoets.register.db",
    "spreidingstoets.register.csvio",
    "spreidingstoets.zoning.readers",
    "spreidingstoets.service",
    "spreidingstoets.cli",
)
CORE = (
    "spreidingstoets.engine",
    "spreidingstoets.ruletypes",
    "spreidingstoets.domain.model",
    "spreidingstoets.domain.vocabulary",
    "spreidingstoets.domain.register",
    "spreidingstoets.domain.ruleset",
    "spreidingstoets.domain.inputs",
    "spreidingstoets.dataset.model",
    "spreidingstoets.zoning",
    "spreidingstoets.simulate",
    "spreidingstoets.ruletypes.bulk",
)


def _loaded_after(module: str) -> list[str]:
    code = (
        f"import sys, json, {module}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m in {list(FORBIDDEN)!r} "
        "or any(m.startswith(f + '.') for f in " + repr(list(FORBIDDEN)) + "))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


@pytest.mark.parametrize("module", CORE)
def test_core_imports_no_io_library(module: str) -> None:
    assert _loaded_after(module) == []


def test_contract_catches_an_io_import() -> None:
    # The check itself works: a module that reads files does pull in what it must.
    assert "pyarrow" in _loaded_after("spreidingstoets.dataset.store")


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['spreidingstoets', '--help']\n"
        "import spreidingstoets.cli as c\n"
        "try:\n    c.app()\nexcept SystemExit:\n    pass\n"
        "heavy = ('pyarrow', 'pandas', 'geopandas', 'sqlalchemy', 'shapely', 'numpy', 'yaml')\n"
        "print('geladen:' + ','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "spreidingstoets" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "geladen:"


def test_library_never_imports_the_api_package() -> None:
    # The library (CLI included) starts the API only by an import string for uvicorn; no
    # module under src/ imports spreidingstoets_api, and importing them all loads none of it.
    import ast
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "spreidingstoets"
    importing = []
    for path in sorted(src.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(
                n == "spreidingstoets_api" or n.startswith("spreidingstoets_api.") for n in names
            ):
                importing.append(str(path.relative_to(src)))
    assert importing == []
    code = (
        "import sys, pkgutil, importlib, spreidingstoets\n"
        "for m in pkgutil.walk_packages(spreidingstoets.__path__, 'spreidingstoets.'):\n"
        "    if '.sample._' not in m.name and not m.name.endswith('.env'):\n"
        "        importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('spreidingstoets_api')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
