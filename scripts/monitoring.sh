#!/bin/bash
# monitoring.sh: make Debian's monitoring tools that read chronyd runnable
# for tests/interop without installing them (the packages would start
# services): collectd (collectd-core, with its chrony plugin) and the chrony
# collector of prometheus-node-exporter-collectors with the Python library
# it imports (python3-prometheus-client, python3-decorator).
#
# It downloads the .debs with `apt-get download` into $PEERS_DIR (default:
# <repo>/.cache/peers, beside the NTP peers of scripts/peers.sh) and extracts
# them with `dpkg -x` into $PEERS_DIR/monitoring. Nothing of theirs is
# started here; the tests run collectd in the foreground with a private
# configuration, and the collector as a plain script.
#
# Idempotent. Needs root only if apt's package lists must be updated.
#
# Use afterwards:
#   $PEERS_DIR/monitoring/usr/sbin/collectd -C CONF -f
#   PYTHONPATH=$PEERS_DIR/monitoring/usr/lib/python3/dist-packages \
#     /usr/bin/python3 $PEERS_DIR/monitoring/usr/share/prometheus-node-exporter-collectors/chrony.py
#
# Options: --check  only report whether they are ready (exit 0/1).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/.cache/peers}
ROOT=$PEERS_DIR/monitoring
PKGS=(collectd-core prometheus-node-exporter-collectors python3-prometheus-client python3-decorator)

log() { printf 'monitoring.sh: %s\n' "$*" >&2; }

works() {
  [ -x "$ROOT/usr/sbin/collectd" ] &&
    [ -f "$ROOT/usr/lib/collectd/chrony.so" ] &&
    [ -f "$ROOT/usr/share/prometheus-node-exporter-collectors/chrony.py" ] &&
    PYTHONPATH=$ROOT/usr/lib/python3/dist-packages /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null
}

if [ "${1:-}" = "--check" ]; then
  if works; then echo "monitoring tools ready in $ROOT"; exit 0; fi
  echo "monitoring tools not ready in $ROOT"; exit 1
fi

mkdir -p "$PEERS_DIR"
exec 9>"$PEERS_DIR/.monitoring.lock"
if command -v flock >/dev/null 2>&1; then
  flock -w 600 9 || { log "could not lock $PEERS_DIR/.monitoring.lock"; exit 1; }
fi

if works; then echo "monitoring tools ready in $ROOT"; exit 0; fi

download() {
  (cd "$PEERS_DIR" && apt-get download -q "$@" >&2 2>"$PEERS_DIR/monitoring-download.log") ||
    { cat "$PEERS_DIR/monitoring-download.log" >&2; return 1; }
}
todo=()
for p in "${PKGS[@]}"; do
  compgen -G "$PEERS_DIR/${p}_*.deb" >/dev/null || todo+=("$p")
done
if [ ${#todo[@]} -gt 0 ]; then
  log "downloading ${todo[*]}"
  if ! download "${todo[@]}"; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 || true
    elif command -v sudo >/dev/null 2>&1; then sudo -n apt-get update -qq >&2 || true
    fi
    download "${todo[@]}"
  fi
fi

log "extracting into $ROOT"
rm -rf "$ROOT.tmp"
mkdir -p "$ROOT.tmp"
for p in "${PKGS[@]}"; do
  dpkg -x "$(ls -1 "$PEERS_DIR/${p}"_*.deb | sort -V | tail -n 1)" "$ROOT.tmp"
done
rm -rf "$ROOT"
mv "$ROOT.tmp" "$ROOT"

if ! works; then
  log "extracted tools do not run:"
  ls -l "$ROOT/usr/sbin/collectd" "$ROOT/usr/lib/collectd/chrony.so" >&2 || true
  exit 1
fi
echo "monitoring tools ready in $ROOT"
