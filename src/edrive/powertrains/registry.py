"""The registry of powertrains: one entry (:class:`~edrive.powertrains.base.Powertrain`) per
kind of car, found by :func:`powertrain_of` (a vehicle spec) or ``POWERTRAINS[name]``.

A new powertrain is one module of this package, which builds its entry, and one line here.
"""

from __future__ import annotations

from ..errors import EdriveError
from . import bev, hev, icev, phev
from .base import Powertrain

#: name -> entry; :func:`powertrain_of` takes the first that accepts a spec
POWERTRAINS: dict[str, Powertrain] = {
    "bev": bev.POWERTRAIN,
    "icev": icev.POWERTRAIN,
    "phev": phev.POWERTRAIN,
    "hev": hev.POWERTRAIN,
}


def powertrain_of(spec) -> Powertrain:
    """The entry of a vehicle spec's powertrain (a plug-in hybrid: ``phev``, though its file
    says ``type: hev``)."""
    for entry in POWERTRAINS.values():
        if isinstance(spec, entry.spec_class) and entry.accepts(spec):
            return entry
    raise EdriveError(f"{getattr(spec, 'name', spec)!r}: not a vehicle spec of a known "
                      f"powertrain; allowed: {', '.join(POWERTRAINS)}")
