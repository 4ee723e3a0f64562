"""Geometry of a verdict as GeoJSON features: the applicant's dwelling (point and panden) and
the evidence (dwellings counted, adjacent panden, dwellings within the radius), in RD from the
dataset, projected for output (``geo.projector``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Verdict
from spreidingstoets_api.geo import collection, feature


def verdict_features(
    ds: Dataset, verdict: Verdict, project: Callable[[Any], Any]
) -> dict[str, Any]:
    app = verdict.application
    features: list[dict[str, Any]] = []
    unit = ds.unit_index(app.verblijfsobject)
    if unit >= 0:
        features.append(
            feature(
                project(ds.unit_point(unit)),
                {
                    "role": "application",
                    "verblijfsobject": app.verblijfsobject,
                    "address": app.address,
                },
                f"aanvraag/{app.verblijfsobject}",
            )
        )
    seen: set[str] = set()
    for pand in app.panden:
        _pand(ds, pand, {"role": "application_pand", "pand": pand}, features, seen, project)
    for rule in verdict.rules:
        for ev in rule.evidence:
            props = {
                "role": "evidence",
                "rule": rule.rule,
                "relation": ev.relation,
                "verblijfsobject": ev.verblijfsobject,
                "address": ev.address,
                "pand": ev.pand,
                "distance_m": ev.distance_m,
            }
            if ev.verblijfsobject:
                u = ds.unit_index(ev.verblijfsobject)
                if u >= 0:
                    features.append(
                        feature(
                            project(ds.unit_point(u)), props, f"{rule.rule}/{ev.verblijfsobject}"
                        )
                    )
                    continue
            if ev.pand:
                _pand(ds, ev.pand, props, features, seen, project)
    return collection(features)


def _pand(
    ds: Dataset,
    pand: str,
    props: dict[str, Any],
    features: list[dict[str, Any]],
    seen: set[str],
    project: Callable[[Any], Any],
) -> None:
    key = f"{props.get('rule', 'aanvraag')}/pand/{pand}"
    f = ds.footprint_index(pand)
    if f < 0 or key in seen:
        return
    seen.add(key)
    geom = ds.footprints.geom(f)
    if not geom.is_empty:
        features.append(feature(project(geom), props, key))
