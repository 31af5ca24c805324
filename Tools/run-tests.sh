#!/usr/bin/env bash
# The whole test suite: what README's second command and CI (.ci/run) run.
# Installs the Debian packages it needs (apt-get; via sudo when not root), builds, then runs
# every suite: the Swift tests (engine parity against committed diffusers fixtures, loaders,
# tokenizer, schedulers, edit modes), the C library tests (under AddressSanitizer), the CLI
# tests, and the GIMP plug-in test when its suite exists. Ends with one "N passed, M failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

packages="libopenblas-dev libpng-dev libgif-dev pkg-config"
[ -d Plugins/gimp ] && packages="$packages gimp libgimp2.0-dev xvfb"
missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "== installing:$missing"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null || exit 1
fi

passed=0; failed=0
log=$(mktemp -d)
# count "N passed, M failed" (our runners) and XCTest's "Executed N tests, with M failures"
tally() {
    local f=$1
    local line
    line=$(grep -E "^Test Suite 'All tests' (passed|failed)" -A1 "$f" | grep -oE "Executed [0-9]+ tests?, with [0-9]+ failures?" | tail -1)
    if [ -n "$line" ]; then
        local n m; n=$(echo "$line" | grep -oE "[0-9]+" | sed -n 1p); m=$(echo "$line" | grep -oE "[0-9]+" | sed -n 2p)
        passed=$((passed + n - m)); failed=$((failed + m)); return
    fi
    line=$(grep -E "^[A-Za-z]*:? ?[0-9]+ passed, [0-9]+ failed" "$f" | tail -1)
    if [ -n "$line" ]; then
        passed=$((passed + $(echo "$line" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")))
        failed=$((failed + $(echo "$line" | grep -oE "[0-9]+ failed" | grep -oE "[0-9]+")))
    else
        failed=$((failed + 1))  # a suite that crashed or printed no summary counts as a failure
    fi
}
suite() {
    local name=$1; shift
    echo "== $name"
    "$@" 2>&1 | tee "$log/$name.txt"
    local rc=${PIPESTATUS[0]}
    tally "$log/$name.txt"
    [ "$rc" -ne 0 ] && echo "== $name: exit code $rc"
    return 0
}

suite swift-tests swift test
[ -x Tests/CAPI/run.sh ] && suite c-library bash Tests/CAPI/run.sh
[ -x Tests/CLI/run.sh ] && suite cli bash Tests/CLI/run.sh
# short fuzz runs (FUZZ_SECONDS each target) and the C library's reliability checks, on the
# library the C tests just installed into build/
[ -x Tests/Fuzz/run.sh ] && suite fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-20}" bash Tests/Fuzz/run.sh
[ -x Tests/Reliability/run.sh ] && suite reliability env SDSWIFT_PREFIX="${SDSWIFT_PREFIX:-$root/build}" bash Tests/Reliability/run.sh
[ -x Tests/Reliability/tsan.sh ] && suite tsan bash Tests/Reliability/tsan.sh  # 4 threads x 20 under TSan (~2.5 min cold)
[ -x Tests/GIMP/run.sh ] && suite gimp bash Tests/GIMP/run.sh

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
