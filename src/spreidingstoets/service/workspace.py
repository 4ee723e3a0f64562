"""The workspace: one object, built once from settings, that every front-end shares.

It holds the loaded dataset and its address index, the rulesets (checked against the dataset's
layers when first asked for), and a register view whose overlay follows the register's revision
by applying only the entries changed since. It is safe to share between the threads of a server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from spreidingstoets.caching import BoundedCache
from spreidingstoets.domain.register import RegisterSnapshot
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.errors import ConfigurationError, InputError
from spreidingstoets.ruletypes.base import RegisterOverlay, layers_needed, missing_layer_message
from spreidingstoets.settings import Settings

if TYPE_CHECKING:
    from spreidingstoets.dataset.address import AddressIndex
    from spreidingstoets.dataset.model import Dataset
    from spreidingstoets.register.db import Register, RegisterChanges

T = TypeVar("T")
RULESETS_KEPT = 32
EMPTY_REGISTER = "leeg"  # the revision a verdict names when no register was given  # ruleset + variant combinations a server keeps loaded


class Changes(Protocol):
    """Where a register view reads what changed: a register source, or the register inside a
    decision's write lock (``register.db.LockedRegister``)."""

    def changes_since(self, revision: int | None) -> RegisterChanges: ...


class RegisterSource:
    """Where a register view reads entries: the entries changed after a revision."""

    label: str

    def changes_since(self, revision: int | None) -> RegisterChanges:
        raise NotImplementedError

    def revision(self) -> int:
        """The current revision, read cheaply (asked before every check)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections (nothing to release by default)."""


@dataclass
class FixedRegister(RegisterSource):
    """A register that does not change while the process runs (the sample's CSVs, empty)."""

    fixed: RegisterSnapshot
    label: str = "vast"

    def changes_since(self, revision: int | None) -> RegisterChanges:
        from spreidingstoets.register.db import RegisterChanges

        everything = revision is None
        entries = self.fixed.entries if everything else ()
        return RegisterChanges(0, self.fixed.revision, entries, full=everything)

    def revision(self) -> int:
        return 0


class DatabaseRegister(RegisterSource):
    """A register database: one read gives its revision and the entries changed since."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self.label = register.label

    def changes_since(self, revision: int | None) -> RegisterChanges:
        return self.register.changes_since(revision)

    def revision(self) -> int:
        return self.register.revision_now()

    def close(self) -> None:
        self.register.close()


class RegisterView:
    """The register overlay at the register's current revision, one per revision.

    A new revision is applied to the cached overlay (only the entries changed since), so
    keeping up with a register of tens of thousands of entries costs per change, not per entry.
    """

    def __init__(self, source: RegisterSource, dataset: Callable[[], Dataset]) -> None:
        self.source = source
        self._dataset = dataset
        self._lock = threading.Lock()
        self._cached: tuple[int, RegisterOverlay] | None = None

    @property
    def revision(self) -> int | None:
        """The revision of the cached overlay (None before the first)."""
        cached = self._cached
        return None if cached is None else cached[0]

    def clear_caches(self) -> None:
        """Forget what the cached overlay derived on demand (it stays, at its revision)."""
        cached = self._cached
        if cached is not None:
            cached[1].clear_caches()

    def overlay(self, changes: Changes | None = None) -> RegisterOverlay:
        """The overlay at the newest revision that ``changes`` (default: the source) shows."""
        cached = self._cached
        found = None
        if cached is not None:
            if changes is None:
                # The common case, a check: one cheap read says the overlay is still current.
                if self.source.revision() == cached[0]:
                    return cached[1]
            else:
                found = changes.changes_since(cached[0])
                if cached[0] >= found.revision:
                    return cached[1]
        source = changes or self.source
        with self._lock:
            cached = self._cached
            if found is None:  # the first read is of the whole register: one thread does it
                found = source.changes_since(cached[0] if cached else None)
            if cached is not None and cached[0] >= found.revision:
                return cached[1]  # another thread got there first
            if found.full or cached is None:
                overlay = RegisterOverlay.build(
                    self._dataset(), RegisterSnapshot(found.entries, found.label)
                )
            else:
                overlay = cached[1].with_changes(found.entries, found.label)
            self._cached = (found.revision, overlay)
            return overlay


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
        self._codes: dict[str, str] | None = None  # ruleset id -> gemeentecode

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

        return DatabaseRegister(
            Register.open(
                self.register_url,
                create=False,
                lock_timeout=self.settings.register_lock_timeout,
            )
        )

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

    def release_caches(self) -> None:
        """Forget what the dataset and the register overlay derived on demand (parsed
        footprints, labels, masks, spatial indexes): after a simulation over millions of
        dwellings, before its outputs, which need the memory more."""
        if self._dataset is not None:
            self._dataset.clear_caches()
        if self._view is not None:
            self._view.clear_caches()

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
        self,
        unit: int,
        *,
        sets: list[str] | None = None,
        variant: Path | None = None,
        name: str | None = None,
    ) -> Ruleset:
        """The ruleset ``name`` when given, else that of the municipality of a dwelling (its BAG
        identificatie begins with the gemeentecode); an error listing the rulesets when none,
        or more than one, is for it."""
        if name:
            return self.ruleset(name, sets=sets, variant=variant)
        from spreidingstoets.ruleset import available_rulesets
        from spreidingstoets.ruleset.loader import read_ruleset_data

        code = self.dataset.unit_identificatie(unit)[:4]
        folder = self.settings.rules_dir
        # Read once per workspace (like the rulesets themselves): a server asks per request.
        codes: dict[str, str] = self._once(
            "_codes",
            lambda: {
                name: str(read_ruleset_data(folder / f"{name}.yaml").get("gemeentecode"))
                for name in available_rulesets(folder)
            },
        )
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
