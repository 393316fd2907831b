"""Run a benchmark as `make bench-*` does (a subprocess) in a tiny configuration; return its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.support.app import ROOT


def run_bench(module: str, *args: str, timeout: float = 600) -> tuple[dict[str, Any], str]:
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    last = proc.stdout.rstrip().splitlines()[-1]
    figures: dict[str, Any] = json.loads(last)  # the closing line is one JSON object
    return figures, proc.stdout
