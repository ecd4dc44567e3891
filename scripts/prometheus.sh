#!/bin/bash
# prometheus.sh: make Debian's Prometheus server and promtool runnable for
# tests/system/test_metrics.py without installing them (the package would
# add a user and start a service).
#
# It downloads the .deb of `prometheus` with `apt-get download` into
# $PEERS_DIR (default: <repo>/.cache/peers, where scripts/peers.sh keeps the
# NTP peers) and extracts it with `dpkg -x` into $PEERS_DIR/prometheus. The
# binaries are static Go programs: nothing else is needed to run them. The
# tests run them on loopback only, with a configuration and a data directory
# of their own; the package's service and its files under /etc are never
# used.
#
# Idempotent. Needs root only if apt's package lists must be updated.
#
# Use afterwards:
#   $PEERS_DIR/prometheus/usr/bin/promtool check metrics < FILE
#   $PEERS_DIR/prometheus/usr/bin/prometheus --config.file=... --storage.tsdb.path=...
#
# Options: --check  only report whether they are ready (exit 0/1).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/.cache/peers}
ROOT=$PEERS_DIR/prometheus
BIN=$ROOT/usr/bin

DEBS_NAME=prometheus.sh
. "$REPO/scripts/debs.sh"
log() { debs_log "$@"; }

works() {
  "$BIN/promtool" --version >/dev/null 2>&1 && "$BIN/prometheus" --version >/dev/null 2>&1
}

if [ "${1:-}" = "--check" ]; then
  if works; then echo "prometheus ready in $ROOT"; exit 0; fi
  echo "prometheus not ready in $ROOT"; exit 1
fi

debs_lock "$PEERS_DIR/.prometheus.lock"
if works; then echo "prometheus ready in $ROOT"; exit 0; fi
debs_fetch "$PEERS_DIR" prometheus
debs_extract "$PEERS_DIR" "$ROOT" prometheus

if ! works; then
  log "extracted binaries do not run:"
  "$BIN/promtool" --version >&2 || true
  exit 1
fi
echo "prometheus ready in $ROOT"
