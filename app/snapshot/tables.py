"""Render objects as a meta.k8s.io/v1 Table, the shape `kubectl get` asks for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.snapshot.humanize import age
from app.snapshot.tables_core import CORE_PRINTERS
from app.snapshot.tables_model import Column, Printer, col
from app.snapshot.tables_workloads import WORKLOAD_PRINTERS

Obj = dict[str, Any]

_DEFAULT: tuple[list[Column], Printer] = (
    [col("Name"), col("Age")], lambda o, now: [o["metadata"]["name"], age(o, now)])
PRINTERS: dict[str, tuple[list[Column], Printer]] = {**CORE_PRINTERS, **WORKLOAD_PRINTERS}


def _row_object(obj: Obj, include: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata") or {}}


def build_table(kind: str, objects: list[Obj], now: datetime, resource_version: str,
                include_object: str = "Metadata") -> Obj:
    """A Table with a cell per column for every object; ages are relative to `now` (capture time)."""
    columns, printer = PRINTERS.get(kind, _DEFAULT)
    rows = []
    for obj in objects:
        row: Obj = {"cells": printer(obj, now)}
        row_object = _row_object(obj, include_object)
        if row_object is not None:
            row["object"] = row_object
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": resource_version}, "columnDefinitions": columns, "rows": rows}
