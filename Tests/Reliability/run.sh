#!/bin/bash
# Reliability tests of the C library (docs/RELIABILITY.md):
#   hostile_models   hostile model files: status + message, no crash (ASan, then valgrind)
#   error_statuses   every documented error status and extreme-but-valid values; process survives (ASan)
#   cancel_stress    cancel at every progress event, 50 cancels, RSS back to baseline (ASan leak check)
#   concurrency      4 threads x 20 repetitions on one model == sequential runs, byte for byte
#   determinism      every sampler: identical images across runs and processes; 1 vs 2 threads reported
# Builds libsdswift into .build-rel/install (scratch .build-rel) when missing or older than the sources.
# Prints "N passed, M failed" last; exits non-zero on any failure.
# Env: SDSWIFT_PREFIX (an installed library to test instead), VALGRIND=0, CANCELS (50), REPS (20).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
prefix=${SDSWIFT_PREFIX:-.build-rel/install}
case $prefix in /*) ;; *) prefix="$root/$prefix" ;; esac
lib="$prefix/lib/libsdswift.so"
model=Tests/Fixtures/models/sd1-tiny.safetensors
inpaint_model=Tests/Fixtures/models/sd1-inpaint-tiny.safetensors
folder=Tests/Fixtures/models/sd1-tiny
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Swift's crash reporter would otherwise wait for its helper; a crash must just end the test.
export SWIFT_BACKTRACE=enable=no

if [ -z "${SDSWIFT_PREFIX:-}" ] && { [ ! -e "$lib" ] || [ -n "$(find Sources Package.swift Include -newer "$lib" \( -name '*.swift' -o -name '*.h' -o -name '*.c' -o -name '*.exports' \) -print -quit)" ]; }; then
    echo "== building libsdswift (scratch .build-rel)"
    if ! SCRATCH=.build-rel Tools/build_library.sh "$prefix" > "$tmp/build.log" 2>&1; then
        tail -20 "$tmp/build.log"; fail "library build"; finish
    fi
fi
[ -e "$lib" ] && pass "library: $(readlink -f "$lib")" || { fail "no library at $lib"; finish; }

cflags=(-std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Wno-format-truncation -g -I"$prefix/include")
ldflags=(-L"$prefix/lib" -lsdswift -Wl,-rpath,"$prefix/lib" -pthread -lm)
asan=(-fsanitize=address -fno-omit-frame-pointer)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23

compile() {  # compile NAME SOURCE [flags]
    local name=$1 src=$2; shift 2
    cc "${cflags[@]}" "$@" -o "$tmp/$name" "$src" "${ldflags[@]}" && return 0
    fail "compile $src"; return 1
}
# Counts the program's ok / not ok lines; a crash or a non-zero exit without a failed check fails too.
run_test() {
    local name=$1; shift
    local out="$tmp/$name.out" rc ok bad
    "$@" > "$out" 2>&1; rc=$?
    ok=$(grep -c '^ok - ' "$out"); bad=$(grep -c '^not ok' "$out")
    passed=$((passed + ok)); failed=$((failed + bad))
    grep '^not ok' "$out" | sed "s/^/FAIL $name: /"
    grep '^# [0-9].*\(cases\|cancels\)' "$out" | sed "s/^# /== $name: /"
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then fail "$name exited with $rc"; tail -30 "$out"; fi
    echo "== $name: $ok ok, $bad not ok, exit $rc"
}

compile hostile_models Tests/Reliability/hostile_models.c "${asan[@]}" &&
    run_test hostile_models "$tmp/hostile_models" "$model" "$folder" "$tmp"
valgrind_default=0; command -v valgrind >/dev/null && valgrind_default=1
if [ "${VALGRIND:-$valgrind_default}" = 1 ] && compile hostile_models_vg Tests/Reliability/hostile_models.c; then
    run_test hostile_models_valgrind valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
        "$tmp/hostile_models_vg" "$model" "$folder" "$tmp"
fi
compile error_statuses Tests/Reliability/error_statuses.c "${asan[@]}" &&
    run_test error_statuses "$tmp/error_statuses" "$model" "$inpaint_model" "$tmp"
compile cancel_stress Tests/Reliability/cancel_stress.c "${asan[@]}" &&
    # no quarantine: ASan would otherwise hold freed blocks back and the RSS check would see them
    ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=0:thread_local_quarantine_size_kb=0 \
        run_test cancel_stress "$tmp/cancel_stress" "$model" "${CANCELS:-50}"

if compile concurrency Tests/Reliability/concurrency.c -O2; then
    run_test concurrency "$tmp/concurrency" "$model" threads 4 "${REPS:-20}"
    # determinism: two processes with 2 threads must agree line for line; 1 thread is reported
    run_test determinism_a "$tmp/concurrency" "$model" hashes 2
    grep '^hash' "$tmp/determinism_a.out" > "$tmp/hash2a"
    "$tmp/concurrency" "$model" hashes 2 | grep '^hash' > "$tmp/hash2b"
    "$tmp/concurrency" "$model" hashes 1 | grep '^hash' > "$tmp/hash1"
    n=$(wc -l < "$tmp/hash2a")
    if [ "$n" -ge 5 ] && cmp -s "$tmp/hash2a" "$tmp/hash2b"; then
        pass "determinism: $n sampler settings give identical images in two processes"
    else
        fail "determinism: images differ between processes"; diff "$tmp/hash2a" "$tmp/hash2b"
    fi
    if cmp -s "$tmp/hash1" "$tmp/hash2a"; then echo "== determinism: 1 and 2 compute threads give identical images"
    else echo "== determinism: 1 and 2 compute threads differ on $(diff "$tmp/hash1" "$tmp/hash2a" | grep -c '^<') of $n settings (see docs/RELIABILITY.md)"; fi
fi
finish
