"""Render (or lint) the Helm chart offline, as `helm template` / `helm lint` would.

Uses Helm's own engine through helm-python-sdk (a dev dependency binding Helm's Go SDK), so no `helm`
binary is needed: `make helm-template` runs this when `helm` is not on PATH, and the tests use it.

    python deploy/render_chart.py [-f values.yaml ...] [--set key=value ...] [--namespace aiops]
    python deploy/render_chart.py --lint
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

CHART = Path(__file__).resolve().parent / "chart"
RELEASE = "k8s-aiops-copilot"
NAMESPACE = "aiops"


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep merge, as Helm merges -f files and --set: maps merge, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def render_templates(values: dict[str, Any] | None = None, release: str = RELEASE,
                     namespace: str = NAMESPACE, chart: Path = CHART) -> dict[str, str]:
    """Template path → rendered text (Helm's engine), for every template including empty ones."""
    import helm_python as helm

    with helm.Chart.load(chart) as loaded:
        rendered: dict[str, str] = loaded.render(values or {}, name=release, namespace=namespace,
                                                 is_install=True)
    return rendered


def render(values: dict[str, Any] | None = None, release: str = RELEASE, namespace: str = NAMESPACE,
           chart: Path = CHART) -> str:
    """The manifests as one multi-document YAML stream, in `helm template`'s layout."""
    parts = []
    for path, text in sorted(render_templates(values, release, namespace, chart).items()):
        if path.endswith("NOTES.txt") or not text.strip():
            continue
        parts.append(f"---\n# Source: {path}\n{text.strip()}\n")
    return "".join(parts)


def lint(values: dict[str, Any] | None = None, chart: Path = CHART) -> list[dict[str, Any]]:
    """`helm lint --strict` findings of warning level or worse (empty when clean)."""
    import helm_python as helm

    report = helm.lint(chart, values or {}, strict=True, namespace=NAMESPACE)
    problems = [m for m in report.get("messages", []) if int(m.get("severity", 0)) >= 2]
    problems += [{"severity": 3, "path": "", "error": e} for e in report.get("errors", [])]
    return problems


def main(argv: list[str] | None = None) -> int:
    import helm_python as helm

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--values", action="append", type=Path, default=[], help="values file")
    parser.add_argument("--set", action="append", default=[], help="key=value, as helm --set")
    parser.add_argument("--namespace", default=NAMESPACE)
    parser.add_argument("--release", default=RELEASE)
    parser.add_argument("--lint", action="store_true", help="lint instead of rendering")
    args = parser.parse_args(argv)
    values: dict[str, Any] = {}
    for path in args.values:
        values = merge(values, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    for assignment in args.set:
        values = merge(values, helm.parse_set_string(assignment))
    try:
        if args.lint:
            problems = lint(values)
            for problem in problems:
                print(f"[{problem['severity']}] {problem['path']}: {problem['error']}", file=sys.stderr)
            print(f"{CHART.name}: {'lint failed' if problems else 'lint clean'}")
            return 1 if problems else 0
        sys.stdout.write(render(values, args.release, args.namespace))
    except helm.HelmError as exc:
        print(f"helm: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
