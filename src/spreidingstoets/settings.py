"""Settings, read once at each entry point (CLI command, API start, worker) and passed on.

Environment variables (or a ``.env`` file in the working folder):

=============================  ==========================================================
``SPREIDINGSTOETS_RULES``      folder of ruleset YAML files (default: the bundled rules)
``SPREIDINGSTOETS_SAMPLE``     folder of the synthetic sample (default: the bundled sample)
``SPREIDINGSTOETS_DATA``       compiled dataset used when ``--data`` is not given
``SPREIDINGSTOETS_REGISTER``   register (SQLite file or database URL) when ``--register`` is not given
``SPREIDINGSTOETS_CACHE_DIR``  where the compiled sample is kept (default ``$XDG_CACHE_HOME/spreidingstoets``)
``SPREIDINGSTOETS_REGISTER_LOCK_TIMEOUT``  seconds a register write waits for the lock (default 5)
=============================  ==========================================================

The rules and the sample ship inside the package (``_bundled/``, see ``setup.py``); in a source
checkout they are read from ``rules/`` and ``data/bag_sample/``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from spreidingstoets.errors import ConfigurationError

_PACKAGE = Path(__file__).resolve().parent
# name -> (folder inside an installed package, folder in a source checkout)
_BUNDLED = {
    "rules": (_PACKAGE / "_bundled" / "rules", _PACKAGE.parents[1] / "rules"),
    "sample": (_PACKAGE / "_bundled" / "sample", _PACKAGE.parents[1] / "data" / "bag_sample"),
}


def bundled(name: str) -> Path:
    """The bundled ``rules`` or ``sample`` folder, installed or in the source tree."""
    for folder in _BUNDLED[name]:
        if folder.is_dir():
            return folder
    raise ConfigurationError(
        f"de meegeleverde map {name!r} ontbreekt in deze installatie ({_BUNDLED[name][0]}); "
        f"geef een map op met SPREIDINGSTOETS_{name.upper()}"
    )


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spreidingstoets"


class Settings(BaseSettings):
    """Where rules, data, register and caches are; every field can be set from the environment."""

    model_config = SettingsConfigDict(
        env_prefix="SPREIDINGSTOETS_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    rules: Path | None = Field(None, description="folder of ruleset YAML files")
    sample: Path | None = Field(None, description="folder of the synthetic sample")
    data: Path | None = Field(None, description="compiled dataset (default: the sample's)")
    register_url: str | None = Field(
        None,
        validation_alias=AliasChoices("SPREIDINGSTOETS_REGISTER", "register_url"),
        description="register file or URL",
    )
    cache_dir: Path = Field(default_factory=_default_cache)
    register_lock_timeout: float = Field(
        5.0, gt=0, le=600, description="seconds a register write waits for the register's lock"
    )

    @property
    def rules_dir(self) -> Path:
        return _folder(self.rules, "rules", "de map met regelsets")

    @property
    def sample_dir(self) -> Path:
        return _folder(self.sample, "sample", "de map met het voorbeeld")


def _folder(given: Path | None, name: str, what: str) -> Path:
    folder = given or bundled(name)
    if not folder.is_dir():
        raise ConfigurationError(
            f"{what} {folder} bestaat niet (instelling SPREIDINGSTOETS_{name.upper()})"
        )
    return folder


def load_settings(**overrides: object) -> Settings:
    """The settings from the environment, with the values an entry point was given on top."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings.model_validate(given)
    except ValidationError as exc:
        from spreidingstoets.domain.messages import dutch

        problems = "; ".join(
            f"SPREIDINGSTOETS_{str(e['loc'][0]).upper()}: {dutch(e)}" for e in exc.errors()
        )
        raise ConfigurationError(f"ongeldige instelling: {problems}") from None
