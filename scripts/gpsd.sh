#!/bin/bash
# gpsd.sh: make Debian's gpsd runnable for tests/interop/test_refclock_gpsd.py
# without installing it (an installed gpsd comes with a service and a socket
# unit that would start it on the machine).
#
# It downloads the .deb files of gpsd, gpsd-clients (gpsfake), python3-gps
# and the libraries they need that are not installed (libgps28,
# libbluetooth3, libusb-1.0-0) with `apt-get download` into
# $PEERS_DIR/gpsd-debs (PEERS_DIR default: <repo>/.cache/peers; a directory
# of their own, so scripts/peers.sh's set of .debs stays the same) and
# extracts them with `dpkg -x` into $PEERS_DIR/gpsd-root.  Nothing is
# installed and nothing is started.
#
# Use afterwards:
#   LD_LIBRARY_PATH=$PEERS_DIR/gpsd-root/usr/lib/x86_64-linux-gnu \
#       $PEERS_DIR/gpsd-root/usr/sbin/gpsd ...
#
# Idempotent.  Options: --check  only report whether gpsd is ready (exit 0/1).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/.cache/peers}
ROOT=$PEERS_DIR/gpsd-root
DEBS=$PEERS_DIR/gpsd-debs
PKGS=(gpsd gpsd-clients python3-gps libgps28 libbluetooth3 libusb-1.0-0)

DEBS_NAME=gpsd.sh
. "$REPO/scripts/debs.sh"
log() { debs_log "$@"; }

works() {
  LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu "$ROOT/usr/sbin/gpsd" -V >/dev/null 2>&1
}

if [ "${1:-}" = "--check" ]; then
  if works; then echo "gpsd ready in $ROOT"; exit 0; fi
  echo "gpsd not ready in $ROOT"; exit 1
fi

debs_lock "$DEBS/.lock"
works && { echo "gpsd ready in $ROOT"; exit 0; }
debs_fetch "$DEBS" "${PKGS[@]}"
debs_extract "$DEBS" "$ROOT" "${PKGS[@]}"

if ! works; then
  log "extracted gpsd does not run:"
  LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu "$ROOT/usr/sbin/gpsd" -V >&2 || true
  exit 1
fi
echo "gpsd ready in $ROOT"
