#!/bin/bash
# deb.sh: build the Debian package `stratum` (make deb), which takes
# chrony's place: chrony's paths compiled in (meson -Dpaths=chrony), the
# unit chrony.service (alias chronyd.service) running stratumd as _chrony,
# chrony-wait.service, /usr/bin/chronyc -> stratumc, the DHCP,
# NetworkManager and logrotate hooks under chrony's names. See
# packaging/deb/ and README.md.
#
# Usage: scripts/deb.sh [--version V] [--lint] [BUILD_DIR]
#   BUILD_DIR  build directory (default build-deb), configured here with
#              Debian's hardening flags (dpkg-buildflags) and without
#              -Werror, as a distribution builds; the .deb is written into it.
#   --version  package version (default: the meson project version).
#   --lint     run lintian on the result; fail on any error or warning.
# Needs dpkg-dev (no fakeroot: dpkg-deb --root-owner-group), and
# lintian for --lint (scripts/deps.sh deb).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
version=""
lint=0
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --lint) lint=1; shift ;;
    -*) echo "deb.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
build=${1:-build-deb}
deb=packaging/deb
[ -n "$version" ] || version=$(sed -n "s/^  version : '\(.*\)',$/\1/p" meson.build)
arch=$(dpkg --print-architecture)
# Reproducible: timestamps from the last commit.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

if [ ! -f "$build/build.ninja" ]; then
  DEB_BUILD_MAINT_OPTIONS=hardening=+all
  export DEB_BUILD_MAINT_OPTIONS
  CFLAGS=$(dpkg-buildflags --get CFLAGS) CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS) \
    LDFLAGS=$(dpkg-buildflags --get LDFLAGS) meson setup -Dpaths=chrony "$build" >/dev/null
fi

build=$(cd "$build" && pwd)
root=$build/deb/root
rm -rf "$build/deb"
mkdir -p "$root/DEBIAN"
# Binaries (stripped), man pages, units, /etc/chrony/{conf.d,sources.d} and
# the default chrony.conf, all with chrony's paths, from `make install`.
make --no-print-directory install-strip BUILD="$build" PATHS=chrony PREFIX=/usr \
  DESTDIR="$root" >/dev/null
strip --remove-section=.comment --remove-section=.note "$root/usr/sbin/stratumd" "$root/usr/bin/stratumc" \
  "$root/usr/lib/stratum/stratum-ossl.so"

# What a package does differently from `make install`: the user is chrony's
# _chrony (created by postinst with adduser, as chrony's package does), the
# directories are made by systemd and postinst, and chrony.conf is not a
# conffile but installed by postinst only when there is none.
rm -r "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d" "$root/etc/logrotate.d"
install -d "$root/usr/share/stratum"
# The DHCP hooks' servers are read from /run/chrony-dhcp; the drift file
# has the name of chrony's.
sed -e 's|^sourcedir /etc/chrony/sources.d$|&\n\n# NTP servers from DHCP (written by the dhclient and NetworkManager hooks).\nsourcedir /run/chrony-dhcp|' \
  -e 's|^driftfile /var/lib/chrony/drift$|driftfile /var/lib/chrony/chrony.drift|' \
  "$root/etc/chrony/chrony.conf" > "$root/usr/share/stratum/chrony.conf"
rm "$root/etc/chrony/chrony.conf"
grep -q '^sourcedir /run/chrony-dhcp$' "$root/usr/share/stratum/chrony.conf"
grep -q '^driftfile /var/lib/chrony/chrony.drift$' "$root/usr/share/stratum/chrony.conf"

# The units under chrony's names, so that enablement, drop-ins and scripts
# naming chrony.service or chronyd.service apply to stratumd; their
# comments (about make install and stratumd.service) are left out.
units=$root/lib/systemd/system
header='# Unit of the Debian package stratum, which puts stratumd in the place of chronyd.'
sed -e "1i $header" -e '/^#/d' \
  -e 's/^User=stratumd$/User=_chrony/' -e 's/^Group=stratumd$/Group=_chrony/' \
  -e 's/^Conflicts=.*/Conflicts=ntp.service ntpsec.service openntpd.service systemd-timesyncd.service/' \
  -e 's/^After=network.target$/&\nWants=time-sync.target\nBefore=time-sync.target/' \
  -e 's/^WantedBy=multi-user.target$/&\nAlias=chronyd.service/' \
  "$units/stratumd.service" > "$units/chrony.service"
sed -e "1i $header" -e '/^#/d' -e 's/stratumd\.service/chrony.service/g' \
  "$units/stratum-wait.service" > "$units/chrony-wait.service"
rm "$units/stratumd.service" "$units/stratum-wait.service"
for u in chrony.service chrony-wait.service; do
  grep -q '_chrony\|chrony.service' "$units/$u"
  if grep -q 'stratumd\.service\|User=stratumd' "$units/$u"; then
    echo "deb.sh: $u still names stratumd's unit or user" >&2
    exit 1
  fi
done
install -D -m 0644 /dev/null "$root/usr/lib/systemd/ntp-units.d/50-stratum.list"
echo chrony.service > "$root/usr/lib/systemd/ntp-units.d/50-stratum.list"

# chronyc is stratumc.
ln -s stratumc "$root/usr/bin/chronyc"
# Hooks.
install -D -m 0644 $deb/dhclient-exit-hook "$root/etc/dhcp/dhclient-exit-hooks.d/chrony"
install -D -m 0755 $deb/nm-onoffline "$root/usr/lib/NetworkManager/dispatcher.d/20-chrony-onoffline"
for d in routable.d off.d; do
  install -d "$root/usr/lib/networkd-dispatcher/$d"
  ln -s ../../NetworkManager/dispatcher.d/20-chrony-onoffline \
    "$root/usr/lib/networkd-dispatcher/$d/chrony-onoffline"
done
for hook in network/if-up.d network/if-post-down.d ppp/ip-up.d ppp/ip-down.d; do
  install -D -m 0755 $deb/ifupdown-onoffline "$root/etc/$hook/chrony"
done
install -D -m 0755 $deb/nm-dhcp "$root/usr/lib/NetworkManager/dispatcher.d/20-chrony-dhcp"
install -D -m 0644 $deb/logrotate "$root/etc/logrotate.d/chrony"

# Documentation: compressed man pages (chronyc(1) is stratumc(1)),
# copyright, changelog.
gzip -9n "$root"/usr/share/man/man*/*
ln -s stratumc.1.gz "$root/usr/share/man/man1/chronyc.1.gz"
doc=$root/usr/share/doc/stratum
install -D -m 0644 $deb/copyright "$doc/copyright"
{
  printf 'stratum (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Built from %s.\n\n' "$(git rev-parse --short HEAD 2>/dev/null || echo source)"
  printf ' -- %s  %s\n' "$(sed -n 's/^Maintainer: //p' $deb/control.in)" \
    "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} > "$doc/changelog"
gzip -9n "$doc/changelog"

# Control files.
install -m 0755 $deb/postinst $deb/prerm $deb/postrm "$root/DEBIAN/"
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) > "$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z |
  xargs -0 md5sum) > "$root/DEBIAN/md5sums"
# Shared library dependencies (dpkg-shlibdeps wants a debian/control).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debian"
printf 'Source: stratum\n\nPackage: stratum\nArchitecture: any\n' > "$tmp/debian/control"
shlibs=$(cd "$tmp" && dpkg-shlibdeps -O "$root/usr/sbin/stratumd" "$root/usr/bin/stratumc" \
  "$root/usr/lib/stratum/stratum-ossl.so" |
  sed -n 's/^shlibs:Depends=//p')
size=$(du -k -s --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
  $deb/control.in > "$root/DEBIAN/control"

find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
out=$build/stratum_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
if [ $lint = 1 ]; then
  lintian --fail-on error,warning "$out" >&2
fi
