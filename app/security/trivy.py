"""Image vulnerabilities from trivy: the operator's VulnerabilityReports, or `trivy image --format json`.

- trivy-operator writes one `VulnerabilityReport` (aquasecurity.github.io/v1alpha1) per workload container,
  labelled `trivy-operator.resource.{kind,name,namespace}` and `trivy-operator.container.name`, with
  `report.artifact`, `report.summary` and `report.vulnerabilities[]` (vulnerabilityID, resource,
  installedVersion, fixedVersion, severity, title, primaryLink). https://aquasecurity.github.io/trivy-operator/
- `trivy image --format json` prints `{"SchemaVersion": 2, "ArtifactName", "Results": [{"Target", "Class",
  "Type", "Vulnerabilities": [{"VulnerabilityID", "PkgName", "InstalledVersion", "FixedVersion", "Severity",
  "Title", "PrimaryURL", ...}]}]}` (trivy's JSON report, pkg/types/report.go). https://trivy.dev/latest/docs/
  configuration/reporting/#json
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

TRIVY_TIMEOUT_S = 300.0
MAX_TRIVY_IMAGES = 50
_SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")


@dataclass(frozen=True)
class Vulnerability:
    id: str
    package: str
    installed: str
    fixed: str | None
    severity: str  # CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN
    title: str = ""
    url: str = ""

    def describe(self) -> str:
        fixed = f"fixed in {self.fixed}" if self.fixed else "no fix yet"
        return f"{self.id} {self.package} {self.installed} ({fixed})"


@dataclass(frozen=True)
class ImageScan:
    """The vulnerabilities of one image (or one workload container, from the operator)."""

    image: str
    source: str  # "trivy-operator" or "trivy"
    vulnerabilities: tuple[Vulnerability, ...]
    report: str | None = None  # the VulnerabilityReport's namespace/name

    def at(self, severity: str) -> list[Vulnerability]:
        return [v for v in self.vulnerabilities if v.severity == severity]


def _severity(value: Any) -> str:
    text = str(value or "UNKNOWN").upper()
    return text if text in _SEVERITIES else "UNKNOWN"


# -- trivy-operator ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReportTarget:
    kind: str
    namespace: str | None
    name: str
    container: str


def report_target(report: dict[str, Any]) -> ReportTarget | None:
    meta = report.get("metadata") or {}
    labels = meta.get("labels") or {}
    kind, name = labels.get("trivy-operator.resource.kind"), labels.get("trivy-operator.resource.name")
    container = labels.get("trivy-operator.container.name")
    if not (kind and name and container):
        return None
    return ReportTarget(str(kind), labels.get("trivy-operator.resource.namespace") or meta.get("namespace"),
                        str(name), str(container))


def parse_vulnerability_report(report: dict[str, Any]) -> ImageScan:
    body = report.get("report") or {}
    artifact = body.get("artifact") or {}
    server = (body.get("registry") or {}).get("server")
    image = "/".join(p for p in (server, artifact.get("repository")) if p)
    if artifact.get("tag"):
        image += f":{artifact['tag']}"
    vulns = tuple(
        Vulnerability(str(v.get("vulnerabilityID", "")), str(v.get("resource", "")),
                      str(v.get("installedVersion", "")), v.get("fixedVersion") or None, _severity(v.get("severity")),
                      str(v.get("title", "")), str(v.get("primaryLink", "")))
        for v in body.get("vulnerabilities") or [] if isinstance(v, dict))
    meta = report.get("metadata") or {}
    return ImageScan(image, "trivy-operator", vulns, f"{meta.get('namespace')}/{meta.get('name')}")


# -- the trivy CLI ----------------------------------------------------------------------------------------
def parse_trivy_json(document: dict[str, Any]) -> ImageScan:
    """One `trivy image --format json` report (SchemaVersion 2)."""
    vulns: list[Vulnerability] = []
    seen: set[tuple[str, str, str]] = set()
    for result in document.get("Results") or []:
        for v in result.get("Vulnerabilities") or []:
            key = (str(v.get("VulnerabilityID")), str(v.get("PkgName")), str(v.get("InstalledVersion")))
            if key in seen:
                continue
            seen.add(key)
            vulns.append(Vulnerability(key[0], key[1], key[2], v.get("FixedVersion") or None,
                                       _severity(v.get("Severity")), str(v.get("Title", "")),
                                       str(v.get("PrimaryURL", ""))))
    return ImageScan(str(document.get("ArtifactName", "")), "trivy", tuple(vulns))


def trivy_binary() -> str | None:
    return shutil.which("trivy")


def _trivy_env() -> dict[str, str]:
    """trivy's own settings, cache and registry credentials; none of the service's keys."""
    keep = ("PATH", "HOME", "XDG_CACHE_HOME", "DOCKER_CONFIG", "SSL_CERT_FILE", "HTTPS_PROXY", "NO_PROXY")
    return {k: v for k, v in os.environ.items() if k in keep or k.startswith("TRIVY_")}


def scan_image(binary: str, image: str, timeout_s: float = TRIVY_TIMEOUT_S) -> ImageScan | None:
    """Run `trivy image --format json` on one image; None (logged) when trivy fails or times out."""
    argv = [binary, "image", "--format", "json", "--quiet", "--scanners", "vuln", "--timeout", f"{int(timeout_s)}s",
            image]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=timeout_s + 10, check=False, env=_trivy_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("trivy failed", extra={"image": image, "error": str(exc)})
        return None
    if done.returncode != 0:
        log.warning("trivy failed", extra={"image": image, "error": done.stderr.decode(errors="replace")[-300:]})
        return None
    try:
        return parse_trivy_json(json.loads(done.stdout))
    except (json.JSONDecodeError, AttributeError) as exc:
        log.warning("trivy output unreadable", extra={"image": image, "error": str(exc)})
        return None


def scan_images(binary: str, images: Iterable[str], timeout_s: float = TRIVY_TIMEOUT_S) -> dict[str, ImageScan]:
    wanted = sorted(set(images))[:MAX_TRIVY_IMAGES]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="trivy") as pool:
        scans = list(pool.map(lambda image: scan_image(binary, image, timeout_s), wanted))
    return {image: scan for image, scan in zip(wanted, scans, strict=True) if scan is not None}
