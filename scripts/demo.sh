#!/bin/bash
# make demo: a stratumd server on an unprivileged loopback port, measured by
# stratumd's own query mode and by Debian's chronyd -Q, then a second
# stratumd synchronised to it and watched with stratumc (and Debian's
# chronyc). Nothing here touches the system clock.
#
# Usage: scripts/demo.sh [BUILD_DIR]    (default: build)
# Environment:
#   DEMO_PORT  the server's UDP port on 127.0.0.1 (default 11123)
#   PEERS_DIR  where scripts/peers.sh extracted chronyd and chronyc
#              (default .cache/peers); without them those steps are skipped
#
# Every step is checked: the first that fails stops the demo with
# "demo: FAILED at step: STEP" and the reason on standard error, and the
# exit status is 1. Every wait is bounded.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
port=${DEMO_PORT:-11123}
peers=${PEERS_DIR:-$PWD/.cache/peers}/root
step="setup"
server=
client=
tmp=

fail() {  # fail REASON...: report the current step and exit 1
  echo "demo: FAILED at step: $step" >&2
  [ $# -eq 0 ] || echo "demo: $*" >&2
  exit 1
}
trap 'fail "a command exited with status $? (see above)"' ERR

cleanup() {
  for pid in $client $server; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  [ -z "$tmp" ] || rm -rf "$tmp"
}
trap cleanup EXIT

# wait_for SECONDS PID COMMAND...: run COMMAND every 0.1 s until it succeeds
# (0), the process PID has exited (1) or SECONDS have passed (2).
wait_for() {
  local tries=$(($1 * 10)) pid=$2
  shift 2
  for ((i = 0; i < tries; i++)); do
    "$@" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 2
}

step="check the build and DEMO_PORT"
for b in stratumd stratumc; do
  [ -x "$build/$b" ] || fail "$build/$b is missing or not executable (run make)"
done
if ! [[ $port =~ ^[0-9]{1,5}$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
  fail "DEMO_PORT=$port is not a UDP port number (1-65535)"
fi
tmp=$(mktemp -d)
mkdir -m 0770 "$tmp/server" "$tmp/run"

step="start a stratumd server on 127.0.0.1:$port"
echo "== stratumd serving 'local stratum 3' on 127.0.0.1:$port (-x: clock untouched)"
# Its command socket answers only once the NTP socket is open (a daemon that
# cannot bind the port exits instead).
"$build/stratumd" -x -d -f /dev/null "port $port" "bindaddress 127.0.0.1" \
  "allow 127.0.0.1" "local stratum 3" "pidfile $tmp/server.pid" "cmdport 0" \
  "bindcmdaddress $tmp/server/stratumd.sock" 2> "$tmp/server.log" &
server=$!
serving() { "$build/stratumc" -h "$tmp/server/stratumd.sock" tracking > /dev/null 2>&1; }
rc=0
wait_for 10 "$server" serving || rc=$?
cat "$tmp/server.log"
case $rc in
  1) wait "$server" || true; server=
     fail "the server exited (is port $port in use? set DEMO_PORT to a free port)" ;;
  2) fail "the server did not answer on its command socket within 10 s" ;;
esac

echo
step="stratumd -Q against the server"
echo "== stratumd -Q 'server 127.0.0.1 port $port iburst'"
"$build/stratumd" -Q -t 10 "server 127.0.0.1 port $port iburst" ||
  fail "stratumd -Q got no valid reply from 127.0.0.1:$port"

echo
step="Debian's chronyd -Q against the server"
if [ -x "$peers/usr/sbin/chronyd" ]; then
  echo "== Debian's chronyd -Q against it"
  cat > "$tmp/chrony.conf" <<CONF
server 127.0.0.1 port $port iburst
pidfile $tmp/chronyd.pid
driftfile $tmp/drift
CONF
  timeout 30 "$peers/usr/sbin/chronyd" -Q -f "$tmp/chrony.conf" -u root -t 20 \
    > "$tmp/chronyd.log" 2>&1 || { cat "$tmp/chronyd.log"; fail "chronyd -Q failed"; }
  grep -v "^$" "$tmp/chronyd.log" || true
else
  echo "== (skipped: no chronyd in $peers; scripts/peers.sh extracts it)"
fi

echo
step="start a second stratumd (-x) as a client of the server"
echo "== a second stratumd (-x) as a client of it, until it selects the source"
sock=$tmp/run/stratumd.sock
"$build/stratumd" -x -d -f /dev/null "port 0" "pidfile $tmp/client.pid" "cmdport 0" \
  "bindcmdaddress $sock" "server 127.0.0.1 port $port iburst minpoll 4 maxpoll 4" \
  2> "$tmp/client.log" &
client=$!
selected() { grep -q "Selected source" "$tmp/client.log"; }
rc=0
wait_for 20 "$client" selected || rc=$?
case $rc in
  1) cat "$tmp/client.log"; wait "$client" || true; client=
     fail "the client exited" ;;
  2) cat "$tmp/client.log"; fail "the client did not select the server within 20 s" ;;
esac
sleep 2   # a few more samples for the statistics
grep -v "received\|dropped" "$tmp/client.log" || true

for cmd in "tracking" "sources -v" "-c sourcestats"; do
  echo
  step="stratumc -h $sock $cmd"
  echo "== $step"
  # shellcheck disable=SC2086  # the command's words are separate arguments
  "$build/stratumc" -h "$sock" $cmd || fail "stratumc could not talk to the client daemon"
done
if [ -x "$peers/usr/bin/chronyc" ]; then
  echo
  step="Debian's chronyc -h $sock sources"
  echo "== $step (the same protocol)"
  "$peers/usr/bin/chronyc" -h "$sock" sources || fail "chronyc could not talk to stratumd"
fi

step="stop the client (SIGTERM)"
kill -TERM "$client"
rc=0
wait "$client" || rc=$?
client=
[ "$rc" -eq 0 ] || fail "the client exited with status $rc"

echo
step="stop the server (SIGTERM)"
echo "== server statistics at exit (SIGTERM)"
kill -TERM "$server"
rc=0
wait "$server" || rc=$?
server=
echo "stratumd exit status: $rc"
grep -E "received|dropped|exiting" "$tmp/server.log" || true
[ "$rc" -eq 0 ] || fail "the server exited with status $rc"
echo
echo "demo: every step succeeded"
