"""Where a distance is measured from: the kadastrale percelen of the application, or its pand.

Not a rule type: a helper of the distance rules (``min_distance``, ``facility_distance``).
A policy that measures "from the perceelgrens" names a polygon layer of percelen; when the
dataset has that layer and a perceel covers the application's BAG point, the distance is
measured from the union of those percelen (and the pand, should it stick out); otherwise from
the pand footprint (or the BAG point of a unit without one), and the verdict says why.
"""

from __future__ import annotations

from typing import NamedTuple

import shapely

from spreidingstoets.ruletypes.base import Context


class Origin(NamedTuple):
    geom: shapely.Geometry
    method: str  # perceel | pand | punt
    text: str  # Dutch: how it was measured, for the message
    parcels: tuple[str, ...]  # identificaties of the percelen used
    fallback: str | None  # why the percelen were not used, when asked for


def origin(ctx: Context, parcel_layer: str | None) -> Origin:
    """The geometry distances are measured from, and how to say so."""
    own = ctx.geometry
    own_method = "punt" if own.geom_type == "Point" else "pand"
    own_text = "vanaf het BAG-punt" if own_method == "punt" else "vanaf de pandcontour"
    if parcel_layer is None:
        return Origin(own, own_method, own_text, (), None)
    layer = ctx.layers.get(parcel_layer)
    if layer is None:
        why = f"de dataset heeft geen laag {parcel_layer!r} met kadastrale percelen"
    else:
        hits = layer.zones_at(ctx.point)
        if hits:
            geoms = [layer.geometry[h.index] for h in hits]
            geom = (
                shapely.union_all([*geoms, own])
                if own_method == "pand"
                else (shapely.union_all(geoms))
            )
            ids = tuple(h.identificatie for h in hits)
            return Origin(
                geom, "perceel", f"vanaf de kadastrale perceelgrens ({', '.join(ids)})", ids, None
            )
        why = f"geen perceel van laag {parcel_layer!r} onder het adres"
    return Origin(own, own_method, f"{own_text} ({why})", (), why)
