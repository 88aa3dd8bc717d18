#!/usr/bin/env bash
# All tests: set up, then build and run the suite twice — a normal build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build — and replay/run the fuzz target.
# A leak or UB report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Azurite, the Azure Blob emulator the storage tests run against (pinned by its lockfile).
(cd tests/azure && npm ci --no-audit --no-fund --silent)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
jobs=$(nproc)

echo "== normal build"
bash scripts/build.sh build
ctest --test-dir build --output-on-failure -j"$jobs" | tee build/ctest.log

echo "== release build (-O3: gcc warns about more there; compiled, not re-tested)"
bash scripts/build.sh build-rel -DCMAKE_BUILD_TYPE=Release

echo "== sanitizer build (ASan + UBSan)"
bash scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DLFH_SANITIZE=ON
ctest --test-dir build-asan --output-on-failure -j"$jobs" | tee build-asan/ctest.log

echo "== clang build (second compiler) and fuzzing, ${LFH_FUZZ_SECONDS:-30}s per target"
# Every target builds with clang too (its warnings differ from gcc's); the libFuzzer
# targets then fuzz from a scratch copy of their seed corpus.
bash scripts/build.sh build-fuzz -DLFH_FUZZ=ON -DCMAKE_C_COMPILER=clang \
  -DLFH_FUZZ_SECONDS="${LFH_FUZZ_SECONDS:-30}"
cmake --build build-fuzz --target fuzz_bundle_run
cmake --build build-fuzz --target fuzz_avro_run
cmake --build build-fuzz --target fuzz_metadata_run
cmake --build build-fuzz --target fuzz_expr_run
cmake --build build-fuzz --target fuzz_ddl_run
cmake --build build-fuzz --target fuzz_json_run

# One closing line for both suites, in the plain form CI reads.
total=0
for log in build/ctest.log build-asan/ctest.log; do
  n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log")
  [ -n "$n" ] || { echo "no ctest summary in $log"; exit 1; }
  total=$((total + n))
done
echo "== all tests passed (normal + sanitizer builds, fuzzing)"
echo "$total passed, 0 failed"
