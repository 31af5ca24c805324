#!/usr/bin/env bash
# One run, both engines, same checkpoint, sizes and threads, interleaved: sdswift-bench, then the
# PyTorch reference, ROUNDS times (default 1) taking turns, then the ratios of the medians over the
# rounds (engine / reference; below 1 is faster). On a shared machine, ROUNDS=3 keeps one busy spell
# from deciding the result. Benchmarks are separate from the tests. Needs the reference venv
# (Tools/make_fixtures.py creates Tools/.venv).
#   Benchmarks/compare.sh MODEL.safetensors [SIZE] [THREADS] [REPEAT]
# PYTHON=... picks the reference interpreter, SCRATCH=... SwiftPM's build folder (default .build),
# ONLY=... the rows (default sgemm,load,text,unet,vae). ISA=avx2 on an AVX-512 CPU keeps both sides to
# AVX2/FMA (an AVX2-only machine, like the one issue #7 was measured on): the engine's AVX2 kernels and
# OpenBLAS's Haswell ones; PyTorch's ATen, oneDNN and MKL capped at AVX2.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1; size=${2:-512}; threads=${3:-2}; repeat=${4:-3}
py=${PYTHON:-Tools/.venv/bin/python}
scratch=${SCRATCH:-.build}
rounds=${ROUNDS:-1}
only=${ONLY:-sgemm,load,text,unet,vae}
swift build -c release --scratch-path "$scratch" --product sdswift-bench >&2
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)/sdswift-bench
out=$(mktemp -d)
engine_flags=()
if [ "${ISA:-}" = avx2 ]; then
    engine_flags=(--no-avx512)
    export SDSWIFT_BLAS_CORE=Haswell ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2
fi
for r in $(seq "$rounds"); do
    "$bin" "$model" --size "$size" --threads "$threads" --repeat "$repeat" --only "$only" "${engine_flags[@]}" | tee "$out/engine.$r.txt"
    "$py" Benchmarks/reference_bench.py "$model" --size "$size" --threads "$threads" --repeat "$repeat" --only "$only" \
        | tee "$out/reference.$r.txt"
done

# median over the rounds of the seconds column (third from the right) of the rows named $2 in files $1.*
median() {
    cat "$1".*.txt | grep -F "$2" | awk '{print $(NF-2)}' | sort -g \
        | awk '{v[NR] = $1} END { if (NR) print v[int((NR + 1) / 2)] }'
}
echo
printf "%-34s %10s %10s %8s   (medians of %s rounds)\n" work engine reference ratio "$rounds"
while IFS= read -r name; do
    e=$(median "$out/engine" "$name"); r=$(median "$out/reference" "$name")
    if [ -n "$r" ]; then
        printf "%-34s %10s %10s %8s\n" "$name" "$e" "$r" "$(awk -v e="$e" -v r="$r" 'BEGIN { printf "%.2f", e / r }')"
    fi
done < <(grep -E "^(sgemm|load|text|UNet|VAE)" "$out/engine.1.txt" | awk '{ NF -= 3; print }')
printf "%-34s %10s %10s\n" "peak RSS MiB" "$(cat "$out"/engine.*.txt | grep 'peak RSS' | grep -oE '[0-9]+' | sort -n | tail -1)" \
    "$(cat "$out"/reference.*.txt | grep 'peak RSS' | grep -oE '[0-9]+' | sort -n | tail -1)"
