# debs.sh: sourced by the scripts that make Debian's packages runnable for
# the tests without installing them (peers.sh, gpsd.sh, monitoring.sh,
# prometheus.sh): download .debs with `apt-get download` (updating apt's
# lists once, as root, if a download fails) and extract the newest of each
# with `dpkg -x` into a tree that appears whole or not at all.
# The caller sets DEBS_NAME (its name, for messages).

debs_log() { printf '%s: %s\n' "$DEBS_NAME" "$*" >&2; }

# One run at a time per lock file (pytest workers or two shells may call
# the same script together).
debs_lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  if command -v flock >/dev/null 2>&1; then
    flock -w 600 9 || { debs_log "could not lock $1"; exit 1; }
  fi
}

debs_as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else debs_log "need root for: $*"; return 1
  fi
}

debs_apt_updated=0
debs_apt_update() {
  if [ $debs_apt_updated = 0 ]; then
    debs_log "apt-get update"
    debs_as_root apt-get update -qq >&2 || true
    debs_apt_updated=1
  fi
}

# debs_fetch DIR PKG...: the .debs of the packages not yet in DIR.
debs_fetch() {
  local dir=$1 p todo=()
  shift
  mkdir -p "$dir"
  for p in "$@"; do
    compgen -G "$dir/${p}_*.deb" >/dev/null || todo+=("$p")
  done
  [ ${#todo[@]} -gt 0 ] || return 0
  debs_log "downloading ${todo[*]}"
  if ! (cd "$dir" && apt-get download -q "${todo[@]}" >&2 2>"$dir/$DEBS_NAME-download.log"); then
    debs_apt_update
    (cd "$dir" && apt-get download -q "${todo[@]}" >&2 2>"$dir/$DEBS_NAME-download.log") ||
      { cat "$dir/$DEBS_NAME-download.log" >&2; return 1; }
  fi
}

# debs_extract DIR ROOT PKG...: the newest .deb of each package in DIR
# (several versions may have been downloaded over time) into ROOT.
debs_extract() {
  local dir=$1 root=$2 p
  shift 2
  debs_log "extracting into $root"
  rm -rf "$root.tmp"
  mkdir -p "$root.tmp"
  for p in "$@"; do
    dpkg -x "$(ls -1 "$dir/${p}"_*.deb | sort -V | tail -n 1)" "$root.tmp"
  done
  rm -rf "$root"
  mv "$root.tmp" "$root"
}
