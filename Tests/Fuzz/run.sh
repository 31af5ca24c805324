#!/bin/bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of the parsers that read untrusted bytes:
# safetensors header, single-file layout detection, config.json, PNG, tokenizer.
#   1. builds the engine modules with -sanitize=fuzzer,address (scratch .build-fuzz) and links
#      Tests/Fuzz/Harness/FuzzHarness.swift against them;
#   2. replays every committed regression input (Tests/Fuzz/regressions/<target>/*): each is a
#      past crash and must now pass;
#   3. fuzzes each target for FUZZ_SECONDS (default 45) from the committed seeds
#      (Tests/Fuzz/corpus/<target>/), in a scratch corpus so the tree is not modified.
# A crash, leak, timeout or out-of-memory fails that target; its input is saved under
# .build-fuzz/crashes/ (copy it into regressions/<target>/ once fixed).
# Prints one line of figures per target and "N passed, M failed" last; exits non-zero on failure.
# Env: FUZZ_SECONDS, FUZZ_TARGETS (space-separated subset), SCRATCH (default .build-fuzz).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
scratch=${SCRATCH:-.build-fuzz}
seconds=${FUZZ_SECONDS:-45}
targets=${FUZZ_TARGETS:-safetensors layout config png tokenizer}
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

# ---- 1. build
mkdir -p "$scratch"
echo "== building instrumented modules ($scratch)"
if ! swift build --scratch-path "$scratch" --target SDPipeline \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing > "$scratch/build.log" 2>&1; then
    tail -30 "$scratch/build.log"; fail "swift build of the instrumented modules"; finish
fi
b="$scratch/debug"
objs=$(ls $b/{SDKernelsC,SDKernels,SDTensor,SDCheckpoint,SDTokenizer,SDModels,SDSchedulers,SDPipeline}.build/*.o)
bin="$b/sdswift-fuzz"
# ld.gold warns about every ASan helper symbol; only real errors are shown.
if swiftc -sanitize=fuzzer,address -parse-as-library -g -module-name SDFuzz -I "$b/Modules" \
        -Xcc -fmodule-map-file=Sources/CPNG/module.modulemap \
        -Xcc -fmodule-map-file="$b/SDKernelsC.build/module.modulemap" -Xcc -ISources/SDKernelsC/include \
        Tests/Fuzz/Harness/FuzzHarness.swift $objs -lpng16 -o "$bin" 2>&1 \
        | grep -v "Cannot export local symbol" | grep -v '^$'; then :; fi
if [ -x "$bin" ] && [ "$bin" -nt Tests/Fuzz/Harness/FuzzHarness.swift ]; then pass "fuzz harness linked"; else fail "fuzz harness link"; finish; fi

export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
# Swift's own crash reporter would wait on a debugger-like helper; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
common=(-rss_limit_mb=3072 -malloc_limit_mb=2048 -timeout=20 -max_len=65536 -print_final_stats=1)
mkdir -p "$scratch/crashes"

# ---- 2. regressions: past crashes, replayed once each
for t in $targets; do
    dir=Tests/Fuzz/regressions/$t
    [ -d "$dir" ] || continue
    for input in "$dir"/*; do
        [ -f "$input" ] || continue
        if SDFUZZ_TARGET=$t "$bin" "${common[@]}" "$input" > "$scratch/regression.out" 2>&1; then
            pass "regression $t/$(basename "$input")"
        else
            fail "regression $t/$(basename "$input")"; grep -E "ERROR|error:|Fatal|SUMMARY" "$scratch/regression.out" | head -5
        fi
    done
done

# ---- 3. fuzzing
for t in $targets; do
    work="$scratch/corpus-$t"
    rm -rf "$work"; mkdir -p "$work"
    out="$scratch/fuzz-$t.out"
    SDFUZZ_TARGET=$t "$bin" "${common[@]}" -max_total_time="$seconds" -artifact_prefix="$scratch/crashes/$t-" \
        "$work" "Tests/Fuzz/corpus/$t" $(ls -d "Tests/Fuzz/regressions/$t" 2>/dev/null) > "$out" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$out" | tail -1)
    corpus=$(ls "$work" | wc -l)
    if [ "$rc" -eq 0 ] && ! grep -qE "ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)" "$out"; then
        pass "fuzz $t: ${runs:-?} executions in ${seconds}s, $cov, corpus $corpus, no crash"
    else
        fail "fuzz $t (exit $rc): input saved in $scratch/crashes/"
        grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$out" | head -8
    fi
done
finish
