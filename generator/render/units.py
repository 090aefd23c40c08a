"""Human-readable values: 0.00123 s reads as 1.23 ms, 21634048 bytes as 21.6 MB."""

from __future__ import annotations

import math

_SCALES = {
    "s": ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")),
    "bytes": ((1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1.0, "B")),
    "instructions": ((1e9, "G instr"), (1e6, "M instr"), (1e3, "k instr"), (1.0, "instr")),
}


def human(value: float | None, unit: str, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    for factor, name in _SCALES.get(unit, ()):
        if abs(value) >= factor or factor == _SCALES[unit][-1][0]:
            return f"{value / factor:.{digits}g} {name}"
    number = f"{value:,.0f}" if abs(value) >= 10**digits else f"{value:.{digits}g}"
    return f"{number} {unit}".rstrip()
