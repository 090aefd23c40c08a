"""Human-readable values: 0.00123 s reads as 1.23 ms, 21634048 bytes as 21.6 MB."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

_SCALES = {
    "s": ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")),
    "bytes": ((1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1.0, "B")),
    "instructions": ((1e9, "G instr"), (1e6, "M instr"), (1e3, "k instr"), (1.0, "instr")),
}


DIMENSIONLESS = ("", "1")  # a ratio or a count of nothing in particular: shown without a unit


def human(value: float | None, unit: str, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    # The step is picked for the value as it will read: 0.9996 s rounds to 1 s, not "1e+03 ms".
    shown = _significant(value, digits)
    for factor, name in _SCALES.get(unit, ()):
        if abs(shown) >= factor or factor == _SCALES[unit][-1][0]:
            return f"{_number(value / factor, digits)} {name}"
    number = _number(value, digits)
    return number if unit in DIMENSIONLESS else f"{number} {unit}"


def _significant(value: float, digits: int) -> float:
    return float(f"{value:.{digits}g}")


def _number(value: float, digits: int) -> str:
    """``digits`` significant digits, or a whole number with thousands separators when it has
    more digits than that (1,234 s, not "1.23e+03 s")."""
    if abs(_significant(value, digits)) >= 10**digits:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def ladder(unit: str) -> tuple[tuple[float, str], ...]:
    """The (factor, name) steps ``human`` picks from for ``unit``, largest first; empty when it
    shows the unit as it is. The chart script formats tooltips with them, so they read as the tables do."""
    return _SCALES.get(unit, ())


def ladder_json(unit: str) -> list[list]:
    """``ladder(unit)`` as JSON lists: what the scripts' humanValue formats a value of ``unit`` with."""
    return [list(step) for step in ladder(unit)]


@dataclass(frozen=True)
class Scale:
    """One display unit for values shown together, as on a chart axis: value / factor, then name."""

    factor: float
    name: str


def axis_scale(values: Iterable[float], unit: str) -> Scale:
    """The step of ``unit``'s ladder that ``human`` gives the largest of ``values``: every tick
    then reads below 1,000 of it (958 M instr, not 0.958B) and the axis names the unit."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    steps = _SCALES.get(unit, ())
    for factor, name in steps:
        if largest >= factor:
            return Scale(factor, name)
    if steps:
        return Scale(steps[-1][0], steps[-1][1])
    return Scale(1.0, "" if unit in DIMENSIONLESS else unit)
