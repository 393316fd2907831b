"""Download kubectl for the image and refuse it unless its SHA-256 is the pinned one.

Used by the Dockerfile's kubectl stage (python is there; curl is not). Standard library only.

    python fetch_kubectl.py --version v1.36.3 --arch amd64 --sha256 <hex> --out /out/kubectl
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import urllib.request
from pathlib import Path

DEFAULT_BASE_URL = "https://dl.k8s.io/release"
ARCHES = ("amd64", "arm64")
CHUNK = 1 << 20


def kubectl_url(base_url: str, version: str, arch: str) -> str:
    return f"{base_url.rstrip('/')}/{version}/bin/linux/{arch}/kubectl"


def fetch(url: str, expected_sha256: str, out: Path, timeout_s: float = 120.0) -> str:
    """Download `url` to `out` (mode 0755) if its SHA-256 matches; raise ValueError otherwise."""
    digest = hashlib.sha256()
    partial = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response, partial.open("wb") as sink:
            while chunk := response.read(CHUNK):
                digest.update(chunk)
                sink.write(chunk)
        actual = digest.hexdigest()
        if actual != expected_sha256.lower():
            raise ValueError(f"checksum mismatch for {url}: expected {expected_sha256}, got {actual}")
    except BaseException:
        partial.unlink(missing_ok=True)  # never leave a half-downloaded or unverified binary behind
        raise
    os.chmod(partial, 0o755)
    partial.replace(out)
    return actual


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", required=True, help="kubectl release, e.g. v1.36.3")
    parser.add_argument("--arch", required=True, choices=ARCHES, help="target architecture (TARGETARCH)")
    parser.add_argument("--sha256", required=True, help="expected SHA-256 of the binary")
    parser.add_argument("--out", required=True, type=Path, help="where to write the binary")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="release server (tests only)")
    args = parser.parse_args(argv)
    url = kubectl_url(args.base_url, args.version, args.arch)
    try:
        digest = fetch(url, args.sha256, args.out)
    except (OSError, ValueError) as exc:
        print(f"fetch_kubectl: {exc}", file=sys.stderr)
        return 1
    print(f"kubectl {args.version} linux/{args.arch} sha256 {digest} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
