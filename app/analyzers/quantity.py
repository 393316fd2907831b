"""Kubernetes resource quantities (`128Mi`, `250m`, `124816Ki`, `6`) as numbers, and back to short text."""

from __future__ import annotations

import re

_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$")
_SUFFIX = {
    "": 1.0, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
    "Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40, "Pi": 2.0**50,
}


def parse_quantity(text: object) -> float | None:
    """The value in base units (bytes, cores), or None when `text` is not a quantity."""
    if isinstance(text, int | float):
        return float(text)
    if not isinstance(text, str):
        return None
    match = _QUANTITY.match(text.strip())
    if not match or match.group(2) not in _SUFFIX:
        return None
    try:
        return float(match.group(1)) * _SUFFIX[match.group(2)]
    except ValueError:
        return None


def format_bytes(value: float) -> str:
    """Bytes as Mi (or Gi above 10Gi), the way limits are usually written."""
    if value >= 10 * 2**30:
        return f"{value / 2**30:.0f}Gi"
    mebibytes = value / 2**20
    return f"{mebibytes:.0f}Mi" if mebibytes >= 10 else f"{mebibytes:.1f}Mi"


def format_cpu(value: float) -> str:
    return f"{value:g}" if value >= 1 and value == int(value) else f"{value * 1000:.0f}m"
