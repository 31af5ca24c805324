#!/bin/bash
# ThreadSanitizer run of the concurrency check (docs/RELIABILITY.md section 4):
#   1. builds libsdswift with `swift build -c release --sanitize=thread` in its own scratch folder
#      (.build-tsan), with SDSWIFT_SANITIZE_BUILD=1 (see Package.swift: shared Swift runtime, no -z defs,
#      no TSan function entry hooks in the C kernels' ifunc resolvers);
#   2. checks that TSan reports a deliberate race on a struct the library reads (tsan_canary.c), so a
#      silent run means something;
#   3. compiles Tests/Reliability/concurrency.c with the toolchain's clang -fsanitize=thread against
#      that library and runs THREADS (4) threads x REPS (20) repetitions on one shared model, each
#      image compared byte for byte with the sequential run of the same request.
# Every ThreadSanitizer warning is a failure. No suppressions: OpenBLAS (not instrumented) runs with
# its default thread count. Prints "N passed, M failed" last; exits non-zero on any failure.
# Env: REPS (20), THREADS (4), SCRATCH (.build-tsan).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scratch=${SCRATCH:-.build-tsan}
model=Tests/Fixtures/models/sd1-tiny.safetensors
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SWIFT_BACKTRACE=enable=no
# TSan must be the one swiftc instrumented for: the toolchain's clang, next to swift
bin=$(dirname "$(readlink -f "$(command -v swift)")")
clang=$bin/clang
swiftlib=$bin/../lib/swift/linux

echo "== building libsdswift with ThreadSanitizer (scratch $scratch)"
start=$(date +%s)
if ! SDSWIFT_SANITIZE_BUILD=1 swift build -c release --sanitize=thread --scratch-path "$scratch" \
        --product sdswift > "$tmp/build.log" 2>&1; then
    tail -20 "$tmp/build.log"; fail "TSan library build"; finish
fi
echo "== build: $(( $(date +%s) - start )) s"
# The library's soname is libsdswift.so.1: give it that name in a folder of its own.
lib="$root/$scratch/tsan-lib"
mkdir -p "$lib"
cp "$scratch/release/libsdswift.so" "$lib/libsdswift.so.1"
ln -sf libsdswift.so.1 "$lib/libsdswift.so"
if nm -D "$lib/libsdswift.so.1" | grep -q ' U __tsan_write'; then pass "library is TSan-instrumented"
else fail "library has no TSan instrumentation"; finish; fi

# The static TSan runtime carries libdispatch interceptors, hence libdispatch and BlocksRuntime.
cflags=(-std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -O1 -fsanitize=thread -I"$root/Include")
ldflags=(-L"$lib" -lsdswift -Wl,-rpath,"$lib" -L"$swiftlib" -ldispatch -lBlocksRuntime
         -Wl,-rpath,"$swiftlib" -pthread -lm)
export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"

if "$clang" "${cflags[@]}" -o "$tmp/canary" Tests/Reliability/tsan_canary.c "${ldflags[@]}"; then
    "$tmp/canary" "$model" > "$tmp/canary.out" 2>&1
    if grep -q 'WARNING: ThreadSanitizer: data race' "$tmp/canary.out" && grep -q 'SDSwiftCAPI' "$tmp/canary.out"; then
        pass "canary: TSan reports a deliberate race inside libsdswift"
    else fail "canary: TSan did not report the deliberate race inside libsdswift"; cat "$tmp/canary.out"; fi
else
    fail "compile tsan_canary.c"
fi

reps=${REPS:-20}
threads=${THREADS:-4}
if "$clang" "${cflags[@]}" -o "$tmp/concurrency" Tests/Reliability/concurrency.c "${ldflags[@]}"; then
    start=$(date +%s)
    "$tmp/concurrency" "$model" threads "$threads" "$reps" > "$tmp/run.out" 2>&1
    rc=$?
    seconds=$(( $(date +%s) - start ))
    ok=$(grep -c '^ok - ' "$tmp/run.out"); bad=$(grep -c '^not ok' "$tmp/run.out")
    warnings=$(grep -c 'WARNING: ThreadSanitizer' "$tmp/run.out")
    passed=$((passed + ok)); failed=$((failed + bad))
    grep '^not ok' "$tmp/run.out" | sed 's/^/FAIL concurrency: /'
    echo "== concurrency under TSan: $threads threads x $reps repetitions, $ok ok, $bad not ok, $warnings TSan warnings, exit $rc, $seconds s"
    if [ "$warnings" -eq 0 ]; then pass "no ThreadSanitizer warning"
    else fail "$warnings ThreadSanitizer warnings"; sed -n '/WARNING: ThreadSanitizer/,/^SUMMARY/p' "$tmp/run.out" | head -150; fi
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ] && [ "$warnings" -eq 0 ]; then fail "concurrency exited with $rc"; tail -30 "$tmp/run.out"; fi
else
    fail "compile concurrency.c"
fi
finish
