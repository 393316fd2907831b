#!/usr/bin/env bash
# The system packages the test suite runs for real (Debian names), installed when missing.
#
#   scripts/system-deps.sh           check; as root, apt-get install what is missing; else one line and exit 1
#   scripts/system-deps.sh --check   only check: one line naming what is missing, exit 1
#
# `make deps` (which `make test` and .ci/run call) runs it. It uses bash builtins, `id`, `python3` and `apt-get` only, so
# every lookup follows PATH (and PG_LIB_DIR for PostgreSQL's server binaries, which Debian keeps off PATH).
set -uo pipefail

PG_LIB_DIR="${PG_LIB_DIR:-/usr/lib/postgresql}"

# "package: what must exist". A command is looked up on PATH; a path with a glob must match a file.
REQUIREMENTS=(
  "kubernetes-client:kubectl"
  "prometheus:prometheus"
  "prometheus-alertmanager:prometheus-alertmanager"
  "postgresql:$PG_LIB_DIR/*/bin/initdb"
  "chromium:chromium"
  "chromium-driver:chromedriver"
  # A CJK font, so the web UI's Chinese screenshots show glyphs rather than boxes.
  "fonts-wqy-zenhei:/usr/share/fonts/truetype/wqy/wqy-zenhei.tt?"
)

present() {
  local what=$1
  if [[ $what == */* ]]; then
    local match
    for match in $what; do [[ -e $match ]] && return 0; done
    return 1
  fi
  command -v "$what" >/dev/null 2>&1
}

missing_packages() {
  local entry
  for entry in "${REQUIREMENTS[@]}"; do
    present "${entry#*:}" || printf '%s ' "${entry%%:*}"
  done
  # The venv `make install` creates needs python3 with its venv module (Debian splits it out).
  if ! command -v python3 >/dev/null 2>&1; then
    printf 'python3 python3-venv '
  elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    printf 'python3-venv '
  fi
}

missing=$(missing_packages)
missing=${missing% }
[[ -z $missing ]] && exit 0

hint="apt-get install -y --no-install-recommends $missing"
if [[ ${1:-} == --check ]] || [[ $(id -u 2>/dev/null) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing system packages for the tests: $missing — install them with: sudo $hint" >&2
  exit 1
fi

echo "installing system packages for the tests: $missing" >&2
log="${TMPDIR:-/tmp}/system-deps.log"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
  echo "apt-get could not install: $missing (its output: $log)" >&2
  exit 1
fi
still=$(missing_packages)
if [[ -n $still ]]; then
  echo "still missing after apt-get install: ${still% }" >&2
  exit 1
fi
