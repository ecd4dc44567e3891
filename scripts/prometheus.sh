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

log() { printf 'prometheus.sh: %s\n' "$*" >&2; }

works() {
  "$BIN/promtool" --version >/dev/null 2>&1 && "$BIN/prometheus" --version >/dev/null 2>&1
}

if [ "${1:-}" = "--check" ]; then
  if works; then echo "prometheus ready in $ROOT"; exit 0; fi
  echo "prometheus not ready in $ROOT"; exit 1
fi

mkdir -p "$PEERS_DIR"
exec 9>"$PEERS_DIR/.prometheus.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 600 9 || { log "could not lock $PEERS_DIR/.prometheus.lock"; exit 1; }
fi

if works; then echo "prometheus ready in $ROOT"; exit 0; fi

download() {
  (cd "$PEERS_DIR" && apt-get download -q prometheus >&2 2>"$PEERS_DIR/prometheus-download.log") ||
    { cat "$PEERS_DIR/prometheus-download.log" >&2; return 1; }
}
if ! compgen -G "$PEERS_DIR/prometheus_*.deb" >/dev/null; then
  log "downloading prometheus"
  if ! download; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 || true
    elif command -v sudo >/dev/null 2>&1; then sudo -n apt-get update -qq >&2 || true
    fi
    download
  fi
fi

deb=$(ls -1 "$PEERS_DIR"/prometheus_*.deb | sort -V | tail -n 1)
log "extracting $(basename "$deb") into $ROOT"
rm -rf "$ROOT.tmp"
mkdir -p "$ROOT.tmp"
dpkg -x "$deb" "$ROOT.tmp"
rm -rf "$ROOT"
mv "$ROOT.tmp" "$ROOT"

if ! works; then
  log "extracted binaries do not run:"
  "$BIN/promtool" --version >&2 || true
  exit 1
fi
echo "prometheus ready in $ROOT"
