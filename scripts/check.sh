#!/bin/bash
# make check: every suite, then one line "N passed, N failed[, N skipped]".
# Suites: unit tests (plain build), unit tests under ASan+UBSan, a short run
# of every fuzz target, the pytest simulation, system and interop tests, and
# the interop tests again with stratumd -F 1 (system call filter on), and
# the long tests (in the background).
set -u
cd "$(dirname "$0")/.."
results=build/test-results
rm -rf "$results"
mkdir -p "$results"/unit "$results"/asan

run_unit() {  # run_unit BUILD_DIR RESULTS_SUBDIR [meson setup options]
  local dir=$1 out=$2; shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup -Dwerror=true "$dir" "$@" > "$results/$out-setup.log" 2>&1 || { cat "$results/$out-setup.log"; echo "build" > "$results/$out/BUILD_FAILED"; return; }
  fi
  ninja -C "$dir" > "$results/$out-build.log" 2>&1 || { tail -40 "$results/$out-build.log"; echo "build" > "$results/$out/BUILD_FAILED"; return; }
  CMOCKA_MESSAGE_OUTPUT=xml CMOCKA_XML_FILE="$PWD/$results/$out/%g.xml" \
    meson test -C "$dir" --suite unit --print-errorlogs
  cp "$dir/meson-logs/testlog.json" "$results/$out/testlog.json"
}

echo "== unit tests"
run_unit build unit

# tests/long (1000 s of real time at 1 request/s) runs in the background
# while the other suites run, and is collected at the end.
scripts/peers.sh
echo "== long tests started in the background"
/usr/bin/python3 -m pytest -q -s -p no:cacheprovider --junitxml="$results/pytest-long.xml" \
  tests/long > "$results/long.log" 2>&1 &
long_pid=$!
echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run_unit build-asan asan -Db_sanitize=address,undefined -Db_lundef=false

echo "== fuzz smoke run (${FUZZ_SMOKE_TIME:-10} s per target)"
scripts/fuzz.sh build-fuzz "${FUZZ_SMOKE_TIME:-10}" "$results/fuzz.txt"

echo "== simulation, system and interop tests"
/usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$results/pytest.xml" \
  tests/sim tests/system tests/interop

# The interop tests again with stratumd's system call filter on (-F 1: any
# call outside its allow-list kills the daemon). test_auth.py and
# test_chronyd_query.py are left out to keep this under 3 minutes (both pass
# with the filter: STRATUMD_EXTRA_ARGS="-F 1" pytest tests/interop).
echo "== interop tests with the system call filter on (stratumd -F 1)"
STRATUMD_EXTRA_ARGS="-F 1" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  --junitxml="$results/pytest-seccomp.xml" tests/interop \
  --ignore=tests/interop/test_auth.py --ignore=tests/interop/test_chronyd_query.py

echo "== long tests (waiting for the background run)"
wait "$long_pid"
cat "$results/long.log"

/usr/bin/python3 tests/summary.py "$results"
