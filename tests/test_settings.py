"""Settings come from the environment once per entry point; bundled rules and sample are
found, and a wrong folder is a configuration error naming the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from spreidingstoets.errors import ConfigurationError
from spreidingstoets.settings import load_settings


def test_defaults_find_the_bundled_rules_and_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RULES", "SAMPLE", "DATA", "REGISTER", "CACHE_DIR"):
        monkeypatch.delenv(f"SPREIDINGSTOETS_{name}", raising=False)
    settings = load_settings()
    assert (settings.rules_dir / "tiel.yaml").is_file()
    assert (settings.sample_dir / "features.json").is_file()
    assert settings.register_url is None and settings.data is None


def test_environment_and_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPREIDINGSTOETS_RULES", str(REPO / "rules"))
    monkeypatch.setenv("SPREIDINGSTOETS_REGISTER", "x.db")
    monkeypatch.setenv("SPREIDINGSTOETS_CACHE_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.rules_dir == REPO / "rules"
    assert settings.register_url == "x.db"
    assert settings.cache_dir == tmp_path
    assert load_settings(register_url="y.db").register_url == "y.db"


def test_a_missing_rules_folder_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPREIDINGSTOETS_RULES", str(tmp_path / "nergens"))
    with pytest.raises(ConfigurationError, match="SPREIDINGSTOETS_RULES"):
        _ = load_settings().rules_dir


def test_a_bad_setting_value_is_one_dutch_line_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import run_cli

    monkeypatch.setenv("SPREIDINGSTOETS_REGISTER_LOCK_TIMEOUT", "abc")
    with pytest.raises(ConfigurationError, match="SPREIDINGSTOETS_REGISTER_LOCK_TIMEOUT"):
        load_settings()
    result = run_cli("check", "Kwartelstraat 7 Tiel", "--persons", "4")
    assert result.returncode == 3 and "ongeldige instelling" in result.stderr
    assert "Traceback" not in result.stderr
