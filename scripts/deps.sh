#!/bin/sh
# Install the Debian packages a target needs, only those missing, so a
# prepared machine is not slowed down. Usage: scripts/deps.sh build|test|fuzz|deb
set -eu

build="meson ninja-build gcc pkg-config libcmocka-dev libssl-dev libc-ares-dev libcap-dev libseccomp-dev libedit-dev"
test="python3 python3-pytest python3-pytest-xdist libclang-rt-14-dev systemd man-db groff-base chromium"
fuzz="clang libfuzzer-14-dev libclang-rt-14-dev"
# make deb, and its install tests in a debootstrapped root (make check-long)
deb="dpkg-dev lintian debootstrap"

want=""
for group in "$@"; do
  case "$group" in
    build) want="$want $build" ;;
    test) want="$want $build $test" ;;
    fuzz) want="$want $build $fuzz" ;;
    deb) want="$want $build $deb" ;;
    *) echo "deps.sh: unknown group $group" >&2; exit 2 ;;
  esac
done

missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "Installing:$missing"
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: need root to install:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
