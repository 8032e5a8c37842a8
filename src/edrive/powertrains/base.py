"""What an entry of the registry of powertrains (:mod:`edrive.powertrains.registry`) holds.

An entry holds what the rest of edrive needs to know about a powertrain: its spec class,
its simulation over a cycle and the kind of result it returns, its full-throttle force
model (for :func:`edrive.powertrains.api.performance`), the range procedures it offers
(``edrive range``), the figures its tables show, and the compiled batch route that takes it
(or None). Everything that differs between powertrains is looked up here, so that nothing
else branches on a vehicle's ``type``; a new powertrain is one module of this package and
one line of :data:`edrive.powertrains.registry.POWERTRAINS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..vehicle import SPEC_TYPES


@dataclass(frozen=True)
class Column:
    """One column of the text table of cycle results: the summary key of
    ``Result.report()``, the heading, and the format (``"{:.2f}"``) or a function of the
    whole report that gives the cell."""

    key: str
    heading: str
    format: str | Callable[[dict], str] = "{}"

    def cell(self, report: dict) -> str:
        if callable(self.format):
            return self.format(report)
        return self.format.format(report[self.key])


@dataclass(frozen=True)
class Powertrain:
    """What edrive knows of one powertrain (module docstring).

    ``simulate(spec, cycle, *, soc_initial, trace_miss, strategy)`` returns a
    ``result_kind``; ``full_throttle(spec, soc, shift_time_s, engine_inertia)`` returns
    (the force model of :mod:`edrive.sim.performance`, the state of charge it holds or
    None); each of ``procedures`` maps a procedure name (``wltp``, ``epa``) to a function
    ``(spec, progress) -> dict``. ``table`` are the columns of ``edrive simulate``;
    ``summary_keys`` the cycle figures of reports, ``sweep_keys`` those a design sweep
    may record, ``vehicle_keys`` the sweep outputs of the vehicle itself; ``headline`` the
    (summary key, label) that ranks variants of a car. ``batch_route``: the compiled route
    of :func:`edrive.simulate_many` that takes this powertrain (None: each variant runs
    alone). ``plot``: the kind of result plot (``electric``, ``engine``, ``hybrid``) of
    :data:`edrive.report.plots.RESULT_PLOTS`."""

    name: str
    title: str
    spec_class: type
    simulate: Callable
    result_kind: type
    full_throttle: Callable
    table: tuple[Column, ...]
    summary_keys: tuple[str, ...]
    sweep_keys: tuple[str, ...]
    headline: tuple[str, str]
    plot: str
    procedures: Mapping[str, Callable] = field(default_factory=dict)
    vehicle_keys: tuple[str, ...] = ()
    batch_route: str | None = None
    # whether its drive units are those of edrive.edu, which another drive unit can replace
    # (``edrive edu compare``, the fit of a drive unit, the programmes of a portfolio)
    drive_units: bool = False
    # whether it burns fuel on the road (tailpipe CO2); a battery-electric car does not
    tailpipe: bool = True
    # whether ``simulate`` takes ``cold_start=True``: the engine starts cold (FTP-75 bag 1)
    cold_start: bool = False
    # whether a spec of ``spec_class`` is of this powertrain (several may share a class)
    accepts: Callable[[object], bool] = lambda spec: True
    # lines printed under the table of ``edrive simulate`` (reports, initial SOC given)
    table_notes: Callable[[list, float | None], list[str]] = lambda reports, soc: []
    # extra figures of ``edrive simulate`` on a cycle (``summary["plug_in"]``), or None
    cycle_extras: Callable | None = None

    @property
    def type(self) -> str:
        """The ``type`` field of this powertrain's vehicle files."""
        return next(k for k, v in SPEC_TYPES.items() if v is self.spec_class)
