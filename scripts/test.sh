#!/usr/bin/env bash
# All tests: set up, then build and run the suite twice — a normal build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build — and replay/run the fuzz target.
# A leak or UB report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
jobs=$(nproc)

echo "== normal build"
bash scripts/build.sh build
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== sanitizer build (ASan + UBSan)"
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DLFH_SANITIZE=ON
ctest --test-dir build-asan --output-on-failure -j"$jobs"

if [ -f tests/fuzz/CMakeLists.txt ]; then
  echo "== fuzz (libFuzzer, ${LFH_FUZZ_SECONDS:-30}s per target)"
  bash scripts/build.sh build-fuzz -DLFH_FUZZ=ON -DCMAKE_C_COMPILER=clang -DBUILD_TESTING=ON
  for t in build-fuzz/bin/fuzz_*; do
    [ -x "$t" ] || continue
    corpus=tests/fuzz/corpus/$(basename "$t" | sed 's/^fuzz_//')
    work=$(mktemp -d)
    cp -r "$corpus"/. "$work"/ 2>/dev/null || true
    "$t" -max_total_time="${LFH_FUZZ_SECONDS:-30}" -timeout=10 "$work"
    rm -rf "$work"
  done
fi
echo "== all tests passed"
