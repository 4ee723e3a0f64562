"""The workspace: one object, built once from settings, that every front-end shares.

It holds the loaded dataset and its address index, the rulesets (checked against the dataset's
layers when first asked for), and a register view whose overlay is rebuilt only when the
register's revision changes. It is safe to share between the threads of a server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from spreidingstoets.caching import BoundedCache
from spreidingstoets.domain.register import RegisterSnapshot
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.errors import ConfigurationError, InputError
from spreidingstoets.ruletypes.base import RegisterOverlay, layers_needed, missing_layer_message
from spreidingstoets.settings import Settings

if TYPE_CHECKING:
    from spreidingstoets.dataset.address import AddressIndex
    from spreidingstoets.dataset.model import Dataset
    from spreidingstoets.register.db import Register

T = TypeVar("T")
RULESETS_KEPT = 32
EMPTY_REGISTER = "leeg"  # the revision a verdict names when no register was given  # ruleset + variant combinations a server keeps loaded


class RegisterSource:
    """Where a register view reads entries: a cheap revision label, and a full snapshot."""

    label: str

    def revision(self) -> str:
        raise NotImplementedError

    def snapshot(self) -> RegisterSnapshot:
        raise NotImplementedError

    def close(self) -> None:
        """Release connections (nothing to release by default)."""


@dataclass
class FixedRegister(RegisterSource):
    """A register that does not change while the process runs (the sample's CSVs, empty)."""

    fixed: RegisterSnapshot
    label: str = "vast"

    def revision(self) -> str:
        return self.fixed.revision

    def snapshot(self) -> RegisterSnapshot:
        return self.fixed


class DatabaseRegister(RegisterSource):
    """A register database; the revision is one indexed read, the snapshot all entries."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self.label = register.label

    def revision(self) -> str:
        return f"{self.register.dialect}@{self.register.revision}"

    def snapshot(self) -> RegisterSnapshot:
        return self.register.snapshot()

    def close(self) -> None:
        self.register.close()


class RegisterView:
    """The register overlay at the register's current revision, rebuilt only when it changes."""

    def __init__(self, source: RegisterSource, dataset: Callable[[], Dataset]) -> None:
        self.source = source
        self._dataset = dataset
        self._lock = threading.Lock()
        self._overlay: RegisterOverlay | None = None

    def overlay(self) -> RegisterOverlay:
        revision = self.source.revision()
        current = self._overlay
        if current is not None and current.snapshot.revision == revision:
            return current
        with self._lock:
            current = self._overlay
            if current is None or current.snapshot.revision != revision:
                current = RegisterOverlay.build(self._dataset(), self.source.snapshot())
                self._overlay = current
            return current


class Workspace:
    """Dataset, rulesets and register for one process, built once from settings.

    Parameters
    ----------
    settings
        Where rules, sample, dataset, register and caches are.
    data
        A compiled dataset folder; default ``settings.data``, else the bundled sample.
    register
        A register file or URL; default ``settings.register``, else the bundled sample's
        registers.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        data: Path | None = None,
        register: str | None = None,
        snapshot: RegisterSnapshot | None = None,
    ) -> None:
        self.settings = settings
        self.data_path = data or settings.data
        self.register_url = register or settings.register_url
        self._fixed = snapshot
        self._lock = threading.RLock()
        self._dataset: Dataset | None = None
        self._index: AddressIndex | None = None
        self._view: RegisterView | None = None
        self._rulesets: BoundedCache[Ruleset] = BoundedCache(RULESETS_KEPT)

    # -- parts, each made once on first use ----------------------------------------------

    def _once(self, attr: str, make: Callable[[], T]) -> T:
        value = getattr(self, attr)
        if value is None:
            with self._lock:
                value = getattr(self, attr)
                if value is None:
                    value = make()
                    setattr(self, attr, value)
        return value

    @property
    def dataset(self) -> Dataset:
        return self._once("_dataset", self._load_dataset)

    def _load_dataset(self) -> Dataset:
        from spreidingstoets.dataset.store import load_dataset
        from spreidingstoets.service.sample import sample_dataset_path

        return load_dataset(self.data_path or sample_dataset_path(self.settings))

    @property
    def address_index(self) -> AddressIndex:
        from spreidingstoets.dataset.address import AddressIndex

        return self._once("_index", lambda: AddressIndex(self.dataset))

    @property
    def register_view(self) -> RegisterView:
        return self._once(
            "_view", lambda: RegisterView(self._register_source(), lambda: self.dataset)
        )

    def _register_source(self) -> RegisterSource:
        if self._fixed is not None:
            return FixedRegister(self._fixed)
        if self.register_url is None and self.data_path is not None:
            # Another dataset than the sample: never the sample's register, an empty one.
            return FixedRegister(RegisterSnapshot((), EMPTY_REGISTER), "leeg register")
        if self.register_url is None:
            from spreidingstoets.service.sample import sample_register

            return FixedRegister(sample_register(self.settings.sample_dir), "voorbeeldregister")
        from spreidingstoets.register.db import Register

        return DatabaseRegister(Register.open(self.register_url, create=False))

    @property
    def register_note(self) -> str | None:
        """What a user should be told about the register checked against, if anything."""
        if self.register_url is None and self.data_path is not None:
            return (
                "let op: geen register opgegeven (--register); getoetst tegen een leeg register, "
                "dus zonder bestaande vergunningen"
            )
        return None

    def overlay(self) -> RegisterOverlay:
        """The register as the engine sees it, at its current revision."""
        return self.register_view.overlay()

    @property
    def register(self) -> Register:
        """The register database (for decisions); an error when the register is no database."""
        source = self.register_view.source
        if not isinstance(source, DatabaseRegister):
            raise ConfigurationError(
                "besluiten vastleggen kan alleen in een registerdatabase; geef --register BESTAND"
            )
        return source.register

    def ruleset(
        self, name: str, *, sets: list[str] | None = None, variant: Path | None = None
    ) -> Ruleset:
        """A ruleset (with a variant), checked once against the dataset's layers."""
        from spreidingstoets.ruleset import load_ruleset

        key = (name, tuple(sets or ()), str(variant) if variant else None)
        return self._rulesets.get(
            key,
            lambda: self.bind(
                load_ruleset(name, self.settings.rules_dir, sets=sets, variant=variant)
            ),
        )

    def ruleset_for(
        self, unit: int, *, sets: list[str] | None = None, variant: Path | None = None
    ) -> Ruleset:
        """The ruleset of the municipality of a dwelling (its BAG identificatie begins with the
        gemeentecode); an error listing the rulesets when none, or more than one, is for it."""
        from spreidingstoets.ruleset import available_rulesets
        from spreidingstoets.ruleset.loader import read_ruleset_data

        code = self.dataset.unit_identificatie(unit)[:4]
        folder = self.settings.rules_dir
        codes = {
            name: str(read_ruleset_data(folder / f"{name}.yaml").get("gemeentecode"))
            for name in available_rulesets(folder)
        }
        matching = [name for name, c in codes.items() if c == code]
        if len(matching) != 1:
            listed = ", ".join(f"{name} ({c})" for name, c in codes.items()) or "geen"
            what = "geen regelset" if not matching else f"{len(matching)} regelsets"
            raise InputError(
                f"{what} voor gemeente {code} (het adres {self.dataset.unit_label(unit)}); "
                f"kies er een met --rules (beschikbaar: {listed})"
            )
        return self.ruleset(matching[0], sets=sets, variant=variant)

    def bind(self, ruleset: Ruleset) -> Ruleset:
        """Refuse a ruleset whose rules need a layer the dataset lacks, before any check."""
        layers = self.dataset.layers
        for version in ruleset.versions:
            for rule in version.rules:
                for name in sorted(layers_needed(rule.params) - set(layers)):
                    raise ConfigurationError(
                        f"regelset {ruleset.id!r} versie {version.version}, regel {rule.id!r}: "
                        f"{missing_layer_message(name, layers)}"
                    )
        return ruleset

    def close(self) -> None:
        if self._view is not None:
            self._view.source.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()
