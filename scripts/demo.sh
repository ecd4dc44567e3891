#!/bin/bash
# make demo: a stratumd server on an unprivileged loopback port, measured by
# stratumd's own query mode and by Debian's chronyd -Q, then a second
# stratumd synchronised to it and watched with stratumc (and Debian's
# chronyc). Nothing here touches the system clock.
set -u
cd "$(dirname "$0")/.."
build=${1:-build}
port=${DEMO_PORT:-11123}
peers=${PEERS_DIR:-$PWD/.cache/peers}/root
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$tmp"' EXIT

echo "== stratumd serving 'local stratum 3' on 127.0.0.1:$port (-x: clock untouched)"
"$build/stratumd" -x -d -f /dev/null "port $port" "bindaddress 127.0.0.1" \
  "allow 127.0.0.1" "local stratum 3" "pidfile $tmp/server.pid" "cmdport 0" "bindcmdaddress /" \
  2> "$tmp/server.log" &
server=$!
for _ in $(seq 50); do
  grep -q starting "$tmp/server.log" 2>/dev/null && break
  sleep 0.1
done
sleep 0.2
cat "$tmp/server.log"

echo
echo "== stratumd -Q 'server 127.0.0.1 port $port iburst'"
"$build/stratumd" -Q -t 20 "server 127.0.0.1 port $port iburst"

if [ -x "$peers/usr/sbin/chronyd" ]; then
  echo
  echo "== Debian's chronyd -Q against it"
  cat > "$tmp/chrony.conf" <<CONF
server 127.0.0.1 port $port iburst
pidfile $tmp/chronyd.pid
driftfile $tmp/drift
CONF
  timeout 30 "$peers/usr/sbin/chronyd" -Q -f "$tmp/chrony.conf" -u root -t 20 2>&1 | grep -v "^$"
fi

echo
echo "== a second stratumd (-x) as a client of it, until it selects the source"
mkdir -m 0770 "$tmp/run"
sock=$tmp/run/stratumd.sock
"$build/stratumd" -x -d -f /dev/null "port 0" "pidfile $tmp/client.pid" "cmdport 0" \
  "bindcmdaddress $sock" "server 127.0.0.1 port $port iburst minpoll 4 maxpoll 4" \
  2> "$tmp/client.log" &
client=$!
for _ in $(seq 150); do
  grep -q "Selected source" "$tmp/client.log" && break
  sleep 0.1
done
sleep 2   # a few more samples for the statistics
grep -v "received\|dropped" "$tmp/client.log"

echo
echo "== stratumc -h $sock tracking"
"$build/stratumc" -h "$sock" tracking
echo
echo "== stratumc -h $sock sources -v"
"$build/stratumc" -h "$sock" sources -v
echo
echo "== stratumc -h $sock -c sourcestats"
"$build/stratumc" -h "$sock" -c sourcestats
if [ -x "$peers/usr/bin/chronyc" ]; then
  echo
  echo "== Debian's chronyc -h $sock sources (the same protocol)"
  "$peers/usr/bin/chronyc" -h "$sock" sources
fi
kill -TERM $client; wait $client

echo
echo "== server statistics at exit (SIGTERM)"
kill -TERM $server
wait $server
echo "stratumd exit status: $?"
grep -E "received|dropped|exiting" "$tmp/server.log"
server=
