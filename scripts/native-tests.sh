#!/usr/bin/env bash
# Builds the kernel library and its C++ tests with CMake, then runs them with ctest: once
# optimized, once under AddressSanitizer + UndefinedBehaviorSanitizer. Prints the test
# executable's "native: N passed, N failed" lines; exits non-zero if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
run() {
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >"$dir.log" 2>&1 \
    && cmake --build "$dir" -j2 --target keel_native_tests >>"$dir.log" 2>&1 \
    || { echo "native build failed ($dir): see $dir.log"; tail -20 "$dir.log"; status=1; return; }
  ctest --test-dir "$dir" --output-on-failure >>"$dir.log" 2>&1 || status=1
  grep -h '^native:' "$dir"/Testing/Temporary/LastTest.log | tail -1 | sed "s/^native:/native ($dir):/"
  [ $status -eq 0 ] || tail -30 "$dir.log"
}
mkdir -p build-native build-asan
run build-native -DCMAKE_BUILD_TYPE=Release
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKEEL_SANITIZE=ON
exit $status
