#!/bin/bash
# C API tests: builds libsdswift (Tools/build_library.sh) when it is missing or older than the
# sources, compiles the C tests against Include/ and the installed .so, runs them (the bad-input
# matrix under AddressSanitizer), checks the exported symbols and the examples.
# Prints "N passed, M failed" last; exits non-zero on any failure.
# Env: SDSWIFT_PREFIX (default build), VALGRIND=0 skips the bad-input matrix under valgrind (run
#      by default when valgrind is installed),
#      SKIP_GENERATE=1 skips the end-to-end generation tests.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
prefix=${SDSWIFT_PREFIX:-build}
case $prefix in /*) ;; *) prefix="$root/$prefix" ;; esac
lib="$prefix/lib/libsdswift.so"
model=Tests/Fixtures/models/sd1-tiny.safetensors
inpaint_model=Tests/Fixtures/models/sd1-inpaint-tiny.safetensors
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- build the library if needed
if [ ! -e "$lib" ] || [ -n "$(find Sources Package.swift Include -newer "$lib" \( -name '*.swift' -o -name '*.h' -o -name '*.c' -o -name '*.exports' -o -name '*.modulemap' \) -print -quit)" ]; then
    echo "== building libsdswift"
    if ! Tools/build_library.sh "$prefix"; then fail "library build"; finish; fi
fi
pass "library present: $(readlink -f "$lib")"

cflags=(-std=c99 -Wall -Wextra -Werror -pedantic -g -I"$prefix/include")
ldflags=(-L"$prefix/lib" -lsdswift -Wl,-rpath,"$prefix/lib" -pthread -lm)

# ---- 1. the header compiles as C99 and C++11, pedantically
if cc "${cflags[@]}" -fsyntax-only Tests/CAPI/header_c.c; then pass "header: cc -std=c99 -pedantic"; else fail "header: C99"; fi
if c++ -std=c++11 -Wall -Wextra -Werror -pedantic -I"$prefix/include" -fsyntax-only Tests/CAPI/header_cpp.cpp; then
    pass "header: c++ -std=c++11"; else fail "header: C++11"; fi
if cmp -s Include/sdswift.h "$prefix/include/sdswift.h"; then pass "installed header is Include/sdswift.h"; else fail "installed header differs from Include/sdswift.h"; fi

# ---- 5. exported symbols and dependencies
echo "== ldd $lib"
ldd "$lib"
if ldd "$lib" | grep -Eqi 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then fail "ldd: Swift runtime is a dependency"; else pass "ldd: no Swift runtime libraries"; fi
# Global and weak definitions in the dynamic symbol table (upper-case nm types; lower-case ones are
# local: IFUNC resolvers, TLS and relocation targets that nothing outside can bind to).
exported=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ {print $3}')
foreign=$(echo "$exported" | grep -Ev '^(sdswift_[a-z0-9_]+@@SDSWIFT_1|SDSWIFT_1|_init|_fini|_edata|_end|__bss_start)$' || true)
count=$(echo "$exported" | grep -c '^sdswift_')
if [ -z "$foreign" ] && [ "$count" -gt 20 ]; then pass "nm -D: only sdswift_* exported ($count functions)"
else fail "nm -D: unexpected exports: $foreign"; fi
declared=$(grep -o 'sdswift_[a-z0-9_]*(' Include/sdswift.h | tr -d '(' | sort -u | grep -v '^sdswift_progress_fn$')
missing=$(for f in $declared; do echo "$exported" | grep -q "^$f@@" || echo "$f"; done)
if [ -z "$missing" ]; then pass "every function declared in sdswift.h is exported"; else fail "declared but not exported: $missing"; fi
if pkg-config --exists 2>/dev/null; then :; fi
if PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs sdswift >/dev/null 2>&1 \
   || grep -q "Libs: -L\${libdir} -lsdswift" "$prefix/lib/pkgconfig/sdswift.pc"; then pass "pkg-config file"; else fail "pkg-config file"; fi

# ---- run one test program: count its ok / not ok lines; a crash or non-zero exit is a failure
run_test() {
    local name=$1; shift
    local out="$tmp/$name.out" rc
    "$@" > "$out" 2>&1; rc=$?
    local ok bad
    ok=$(grep -c '^ok - ' "$out"); bad=$(grep -c '^not ok' "$out")
    passed=$((passed + ok)); failed=$((failed + bad))
    grep '^not ok' "$out" | sed "s/^/FAIL $name: /"
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
        fail "$name exited with $rc"; tail -30 "$out"
    fi
    echo "== $name: $ok ok, $bad not ok, exit $rc"
}

compile() {  # compile NAME SOURCE [extra flags]
    local name=$1 src=$2; shift 2
    if cc "${cflags[@]}" "$@" -o "$tmp/$name" "$src" "${ldflags[@]}"; then return 0; fi
    fail "compile $src"; return 1
}

# ---- 3. no model needed, then the bad-input matrix, both under AddressSanitizer
asan=(-fsanitize=address -fno-omit-frame-pointer)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
compile test_basic Tests/CAPI/test_basic.c "${asan[@]}" && run_test test_basic "$tmp/test_basic" "$tmp"
# the leak checker sees memory the library hands out: a deliberate leak must fail
if compile leak_probe Tests/CAPI/leak_probe.c "${asan[@]}"; then
    "$tmp/test_basic" "$tmp" > /dev/null 2>&1  # writes $tmp/roundtrip0.png
    "$tmp/leak_probe" "$tmp/roundtrip0.png" > "$tmp/leak_probe.out" 2>&1; rc=$?
    if [ "$rc" -eq 23 ] && grep -q "LeakSanitizer" "$tmp/leak_probe.out"; then pass "LeakSanitizer catches a leaked sdswift image"
    else fail "leak_probe: a deliberate leak went unnoticed (exit $rc)"; fi
fi

if [ ! -f "$model" ]; then fail "fixture $model is missing (Tools/make_fixtures.py makes it)"; finish; fi
compile test_badinput Tests/CAPI/test_badinput.c "${asan[@]}" && run_test test_badinput "$tmp/test_badinput" "$model" "$tmp"
valgrind_default=0; command -v valgrind >/dev/null && valgrind_default=1
if [ "${VALGRIND:-$valgrind_default}" = 1 ] && compile test_badinput_vg Tests/CAPI/test_badinput.c; then
    run_test valgrind valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=1 \
        "$tmp/test_badinput_vg" "$model" "$tmp"
fi

# ---- 2, 4. generations, progress, cancellation, threads
if [ "${SKIP_GENERATE:-0}" != 1 ]; then
    compile test_generate Tests/CAPI/test_generate.c "${asan[@]}" && run_test test_generate "$tmp/test_generate" "$model" "$inpaint_model" "$tmp"
    compile test_threads Tests/CAPI/test_threads.c "${asan[@]}" && run_test test_threads "$tmp/test_threads" "$model"
    compile test_vae Tests/CAPI/test_vae.c "${asan[@]}" && run_test test_vae "$tmp/test_vae" Tests/Fixtures
    compile test_lora Tests/CAPI/test_lora.c "${asan[@]}" && run_test test_lora "$tmp/test_lora" "$model" Tests/Fixtures/lora Tests/Fixtures/models/sd2-tiny.safetensors
    compile test_mix Tests/CAPI/test_mix.c "${asan[@]}" && run_test test_mix "$tmp/test_mix" "$model"
    compile test_rng Tests/CAPI/test_rng.c "${asan[@]}" && run_test test_rng "$tmp/test_rng" "$model"

    # ---- the examples build and run
    if compile example_c Examples/c/txt2img.c && "$tmp/example_c" "$model" "$tmp/example.png" "a small test" 16 >/dev/null \
       && [ -s "$tmp/example.png" ]; then pass "Examples/c/txt2img.c runs"; else fail "Examples/c/txt2img.c"; fi
    if c++ -std=c++11 -Wall -Wextra -Werror -I"$prefix/include" -IExamples/cpp -o "$tmp/example_cpp" Examples/cpp/txt2img.cpp \
           "${ldflags[@]}" && "$tmp/example_cpp" "$model" "$tmp/example_cpp.png" 16 >/dev/null && [ -s "$tmp/example_cpp.png" ]; then
        pass "Examples/cpp/txt2img.cpp runs"; else fail "Examples/cpp/txt2img.cpp"; fi
fi
finish
