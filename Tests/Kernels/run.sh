#!/usr/bin/env bash
# Builds Tests/Kernels/check_kernels.c with the C kernels under AddressSanitizer and runs it (a few
# seconds). Then once more with the AVX-512 kernels off, so the AVX2 attention and product are checked too.
set -euo pipefail
cd "$(dirname "$0")/../.."
S=Sources/SDKernelsC
out=$(mktemp -d)
clang -O1 -g -fsanitize=address -fno-omit-frame-pointer -I$S/include -I$S Tests/Kernels/check_kernels.c \
    $S/winograd.c $S/winograd4.c $S/attention.c $S/attention_avx2.c $S/attention_avx512.c $S/gemmh_avx2.c $S/gemmh_avx512.c $S/kernels.c $S/kernels_avx2.c $S/blas.c -o "$out/check" -lm -ldl
"$out/check"
SDK_CHECK_NO_AVX512=1 "$out/check"
