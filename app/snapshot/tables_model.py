"""Table column definitions shared by the per-kind printers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

Column = dict[str, Any]
Printer = Callable[[dict[str, Any], datetime], list[Any]]


def col(name: str, kind: str = "string", priority: int = 0) -> Column:
    """A metav1.TableColumnDefinition; `Name` columns carry format `name` like the real server's."""
    return {"name": name, "type": kind, "format": "name" if name == "Name" else "", "description": name,
            "priority": priority}
