#!/bin/bash
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for SECONDS on
# a copy of its seed corpus. Usage: scripts/fuzz.sh BUILD_DIR SECONDS [RESULTS_FILE]
# A crash, a timeout or any sanitizer report (ASan, UBSan, leak) fails the
# target; the input is left in BUILD_DIR/fuzz-NAME-crash-* (-leak-, -timeout-).
# RESULTS_FILE gets one line per target: "NAME pass|fail EXECS".
# FUZZ_JOBS=N runs N targets at a time; FUZZ_TARGETS="a b" only those.
# FUZZ_BUILD_ONLY=1: set up and build BUILD_DIR, run nothing.
set -u
cd "$(dirname "$0")/.."
build=$1 seconds=$2 results=${3:-/dev/null}
: > "$results"

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup -Dwerror=true "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    >/dev/null || { echo "fuzz-build fail 0" >> "$results"; exit 1; }
fi
# One compiler per core (ninja's default is two more); its progress shows.
ninja -C "$build" -j "$(nproc)" || { echo "fuzz-build fail 0" >> "$results"; exit 1; }
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0
build=$(realpath "$build")   # a target may change its working directory

# Any sanitizer report stops the target with an error: UBSan only prints
# and goes on by default. The options come after the caller's, so they win.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:abort_on_error=1:print_stacktrace=1"

# One target: run it, print its line, append it to the results file.
run_target() {
  local target=$1 name=${1##*/fuzz_} work log verdict execs cov
  work=$(mktemp -d)
  [ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
  log="$build/fuzz-$name.log"
  if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/fuzz-$name-" "$work" > "$log" 2>&1; then
    verdict=pass
  else
    verdict=fail
    tail -30 "$log"
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz $name: $verdict, ${execs:-0} executions, ${cov:-cov: ?} edges in ${seconds}s"
  echo "$name $verdict ${execs:-0}" >> "$results"
  rm -rf "$work"
  [ "$verdict" = pass ]
}

# FUZZ_JOBS targets at a time (default 1).
jobs=${FUZZ_JOBS:-1}
status=0
running=0
for target in "$build"/fuzz/fuzz_*; do
  [ -f "$target" ] && [ -x "$target" ] || continue
  if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" ${target##*/fuzz_} "* ]]; then
    continue
  fi
  if [ "$running" -ge "$jobs" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  run_target "$target" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
exit $status
