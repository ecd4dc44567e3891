#!/bin/bash
# make check: every suite, then one line "N passed, N failed[, N skipped]"
# (tests/summary.py; exit status 1 if anything failed). The long tests
# (tests/long) are not part of it: `make check-long`.
#
# Stages, each line of progress stamped with the time since the start:
#   1. the plain build and its unit tests;
#   2. side by side: the pytest suites (simulation, system and interop
#      tests, several at a time, and the interop tests again with stratumd
#      -F 1, its system call filter on), and, at a lower priority, the
#      ASan+UBSan build with its unit tests and the fuzz build;
#   3. a short run of every fuzz target, one per core.
# The pytest suites mostly wait for daemons' timers, so they share the two
# cores with the builds; the fuzz targets run alone, each for its full
# FUZZ_SMOKE_TIME. Anything that runs longer than HEARTBEAT seconds without
# finishing gets a line of progress (the last line of its log) that often.
# Logs: build/test-results/*.log.
set -u
cd "$(dirname "$0")/.."
results=build/test-results
rm -rf "$results"
mkdir -p "$results"/unit "$results"/asan
cores=$(nproc)
HEARTBEAT=${HEARTBEAT:-20}
# pytest-xdist workers: the two suites' tests wait most of the time (for
# iburst, polls, timeouts), so more workers than cores.
PYTEST_WORKERS=${PYTEST_WORKERS:-5}
SECCOMP_WORKERS=${SECCOMP_WORKERS:-3}
tmp=$(mktemp -d /tmp/stratum-check-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

stamp() { local s=$((SECONDS - start)); printf '[%2d:%02d]' $((s / 60)) $((s % 60)); }
say() { echo "$(stamp) $*"; }

# Jobs: launch NAME LOG COMMAND... runs COMMAND in the background with its
# output in LOG; wait_jobs NAME... waits for those, printing each one's end
# (and, when it failed, the end of its log or its failures) as it comes,
# and a heartbeat line for every job still running each HEARTBEAT seconds.
declare -A job_pid job_log job_start job_shown
job_names=()
launch() {
  local name=$1 log=$2; shift 2
  job_names+=("$name")
  job_log[$name]=$log job_start[$name]=$SECONDS
  ( "$@" > "$log" 2>&1; echo $? > "$log.rc" ) &
  job_pid[$name]=$!
  say "started: $name"
}
report() {  # report NAME: its end, once
  local name=$1 log=${job_log[$1]} rc
  rc=$(cat "${job_log[$1]}.rc" 2>/dev/null || echo 1)
  local took=$((SECONDS - ${job_start[$name]}))
  if [ "$rc" = 0 ]; then
    say "done: $name in ${took} s ($(tail -n 1 "$log" | cut -c1-90))"
  else
    say "FAILED: $name after ${took} s (exit $rc), from $log:"
    if grep -q '^=* \(FAILURES\|ERRORS\) =*$' "$log"; then
      sed -n '/^=* \(FAILURES\|ERRORS\) =*$/,$p' "$log"
    else
      tail -n 40 "$log"
    fi
  fi
  job_shown[$name]=1
}
ok() { [ "$(cat "${job_log[$1]}.rc" 2>/dev/null)" = 0 ]; }  # ok NAME: it succeeded
wait_jobs() {
  local last=$SECONDS name pending
  while :; do
    pending=0
    for name in "$@"; do
      [ -n "${job_shown[$name]:-}" ] && continue
      if [ -f "${job_log[$name]}.rc" ]; then
        wait "${job_pid[$name]}" 2>/dev/null
        report "$name"
      else
        pending=1
      fi
    done
    [ $pending = 0 ] && return
    if [ $((SECONDS - last)) -ge "$HEARTBEAT" ]; then
      last=$SECONDS
      for name in "${job_names[@]}"; do
        [ -n "${job_shown[$name]:-}" ] && continue
        [ -f "${job_log[$name]}.rc" ] && continue
        say "  ... $name ($((SECONDS - ${job_start[$name]})) s): $(progress "${job_log[$name]}")"
      done
    fi
    sleep 1
  done
}
progress() {  # the last line of a log that counts: ninja's [n/m], meson test's
  # n/m, pytest's [ n%], a fuzz target's result; else its last line
  local line
  line=$(grep -E '^\[[0-9]+/[0-9]+\] |^ *[0-9]+/[0-9]+ |\[ *[0-9]+%\]|^fuzz ' "$1" | tail -n 1)
  [ -n "$line" ] || line=$(grep -v '^\s*$' "$1" | tail -n 1)
  echo "${line:-(nothing yet)}" | cut -c1-100
}

build_dir() {  # build_dir DIR [meson setup options]: set up (once) and build
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup -Dwerror=true "$dir" "$@" || return 1
  fi
  ninja -C "$dir" -j "$cores"
}
unit_tests() {  # unit_tests DIR RESULTS_SUBDIR
  local dir=$1 out=$2 rc
  CMOCKA_MESSAGE_OUTPUT=xml CMOCKA_XML_FILE="$PWD/$results/$out/%g.xml" \
    meson test -C "$dir" --suite unit --print-errorlogs --num-processes "$cores"
  rc=$?
  cp "$dir/meson-logs/testlog.json" "$results/$out/testlog.json"
  return $rc
}
plain() {
  build_dir build || { echo build > "$results/unit/BUILD_FAILED"; return 1; }
}
asan() {
  if ! build_dir build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
    echo build > "$results/asan/BUILD_FAILED"
    return 1
  fi
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    unit_tests build-asan asan
}
pytest_run() {  # pytest_run XML WORKERS BASETEMP ARGS...
  # Every test bounds its own waits; PYTEST_TIMEOUT bounds a whole suite
  # (if it strikes, the suite leaves no results and counts as failed).
  local xml=$1 workers=$2 base=$3; shift 3
  timeout -k 10 "${PYTEST_TIMEOUT:-1200}" \
    /usr/bin/python3 -m pytest -v -p no:cacheprovider -n "$workers" --dist loadfile \
    --basetemp="$base" --junitxml="$xml" "$@"
}
# Interop tests again with the system call filter on (-F 1: any call outside
# its allow-list kills the daemon). test_auth.py and test_chronyd_query.py
# are left out (both pass with the filter: STRATUMD_EXTRA_ARGS="-F 1" pytest
# tests/interop).
pytest_seccomp() {
  export STRATUMD_EXTRA_ARGS="-F 1"
  pytest_run "$results/pytest-seccomp.xml" "$SECCOMP_WORKERS" "$tmp/seccomp" tests/interop \
    --ignore=tests/interop/test_auth.py --ignore=tests/interop/test_chronyd_query.py
}
niced() {  # niced COMMAND...: COMMAND (a function too) at nice 10
  renice -n 10 -p "$BASHPID" > /dev/null
  "$@"
}

# 1. The plain build, which the pytest suites need, and its unit tests.
say "== peers (scripts/peers.sh)"
scripts/peers.sh
say "== build and unit tests (build)"
launch "plain build" "$results/build.log" plain
wait_jobs "plain build"
if ok "plain build"; then
  launch "unit tests" "$results/unit.log" unit_tests build unit
  wait_jobs "unit tests"
fi

# 2. The pytest suites beside the sanitizer and fuzz builds.
say "== pytest suites; meanwhile the ASan+UBSan and fuzz builds (nice 10)"
if ok "plain build"; then
  launch "sim+system+interop tests" "$results/pytest.log" pytest_run "$results/pytest.xml" \
    "$PYTEST_WORKERS" "$tmp/main" tests/sim tests/system tests/interop
  launch "interop tests with stratumd -F 1" "$results/pytest-seccomp.log" pytest_seccomp
fi
launch "ASan+UBSan build and unit tests" "$results/asan.log" niced asan
launch "fuzz build" "$results/fuzz-build.log" niced env FUZZ_BUILD_ONLY=1 \
  scripts/fuzz.sh build-fuzz 0
if ok "plain build"; then
  wait_jobs "sim+system+interop tests" "interop tests with stratumd -F 1" \
    "ASan+UBSan build and unit tests" "fuzz build"
else
  say "the plain build failed: its unit tests and the pytest suites count as failed"
  wait_jobs "ASan+UBSan build and unit tests" "fuzz build"
fi

# 3. Every fuzz target for FUZZ_SMOKE_TIME seconds, one per core.
say "== fuzz smoke run (${FUZZ_SMOKE_TIME:-10} s per target, $cores at a time)"
launch "fuzz smoke run" "$results/fuzz.log" env FUZZ_JOBS="$cores" \
  scripts/fuzz.sh build-fuzz "${FUZZ_SMOKE_TIME:-10}" "$results/fuzz.txt"
wait_jobs "fuzz smoke run"

say "== summary"
/usr/bin/python3 tests/summary.py "$results"
