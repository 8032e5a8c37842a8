"""The powertrains of edrive (battery-electric, conventional, hybrid, plug-in hybrid), each
with its entry in one registry (:mod:`edrive.powertrains.registry`), so that nothing else
branches on a vehicle's type; the calls that take any car through it are in
:mod:`edrive.powertrains.api`."""

from .base import Column, Powertrain
from .registry import POWERTRAINS, powertrain_of

__all__ = ["POWERTRAINS", "Column", "Powertrain", "powertrain_of"]
