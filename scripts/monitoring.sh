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

DEBS_NAME=monitoring.sh
. "$REPO/scripts/debs.sh"
log() { debs_log "$@"; }

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

debs_lock "$PEERS_DIR/.monitoring.lock"
if works; then echo "monitoring tools ready in $ROOT"; exit 0; fi
debs_fetch "$PEERS_DIR" "${PKGS[@]}"
debs_extract "$PEERS_DIR" "$ROOT" "${PKGS[@]}"

if ! works; then
  log "extracted tools do not run:"
  ls -l "$ROOT/usr/sbin/collectd" "$ROOT/usr/lib/collectd/chrony.so" >&2 || true
  exit 1
fi
echo "monitoring tools ready in $ROOT"
