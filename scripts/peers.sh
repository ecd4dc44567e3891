#!/bin/bash
# peers.sh: make the real NTP peers used by tests/interop runnable without
# installing them (Debian 12's chrony, ntpsec and ntpsec-ntpdig conflict with
# one another, and an installed chrony/ntpd would start a service that touches
# the clock).
#
# It downloads the .deb files of chrony, ntpsec, ntpsec-ntpdig and python3-ntp
# with `apt-get download` into $PEERS_DIR (default: <repo>/.cache/peers),
# extracts them with `dpkg -x` into $PEERS_DIR/root, and makes ntpdig runnable
# from there: ntp/ntpc.py looks for libntpc.so next to itself, so the library
# is symlinked into root/usr/lib/python3/dist-packages/ntp/.
#
# Idempotent: every step is skipped when its result is already there.  Needs
# root only when something must be installed (missing shared libraries the
# binaries link against) or when apt's package lists must be updated.
#
# Use afterwards:
#   $PEERS_DIR/root/usr/sbin/chronyd ...
#   PYTHONPATH=$PEERS_DIR/root/usr/lib/python3/dist-packages \
#       /usr/bin/python3 $PEERS_DIR/root/usr/bin/ntpdig ...
#
# Options: --check  only report whether the peers are ready (exit 0/1).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/.cache/peers}
ROOT=$PEERS_DIR/root
PKGS=(chrony ntpsec ntpsec-ntpdig python3-ntp)
# Shared libraries the extracted binaries need (Depends of the packages above
# that are libraries; they do not conflict with anything).
LIBPKGS=(libcap2 libedit2 libgnutls30 libnettle8 libseccomp2 libbsd0 libssl3)
PYNTP=$ROOT/usr/lib/python3/dist-packages/ntp
NTPLIB=$ROOT/usr/lib/x86_64-linux-gnu/ntp

DEBS_NAME=peers.sh
. "$REPO/scripts/debs.sh"
log() { debs_log "$@"; }

ready() {
  [ -x "$ROOT/usr/sbin/chronyd" ] && [ -f "$ROOT/usr/bin/ntpdig" ] &&
    [ -e "$PYNTP/libntpc.so" ] && [ -f "$PYNTP/ntpc.py" ]
}

works() {
  "$ROOT/usr/sbin/chronyd" -v >/dev/null 2>&1 &&
    PYTHONPATH=$ROOT/usr/lib/python3/dist-packages \
      timeout 20 /usr/bin/python3 "$ROOT/usr/bin/ntpdig" -V >/dev/null 2>&1
}

if [ "${1:-}" = "--check" ]; then
  if ready && works; then echo "peers ready in $ROOT"; exit 0; fi
  echo "peers not ready in $ROOT"; exit 1
fi

debs_lock "$PEERS_DIR/.lock"

# 1. Shared libraries the binaries link against.
missing=()
for p in "${LIBPKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  if ! debs_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
    debs_apt_update
    debs_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
fi

# 2. The .deb files, 3. extracted (again only if a marker says this set of
# .debs was not yet done).
debs_fetch "$PEERS_DIR" "${PKGS[@]}"
stamp=$(for p in "${PKGS[@]}"; do ls -1 "$PEERS_DIR/${p}"_*.deb | sort -V | tail -n 1; done | tr '\n' ' ')
if ! ready || [ "$(cat "$PEERS_DIR/.extracted" 2>/dev/null)" != "$stamp" ]; then
  debs_extract "$PEERS_DIR" "$ROOT" "${PKGS[@]}"
  echo "$stamp" >"$PEERS_DIR/.extracted"
fi

# 4. libntpc.so next to ntp/ntpc.py (relative links, so the tree can move).
for lib in "$NTPLIB"/libntpc.so*; do
  [ -e "$lib" ] || { log "no libntpc.so in $NTPLIB"; exit 1; }
  ln -sfn "../../../x86_64-linux-gnu/ntp/$(basename "$lib")" "$PYNTP/$(basename "$lib")"
done

if ! works; then
  log "extracted peers do not run:"
  "$ROOT/usr/sbin/chronyd" -v >&2 || true
  PYTHONPATH=$ROOT/usr/lib/python3/dist-packages timeout 20 /usr/bin/python3 "$ROOT/usr/bin/ntpdig" -V >&2 || true
  exit 1
fi
echo "peers ready in $ROOT"
