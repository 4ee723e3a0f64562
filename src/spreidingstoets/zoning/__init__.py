"""Zoning and area polygon layers: IMRO2012 plans, GeoPackage and GeoJSON polygons.

The rules ``zoning`` (the location must lie in a zone with an allowed designation),
``closed_area`` (no permits inside listed areas) and ``area_share`` (a share per wijk polygon)
all ask the same question of a named polygon layer: which zones cover this point or footprint,
and how much of it?  :class:`ZoningLayer` answers that with an STRtree.

Designations are matched on a normalised key (:func:`normalise_designation`), never on the
text as written, because plans spell the same designation in several ways.

This package exports only the pure layer model, which the engine and the rule types import:
the readers (:mod:`spreidingstoets.zoning.readers`, pyogrio and lxml) and the GeoParquet
storage (:mod:`spreidingstoets.zoning.parquet`, pyarrow) are imported by name where needed.
"""

from spreidingstoets.zoning.layer import DEFAULT_KIND, ZoneHit, ZoningLayer, normalise_designation

__all__ = ["DEFAULT_KIND", "ZoneHit", "ZoningLayer", "normalise_designation"]
